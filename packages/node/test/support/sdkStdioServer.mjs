#!/usr/bin/env node
// A test peer: the OFFICIAL @modelcontextprotocol/sdk MCP server (the same tools, resource and
// prompt as sdkServer.mjs) over the SDK's StdioServerTransport, plus tools for crash tests.
//
// With MCP_TEST_LOG=<file>, appends one line per event to that file, across processes:
//   "start <pid>", "initialized <pid>", "destroy <pid>", "note <pid>",
//   "subscribe:<uri> <pid>", "setLevel:<level> <pid>"
// so that a test counts respawns, handshakes and side effects on the server's side.
// With --exit-at-start, writes to stderr and exits with code 3 before reading anything;
// with --exit-at-restart, only when the log file already shows a start (a later process).
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js"
import { SetLevelRequestSchema, SubscribeRequestSchema } from "@modelcontextprotocol/sdk/types.js"
import { appendFileSync, existsSync, readFileSync } from "node:fs"
import { z } from "zod"
import { createSdkMcpServer } from "./sdkServer.mjs"

const logFile = process.env.MCP_TEST_LOG
const log = (event) => {
  if (logFile !== undefined) appendFileSync(logFile, `${event} ${process.pid}\n`)
}

// --exit-at-restart: the first process of a test starts; every later one fails at start-up.
const restarted = logFile !== undefined && process.argv.includes("--exit-at-restart") &&
  existsSync(logFile) && readFileSync(logFile, "utf8").includes("start ")
log("start")
if (process.argv.includes("--exit-at-start") || restarted) {
  process.stderr.write("fatal: cannot start (test)\n")
  process.exit(3)
}

const server = createSdkMcpServer()

server.registerTool("destroy", {
  description: "A destructive action: records itself, reports progress, then never answers",
  inputSchema: {},
  annotations: { destructiveHint: true, idempotentHint: false, readOnlyHint: false }
}, async (_args, extra) => {
  log("destroy")
  const progressToken = extra._meta?.progressToken
  if (progressToken !== undefined) {
    await extra.sendNotification({ method: "notifications/progress", params: { progressToken, progress: 1 } })
  }
  return new Promise(() => {})
})

server.registerTool("note", {
  description: "Records that it ran, then returns its text (read-only: safe to replay)",
  inputSchema: { text: z.string() },
  annotations: { readOnlyHint: true, idempotentHint: true }
}, async ({ text }) => {
  log("note")
  return { content: [{ type: "text", text }] }
})

server.registerTool("env", {
  description: "Returns the names of the environment variables the server sees",
  inputSchema: {},
  annotations: { readOnlyHint: true }
}, async () => ({ content: [{ type: "text", text: Object.keys(process.env).sort().join(",") }] }))

server.registerTool("sample", {
  description: "Asks the client to sample (sampling/createMessage) and returns its text",
  inputSchema: { prompt: z.string() }
}, async ({ prompt }) => {
  const result = await server.server.createMessage({
    messages: [{ role: "user", content: { type: "text", text: prompt } }],
    maxTokens: 10
  })
  return { content: [{ type: "text", text: result.content.type === "text" ? result.content.text : "" }] }
})

server.registerTool("roots", {
  description: "Asks the client for its roots and returns their uris",
  inputSchema: {}
}, async () => {
  const result = await server.server.listRoots()
  return { content: [{ type: "text", text: result.roots.map((root) => root.uri).join(",") }] }
})

// What a session was told, recorded: a replacement session must be told again (restore).
server.server.registerCapabilities({ resources: { subscribe: true } })
server.server.setRequestHandler(SubscribeRequestSchema, async (request) => {
  log(`subscribe:${request.params.uri}`)
  return {}
})
server.server.setRequestHandler(SetLevelRequestSchema, async (request) => {
  log(`setLevel:${request.params.level}`)
  return {}
})

server.server.oninitialized = () => log("initialized")

await server.connect(new StdioServerTransport())

#!/usr/bin/env node
// A server PROCESS for restart tests: the official SDK's McpServer, stateful, written the way the
// SDK README's "transports map" example is (an unknown session id is answered 400 "Bad Request: No
// valid session ID provided"). The test kills it (SIGKILL) and starts it again on the same port.
//
//   node restartableServer.mjs --port N --calls FILE [--initializes FILE] [--initialize-millis MS]
//
// --initializes FILE: appends "initialize <n>" per initialize request, n being how many initialize
// requests were in progress on this process when it arrived (itself included): the test counts
// initializes across processes and sees how many clients handshook at once. --initialize-millis:
// each initialize is answered that much later (so that handshakes overlap when nothing bounds them).
// Tools: `lookup` (read-only, 100 ms or `millis`) and `charge` (destructive, 1.5 s; appends "charge <id>" to
// FILE when it starts, so the test counts executions across processes). Prints {"port":N} once
// listening on 127.0.0.1.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js"
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js"
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js"
import { Buffer } from "node:buffer"
import { randomUUID } from "node:crypto"
import { appendFileSync } from "node:fs"
import { createServer } from "node:http"
import { z } from "zod"

const arg = (name) => {
  const i = process.argv.indexOf(name)
  return i === -1 ? undefined : process.argv[i + 1]
}
const port = Number(arg("--port") ?? "0")
const callsFile = arg("--calls")
const initializesFile = arg("--initializes")
const initializeMillis = Number(arg("--initialize-millis") ?? "0")
let initializing = 0
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

const mcpServer = () => {
  const server = new McpServer({ name: "restartable", version: "1.0.0" })
  server.registerTool("lookup", {
    description: "Reads a value (read-only)",
    inputSchema: { key: z.string(), millis: z.number().optional() },
    annotations: { readOnlyHint: true }
  }, async ({ key, millis }) => {
    await sleep(millis ?? 100)
    return { content: [{ type: "text", text: `value of ${key}` }] }
  })
  server.registerTool("charge", {
    description: "Charges a card (destructive)",
    inputSchema: { id: z.string() },
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false }
  }, async ({ id }) => {
    if (callsFile !== undefined) appendFileSync(callsFile, `charge ${id}\n`)
    await sleep(1500)
    return { content: [{ type: "text", text: `charged ${id}` }] }
  })
  return server
}

const transports = new Map()
const readBody = async (req) => {
  const chunks = []
  for await (const chunk of req) chunks.push(chunk)
  return chunks.length === 0 ? undefined : JSON.parse(Buffer.concat(chunks).toString("utf8"))
}
const badRequest = (res) => {
  res.writeHead(400, { "Content-Type": "application/json" })
  res.end(
    JSON.stringify({
      jsonrpc: "2.0",
      error: { code: -32000, message: "Bad Request: No valid session ID provided" },
      id: null
    })
  )
}

const http = createServer(async (req, res) => {
  try {
    const sessionId = req.headers["mcp-session-id"]
    const body = req.method === "POST" ? await readBody(req) : undefined
    if (initializesFile !== undefined && req.method === "POST" && isInitializeRequest(body)) {
      initializing++
      res.once("close", () => initializing--)
      appendFileSync(initializesFile, `initialize ${initializing}\n`)
      if (initializeMillis > 0) await sleep(initializeMillis)
    }
    let transport = typeof sessionId === "string" ? transports.get(sessionId) : undefined
    if (transport === undefined) {
      if (sessionId !== undefined || req.method !== "POST" || !isInitializeRequest(body)) return badRequest(res)
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => transports.set(id, transport)
      })
      transport.onclose = () => transports.delete(transport.sessionId)
      await mcpServer().connect(transport)
    }
    await transport.handleRequest(req, res, body)
  } catch (error) {
    if (!res.headersSent) res.writeHead(500)
    res.end(String(error))
  }
})
http.listen(port, "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ port: http.address().port })}\n`)
})
process.on("SIGTERM", () => process.exit(0))

#!/usr/bin/env node
// A minimal MCP Streamable HTTP server whose `progress` answer is a PRE-RENDERED SSE body: the
// `count` progress notifications and the result are rendered once at start-up, and a call only
// splices in its progress token and request id. It isolates the client's cost of receiving events
// from the server's cost of producing them (the SDK server spends most of the time on its side).
//
//   node prerenderedServer.mjs [--count N] [--port N] [--get-streams]
//
// Same process contract as packages/node/test/support/sdkServerMain.mjs: prints {"url":...}, then
// answers stdin commands (stats -> {"sessions":[...],"initializeCount":N,"requests":N}); exits when
// stdin closes. Sessions: initialize (JSON answer, Mcp-Session-Id), 202 for notifications, 405 for
// GET, DELETE ends the session, 404 for an unknown one. Tools: echo, progress (the count is fixed).
// --get-streams (the scale scenario): a GET with a known session opens an SSE stream that stays
// open and silent until the session ends; `counts` answers {sessionCount, getStreams,
// initializeCount, requests} without the session list (10,000 ids are too many for a stats line).
import { Buffer } from "node:buffer"
import { randomUUID } from "node:crypto"
import { createServer } from "node:http"
import { createInterface } from "node:readline"

const args = process.argv.slice(2)
const flag = (name, fallback) => {
  const i = args.indexOf(name)
  return i === -1 ? fallback : Number(args[i + 1])
}
const COUNT = flag("--count", 10_000)
const PORT = flag("--port", 0)
const GET_STREAMS = args.includes("--get-streams")
const SUPPORTED = ["2025-11-25", "2025-06-18", "2025-03-26"]

const TOKEN = "@@token@@"
const ID = "@@id@@"
const sse = (message) => `event: message\ndata: ${JSON.stringify(message)}\n\n`
let template = ""
for (let i = 1; i <= COUNT; i++) {
  template += sse({
    method: "notifications/progress",
    params: { progressToken: TOKEN, progress: i, total: COUNT, message: `${i}/${COUNT}` },
    jsonrpc: "2.0"
  })
}
template += sse({ result: { content: [{ type: "text", text: `done ${COUNT}` }] }, jsonrpc: "2.0", id: ID })
// [text, TOKEN, text, TOKEN, ..., text, ID, text] → every other piece is a hole.
const pieces = template.split(/("@@token@@"|"@@id@@")/).map((piece) =>
  piece === `"${TOKEN}"` ? "token" : piece === `"${ID}"` ? "id" : Buffer.from(piece)
)
const render = (token, id) => {
  const tokenBytes = Buffer.from(JSON.stringify(token))
  const idBytes = Buffer.from(JSON.stringify(id))
  return Buffer.concat(pieces.map((piece) => piece === "token" ? tokenBytes : piece === "id" ? idBytes : piece))
}

const sessions = new Set()
let initializeCount = 0
let requests = 0
/** Open GET streams, by session: ended with their session. */
const streams = new Map()
let getStreams = 0

const openStream = (sessionId, res) => {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" })
  res.flushHeaders()
  getStreams++
  const open = streams.get(sessionId) ?? new Set()
  open.add(res)
  streams.set(sessionId, open)
  res.on("close", () => {
    getStreams--
    open.delete(res)
    if (open.size === 0 && streams.get(sessionId) === open) streams.delete(sessionId)
  })
}

const json = (res, status, body, headers = {}) => {
  res.writeHead(status, { "content-type": "application/json", ...headers })
  res.end(JSON.stringify(body))
}

const answer = (message) => {
  const params = message.params ?? {}
  switch (message.method) {
    case "ping":
      return { result: {} }
    case "tools/list":
      return {
        result: {
          tools: [
            { name: "echo", inputSchema: { type: "object", properties: { text: { type: "string" } } } },
            { name: "progress", inputSchema: { type: "object", properties: { count: { type: "number" } } } }
          ]
        }
      }
    case "tools/call":
      if (params.name === "echo") return { result: { content: [{ type: "text", text: params.arguments?.text ?? "" }] } }
      return { error: { code: -32602, message: `unknown tool ${params.name}` } }
    default:
      return { error: { code: -32601, message: `method not found: ${message.method}` } }
  }
}

const server = createServer((req, res) => {
  requests++
  const sessionId = req.headers["mcp-session-id"]
  if (req.method === "GET") {
    if (!GET_STREAMS) return json(res, 405, { error: "no GET stream" }, { allow: "POST, DELETE" })
    if (sessionId === undefined || !sessions.has(sessionId)) {
      return json(res, sessionId === undefined ? 400 : 404, { error: "Session not found" })
    }
    return openStream(sessionId, res)
  }
  if (req.method === "DELETE") {
    const known = sessions.delete(sessionId)
    for (const stream of streams.get(sessionId) ?? []) stream.end()
    res.writeHead(known ? 200 : 404)
    return res.end()
  }
  const chunks = []
  req.on("data", (chunk) => chunks.push(chunk))
  req.on("end", () => {
    const message = JSON.parse(Buffer.concat(chunks).toString("utf8"))
    if (message.method === "initialize") {
      const id = randomUUID()
      sessions.add(id)
      initializeCount++
      const asked = message.params?.protocolVersion
      return json(res, 200, {
        jsonrpc: "2.0",
        id: message.id,
        result: {
          protocolVersion: SUPPORTED.includes(asked) ? asked : SUPPORTED[0],
          capabilities: { tools: {} },
          serverInfo: { name: "prerendered", version: "1.0.0" }
        }
      }, { "mcp-session-id": id })
    }
    if (sessionId === undefined || !sessions.has(sessionId)) {
      return json(res, sessionId === undefined ? 400 : 404, {
        jsonrpc: "2.0",
        id: null,
        error: { code: -32001, message: "Session not found" }
      })
    }
    if (message.id === undefined) {
      res.writeHead(202)
      return res.end()
    }
    if (message.method === "tools/call" && message.params?.name === "progress") {
      const token = message.params._meta?.progressToken
      if (message.params.arguments?.count !== COUNT || token === undefined) {
        return json(res, 200, {
          jsonrpc: "2.0",
          id: message.id,
          error: { code: -32602, message: `this server only sends ${COUNT} events, with a progressToken` }
        })
      }
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" })
      return res.end(render(token, message.id))
    }
    return json(res, 200, { jsonrpc: "2.0", id: message.id, ...answer(message) })
  })
})

// Idle kept-alive connections live a minute, not Node's 5 s: with 10,000 clients on a loaded machine
// the server closing an idle socket races the client reusing it ("other side closed" on a POST).
// undici follows the server's Keep-Alive hint and closes its side first.
server.keepAliveTimeout = 60_000
// A deep accept queue: after a restart every client of the scale scenario reconnects at once.
server.listen({ port: PORT, host: "127.0.0.1", backlog: 4096 }, () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}/mcp` })}\n`)
})

const stop = () => {
  server.close(() => process.exit(0))
  server.closeAllConnections()
}
process.on("SIGTERM", stop)
process.on("SIGINT", stop)
const commands = createInterface({ input: process.stdin })
commands.on("close", stop)
commands.on("line", (line) => {
  const reply = (value) => process.stdout.write(`${JSON.stringify(value)}\n`)
  switch (line.trim()) {
    case "":
      return
    case "stats":
      return reply({ sessions: [...sessions], initializeCount, requests })
    case "counts":
      return reply({ sessionCount: sessions.size, getStreams, initializeCount, requests })
    default:
      return reply({ error: `unknown command: ${line.trim()}` })
  }
})

// A test peer: the OFFICIAL @modelcontextprotocol/sdk MCP server over real HTTP on 127.0.0.1.
// Plain ESM JavaScript so that the benchmark suite can run it with bare Node (see sdkServerMain.mjs);
// the types live in sdkServer.d.mts.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js"
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js"
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js"
import { Buffer } from "node:buffer"
import { randomUUID } from "node:crypto"
import { createServer } from "node:http"
import { z } from "zod"

/** The path the MCP endpoint is served on. */
export const MCP_PATH = "/mcp"

const SESSION_NOT_FOUND = -32001
const BAD_REQUEST = -32000
const PARSE_ERROR = -32700
const INTERNAL_ERROR = -32603

let storeCounter = 0

/**
 * An in-memory EventStore with ids unique across stores (so a Last-Event-ID of another session is
 * rejected, not silently replayed) and replay in storage order.
 *
 * Not the SDK's examples/shared/inMemoryEventStore: that one derives the stream id from the event id
 * by splitting on "_", which breaks for the standalone GET stream (its id is "_GET_stream"), and it
 * orders events by a random suffix within the same millisecond.
 */
export class MemoryEventStore {
  #prefix = `s${++storeCounter}`
  #seq = 0
  /** eventId -> { streamId, index } */
  #index = new Map()
  /** streamId -> Array<{ eventId, message }> */
  #streams = new Map()

  async storeEvent(streamId, message) {
    const eventId = `${this.#prefix}-${++this.#seq}`
    let events = this.#streams.get(streamId)
    if (events === undefined) {
      events = []
      this.#streams.set(streamId, events)
    }
    this.#index.set(eventId, { streamId, index: events.length })
    events.push({ eventId, message })
    return eventId
  }

  async getStreamIdForEventId(eventId) {
    return this.#index.get(eventId)?.streamId
  }

  async replayEventsAfter(lastEventId, { send }) {
    const position = this.#index.get(lastEventId)
    if (position === undefined) return ""
    const events = this.#streams.get(position.streamId) ?? []
    for (const { eventId, message } of events.slice(position.index + 1)) {
      // Priming events are stored as `{}`: they carry no message to replay.
      if (typeof message === "object" && message !== null && "jsonrpc" in message) {
        await send(eventId, message)
      }
    }
    return position.streamId
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** The MCP server every session (or, stateless, every request) gets: tools, one resource, one prompt. */
export function createSdkMcpServer() {
  const server = new McpServer({ name: "sdk-test-server", version: "1.0.0" }, { capabilities: { logging: {} } })

  server.registerTool("echo", {
    description: "Returns its text",
    inputSchema: { text: z.string() },
    annotations: { readOnlyHint: true, idempotentHint: true }
  }, async ({ text }) => ({ content: [{ type: "text", text }] }))

  server.registerTool("add", {
    description: "Adds two numbers",
    inputSchema: { a: z.number(), b: z.number() },
    outputSchema: { sum: z.number() },
    annotations: { readOnlyHint: true, idempotentHint: true }
  }, async ({ a, b }) => ({
    content: [{ type: "text", text: String(a + b) }],
    structuredContent: { sum: a + b }
  }))

  server.registerTool("progress", {
    description: "Sends `count` progress notifications (when asked for with a progressToken), then returns",
    inputSchema: {
      count: z.number().int().min(0).max(10_000),
      delayMs: z.number().int().min(0).max(60_000).optional()
    }
  }, async ({ count, delayMs }, extra) => {
    const progressToken = extra._meta?.progressToken
    for (let i = 1; i <= count; i++) {
      if (delayMs !== undefined && delayMs > 0) await sleep(delayMs)
      if (progressToken !== undefined) {
        await extra.sendNotification({
          method: "notifications/progress",
          params: { progressToken, progress: i, total: count, message: `${i}/${count}` }
        })
      }
    }
    return { content: [{ type: "text", text: `done ${count}` }] }
  })

  server.registerTool("elicit", {
    description: "Asks the client (elicitation/create, form mode) and returns what it answered",
    inputSchema: { message: z.string().optional() },
    outputSchema: { action: z.enum(["accept", "decline", "cancel"]), content: z.record(z.unknown()).optional() }
  }, async ({ message }, extra) => {
    // relatedRequestId puts the server request on this call's own SSE stream, not on the GET stream.
    const result = await server.server.elicitInput({
      mode: "form",
      message: message ?? "Please answer",
      requestedSchema: { type: "object", properties: { answer: { type: "string" } } }
    }, { relatedRequestId: extra.requestId })
    const structuredContent = result.content === undefined
      ? { action: result.action }
      : { action: result.action, content: result.content }
    return { content: [{ type: "text", text: JSON.stringify(structuredContent) }], structuredContent }
  })

  server.registerTool("close_stream", {
    description: "SEP-1699 polling: closes this call's SSE stream (needs the event store and protocol " +
      ">= 2025-11-25), waits delayMs, then returns; the result is replayed on a GET with Last-Event-ID",
    inputSchema: { delayMs: z.number().int().min(0).max(60_000).optional() }
  }, async ({ delayMs }, extra) => {
    const closed = extra.closeSSEStream !== undefined
    extra.closeSSEStream?.()
    if (delayMs !== undefined && delayMs > 0) await sleep(delayMs)
    return { content: [{ type: "text", text: closed ? "stream closed" : "stream kept" }] }
  })

  server.registerResource(
    "hello",
    "test://hello",
    { mimeType: "text/plain", description: "A greeting" },
    async (uri) => ({
      contents: [{ uri: uri.href, mimeType: "text/plain", text: "Hello, world!" }]
    })
  )

  server.registerPrompt("greet", { description: "Greets someone", argsSchema: { name: z.string() } }, ({ name }) => ({
    messages: [{ role: "user", content: { type: "text", text: `Hello, ${name}!` } }]
  }))

  return server
}

function sendJsonError(res, status, code, message, headers = {}) {
  res.writeHead(status, { "Content-Type": "application/json", ...headers })
  res.end(JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null }))
}

function headerValue(req, name) {
  const value = req.headers[name]
  return Array.isArray(value) ? value[0] : value
}

async function readBody(req) {
  const chunks = []
  for await (const chunk of req) chunks.push(chunk)
  return Buffer.concat(chunks).toString("utf8")
}

function rpcMethodOf(body) {
  return typeof body === "object" && body !== null && !Array.isArray(body) && typeof body.method === "string"
    ? body.method
    : undefined
}

/** Starts the SDK server on 127.0.0.1 (see sdkServer.d.mts for the contract). */
export async function startSdkServer(options = {}) {
  const stateful = options.stateful ?? true
  const json = options.json ?? false
  const useEventStore = options.eventStore ?? false
  const retryInterval = options.retryInterval

  /** sessionId -> { transport, server, open: Set<ServerResponse> (requests routed to it, still open) } */
  const sessions = new Map()
  const log = []
  let initializations = 0

  const transportOptions = (extra) => ({
    enableJsonResponse: json,
    ...(useEventStore ? { eventStore: new MemoryEventStore() } : {}),
    ...(retryInterval === undefined ? {} : { retryInterval }),
    ...extra
  })

  const expire = async (id, expireOptions = {}) => {
    const session = sessions.get(id)
    if (session === undefined) return false
    sessions.delete(id)
    // Closing the server closes its transport, which ends the session's open SSE streams; the SDK
    // leaves pending JSON-mode responses unanswered, hence the option to drop them.
    await session.server.close()
    if (expireOptions.dropInFlight === true) {
      for (const res of session.open) res.destroy()
    }
    return true
  }

  const handleStateless = async (req, res, body) => {
    if (req.method !== "POST") {
      // Like the SDK's stateless example: no GET stream, no session to delete.
      sendJsonError(res, 405, BAD_REQUEST, "Method not allowed.", { Allow: "POST" })
      return
    }
    if (isInitializeRequest(body)) initializations++
    const server = createSdkMcpServer()
    const transport = new StreamableHTTPServerTransport(transportOptions({ sessionIdGenerator: undefined }))
    res.on("close", () => {
      void transport.close()
      void server.close()
    })
    await server.connect(transport)
    await transport.handleRequest(req, res, body)
  }

  const handleStateful = async (req, res, body, sessionId) => {
    if (sessionId !== undefined) {
      const session = sessions.get(sessionId)
      if (session === undefined) {
        // The SDK transport would answer 404 itself only for a transport it still holds; ids we
        // dropped (expired, deleted, restarted, never issued) must get the spec's 404 too.
        sendJsonError(res, 404, SESSION_NOT_FOUND, "Session not found")
        return
      }
      session.open.add(res)
      res.on("close", () => session.open.delete(res))
      await session.transport.handleRequest(req, res, body)
      return
    }
    if (req.method !== "POST") {
      sendJsonError(res, 400, BAD_REQUEST, "Bad Request: Mcp-Session-Id header is required")
      return
    }
    if (!isInitializeRequest(body)) {
      sendJsonError(res, 400, BAD_REQUEST, "Bad Request: No valid session ID provided")
      return
    }
    const server = createSdkMcpServer()
    const transport = new StreamableHTTPServerTransport(transportOptions({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        initializations++
        sessions.set(id, { transport, server, open: new Set() })
      }
    }))
    // Must be set before connect(): the server wraps whatever onclose is there at that point.
    transport.onclose = () => {
      const id = transport.sessionId
      if (id !== undefined && sessions.get(id)?.transport === transport) sessions.delete(id)
    }
    await server.connect(transport)
    await transport.handleRequest(req, res, body)
  }

  const httpServer = createServer((req, res) => {
    const sessionId = headerValue(req, "mcp-session-id")
    const entry = {
      method: req.method ?? "",
      sessionId,
      lastEventId: headerValue(req, "last-event-id"),
      rpcMethod: undefined,
      status: undefined
    }
    log.push(entry)
    // SSE responses stay open: record the status when the head goes out, not when the response ends.
    const writeHead = res.writeHead
    res.writeHead = function(status, ...rest) {
      entry.status = status
      return writeHead.call(this, status, ...rest)
    }

    const handle = async () => {
      const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname
      if (path !== MCP_PATH) {
        res.writeHead(404, { "Content-Type": "text/plain" })
        res.end("Not Found")
        return
      }
      let body
      if (req.method === "POST") {
        try {
          body = JSON.parse(await readBody(req))
        } catch {
          sendJsonError(res, 400, PARSE_ERROR, "Parse error: Invalid JSON")
          return
        }
        entry.rpcMethod = rpcMethodOf(body)
      }
      await (stateful ? handleStateful(req, res, body, sessionId) : handleStateless(req, res, body))
    }

    handle().catch((error) => {
      if (!res.headersSent) sendJsonError(res, 500, INTERNAL_ERROR, `Internal error: ${String(error)}`)
      else res.destroy()
    })
  })

  await new Promise((resolve, reject) => {
    httpServer.once("error", reject)
    httpServer.listen(options.port ?? 0, "127.0.0.1", () => {
      httpServer.off("error", reject)
      resolve()
    })
  })
  const address = httpServer.address()
  const port = typeof address === "object" && address !== null ? address.port : 0
  const url = `http://127.0.0.1:${port}${MCP_PATH}`

  const expireAll = async (expireOptions) => {
    const ids = [...sessions.keys()]
    await Promise.all(ids.map((id) => expire(id, expireOptions)))
    return ids.length
  }

  let closed = false
  return {
    url,
    port,
    options: { stateful, json, eventStore: useEventStore, ...(retryInterval === undefined ? {} : { retryInterval }) },
    expireSession: expire,
    expireAll,
    restart: async (restartOptions = {}) => {
      await expireAll(restartOptions)
      if (restartOptions.dropConnections === true) httpServer.closeAllConnections()
    },
    sessionIds: () => [...sessions.keys()],
    initializeCount: () => initializations,
    requests: () => log.map((entry) => ({ ...entry })),
    clearRequests: () => {
      log.length = 0
    },
    close: async () => {
      if (closed) return
      closed = true
      await expireAll()
      await new Promise((resolve) => {
        httpServer.close(() => resolve())
        httpServer.closeAllConnections()
      })
    }
  }
}

// The floor: raw undici (Agent#request, what undici.request calls) with the same JSON-RPC bytes
// and headers an MCP client sends, and nothing else — no schema validation, no timeouts, no
// reconnects. It does the least any correct client must do: keep the session headers, JSON.parse
// every message it receives (SSE split into events) and hand progress to a callback. No client can
// be cheaper than this on the same wire.
import { Agent } from "undici"

export const label = "raw undici (floor)"

/** It has no recovery of its own: the benchmark wraps it (see recovery.mjs), like the SDK clients. */
export const recoversItself = false

const PROTOCOL_VERSION = "2025-11-25"
const ACCEPT = "application/json, text/event-stream"

/** Thrown for a 404 to a request that carried a session id (the session is gone). */
export class SessionGone extends Error {
  status = 404
}

export const isSessionGone = (error) => error instanceof SessionGone

/** One Agent per process, like the one undici Agent of @effect/platform-node's layerUndici. */
let sharedAgent
const agent = () => (sharedAgent ??= new Agent())

const collect = async (body) => {
  let text = ""
  body.setEncoding("utf8")
  for await (const chunk of body) text += chunk
  return text
}

/**
 * Reads an SSE body, calling `onMessage` with each parsed JSON-RPC message until it returns true; the
 * rest of the body is still read (not parsed), so the connection is kept alive for the next request.
 */
const readSse = async (body, onMessage) => {
  body.setEncoding("utf8")
  let buffer = ""
  let done = false
  for await (const chunk of body) {
    if (done) continue
    buffer += chunk
    let end
    while ((end = buffer.indexOf("\n\n")) !== -1) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      let data = ""
      let start = 0
      while (start < block.length) {
        let eol = block.indexOf("\n", start)
        if (eol === -1) eol = block.length
        if (block.startsWith("data:", start)) {
          const value = block.slice(start + (block.charCodeAt(start + 5) === 32 ? 6 : 5), eol)
          data = data === "" ? value : `${data}\n${value}`
        }
        start = eol + 1
      }
      if (data !== "" && onMessage(JSON.parse(data))) {
        done = true
        break
      }
    }
  }
}

export async function connect(url, options = {}) {
  const getStream = options.getStream ?? true
  const target = new URL(url)
  const origin = target.origin
  const path = target.pathname
  const dispatcher = agent()
  let nextId = 0
  let sessionId
  let protocolVersion
  let getBody
  let getOpened = Promise.resolve()

  const headers = () => {
    const h = { "content-type": "application/json", accept: ACCEPT }
    if (sessionId !== undefined) h["mcp-session-id"] = sessionId
    if (protocolVersion !== undefined) h["mcp-protocol-version"] = protocolVersion
    return h
  }

  const post = (message) =>
    dispatcher.request({ origin, path, method: "POST", headers: headers(), body: JSON.stringify(message) })

  /** Sends a request and returns its result (or throws its error). */
  const rpc = async (method, params, onProgress) => {
    const id = nextId++
    const sentWith = sessionId
    const sentParams = onProgress === undefined ? params : { ...params, _meta: { progressToken: id } }
    const response = await post({ jsonrpc: "2.0", id, method, params: sentParams })
    if (response.statusCode === 404 && sentWith !== undefined) {
      await response.body.dump()
      throw new SessionGone(`404 for session ${sentWith}`)
    }
    if (response.statusCode < 200 || response.statusCode >= 300) {
      throw new Error(`${method}: HTTP ${response.statusCode}: ${await collect(response.body)}`)
    }
    const type = response.headers["content-type"] ?? ""
    let answer
    if (type.startsWith("text/event-stream")) {
      await readSse(response.body, (message) => {
        if (message.id === id && message.method === undefined) {
          answer = message
          return true
        }
        if (message.method === "notifications/progress" && message.params?.progressToken === id) {
          onProgress?.(message.params)
        }
        return false
      })
      if (answer === undefined) throw new Error(`${method}: the SSE stream ended before the response`)
    } else {
      answer = JSON.parse(await collect(response.body))
    }
    if (answer.error !== undefined) {
      throw new Error(`${method}: JSON-RPC error ${answer.error.code}: ${answer.error.message}`)
    }
    return { answer: answer.result, headers: response.headers }
  }

  const notify = async (method) => {
    const response = await post({ jsonrpc: "2.0", method })
    await response.body.dump()
    if (response.statusCode < 200 || response.statusCode >= 300) {
      throw new Error(`${method}: HTTP ${response.statusCode}`)
    }
  }

  const openGet = async () => {
    const response = await dispatcher.request({
      origin,
      path,
      method: "GET",
      headers: { ...headers(), accept: "text/event-stream" }
    })
    if (response.statusCode !== 200) {
      await response.body.dump()
      return
    }
    getBody = response.body
    // Server-initiated messages: parsed and dropped (the benchmark's server sends none).
    readSse(response.body, () => false).catch(() => {})
  }

  const handshake = async () => {
    sessionId = undefined
    protocolVersion = undefined
    const { answer, headers: responseHeaders } = await rpc("initialize", {
      protocolVersion: PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: { name: "bench-floor", version: "1.0.0" }
    })
    sessionId = responseHeaders["mcp-session-id"]
    protocolVersion = answer.protocolVersion
    await notify("notifications/initialized")
    // In the background, like the other clients: calls never wait for the GET stream.
    if (getStream) getOpened = openGet().catch(() => {})
  }

  await handshake()

  return {
    call: async (name, args, onProgress) => (await rpc("tools/call", { name, arguments: args }, onProgress)).answer,
    close: async () => {
      await getOpened
      getBody?.destroy()
      if (sessionId === undefined) return
      const response = await dispatcher.request({ origin, path, method: "DELETE", headers: headers() })
      await response.body.dump()
    }
  }
}

import { spawn } from "node:child_process"
import { once } from "node:events"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { afterEach, describe, expect, it, vi } from "vitest"
import type { SdkServer, SdkServerOptions } from "./support/sdkServer.mjs"
import { startSdkServer } from "./support/sdkServer.mjs"

// Tests of the harness itself, with plain fetch as the client: they pin down how the official SDK
// server behaves on the wire, so client tests built on the harness know what they are talking to.

const PROTOCOL_VERSION = "2025-11-25"

interface SseEvent {
  readonly id: string | undefined
  readonly retry: number | undefined
  readonly data: string
}

interface JsonRpcMessage {
  readonly id: string | number | null | undefined
  readonly method: string | undefined
  readonly params: Record<string, unknown> | undefined
  readonly result: Record<string, unknown> | undefined
  readonly error: { readonly code: unknown; readonly message: unknown } | undefined
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null

const parseMessage = (text: string): JsonRpcMessage => {
  const value: unknown = JSON.parse(text)
  if (!isRecord(value) || value.jsonrpc !== "2.0") throw new Error(`not a JSON-RPC message: ${text}`)
  const { error, id, method, params, result } = value
  return {
    id: typeof id === "string" || typeof id === "number" || id === null ? id : undefined,
    method: typeof method === "string" ? method : undefined,
    params: isRecord(params) ? params : undefined,
    result: isRecord(result) ? result : undefined,
    error: isRecord(error) ? { code: error.code, message: error.message } : undefined
  }
}

const parseEvent = (block: string): SseEvent | undefined => {
  let id: string | undefined
  let retry: number | undefined
  const data: Array<string> = []
  let sawField = false
  for (const line of block.split("\n")) {
    if (line === "" || line.startsWith(":")) continue
    const colon = line.indexOf(":")
    const field = colon === -1 ? line : line.slice(0, colon)
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "")
    sawField = true
    if (field === "id") id = value
    else if (field === "retry") retry = Number(value)
    else if (field === "data") data.push(value)
  }
  return sawField ? { id, retry, data: data.join("\n") } : undefined
}

/** SSE events as they arrive; stops when the server ends the stream. */
async function* sseEvents(response: Response): AsyncGenerator<SseEvent> {
  if (response.body === null) throw new Error("no body")
  const reader = response.body.getReader()
  const decoder = new TextDecoder()
  let buffer = ""
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      buffer = (buffer + decoder.decode(value, { stream: true })).replace(/\r\n?/g, "\n")
      let end = buffer.indexOf("\n\n")
      while (end !== -1) {
        const event = parseEvent(buffer.slice(0, end))
        buffer = buffer.slice(end + 2)
        if (event !== undefined) yield event
        end = buffer.indexOf("\n\n")
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined)
  }
}

const collectEvents = async (response: Response): Promise<Array<SseEvent>> => {
  const events: Array<SseEvent> = []
  for await (const event of sseEvents(response)) events.push(event)
  return events
}

const messagesOf = (events: ReadonlyArray<SseEvent>): Array<JsonRpcMessage> =>
  events.filter((event) => event.data !== "").map((event) => parseMessage(event.data))

/** Every JSON-RPC message of a POST answer, whichever of the two modes the server chose. */
const readMessages = async (response: Response): Promise<Array<JsonRpcMessage>> => {
  const contentType = response.headers.get("content-type") ?? ""
  if (contentType.startsWith("application/json")) return [parseMessage(await response.text())]
  if (contentType.startsWith("text/event-stream")) return messagesOf(await collectEvents(response))
  throw new Error(`unexpected content type ${contentType} (status ${response.status})`)
}

interface Call {
  readonly sessionId?: string | undefined
  readonly headers?: Record<string, string>
}

const post = (server: SdkServer, message: unknown, call: Call = {}): Promise<Response> =>
  fetch(server.url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...(call.sessionId === undefined
        ? {}
        : { "mcp-session-id": call.sessionId, "mcp-protocol-version": PROTOCOL_VERSION }),
      ...call.headers
    },
    body: JSON.stringify(message)
  })

const initializeRequest = (capabilities: Record<string, unknown> = {}) => ({
  jsonrpc: "2.0",
  id: 0,
  method: "initialize",
  params: { protocolVersion: PROTOCOL_VERSION, capabilities, clientInfo: { name: "fetch", version: "0.0.0" } }
})

/** initialize + notifications/initialized; the session id (undefined when stateless). */
const initialize = async (server: SdkServer, capabilities?: Record<string, unknown>): Promise<string | undefined> => {
  const response = await post(server, initializeRequest(capabilities))
  expect(response.status).toBe(200)
  const sessionId = response.headers.get("mcp-session-id") ?? undefined
  const [message] = await readMessages(response)
  expect(message?.result?.protocolVersion).toBe(PROTOCOL_VERSION)
  const initialized = await post(server, { jsonrpc: "2.0", method: "notifications/initialized" }, { sessionId })
  expect(initialized.status).toBe(202)
  await initialized.body?.cancel()
  return sessionId
}

const request = (id: number, method: string, params?: Record<string, unknown>) => ({
  jsonrpc: "2.0",
  id,
  method,
  ...(params === undefined ? {} : { params })
})

const toolCall = (id: number, name: string, args: Record<string, unknown>, meta?: Record<string, unknown>) =>
  request(id, "tools/call", { name, arguments: args, ...(meta === undefined ? {} : { _meta: meta }) })

const rpc = async (server: SdkServer, message: unknown, sessionId: string | undefined): Promise<JsonRpcMessage> => {
  const response = await post(server, message, { sessionId })
  expect(response.status).toBe(200)
  const messages = await readMessages(response)
  const last = messages.at(-1)
  if (last === undefined) throw new Error("no answer")
  return last
}

const errorBody = async (response: Response) => parseMessage(await response.text()).error

let servers: Array<SdkServer> = []
const start = async (options: SdkServerOptions): Promise<SdkServer> => {
  const server = await startSdkServer(options)
  servers.push(server)
  return server
}

afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()))
  servers = []
})

describe("sdkServer harness", () => {
  it("stateful SSE: initialize gives a session id, tools/list lists the tools, the log records it", async () => {
    const server = await start({ stateful: true, json: false, eventStore: false })
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/)

    const response = await post(server, initializeRequest())
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/)
    const sessionId = response.headers.get("mcp-session-id")
    expect(sessionId).toMatch(/^[\x21-\x7e]+$/)
    const [init] = await readMessages(response)
    expect(init?.result?.serverInfo).toEqual({ name: "sdk-test-server", version: "1.0.0" })
    if (sessionId === null) throw new Error("no session id")

    const initialized = await post(server, { jsonrpc: "2.0", method: "notifications/initialized" }, { sessionId })
    expect(initialized.status).toBe(202)

    const list = await rpc(server, request(1, "tools/list"), sessionId)
    const tools: unknown = list.result?.tools
    expect(Array.isArray(tools) ? tools.map((tool: unknown) => isRecord(tool) ? tool.name : tool).sort() : tools)
      .toEqual(["add", "close_stream", "echo", "elicit", "progress"])

    expect(server.sessionIds()).toEqual([sessionId])
    expect(server.initializeCount()).toBe(1)
    expect(server.requests()).toEqual([
      { method: "POST", sessionId: undefined, lastEventId: undefined, rpcMethod: "initialize", status: 200 },
      { method: "POST", sessionId, lastEventId: undefined, rpcMethod: "notifications/initialized", status: 202 },
      { method: "POST", sessionId, lastEventId: undefined, rpcMethod: "tools/list", status: 200 }
    ])
    server.clearRequests()
    expect(server.requests()).toEqual([])
  })

  it("JSON mode answers application/json: add (structuredContent), echo, the resource and the prompt", async () => {
    const server = await start({ stateful: true, json: true, eventStore: false })
    const sessionId = await initialize(server)

    const response = await post(server, toolCall(1, "add", { a: 2, b: 3 }), { sessionId })
    expect(response.headers.get("content-type")).toMatch(/^application\/json/)
    const [add] = await readMessages(response)
    expect(add?.result).toEqual({ content: [{ type: "text", text: "5" }], structuredContent: { sum: 5 } })

    const echo = await rpc(server, toolCall(2, "echo", { text: "hi" }), sessionId)
    expect(echo.result?.content).toEqual([{ type: "text", text: "hi" }])

    const resource = await rpc(server, request(3, "resources/read", { uri: "test://hello" }), sessionId)
    expect(resource.result?.contents).toEqual([{ uri: "test://hello", mimeType: "text/plain", text: "Hello, world!" }])

    const prompt = await rpc(
      server,
      request(4, "prompts/get", { name: "greet", arguments: { name: "Ada" } }),
      sessionId
    )
    expect(prompt.result?.messages).toEqual([{ role: "user", content: { type: "text", text: "Hello, Ada!" } }])
  })

  it("answers 400 without a session id and 404 JSON-RPC errors for ids it does not hold", async () => {
    const server = await start({ stateful: true, json: true, eventStore: false })
    await initialize(server)

    const noId = await post(server, request(1, "tools/list"))
    expect(noId.status).toBe(400)
    expect((await errorBody(noId))?.code).toBe(-32000)

    const unknown = await post(server, request(2, "tools/list"), { sessionId: "never-issued" })
    expect(unknown.status).toBe(404)
    expect(await errorBody(unknown)).toEqual({ code: -32001, message: "Session not found" })

    const get = await fetch(server.url, { headers: { accept: "text/event-stream", "mcp-session-id": "never-issued" } })
    expect(get.status).toBe(404)
    await get.body?.cancel()
    const getNoId = await fetch(server.url, { headers: { accept: "text/event-stream" } })
    expect(getNoId.status).toBe(400)
    await getNoId.body?.cancel()
  })

  it("expireSession: that id gets 404 from then on, other sessions live on", async () => {
    const server = await start({ stateful: true, json: true, eventStore: false })
    const first = await initialize(server)
    const second = await initialize(server)
    if (first === undefined || second === undefined) throw new Error("no session id")
    expect(server.sessionIds()).toEqual([first, second])

    expect(await server.expireSession(first)).toBe(true)
    expect(await server.expireSession(first)).toBe(false)
    expect(server.sessionIds()).toEqual([second])

    const expired = await post(server, request(1, "tools/list"), { sessionId: first })
    expect(expired.status).toBe(404)
    expect((await errorBody(expired))?.code).toBe(-32001)
    expect((await rpc(server, request(2, "tools/list"), second)).result?.tools).toBeDefined()
    expect(server.requests().at(-2)).toMatchObject({ sessionId: first, rpcMethod: "tools/list", status: 404 })
  })

  it("expireSession ends the session's open SSE streams", async () => {
    const server = await start({ stateful: true, json: false, eventStore: false })
    const sessionId = await initialize(server)
    if (sessionId === undefined) throw new Error("no session id")
    const get = await fetch(server.url, {
      headers: { accept: "text/event-stream", "mcp-session-id": sessionId, "mcp-protocol-version": PROTOCOL_VERSION }
    })
    expect(get.status).toBe(200)
    const events = collectEvents(get)
    await server.expireSession(sessionId)
    expect(await events).toEqual([])
  })

  it("expireSession with dropInFlight destroys the session's pending JSON-mode requests", async () => {
    const server = await start({ stateful: true, json: true, eventStore: false })
    const sessionId = await initialize(server, { elicitation: {} })
    if (sessionId === undefined) throw new Error("no session id")
    // In JSON mode the SDK cannot deliver elicit's server request, so this call stays pending.
    const pending = post(server, toolCall(1, "elicit", {}), { sessionId })
    await vi.waitFor(() => expect(server.requests().at(-1)).toMatchObject({ rpcMethod: "tools/call" }))

    expect(await server.expireSession(sessionId, { dropInFlight: true })).toBe(true)
    await expect(pending).rejects.toThrow("fetch failed")
    expect(server.requests().at(-1)?.status).toBeUndefined()
  })

  it("restart forgets every session; new sessions work and the counters carry on", async () => {
    const server = await start({ stateful: true, json: true, eventStore: false })
    const a = await initialize(server)
    const b = await initialize(server)
    expect(server.initializeCount()).toBe(2)

    await server.restart()
    expect(server.sessionIds()).toEqual([])
    for (const sessionId of [a, b]) {
      const response = await post(server, request(1, "tools/list"), { sessionId })
      expect(response.status).toBe(404)
      await response.body?.cancel()
    }

    const c = await initialize(server)
    expect(c).not.toBe(a)
    expect(server.sessionIds()).toEqual([c])
    expect(server.initializeCount()).toBe(3)
    expect(await server.expireAll()).toBe(1)
  })

  it("DELETE ends the session: 200, then 404", async () => {
    const server = await start({ stateful: true, json: true, eventStore: false })
    const sessionId = await initialize(server)
    if (sessionId === undefined) throw new Error("no session id")
    const deleted = await fetch(server.url, {
      method: "DELETE",
      headers: { "mcp-session-id": sessionId, "mcp-protocol-version": PROTOCOL_VERSION }
    })
    expect(deleted.status).toBe(200)
    expect(server.sessionIds()).toEqual([])
    const after = await post(server, request(1, "tools/list"), { sessionId })
    expect(after.status).toBe(404)
    await after.body?.cancel()
  })

  it("stateless mode gives no session id, serves requests without one, and answers GET with 405", async () => {
    const server = await start({ stateful: false, json: false, eventStore: false })
    const response = await post(server, initializeRequest())
    expect(response.status).toBe(200)
    expect(response.headers.get("mcp-session-id")).toBeNull()
    await readMessages(response)

    const add = await rpc(server, toolCall(1, "add", { a: 1, b: 1 }), undefined)
    expect(add.result?.structuredContent).toEqual({ sum: 2 })

    const get = await fetch(server.url, { headers: { accept: "text/event-stream" } })
    expect(get.status).toBe(405)
    await get.body?.cancel()
    expect(server.sessionIds()).toEqual([])
    expect(server.initializeCount()).toBe(1)
  })

  it("progress sends one notification per step on the call's SSE stream when asked with a progressToken", async () => {
    const server = await start({ stateful: true, json: false, eventStore: false })
    const sessionId = await initialize(server)

    const response = await post(server, toolCall(1, "progress", { count: 3 }, { progressToken: "p1" }), { sessionId })
    const messages = await readMessages(response)
    expect(messages.map((message) => message.method ?? "result")).toEqual([
      "notifications/progress",
      "notifications/progress",
      "notifications/progress",
      "result"
    ])
    expect(messages.slice(0, 3).map((message) => message.params?.progress)).toEqual([1, 2, 3])
    expect(messages[0]?.params).toMatchObject({ progressToken: "p1", total: 3 })
    expect(messages[3]?.result?.content).toEqual([{ type: "text", text: "done 3" }])

    const silent = await readMessages(await post(server, toolCall(2, "progress", { count: 3 }), { sessionId }))
    expect(silent.map((message) => message.id)).toEqual([2])
  })

  it("elicit asks the client on the call's stream and returns its answer", async () => {
    const server = await start({ stateful: true, json: false, eventStore: false })
    const sessionId = await initialize(server, { elicitation: {} })

    const response = await post(server, toolCall(1, "elicit", { message: "Name?" }), { sessionId })
    const events = sseEvents(response)
    const first = await events.next()
    const ask = parseMessage(first.done === true ? "{}" : first.value.data)
    expect(ask.method).toBe("elicitation/create")
    expect(ask.params).toMatchObject({ mode: "form", message: "Name?" })

    const answer = { action: "accept", content: { answer: "Ada" } }
    const answered = await post(server, { jsonrpc: "2.0", id: ask.id, result: answer }, { sessionId })
    expect(answered.status).toBe(202)

    const rest: Array<SseEvent> = []
    for await (const event of events) rest.push(event)
    const [result] = messagesOf(rest)
    expect(result?.id).toBe(1)
    expect(result?.result?.structuredContent).toEqual(answer)
  })

  it("with the event store: priming events carry retry, and a closed stream's result is replayed on GET", async () => {
    const server = await start({ stateful: true, json: false, eventStore: true, retryInterval: 50 })
    const sessionId = await initialize(server)
    const other = await initialize(server)

    const events = await collectEvents(await post(server, toolCall(1, "close_stream", {}), { sessionId }))
    // The stream ends after the priming event, without the result.
    expect(events).toHaveLength(1)
    const priming = events[0]
    expect(priming).toMatchObject({ data: "", retry: 50 })
    const lastEventId = priming?.id
    if (lastEventId === undefined || sessionId === undefined || other === undefined) throw new Error("missing ids")

    const resume = await fetch(server.url, {
      headers: {
        accept: "text/event-stream",
        "mcp-session-id": sessionId,
        "mcp-protocol-version": PROTOCOL_VERSION,
        "last-event-id": lastEventId
      }
    })
    expect(resume.status).toBe(200)
    const replayed = await sseEvents(resume).next()
    const result = parseMessage(replayed.done === true ? "{}" : replayed.value.data)
    expect(result.id).toBe(1)
    expect(result.result?.content).toEqual([{ type: "text", text: "stream closed" }])
    expect(server.requests().at(-1)).toMatchObject({ method: "GET", lastEventId, status: 200 })

    // Event ids are per session: another session's id is refused.
    const foreign = await fetch(server.url, {
      headers: {
        accept: "text/event-stream",
        "mcp-session-id": other,
        "mcp-protocol-version": PROTOCOL_VERSION,
        "last-event-id": lastEventId
      }
    })
    expect(foreign.status).toBe(400)
    await foreign.body?.cancel()
  })

  it("the CLI entry runs the server in its own process, answers commands and exits on SIGTERM", async () => {
    const main = fileURLToPath(new URL("./support/sdkServerMain.mjs", import.meta.url))
    const child = spawn(process.execPath, [main, "--json"], { stdio: ["pipe", "pipe", "inherit"] })
    try {
      const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
      const nextLine = async (): Promise<unknown> => {
        const line = await lines.next()
        return line.done === true ? undefined : JSON.parse(line.value)
      }
      const started = await nextLine()
      if (!isRecord(started) || typeof started.url !== "string") throw new Error(`bad first line: ${String(started)}`)
      expect(started.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/)

      const response = await fetch(started.url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: JSON.stringify(initializeRequest())
      })
      expect(response.status).toBe(200)
      expect(response.headers.get("content-type")).toMatch(/^application\/json/)
      const sessionId = response.headers.get("mcp-session-id")
      await response.text()

      child.stdin.write("stats\n")
      expect(await nextLine()).toEqual({ sessions: [sessionId], initializeCount: 1, requests: 1 })
      child.stdin.write("expire-all\n")
      expect(await nextLine()).toEqual({ expired: 1 })

      const exited = once(child, "exit")
      child.kill("SIGTERM")
      expect(await exited).toEqual([0, null])
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL")
    }
  })
})

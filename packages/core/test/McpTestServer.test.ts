import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { assert, describe, it } from "@effect/vitest"
import { McpTestServer } from "@mcp-effect/core/testing"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"

// ---- raw HTTP helpers (the server is driven without any MCP client) ---------------------------

const url = McpTestServer.inMemoryUrl
const V = "2025-11-25"

interface SseEvent {
  readonly id: string | undefined
  readonly event: string | undefined
  readonly data: string
  readonly retry: number | undefined
}

/** A small spec-following SSE parser, so assertions see events as the client would. */
const sseEvents = (response: HttpClientResponse.HttpClientResponse): Stream.Stream<SseEvent, unknown> =>
  response.stream.pipe(
    Stream.decodeText(),
    Stream.mapAccum("", (buffer, text) => {
      const blocks = (buffer + text).replace(/\r\n?/g, "\n").split("\n\n")
      const rest = blocks.pop() ?? ""
      return [rest, blocks] as const
    }),
    Stream.mapConcat((blocks) => blocks),
    Stream.filterMap((block) => {
      let id: string | undefined
      let event: string | undefined
      let retry: number | undefined
      const data: Array<string> = []
      let seen = false
      for (const line of block.split("\n")) {
        if (line === "" || line.startsWith(":")) continue
        const colon = line.indexOf(":")
        const field = colon === -1 ? line : line.slice(0, colon)
        const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "")
        seen = true
        if (field === "id") id = value
        else if (field === "event") event = value
        else if (field === "data") data.push(value)
        else if (field === "retry") retry = Number(value)
      }
      return seen ? Option.some({ id, event, data: data.join("\n"), retry }) : Option.none()
    })
  )

const messages = (events: Chunk.Chunk<SseEvent>) =>
  Chunk.toReadonlyArray(events).filter((e) => e.data !== "").map((e): Record<string, unknown> => JSON.parse(e.data))

const post = (
  client: HttpClient.HttpClient,
  body: unknown,
  headers: Record<string, string> = {}
) =>
  client.execute(
    HttpClientRequest.post(url).pipe(
      HttpClientRequest.setHeaders({ accept: "application/json, text/event-stream", ...headers }),
      HttpClientRequest.bodyText(typeof body === "string" ? body : JSON.stringify(body), "application/json")
    )
  )

const get = (client: HttpClient.HttpClient, headers: Record<string, string>) =>
  client.execute(
    HttpClientRequest.get(url).pipe(HttpClientRequest.setHeaders({ accept: "text/event-stream", ...headers }))
  )

const del = (client: HttpClient.HttpClient, headers: Record<string, string>) =>
  client.execute(HttpClientRequest.del(url).pipe(HttpClientRequest.setHeaders(headers)))

const initializeRequest = (version = V, id: number | string = 0) => ({
  jsonrpc: "2.0",
  id,
  method: "initialize",
  params: { protocolVersion: version, capabilities: {}, clientInfo: { name: "raw-test", version: "0" } }
})

const rpc = (id: number | string, method: string, params?: unknown) =>
  params === undefined ? { jsonrpc: "2.0", id, method } : { jsonrpc: "2.0", id, method, params }

const h = (sessionId: string, version = V): Record<string, string> => ({
  "mcp-session-id": sessionId,
  "mcp-protocol-version": version
})

/** The JSON-RPC message of a response, whether it came as JSON or as SSE. */
const answerOf = (response: HttpClientResponse.HttpClientResponse) =>
  (response.headers["content-type"] ?? "").includes("text/event-stream") ?
    Effect.map(Stream.runCollect(sseEvents(response)), (events) => messages(events).at(-1)) :
    Effect.map(response.json, (json): Record<string, unknown> | undefined => json as Record<string, unknown>)

const setup = (options?: McpTestServer.Options) =>
  Effect.gen(function*() {
    const server = yield* McpTestServer.make(options)
    const client = McpTestServer.httpClient(server)
    const initialize = (version = V) =>
      Effect.gen(function*() {
        const response = yield* post(client, initializeRequest(version))
        assert.strictEqual(response.status, 200)
        const sessionId = response.headers["mcp-session-id"]
        const answer = yield* answerOf(response)
        return { sessionId, answer }
      })
    const session = Effect.gen(function*() {
      const { sessionId } = yield* initialize()
      assert.isString(sessionId)
      const sid = sessionId ?? ""
      const initialized = yield* post(client, { jsonrpc: "2.0", method: "notifications/initialized" }, h(sid))
      assert.strictEqual(initialized.status, 202)
      return sid
    })
    return { server, client, initialize, session }
  })

// ---- tests ---------------------------------------------------------------------------------------

describe("McpTestServer", () => {
  describe("sessions", () => {
    it.scoped("initialize creates a session whose id is visible ASCII and answers with the InitializeResult", () =>
      Effect.gen(function*() {
        const { initialize, server } = yield* setup()
        const { answer, sessionId } = yield* initialize()
        assert.match(sessionId ?? "", /^[\x21-\x7e]+$/)
        const result = answer?.result as Record<string, unknown>
        assert.strictEqual(result.protocolVersion, V)
        assert.deepStrictEqual((result.serverInfo as Record<string, unknown>).name, "mcp-effect-test-server")
        assert.deepStrictEqual(yield* server.sessions, [sessionId ?? ""])
        assert.strictEqual(yield* server.initializeCount, 1)
      }))

    it.scoped("answers the requested supported version, else its latest; `protocolVersion` forces it", () =>
      Effect.gen(function*() {
        const { initialize } = yield* setup()
        const older = yield* initialize("2025-03-26")
        assert.strictEqual((older.answer?.result as Record<string, unknown>).protocolVersion, "2025-03-26")
        const unknown = yield* initialize("1999-01-01")
        assert.strictEqual((unknown.answer?.result as Record<string, unknown>).protocolVersion, V)
        const forced = yield* setup({ protocolVersion: "2099-01-01" })
        const answer = yield* forced.initialize()
        assert.strictEqual((answer.answer?.result as Record<string, unknown>).protocolVersion, "2099-01-01")
      }))

    it.scoped("the session id is only on the initialize response", () =>
      Effect.gen(function*() {
        const { client, session } = yield* setup()
        const sid = yield* session
        const response = yield* post(client, rpc(1, "ping"), h(sid))
        assert.strictEqual(response.status, 200)
        assert.isUndefined(response.headers["mcp-session-id"])
        assert.deepStrictEqual(yield* response.json, { jsonrpc: "2.0", id: 1, result: {} })
      }))

    it.scoped("rejects: no session id → 400, unknown id → 404, session id on initialize → 400", () =>
      Effect.gen(function*() {
        const { client, session } = yield* setup()
        const sid = yield* session
        const missing = yield* post(client, rpc(1, "ping"), { "mcp-protocol-version": V })
        assert.strictEqual(missing.status, 400)
        const unknown = yield* post(client, rpc(1, "ping"), h("nope"))
        assert.strictEqual(unknown.status, 404)
        const body = (yield* unknown.json) as Record<string, unknown>
        assert.strictEqual((body.error as Record<string, unknown>).code, -32001)
        const reinit = yield* post(client, initializeRequest(), { "mcp-session-id": sid })
        assert.strictEqual(reinit.status, 400)
      }))

    it.scoped("expires an idle session after the TTL (TestClock), lazily, and refreshes it on every request", () =>
      Effect.gen(function*() {
        const { client, server, session } = yield* setup({ sessionTtl: Duration.seconds(60) })
        const sid = yield* session
        yield* TestClock.adjust(Duration.seconds(59))
        assert.strictEqual((yield* post(client, rpc(1, "ping"), h(sid))).status, 200)
        yield* TestClock.adjust(Duration.seconds(59))
        assert.strictEqual((yield* post(client, rpc(2, "ping"), h(sid))).status, 200)
        yield* TestClock.adjust(Duration.seconds(60))
        assert.strictEqual((yield* post(client, rpc(3, "ping"), h(sid))).status, 404)
        assert.deepStrictEqual(yield* server.sessions, [])
        const get404 = yield* get(client, h(sid))
        assert.strictEqual(get404.status, 404)
      }))

    it.scoped("restart forgets every session (404) and a new initialize works", () =>
      Effect.gen(function*() {
        const { client, server, session } = yield* setup()
        const a = yield* session
        const b = yield* session
        assert.notStrictEqual(a, b)
        yield* server.restart
        assert.deepStrictEqual(yield* server.sessions, [])
        assert.strictEqual((yield* post(client, rpc(1, "ping"), h(a))).status, 404)
        assert.strictEqual((yield* get(client, h(b))).status, 404)
        const c = yield* session
        assert.strictEqual((yield* post(client, rpc(1, "ping"), h(c))).status, 200)
        assert.strictEqual(yield* server.initializeCount, 3)
      }))

    it.scoped("expire(id) ends one session, expire() all", () =>
      Effect.gen(function*() {
        const { client, server, session } = yield* setup()
        const a = yield* session
        const b = yield* session
        yield* server.expire(a)
        assert.deepStrictEqual(yield* server.sessions, [b])
        assert.strictEqual((yield* post(client, rpc(1, "ping"), h(a))).status, 404)
        yield* server.expire()
        assert.deepStrictEqual(yield* server.sessions, [])
      }))

    it.scoped("DELETE ends the session (200), then 404; allowDelete: false → 405", () =>
      Effect.gen(function*() {
        const { client, server, session } = yield* setup()
        const sid = yield* session
        assert.strictEqual((yield* del(client, h(sid))).status, 200)
        assert.deepStrictEqual(yield* server.sessions, [])
        assert.strictEqual((yield* del(client, h(sid))).status, 404)
        assert.strictEqual((yield* post(client, rpc(1, "ping"), h(sid))).status, 404)

        const noDelete = yield* setup({ allowDelete: false })
        const sid2 = yield* noDelete.session
        assert.strictEqual((yield* del(noDelete.client, h(sid2))).status, 405)
        assert.deepStrictEqual(yield* noDelete.server.sessions, [sid2])
      }))

    it.scoped("stateless (sessions: false): no ids, requests need none", () =>
      Effect.gen(function*() {
        const { client, initialize, server } = yield* setup({ sessions: false })
        const { sessionId } = yield* initialize()
        assert.isUndefined(sessionId)
        const response = yield* post(client, rpc(1, "tools/call", { name: "echo", arguments: { text: "hi" } }))
        assert.strictEqual(response.status, 200)
        const answer = yield* response.json
        assert.deepStrictEqual(answer, { jsonrpc: "2.0", id: 1, result: { content: [{ type: "text", text: "hi" }] } })
        assert.deepStrictEqual(yield* server.sessions, [])
      }))

    it.scoped("MCP-Protocol-Version: missing (2025-06-18+) or different → 400; 2025-03-26 sessions may omit it", () =>
      Effect.gen(function*() {
        const { client, initialize } = yield* setup()
        const { sessionId } = yield* initialize()
        const sid = sessionId ?? ""
        assert.strictEqual((yield* post(client, rpc(1, "ping"), { "mcp-session-id": sid })).status, 400)
        assert.strictEqual((yield* post(client, rpc(1, "ping"), h(sid, "2025-06-18"))).status, 400)
        assert.strictEqual((yield* post(client, rpc(1, "ping"), h(sid, "1999-01-01"))).status, 400)
        const old = yield* initialize("2025-03-26")
        assert.strictEqual((yield* post(client, rpc(1, "ping"), { "mcp-session-id": old.sessionId ?? "" })).status, 200)
      }))

    it.scoped("Accept / Content-Type checks are tolerant but reject what is clearly wrong", () =>
      Effect.gen(function*() {
        const { client, session } = yield* setup()
        const sid = yield* session
        const noAccept = yield* client.execute(
          HttpClientRequest.post(url).pipe(
            HttpClientRequest.setHeaders(h(sid)),
            HttpClientRequest.bodyText(JSON.stringify(rpc(1, "ping")), "application/json")
          )
        )
        assert.strictEqual(noAccept.status, 200)
        assert.strictEqual((yield* post(client, rpc(1, "ping"), { ...h(sid), accept: "text/html" })).status, 406)
        const wrongType = yield* client.execute(
          HttpClientRequest.post(url).pipe(
            HttpClientRequest.setHeaders(h(sid)),
            HttpClientRequest.bodyText(JSON.stringify(rpc(1, "ping")), "text/plain")
          )
        )
        assert.strictEqual(wrongType.status, 415)
        assert.strictEqual((yield* post(client, "{not json", h(sid))).status, 400)
        assert.strictEqual((yield* post(client, [rpc(1, "ping")], h(sid))).status, 400)
      }))
  })

  describe("MCP methods", () => {
    it.scoped("notifications and responses → 202 with an empty body", () =>
      Effect.gen(function*() {
        const { client, server, session } = yield* setup()
        const sid = yield* session
        const response = yield* post(client, { jsonrpc: "2.0", id: "x", result: {} }, h(sid))
        assert.strictEqual(response.status, 202)
        assert.strictEqual(yield* response.text, "")
        const info = yield* server.sessionInfo(sid)
        assert.isTrue(Option.getOrThrow(info).initialized)
      }))

    it.scoped("tools: list, echo, add (structuredContent), fail (isError), unknown tool, unknown method", () =>
      Effect.gen(function*() {
        const { client, session } = yield* setup()
        const sid = yield* session
        const call = (id: number, method: string, params?: unknown) =>
          Effect.flatMap(post(client, rpc(id, method, params), h(sid)), (r) => r.json)
        const list = (yield* call(1, "tools/list")) as { result: { tools: Array<{ name: string }> } }
        assert.deepStrictEqual(list.result.tools.map((t) => t.name), ["echo", "add", "slow", "fail", "elicit"])
        assert.deepStrictEqual(yield* call(2, "tools/call", { name: "add", arguments: { a: 2, b: 3 } }), {
          jsonrpc: "2.0",
          id: 2,
          result: { content: [{ type: "text", text: "5" }], structuredContent: { sum: 5 } }
        })
        const failed = (yield* call(3, "tools/call", { name: "fail" })) as { result: { isError: boolean } }
        assert.isTrue(failed.result.isError)
        const unknownTool = (yield* call(4, "tools/call", { name: "nope" })) as { error: { code: number } }
        assert.strictEqual(unknownTool.error.code, -32602)
        const unknownMethod = (yield* call(5, "nope/nope")) as { error: { code: number } }
        assert.strictEqual(unknownMethod.error.code, -32601)
      }))

    it.scoped("resources, templates, prompts, completion, logging/setLevel", () =>
      Effect.gen(function*() {
        const { client, server, session } = yield* setup()
        const sid = yield* session
        const call = (id: number, method: string, params?: unknown) =>
          Effect.map(
            Effect.flatMap(post(client, rpc(id, method, params), h(sid)), (r) => r.json),
            (json) => json as { result: Record<string, unknown>; error?: { code: number } }
          )
        assert.deepStrictEqual((yield* call(1, "resources/read", { uri: "test://hello" })).result, {
          contents: [{ uri: "test://hello", mimeType: "text/plain", text: "Hello, world!" }]
        })
        assert.deepStrictEqual((yield* call(2, "resources/read", { uri: "test://greeting/Ann" })).result, {
          contents: [{ uri: "test://greeting/Ann", mimeType: "text/plain", text: "Hello, Ann!" }]
        })
        assert.strictEqual((yield* call(3, "resources/read", { uri: "test://nope" })).error?.code, -32002)
        const templates = (yield* call(4, "resources/templates/list")).result
        assert.deepStrictEqual(templates, {
          resourceTemplates: [{ uriTemplate: "test://greeting/{name}", name: "greeting", mimeType: "text/plain" }]
        })
        assert.deepStrictEqual((yield* call(5, "prompts/get", { name: "greet", arguments: { name: "Bo" } })).result, {
          description: "Greets someone",
          messages: [{ role: "user", content: { type: "text", text: "Please greet Bo." } }]
        })
        assert.strictEqual((yield* call(6, "prompts/get", { name: "greet" })).error?.code, -32602)
        const completion = (yield* call(7, "completion/complete", {
          ref: { type: "ref/prompt", name: "greet" },
          argument: { name: "name", value: "B" }
        })).result
        assert.deepStrictEqual(completion, { completion: { values: ["Bob"], total: 1, hasMore: false } })
        assert.deepStrictEqual((yield* call(8, "logging/setLevel", { level: "warning" })).result, {})
        assert.deepStrictEqual((yield* call(9, "resources/subscribe", { uri: "test://hello" })).result, {})
        const info = Option.getOrThrow(yield* server.sessionInfo(sid))
        assert.strictEqual(info.logLevel, "warning")
        assert.deepStrictEqual(info.subscriptions, ["test://hello"])
      }))

    it.scoped("pageSize paginates every list; a cursor of another session is invalid", () =>
      Effect.gen(function*() {
        const tools = ["a", "b", "c"].map((name): McpTestServer.Tool => ({
          name,
          handler: () => Effect.succeed({ content: [] })
        }))
        const { client, session } = yield* setup({ pageSize: 2, tools })
        const sid = yield* session
        const other = yield* session
        const list = (s: string, cursor?: string) =>
          Effect.map(
            Effect.flatMap(
              post(client, rpc(1, "tools/list", cursor === undefined ? {} : { cursor }), h(s)),
              (r) => r.json
            ),
            (json) => json as { result: { tools: Array<{ name: string }>; nextCursor?: string }; error?: unknown }
          )
        const first = yield* list(sid)
        assert.deepStrictEqual(first.result.tools.map((t) => t.name), ["a", "b"])
        assert.isString(first.result.nextCursor)
        const second = yield* list(sid, first.result.nextCursor)
        assert.deepStrictEqual(second.result.tools.map((t) => t.name), ["c"])
        assert.isUndefined(second.result.nextCursor)
        const foreign = yield* list(other, first.result.nextCursor)
        assert.isDefined(foreign.error)
      }))
  })

  describe("SSE answers", () => {
    it.scoped("answers: sse → a text/event-stream with progress notifications before the result", () =>
      Effect.gen(function*() {
        const { client, session } = yield* setup({ answers: "sse" })
        const sid = yield* session
        const response = yield* post(
          client,
          rpc(7, "tools/call", { name: "slow", arguments: { steps: 3 }, _meta: { progressToken: "p" } }),
          h(sid)
        )
        assert.strictEqual(response.status, 200)
        assert.include(response.headers["content-type"], "text/event-stream")
        const events = yield* Stream.runCollect(sseEvents(response))
        const all = messages(events)
        assert.deepStrictEqual(all.map((m) => m.method ?? "response"), [
          "notifications/progress",
          "notifications/progress",
          "notifications/progress",
          "response"
        ])
        assert.deepStrictEqual(all[0].params, { progressToken: "p", progress: 1, total: 3, message: "step 1 of 3" })
        assert.strictEqual(all[3].id, 7)
        // not resumable: no ids, every event is a `message`
        assert.isTrue(Chunk.every(events, (e) => e.id === undefined && e.event === "message"))
      }))

    it.scoped("events stream as they are produced: elicitation mid-stream, answered by a POSTed response", () =>
      Effect.gen(function*() {
        const { client, server, session } = yield* setup({ answers: "sse" })
        const sid = yield* session
        const response = yield* post(client, rpc(1, "tools/call", { name: "elicit" }), h(sid))
        const inbox = yield* Queue.unbounded<Record<string, unknown>>()
        const reader = yield* sseEvents(response).pipe(
          Stream.filter((e) => e.data !== ""),
          Stream.runForEach((e) => Queue.offer(inbox, JSON.parse(e.data))),
          Effect.fork
        )
        const request = yield* Queue.take(inbox)
        assert.strictEqual(request.method, "elicitation/create")
        assert.deepStrictEqual(
          Option.getOrThrow(yield* server.sessionInfo(sid)).inflight,
          [1]
        )
        const answer = yield* post(
          client,
          { jsonrpc: "2.0", id: request.id, result: { action: "accept", content: { name: "Zed" } } },
          h(sid)
        )
        assert.strictEqual(answer.status, 202)
        const final = yield* Queue.take(inbox)
        assert.strictEqual(final.id, 1)
        assert.deepStrictEqual((final.result as Record<string, unknown>).structuredContent, {
          action: "accept",
          content: { name: "Zed" }
        })
        yield* Fiber.join(reader)
      }))

    it.scoped("in JSON mode a tool's notifications go to the GET stream", () =>
      Effect.gen(function*() {
        const { client, server, session } = yield* setup()
        const sid = yield* session
        const getResponse = yield* get(client, h(sid))
        const inbox = yield* Queue.unbounded<SseEvent>()
        yield* Effect.fork(Stream.runForEach(sseEvents(getResponse), (e) => Queue.offer(inbox, e)))
        yield* server.awaitGetStream(sid)
        const response = yield* post(
          client,
          rpc(2, "tools/call", { name: "slow", arguments: { steps: 1 }, _meta: { progressToken: 9 } }),
          h(sid)
        )
        assert.include(response.headers["content-type"], "application/json")
        const event = yield* Queue.take(inbox)
        assert.strictEqual(JSON.parse(event.data).method, "notifications/progress")
      }))

    it.scoped("notifications/cancelled interrupts the handler", () =>
      Effect.gen(function*() {
        const started = yield* Deferred.make<void>()
        const interrupted = yield* Deferred.make<void>()
        const tools: Array<McpTestServer.Tool> = [{
          name: "block",
          handler: () =>
            Effect.zipRight(Deferred.succeed(started, undefined), Effect.never).pipe(
              Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined))
            )
        }]
        const { client, server, session } = yield* setup({ answers: "sse", tools })
        const sid = yield* session
        const response = yield* post(client, rpc(5, "tools/call", { name: "block" }), h(sid))
        const reader = yield* Effect.fork(Stream.runCollect(sseEvents(response)))
        yield* Deferred.await(started)
        const cancel = yield* post(
          client,
          { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 5, reason: "test" } },
          h(sid)
        )
        assert.strictEqual(cancel.status, 202)
        yield* Deferred.await(interrupted)
        const events = yield* Fiber.join(reader)
        assert.deepStrictEqual(messages(events), [])
        assert.deepStrictEqual(Option.getOrThrow(yield* server.sessionInfo(sid)).cancelled, [5])
      }))
  })

  describe("GET stream", () => {
    it.scoped("carries notify, list_changed and resources/updated; ends when the session is deleted", () =>
      Effect.gen(function*() {
        const { client, server, session } = yield* setup()
        const sid = yield* session
        yield* post(client, rpc(1, "resources/subscribe", { uri: "test://hello" }), h(sid))
        const response = yield* get(client, h(sid))
        assert.strictEqual(response.status, 200)
        const reader = yield* Effect.fork(Stream.runCollect(sseEvents(response)))
        yield* server.awaitGetStream(sid)
        assert.deepStrictEqual((yield* server.openStreams).map((s) => s.kind), ["get"])
        yield* server.notify("notifications/message", { level: "info", data: "hello" })
        yield* server.setTools([])
        yield* server.updateResource("test://hello")
        yield* server.updateResource("test://other")
        assert.strictEqual((yield* del(client, h(sid))).status, 200)
        const events = yield* Fiber.join(reader)
        assert.deepStrictEqual(messages(events).map((m) => m.method), [
          "notifications/message",
          "notifications/tools/list_changed",
          "notifications/resources/updated"
        ])
        assert.deepStrictEqual(yield* server.openStreams, [])
      }))

    it.scoped("ends on TTL expiry (TestClock) and on restart", () =>
      Effect.gen(function*() {
        const { client, server, session } = yield* setup({ sessionTtl: Duration.minutes(1) })
        const sid = yield* session
        const reader = yield* Effect.fork(Stream.runCollect(sseEvents(yield* get(client, h(sid)))))
        yield* server.awaitGetStream(sid)
        yield* TestClock.adjust(Duration.minutes(2))
        yield* Fiber.join(reader)
        assert.deepStrictEqual(yield* server.sessions, [])

        const sid2 = yield* session
        const reader2 = yield* Effect.fork(Stream.runCollect(sseEvents(yield* get(client, h(sid2)))))
        yield* server.awaitGetStream(sid2)
        yield* server.restart
        yield* Fiber.join(reader2)
        assert.deepStrictEqual(yield* server.openStreams, [])
      }))

    it.scoped("getStream: false → 405", () =>
      Effect.gen(function*() {
        const { client, session } = yield* setup({ getStream: false })
        const sid = yield* session
        assert.strictEqual((yield* get(client, h(sid))).status, 405)
      }))

    it.scoped("notifications sent before the GET connects are delivered to it", () =>
      Effect.gen(function*() {
        const { client, server, session } = yield* setup()
        const sid = yield* session
        yield* server.notify("notifications/message", { level: "info", data: "early" }, sid)
        const response = yield* get(client, h(sid))
        const first = yield* sseEvents(response).pipe(Stream.filter((e) => e.data !== ""), Stream.runHead)
        assert.deepStrictEqual(JSON.parse(Option.getOrThrow(first).data).params, { level: "info", data: "early" })
      }))

    it.scoped("server.request sends a server→client request on the GET stream and returns the answer", () =>
      Effect.gen(function*() {
        const { client, server, session } = yield* setup()
        const sid = yield* session
        const response = yield* get(client, h(sid))
        const inbox = yield* Queue.unbounded<Record<string, unknown>>()
        yield* Effect.fork(
          Stream.runForEach(
            sseEvents(response),
            (e) => e.data === "" ? Effect.void : Queue.offer(inbox, JSON.parse(e.data))
          )
        )
        const pending = yield* Effect.fork(server.request("roots/list", {}, sid))
        const request = yield* Queue.take(inbox)
        assert.strictEqual(request.method, "roots/list")
        yield* post(client, { jsonrpc: "2.0", id: request.id, result: { roots: [] } }, h(sid))
        assert.deepStrictEqual(yield* Fiber.join(pending), { roots: [] })
        const failing = yield* Effect.fork(server.request("roots/list", {}, sid))
        const request2 = yield* Queue.take(inbox)
        yield* post(client, { jsonrpc: "2.0", id: request2.id, error: { code: -1, message: "no" } }, h(sid))
        const error = yield* Effect.flip(Fiber.join(failing))
        assert.strictEqual(error.code, -1)
      }))

    it.scoped("interrupting the client's read ends the server-side stream", () =>
      Effect.gen(function*() {
        const { client, server, session } = yield* setup()
        const sid = yield* session
        const reader = yield* Effect.fork(Stream.runDrain(sseEvents(yield* get(client, h(sid)))))
        yield* server.awaitGetStream(sid)
        yield* Fiber.interrupt(reader)
        assert.deepStrictEqual(yield* server.openStreams, [])
      }))
  })

  describe("resumability (SEP-1699)", () => {
    it.scoped("priming event with id and retry, ids on every event", () =>
      Effect.gen(function*() {
        const { client, session } = yield* setup({ answers: "sse", resumable: true, retryMillis: 1500 })
        const sid = yield* session
        const response = yield* post(client, rpc(1, "tools/call", { name: "echo", arguments: { text: "x" } }), h(sid))
        const events = Chunk.toReadonlyArray(yield* Stream.runCollect(sseEvents(response)))
        assert.strictEqual(events.length, 2)
        assert.strictEqual(events[0].data, "")
        assert.strictEqual(events[0].retry, 1500)
        assert.match(events[0].id ?? "", /^s\d+:0$/)
        const stream = (events[0].id ?? "").split(":")[0]
        assert.strictEqual(events[1].id, `${stream}:1`)
        assert.strictEqual(events[1].event, "message")
      }))

    it.scoped("a stream closed after the priming event is resumed by GET + Last-Event-ID, response included", () =>
      Effect.gen(function*() {
        const release = yield* Deferred.make<void>()
        const tools: Array<McpTestServer.Tool> = [{
          name: "gated",
          handler: (_args, ctx) =>
            Effect.gen(function*() {
              yield* ctx.progress(1, 2)
              yield* Deferred.await(release)
              yield* ctx.progress(2, 2)
              return { content: [{ type: "text", text: "released" }] }
            })
        }]
        const { client, server, session } = yield* setup({ answers: "sse", resumable: true, tools })
        const sid = yield* session
        yield* server.inject(McpTestServer.Fault.CloseStream({ afterEvents: 1, retryMillis: 10 }), {
          rpcMethod: "tools/call"
        })
        const response = yield* post(
          client,
          rpc(3, "tools/call", { name: "gated", _meta: { progressToken: "t" } }),
          h(sid)
        )
        const first = Chunk.toReadonlyArray(yield* Stream.runCollect(sseEvents(response)))
        assert.strictEqual(first.length, 2) // priming + one progress, then closed
        assert.strictEqual(first[0].retry, 10)
        const lastId = first[1].id ?? ""
        yield* Deferred.succeed(release, undefined)
        const resumed = yield* get(client, { ...h(sid), "last-event-id": lastId })
        assert.strictEqual(resumed.status, 200)
        const rest = messages(yield* Stream.runCollect(sseEvents(resumed)))
        assert.deepStrictEqual(rest.map((m) => m.method ?? `response ${String(m.id)}`), [
          "notifications/progress",
          "response 3"
        ])
        const log = yield* server.log
        const getEntry = log.find((e) => e.httpMethod === "GET")
        assert.strictEqual(getEntry?.lastEventId, lastId)
        assert.strictEqual(log.find((e) => e.rpcMethod === "tools/call")?.fault, "CloseStream")
      }))

    it.scoped("the GET stream resumes after a Last-Event-ID; a foreign or unknown event id → 400", () =>
      Effect.gen(function*() {
        const { client, server, session } = yield* setup({ resumable: true })
        const sid = yield* session
        const other = yield* session
        yield* server.notify("n/1", undefined, sid)
        yield* server.notify("n/2", undefined, sid)
        yield* server.inject(McpTestServer.Fault.CloseStream({ afterEvents: 1 }), { httpMethod: "GET" })
        const first = Chunk.toReadonlyArray(yield* Stream.runCollect(sseEvents(yield* get(client, h(sid)))))
        assert.deepStrictEqual(first.map((e) => e.data === "" ? "priming" : JSON.parse(e.data).method), [
          "priming",
          "n/1"
        ])
        const resumed = yield* get(client, { ...h(sid), "last-event-id": first[1].id ?? "" })
        const inbox = yield* Queue.unbounded<string>()
        yield* Effect.fork(
          Stream.runForEach(sseEvents(resumed), (e) => e.data === "" ? Effect.void : Queue.offer(inbox, e.data))
        )
        assert.strictEqual(JSON.parse(yield* Queue.take(inbox)).method, "n/2")
        yield* server.notify("n/3", undefined, sid)
        assert.strictEqual(JSON.parse(yield* Queue.take(inbox)).method, "n/3")
        const foreign = yield* get(client, { ...h(other), "last-event-id": first[1].id ?? "" })
        assert.strictEqual(foreign.status, 400)
        const garbage = yield* get(client, { ...h(sid), "last-event-id": "nope" })
        assert.strictEqual(garbage.status, 400)
      }))
  })

  describe("faults", () => {
    it.scoped("Status twice on initialize, then the real answer; pendingFaults counts down", () =>
      Effect.gen(function*() {
        const { client, server } = yield* setup()
        yield* server.inject(McpTestServer.Fault.Status({ status: 503 }), { rpcMethod: "initialize", times: 2 })
        assert.strictEqual(yield* server.pendingFaults, 2)
        assert.strictEqual((yield* post(client, initializeRequest())).status, 503)
        assert.strictEqual((yield* post(client, initializeRequest())).status, 503)
        const ok = yield* post(client, initializeRequest())
        assert.strictEqual(ok.status, 200)
        assert.strictEqual(yield* server.pendingFaults, 0)
        assert.strictEqual(yield* server.initializeCount, 1)
        const statuses = (yield* server.log).map((e) => [e.status, e.fault])
        assert.deepStrictEqual(statuses, [[503, "Status"], [503, "Status"], [200, undefined]])
      }))

    it.scoped("Status with a custom body and content type; matching by session id", () =>
      Effect.gen(function*() {
        const { client, server, session } = yield* setup()
        const a = yield* session
        const b = yield* session
        yield* server.inject(McpTestServer.Fault.Status({ status: 401, body: "nope", contentType: "text/plain" }), {
          sessionId: b
        })
        assert.strictEqual((yield* post(client, rpc(1, "ping"), h(a))).status, 200)
        const denied = yield* post(client, rpc(1, "ping"), h(b))
        assert.strictEqual(denied.status, 401)
        assert.strictEqual(yield* denied.text, "nope")
        assert.include(denied.headers["content-type"], "text/plain")
      }))

    it.scoped("ContentType, MalformedJson, MalformedSse, WrongResponseId, InvalidSessionId", () =>
      Effect.gen(function*() {
        const { client, server, session } = yield* setup()
        const sid = yield* session
        yield* server.inject(McpTestServer.Fault.ContentType({ contentType: "text/html" }))
        const html = yield* post(client, rpc(1, "ping"), h(sid))
        assert.include(html.headers["content-type"], "text/html")
        assert.deepStrictEqual(yield* html.json, { jsonrpc: "2.0", id: 1, result: {} })

        yield* server.inject(McpTestServer.Fault.MalformedJson({}))
        const broken = yield* post(client, rpc(2, "ping"), h(sid))
        assert.strictEqual(broken.status, 200)
        assert.isTrue((yield* Effect.either(broken.json))._tag === "Left")

        yield* server.inject(McpTestServer.Fault.MalformedSse({}))
        const badSse = yield* post(client, rpc(3, "ping"), h(sid))
        assert.include(badSse.headers["content-type"], "text/event-stream")
        const data = Chunk.toReadonlyArray(yield* Stream.runCollect(sseEvents(badSse)))[0].data
        assert.throws(() => JSON.parse(data))

        yield* server.inject(McpTestServer.Fault.WrongResponseId({}))
        const wrong = (yield* (yield* post(client, rpc(4, "ping"), h(sid))).json) as Record<string, unknown>
        assert.notStrictEqual(wrong.id, 4)

        yield* server.inject(McpTestServer.Fault.InvalidSessionId({}), { rpcMethod: "initialize" })
        const bad = yield* post(client, initializeRequest())
        assert.strictEqual(bad.headers["mcp-session-id"], "bad session id")
      }))

    it.scoped("OversizedSseEvent sends a big event before the answer", () =>
      Effect.gen(function*() {
        const { client, server, session } = yield* setup()
        const sid = yield* session
        yield* server.inject(McpTestServer.Fault.OversizedSseEvent({ bytes: 100_000 }))
        const response = yield* post(client, rpc(1, "ping"), h(sid))
        const all = messages(yield* Stream.runCollect(sseEvents(response)))
        assert.strictEqual(all.length, 2)
        assert.isAbove(JSON.stringify(all[0]).length, 100_000)
        assert.strictEqual(all[1].id, 1)
      }))

    it.scoped("Hang never answers (the request is pending in the log) until the client gives up", () =>
      Effect.gen(function*() {
        const { client, server, session } = yield* setup()
        const sid = yield* session
        yield* server.inject(McpTestServer.Fault.Hang(), { rpcMethod: "tools/call" })
        const fiber = yield* Effect.fork(post(client, rpc(1, "tools/call", { name: "echo" }), h(sid)))
        yield* TestClock.adjust(Duration.minutes(10))
        assert.isTrue(Option.isNone(yield* Fiber.poll(fiber)))
        const entry = (yield* server.log).at(-1)
        assert.strictEqual(entry?.fault, "Hang")
        assert.isUndefined(entry?.status)
        yield* Fiber.interrupt(fiber)
      }))

    it.scoped("ExpireSession kills the session and answers with the 'unknown session' status (410 here)", () =>
      Effect.gen(function*() {
        const { client, server, session } = yield* setup()
        const sid = yield* session
        yield* server.inject(McpTestServer.Fault.ExpireSession({ status: 410 }), { rpcMethod: "tools/list" })
        assert.strictEqual((yield* post(client, rpc(1, "tools/list"), h(sid))).status, 410)
        assert.deepStrictEqual(yield* server.sessions, [])
        assert.strictEqual((yield* post(client, rpc(2, "ping"), h(sid))).status, 404)
        const custom = yield* setup({ unknownSessionStatus: 400 })
        assert.strictEqual((yield* post(custom.client, rpc(2, "ping"), h("gone"))).status, 400)
      }))

    it.scoped("an in-flight SSE request loses its stream when its session ends", () =>
      Effect.gen(function*() {
        const started = yield* Deferred.make<void>()
        const tools: Array<McpTestServer.Tool> = [{
          name: "block",
          handler: () => Effect.zipRight(Deferred.succeed(started, undefined), Effect.never)
        }]
        const { client, server, session } = yield* setup({ answers: "sse", tools })
        const sid = yield* session
        const response = yield* post(client, rpc(1, "tools/call", { name: "block" }), h(sid))
        const reader = yield* Effect.fork(Stream.runCollect(sseEvents(response)))
        yield* Deferred.await(started)
        yield* server.expire(sid)
        assert.deepStrictEqual(messages(yield* Fiber.join(reader)), [])
      }))
  })

  describe("CORS and the log", () => {
    it.scoped("OPTIONS → 204 with the CORS headers; every answer exposes Mcp-Session-Id", () =>
      Effect.gen(function*() {
        const { client, initialize } = yield* setup({ cors: {} })
        const preflight = yield* client.execute(HttpClientRequest.options(url))
        assert.strictEqual(preflight.status, 204)
        assert.strictEqual(preflight.headers["access-control-allow-origin"], "*")
        assert.strictEqual(preflight.headers["access-control-allow-methods"], "GET, POST, DELETE, OPTIONS")
        const allowed = preflight.headers["access-control-allow-headers"]
        for (
          const name of [
            "Content-Type",
            "Accept",
            "Mcp-Session-Id",
            "Mcp-Protocol-Version",
            "Last-Event-ID",
            "traceparent",
            "b3"
          ]
        ) {
          assert.include(allowed, name)
        }
        const response = yield* post(client, initializeRequest())
        assert.strictEqual(response.headers["access-control-expose-headers"], "Mcp-Session-Id")
        const hidden = yield* setup({ cors: { exposeSessionHeader: false } })
        const r = yield* post(hidden.client, initializeRequest())
        assert.isUndefined(r.headers["access-control-expose-headers"])
        assert.strictEqual(r.headers["access-control-allow-origin"], "*")
        yield* initialize()
      }))

    it.scoped("the log records method, JSON-RPC method and id, headers, status and the TestClock time", () =>
      Effect.gen(function*() {
        const { client, server, session } = yield* setup()
        const sid = yield* session
        yield* TestClock.adjust(Duration.seconds(5))
        yield* post(client, rpc("abc", "tools/list"), h(sid))
        const log = yield* server.log
        assert.deepStrictEqual(
          log.map((e) => [e.httpMethod, e.kind, e.rpcMethod, e.requestId, e.status]),
          [
            ["POST", "request", "initialize", 0, 200],
            ["POST", "notification", "notifications/initialized", undefined, 202],
            ["POST", "request", "tools/list", "abc", 200]
          ]
        )
        const last = log[2]
        assert.strictEqual(last.sessionId, sid)
        assert.strictEqual(last.protocolVersion, V)
        assert.strictEqual(last.timestamp, 5000)
        assert.isUndefined(log[0].sessionId)
        yield* server.clearLog
        assert.deepStrictEqual(yield* server.log, [])
      }))
  })

  describe("layers", () => {
    it.scoped("layerInMemory provides the server and an HttpClient talking to it", () =>
      Effect.gen(function*() {
        const server = yield* McpTestServer.McpTestServer
        const client = yield* HttpClient.HttpClient
        const response = yield* post(client, initializeRequest())
        assert.strictEqual(response.status, 200)
        assert.strictEqual(yield* server.initializeCount, 1)
      }).pipe(Effect.provide(McpTestServer.layerInMemory({ sessions: true }))))
  })
})

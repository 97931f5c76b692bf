import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { assert, describe, it } from "@effect/vitest"
import { McpTestServer } from "@mcp-effect/core/testing"
import { NodeMcpTestServer } from "@mcp-effect/node/testing"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"

const V = "2025-11-25"

interface SseEvent {
  readonly id: string | undefined
  readonly data: string
  readonly retry: number | undefined
}

const sseEvents = (response: HttpClientResponse.HttpClientResponse): Stream.Stream<SseEvent, unknown> =>
  response.stream.pipe(
    Stream.decodeText(),
    Stream.mapAccum("", (buffer, text) => {
      const blocks = (buffer + text).split("\n\n")
      return [blocks.pop() ?? "", blocks] as const
    }),
    Stream.mapConcat((blocks) => blocks),
    Stream.filterMap((block) => {
      let id: string | undefined
      let retry: number | undefined
      const data: Array<string> = []
      for (const line of block.split("\n")) {
        const colon = line.indexOf(":")
        if (line === "" || colon === 0) continue
        const field = colon === -1 ? line : line.slice(0, colon)
        const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "")
        if (field === "id") id = value
        else if (field === "data") data.push(value)
        else if (field === "retry") retry = Number(value)
      }
      return block.trim() === "" ? Option.none() : Option.some({ id, data: data.join("\n"), retry })
    })
  )

const jsonOf = (e: SseEvent): Record<string, unknown> => JSON.parse(e.data)

const h = (sessionId: string): Record<string, string> => ({
  "mcp-session-id": sessionId,
  "mcp-protocol-version": V
})

const rpc = (id: number | string, method: string, params?: unknown) =>
  params === undefined ? { jsonrpc: "2.0", id, method } : { jsonrpc: "2.0", id, method, params }

/** A server over real HTTP and an undici client, with raw helpers. */
const setup = (options?: NodeMcpTestServer.Options) =>
  Effect.gen(function*() {
    const service = yield* NodeMcpTestServer.make(options)
    // Built in the test's scope: a provided layer would close its dispatcher when `setup` ends.
    const client = NodeHttpClient.makeUndici(yield* NodeHttpClient.makeDispatcher)
    const post = (body: unknown, headers: Record<string, string> = {}) =>
      client.execute(
        HttpClientRequest.post(service.url).pipe(
          HttpClientRequest.setHeaders({ accept: "application/json, text/event-stream", ...headers }),
          HttpClientRequest.bodyText(JSON.stringify(body), "application/json")
        )
      )
    const get = (headers: Record<string, string>) =>
      client.execute(
        HttpClientRequest.get(service.url).pipe(
          HttpClientRequest.setHeaders({ accept: "text/event-stream", ...headers })
        )
      )
    const session = Effect.gen(function*() {
      const response = yield* post(
        rpc(0, "initialize", { protocolVersion: V, capabilities: {}, clientInfo: { name: "t", version: "0" } })
      )
      assert.strictEqual(response.status, 200)
      yield* response.text
      const sid = response.headers["mcp-session-id"]
      assert.isString(sid)
      return sid ?? ""
    })
    return { ...service, client, post, get, session }
  })

describe("NodeMcpTestServer", () => {
  it.scoped("listens on 127.0.0.1 with a free port; initialize and a request over real HTTP", () =>
    Effect.gen(function*() {
      const { post, server, session, url } = yield* setup()
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/)
      const sid = yield* session
      const response = yield* post(rpc(1, "tools/call", { name: "add", arguments: { a: 1, b: 2 } }), h(sid))
      assert.deepStrictEqual(yield* response.json, {
        jsonrpc: "2.0",
        id: 1,
        result: { content: [{ type: "text", text: "3" }], structuredContent: { sum: 3 } }
      })
      assert.deepStrictEqual(yield* server.sessions, [sid])
      const log = yield* server.log
      assert.deepStrictEqual(log.map((e) => [e.rpcMethod, e.status]), [["initialize", 200], ["tools/call", 200]])
      assert.strictEqual(log[1].sessionId, sid)
    }))

  it.scoped("SSE events arrive as they are produced (elicitation answered mid-stream)", () =>
    Effect.gen(function*() {
      const { post, session } = yield* setup({ answers: "sse" })
      const sid = yield* session
      const response = yield* post(rpc(1, "tools/call", { name: "elicit" }), h(sid))
      const inbox = yield* Queue.unbounded<Record<string, unknown>>()
      const reader = yield* Effect.fork(
        Stream.runForEach(sseEvents(response), (e) => e.data === "" ? Effect.void : Queue.offer(inbox, jsonOf(e)))
      )
      const request = yield* Queue.take(inbox)
      assert.strictEqual(request.method, "elicitation/create")
      const answer = yield* post({ jsonrpc: "2.0", id: request.id, result: { action: "decline" } }, h(sid))
      assert.strictEqual(answer.status, 202)
      const final = yield* Queue.take(inbox)
      assert.deepStrictEqual((final.result as Record<string, unknown>).structuredContent, { action: "decline" })
      yield* Fiber.join(reader)
    }))

  it.scoped("a GET stream's headers arrive before any event; notify reaches it; ending the read closes it server-side", () =>
    Effect.gen(function*() {
      const { get, server, session } = yield* setup()
      const sid = yield* session
      const response = yield* get(h(sid))
      assert.strictEqual(response.status, 200)
      assert.include(response.headers["content-type"], "text/event-stream")
      const inbox = yield* Queue.unbounded<SseEvent>()
      const reader = yield* Effect.fork(Stream.runForEach(sseEvents(response), (e) => Queue.offer(inbox, e)))
      yield* server.awaitGetStream(sid)
      yield* server.notify("notifications/message", { level: "info", data: "over http" })
      assert.deepStrictEqual(jsonOf(yield* Queue.take(inbox)).params, { level: "info", data: "over http" })
      yield* Fiber.interrupt(reader)
      yield* server.awaitStreams((streams) => streams.length === 0)
      assert.deepStrictEqual(yield* server.openStreams, [])
    }))

  it.scoped("resumption over HTTP: the POST stream closes after priming, GET + Last-Event-ID gets the response", () =>
    Effect.gen(function*() {
      const { get, post, server, session } = yield* setup({ answers: "sse", resumable: true, retryMillis: 5 })
      const sid = yield* session
      yield* server.inject(McpTestServer.Fault.CloseStream({}), { rpcMethod: "tools/call" })
      const response = yield* post(rpc(2, "tools/call", { name: "echo", arguments: { text: "later" } }), h(sid))
      const first = Chunk.toReadonlyArray(yield* Stream.runCollect(sseEvents(response)))
      assert.strictEqual(first.length, 1)
      assert.strictEqual(first[0].data, "")
      assert.strictEqual(first[0].retry, 5)
      const resumed = yield* get({ ...h(sid), "last-event-id": first[0].id ?? "" })
      const rest = Chunk.toReadonlyArray(yield* Stream.runCollect(sseEvents(resumed))).filter((e) => e.data !== "")
      assert.deepStrictEqual(rest.map(jsonOf), [
        { jsonrpc: "2.0", id: 2, result: { content: [{ type: "text", text: "later" }] } }
      ])
    }))

  it.scoped("TestClock expires sessions of the server over real HTTP too", () =>
    Effect.gen(function*() {
      const { post, session } = yield* setup({ sessionTtl: Duration.seconds(30) })
      const sid = yield* session
      yield* TestClock.adjust(Duration.seconds(31))
      assert.strictEqual((yield* post(rpc(1, "ping"), h(sid))).status, 404)
    }))

  it.scoped("closing the scope with an open SSE stream does not hang", () =>
    Effect.gen(function*() {
      const inner = Effect.gen(function*() {
        const { get, server, session } = yield* setup()
        const sid = yield* session
        const response = yield* get(h(sid))
        yield* Effect.forkDaemon(Stream.runDrain(sseEvents(response)).pipe(Effect.ignore))
        yield* server.awaitGetStream(sid)
      })
      yield* Effect.scoped(inner)
      assert.isTrue(true)
    }))

  it.scoped("layer provides NodeMcpTestServer and McpTestServer; CORS preflight over HTTP", () =>
    Effect.gen(function*() {
      const { url } = yield* NodeMcpTestServer.NodeMcpTestServer
      const server = yield* McpTestServer.McpTestServer
      const client = yield* HttpClient.HttpClient
      const preflight = yield* client.execute(HttpClientRequest.options(url))
      assert.strictEqual(preflight.status, 204)
      assert.strictEqual(preflight.headers["access-control-allow-origin"], "*")
      assert.include(preflight.headers["access-control-allow-headers"], "Mcp-Session-Id")
      assert.strictEqual(yield* server.initializeCount, 0)
    }).pipe(
      Effect.provide(NodeMcpTestServer.layer({ cors: true })),
      Effect.provide(NodeHttpClient.layerUndici)
    ))

  it.scoped("control endpoints: inject a fault as JSON, restart, read sessions", () =>
    Effect.gen(function*() {
      const { client, controlUrl, post, session } = yield* setup({ control: true })
      const control = (command: string, body?: unknown) =>
        client.execute(
          body === undefined ?
            HttpClientRequest.get(`${controlUrl}${command}`) :
            HttpClientRequest.post(`${controlUrl}${command}`).pipe(HttpClientRequest.bodyText(JSON.stringify(body)))
        ).pipe(Effect.flatMap((r) => Effect.map(r.json, (json) => ({ status: r.status, json }))))
      const sid = yield* session
      assert.deepStrictEqual((yield* control("sessions")).json, [sid])
      const injected = yield* control("inject", {
        fault: { _tag: "Status", status: 503 },
        match: { rpcMethod: "ping" }
      })
      assert.strictEqual(injected.status, 200)
      assert.strictEqual((yield* post(rpc(1, "ping"), h(sid))).status, 503)
      assert.strictEqual((yield* control("inject", { fault: { _tag: "Nope" } })).status, 400)
      yield* control("restart", {})
      assert.deepStrictEqual((yield* control("sessions")).json, [])
      assert.strictEqual((yield* post(rpc(2, "ping"), h(sid))).status, 404)
      assert.strictEqual((yield* control("initialize-count")).json, 1)
    }))
})

describe("startNodeMcpTestServer", () => {
  it.live("a Promise API for non-Effect callers", () =>
    Effect.promise(async () => {
      const started = await NodeMcpTestServer.startNodeMcpTestServer({ sessionTtl: "1 hour" })
      try {
        const response = await fetch(started.url, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
          body: JSON.stringify(
            rpc(0, "initialize", { protocolVersion: V, capabilities: {}, clientInfo: { name: "p", version: "0" } })
          )
        })
        assert.strictEqual(response.status, 200)
        const sid = response.headers.get("mcp-session-id") ?? ""
        await response.text()
        assert.deepStrictEqual(await started.sessions(), [sid])
        assert.strictEqual(await started.initializeCount(), 1)
        await started.inject(McpTestServer.Fault.Status({ status: 500 }))
        const failed = await fetch(started.url, {
          method: "POST",
          headers: { "content-type": "application/json", ...h(sid) },
          body: JSON.stringify(rpc(1, "ping"))
        })
        assert.strictEqual(failed.status, 500)
        await failed.text()
        await started.restart()
        assert.deepStrictEqual(await started.sessions(), [])
        assert.strictEqual((await started.log()).length, 2)
      } finally {
        await started.close()
      }
      const refused = await fetch(started.url).then(() => "answered", () => "refused")
      assert.strictEqual(refused, "refused")
    }))
})

// The examples of docs/testing.md: the test kit, in memory and over real HTTP.
import { describe, expect, it } from "@effect/vitest"
import { McpClient, McpHttp } from "@mcp-effect/core"
import { McpTestServer } from "@mcp-effect/core/testing"
import { NodeMcpClient } from "@mcp-effect/node"
import { NodeMcpTestServer } from "@mcp-effect/node/testing"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"

const { Fault } = McpTestServer

describe("the test kit", () => {
  // #region in-memory
  // A server and a client in one test, in memory: no sockets, no ports.
  it.scoped("in memory", () =>
    Effect.gen(function*() {
      const server = yield* McpTestServer.make({ sessionTtl: "10 minutes" })
      const client = yield* McpClient.make({ url: McpTestServer.inMemoryUrl }).pipe(
        Effect.provideService(McpHttp.McpHttp, McpHttp.fromHttpClient(McpTestServer.httpClient(server)))
      )
      const result = yield* client.callTool("add", { a: 1, b: 2 })
      expect(result.structuredContent).toEqual({ sum: 3 })
      expect(yield* server.sessions).toEqual([(yield* client.session).sessionId])
    }))
  // #endregion

  // #region layers
  // The same as layers: `layerInMemory` provides the server's handle and an HttpClient talking to it,
  // `McpHttp.layerHttpClient` runs the client on that HttpClient.
  const TestLive = McpClient.layer({ url: McpTestServer.inMemoryUrl }).pipe(
    Layer.provide(McpHttp.layerHttpClient),
    Layer.provideMerge(McpTestServer.layerInMemory({ sessionTtl: "10 minutes", answers: "sse" }))
  )

  // `it.effect` runs on the TestClock: the TTL passes when the test says so.
  it.effect("a session expires on the TestClock", () =>
    Effect.gen(function*() {
      const client = yield* McpClient.McpClient
      const server = yield* McpTestServer.McpTestServer
      const first = yield* client.session
      yield* TestClock.adjust("11 minutes")
      yield* client.ping()
      expect((yield* client.session).generation).toBe(first.generation + 1)
      // Every HTTP request the server saw, in order: the old id met a 404 (on the
      // ping, or first on the reconnecting GET stream), then a new session began.
      const log = yield* server.log
      expect(log.some((e) => e.status === 404 && e.sessionId === first.sessionId)).toBe(true)
    }).pipe(Effect.provide(TestLive)))
  // #endregion

  // #region over-http
  // Over real HTTP: NodeMcpTestServer listens on 127.0.0.1 (a free port) and
  // provides the same handle; the client under test is the production one.
  const HttpLive = Layer.unwrapEffect(
    Effect.map(NodeMcpTestServer.NodeMcpTestServer, ({ url }) => NodeMcpClient.layer({ url }))
  ).pipe(Layer.provideMerge(NodeMcpTestServer.layer({ answers: "sse", resumable: true })))

  it.live("over HTTP, a server restart is survived", () =>
    Effect.gen(function*() {
      const client = yield* McpClient.McpClient
      const server = yield* McpTestServer.McpTestServer
      yield* server.restart // every session forgotten, like a deploy
      const result = yield* client.callTool("echo", { text: "still here" })
      expect(result.content).toEqual([{ type: "text", text: "still here" }])
      expect(yield* server.initializeCount).toBe(2)
    }).pipe(Effect.provide(HttpLive)))
  // #endregion

  // #region faults
  // Faults change the answer to the next matching request(s). `it.scoped`, like
  // `it.effect`, runs on the TestClock: fork what sleeps, adjust the clock, join.
  it.scoped("faults: a failing re-initialize, a broken stream, a request that hangs", () =>
    Effect.gen(function*() {
      const server = yield* McpTestServer.make({ answers: "sse", resumable: true })
      const client = yield* McpClient.make({
        url: McpTestServer.inMemoryUrl,
        requestTimeout: "1 second",
        getStream: false // only the requests of this test in the log
      }).pipe(Effect.provideService(McpHttp.McpHttp, McpHttp.fromHttpClient(McpTestServer.httpClient(server))))

      // The session is gone and the first re-initialize meets a 503: retried at once, then fine.
      yield* server.expire()
      yield* server.inject(Fault.Status({ status: 503 }), { rpcMethod: "initialize" })
      yield* client.ping()
      const inits = (yield* server.log).filter((e) => e.rpcMethod === "initialize").map((e) => e.status)
      expect(inits).toEqual([200, 503, 200])

      // The answer stream closes after its priming event: `retry` (10 ms) later,
      // the client resumes it with GET + Last-Event-ID and gets the result there.
      yield* server.inject(Fault.CloseStream({ retryMillis: 10 }), { rpcMethod: "tools/call" })
      const call = yield* Effect.fork(client.callTool("echo", { text: "resumed" }))
      yield* TestClock.adjust("10 millis")
      expect((yield* Fiber.join(call)).content).toEqual([{ type: "text", text: "resumed" }])
      expect((yield* server.log).at(-1)).toMatchObject({ httpMethod: "GET", lastEventId: expect.any(String) })

      // No answer at all: after the idle timeout the caller gets RequestTimeout
      // and the server a notifications/cancelled.
      yield* server.inject(Fault.Hang(), { rpcMethod: "ping" })
      const ping = yield* Effect.fork(Effect.flip(client.ping()))
      yield* TestClock.adjust("1 second")
      expect(yield* Fiber.join(ping)).toMatchObject({ _tag: "RequestTimeout", reason: "idle", timeoutMillis: 1000 })
      yield* Effect.yieldNow() // the cancellation is sent in the background
      expect((yield* server.log).at(-1)?.rpcMethod).toBe("notifications/cancelled")
    }))
  // #endregion
})

// #region promise-api
// Outside Effect (a vitest globalSetup, another client library): a Promise API.
describe("startNodeMcpTestServer", () => {
  it("serves MCP on a free port until closed", async () => {
    const server = await NodeMcpTestServer.startNodeMcpTestServer({ sessionTtl: "1 minute" })
    try {
      const response = await fetch(server.url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "initialize",
          params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "0" } }
        })
      })
      expect(response.status).toBe(200)
      expect(await server.sessions()).toEqual([response.headers.get("mcp-session-id")])
      await server.expire()
      expect(await server.sessions()).toEqual([])
    } finally {
      await server.close()
    }
  })
})
// #endregion

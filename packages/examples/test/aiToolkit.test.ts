import { describe, expect, it } from "@effect/vitest"
import { McpToolkit } from "@mcp-effect/ai"
import { McpClient, McpHttp } from "@mcp-effect/core"
import { McpTestServer } from "@mcp-effect/core/testing"
import { NodeMcpTestServer } from "@mcp-effect/node/testing"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { allTools, main, ScriptedModel, TwoServersLive, withContext } from "../src/aiToolkit.js"

// docs/ai.md's program, over real HTTP (undici) against the test server on 127.0.0.1.
describe("aiToolkit (ai)", () => {
  it.live("a tool-calling loop: add, then echo with the sum, then the answer", () =>
    Effect.scoped(Effect.gen(function*() {
      const { server, url } = yield* NodeMcpTestServer.make()
      expect(yield* main(url)).toBe("The server says: 2 + 3 = 5")
      const calls = (yield* server.log).filter((e) => e.rpcMethod === "tools/call" && e.kind === "request")
      expect(calls.map((e) => e.message)).toMatchObject([
        { params: { name: "add", arguments: { a: 2, b: 3 } } },
        { params: { name: "echo", arguments: { text: "2 + 3 = 5" } } }
      ])
    })))

  it.live("the server forgets the session at a tool call: the loop never notices", () =>
    Effect.scoped(Effect.gen(function*() {
      const { server, url } = yield* NodeMcpTestServer.make()
      // The session ends just as the first `tools/call` arrives: that POST is answered 404.
      yield* server.inject(McpTestServer.Fault.ExpireSession({}), { rpcMethod: "tools/call" })
      expect(yield* main(url)).toBe("The server says: 2 + 3 = 5")
      expect(yield* server.initializeCount).toBe(2)
      const calls = (yield* server.log).filter((e) => e.rpcMethod === "tools/call" && e.kind === "request")
      expect(calls.map((e) => e.status)).toEqual([404, 200, 200])
    })))

  it.scoped("a resource and a prompt as the model's prompt", () =>
    Effect.gen(function*() {
      expect(yield* withContext).toBe("Hello, world! Please greet Ada.")
    }).pipe(Effect.provide(Layer.merge(
      ScriptedModel,
      McpClient.layer({ url: McpTestServer.inMemoryUrl }).pipe(
        Layer.provide(McpHttp.layerHttpClient),
        Layer.provide(McpTestServer.layerInMemory())
      )
    ))))

  it.live("two servers in one toolkit, prefixed, each call to its server", () =>
    Effect.scoped(Effect.gen(function*() {
      const notes = yield* NodeMcpTestServer.make()
      const math = yield* NodeMcpTestServer.make()
      // The clients live as long as the layer: use the toolkit inside it.
      yield* Effect.gen(function*() {
        const toolkit = yield* McpToolkit.toolkit
        expect(Object.keys(toolkit.tools)).toEqual([
          "notes_echo",
          "notes_add",
          "notes_slow",
          "notes_fail",
          "notes_elicit",
          "math_add"
        ])
        const sum = yield* toolkit.handle("math_add", { a: 20, b: 22 })
        expect(sum.encodedResult).toEqual({ text: "42", structuredContent: { sum: 42 } })
      }).pipe(Effect.provide(TwoServersLive(notes.url, math.url)))
      const calls = (server: McpTestServer.Handle) =>
        Effect.map(server.log, (log) => log.filter((e) => e.rpcMethod === "tools/call").length)
      expect([yield* calls(notes.server), yield* calls(math.server)]).toEqual([0, 1])
    })))

  it.scoped("the server's tools merged with your own", () =>
    Effect.gen(function*() {
      const toolkit = yield* allTools
      expect(Object.keys(toolkit.tools)).toEqual(["now", "echo", "add", "slow", "fail", "elicit"])
      const now = yield* toolkit.handle("now", {})
      expect(now.result).toBe("1970-01-01T00:00:00.000Z") // TestClock
      const echo = yield* toolkit.handle("echo", { text: "mine too" })
      expect(echo.encodedResult).toEqual({ text: "mine too" })
    }).pipe(Effect.provide(
      McpToolkit.layer().pipe(
        Layer.provide(McpClient.layer({ url: McpTestServer.inMemoryUrl })),
        Layer.provide(McpHttp.layerHttpClient),
        Layer.provide(McpTestServer.layerInMemory())
      )
    )))
})

import { assert, describe, it } from "@effect/vitest"
import { BrowserMcpClient } from "@mcp-effect/browser"
import { McpClient } from "@mcp-effect/core"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import { control, idOf, servers } from "./support/servers.js"

const server = servers().json
const ctl = control(server)

describe("BrowserMcpClient in Chromium, cross-origin", () => {
  it("runs in a real browser, on another origin than the server", () => {
    assert.isDefined(globalThis.document)
    assert.match(navigator.userAgent, /Chrome\//)
    assert.notStrictEqual(new URL(server.url).origin, globalThis.location.origin)
  })

  it.live("connects, lists and calls tools", () =>
    Effect.gen(function*() {
      const client = yield* McpClient.McpClient
      const session = yield* client.session
      assert.isString(session.sessionId)
      assert.strictEqual(session.protocolVersion, "2025-11-25")
      assert.strictEqual(session.generation, 0)

      const tools = yield* client.listAllTools()
      assert.includeMembers(tools.map((tool) => tool.name), ["echo", "add", "slow"])

      const echoed = yield* client.callTool("echo", { text: "hello from Chromium" })
      assert.deepStrictEqual(echoed.content, [{ type: "text", text: "hello from Chromium" }])
      const sum = yield* client.callTool("add", { a: 2, b: 40 })
      assert.deepStrictEqual(sum.structuredContent, { sum: 42 })

      const resource = yield* client.readResource("test://hello")
      assert.deepInclude(resource.contents[0], { uri: "test://hello", text: "Hello, world!" })
    }).pipe(Effect.provide(BrowserMcpClient.layer({ url: server.url }))))

  it.live("uses fetch, not XMLHttpRequest", () =>
    Effect.gen(function*() {
      // The page's buffer holds 250 entries, and vite's module loads alone can fill it: start empty.
      performance.clearResourceTimings()
      const client = yield* McpClient.McpClient
      yield* client.callTool("echo", { text: "which transport?" })
      yield* client.callTool("echo", { text: "and again" })
      // Resource timing names who made each request (entries appear once a response has ended).
      const entries = performance.getEntriesByType("resource").filter((e) => e.name.startsWith(server.url))
      assert.isAbove(entries.length, 1)
      for (const entry of entries) {
        assert.strictEqual(entry instanceof PerformanceResourceTiming && entry.initiatorType, "fetch")
      }
    }).pipe(Effect.provide(BrowserMcpClient.layer({ url: server.url }))))

  it.live("sends no trace headers, which real servers' CORS policies do not allow", () =>
    Effect.gen(function*() {
      const client = yield* McpClient.McpClient
      yield* client.callTool("echo", { text: "x" })
      const sessionId = idOf(yield* client.session)
      const log = yield* ctl.logOf(sessionId)
      assert.isAbove(log.length, 0)
      for (const entry of log) {
        assert.notProperty(entry.headers, "traceparent")
        assert.notProperty(entry.headers, "b3")
      }
    }).pipe(Effect.provide(BrowserMcpClient.layer({ url: server.url }))))

  it.live("closing the scope ends the session with DELETE", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(BrowserMcpClient.layer({ url: server.url }), scope)
      const sessionId = idOf(yield* Effect.provide(Effect.flatMap(McpClient.McpClient, (c) => c.session), context))
      assert.include(yield* ctl.sessions, sessionId)

      yield* Scope.close(scope, Exit.void)

      assert.notInclude(yield* ctl.sessions, sessionId)
      const deletes = (yield* ctl.logOf(sessionId)).filter((e) => e.httpMethod === "DELETE")
      assert.deepStrictEqual(deletes.map((e) => e.status), [200])
    }))

  it.live("layerConfig reads the URL from Config", () =>
    Effect.gen(function*() {
      const client = yield* McpClient.McpClient
      const result = yield* client.callTool("echo", { text: "configured" })
      assert.deepStrictEqual(result.content, [{ type: "text", text: "configured" }])
    }).pipe(
      Effect.provide(BrowserMcpClient.layerConfig()),
      Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["URL", server.url]])))
    ))

  it.live("layerConfig keeps the options Config does not set", () =>
    Effect.gen(function*() {
      const client = yield* McpClient.McpClient
      yield* client.callTool("echo", { text: "no GET stream" })
      const sessionId = idOf(yield* client.session)
      const log = yield* ctl.logOf(sessionId)
      assert.isTrue(log.some((e) => e.rpcMethod === "tools/call"))
      assert.isFalse(log.some((e) => e.httpMethod === "GET"))
    }).pipe(
      Effect.provide(BrowserMcpClient.layerConfig(undefined, { getStream: false })),
      Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["URL", server.url]])))
    ))
})

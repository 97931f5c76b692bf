// The official SDK server behind the `cors` middleware, on another origin than the page (issue 18):
// CORS that refuses the headers of the session is no transient failure, it leaves no session behind
// where it can be helped, and the error says what it most likely is.
import { assert, describe, it } from "@effect/vitest"
import { BrowserMcpClient } from "@mcp-effect/browser"
import { McpClient, McpError } from "@mcp-effect/core"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { inject } from "vitest"
import { type SdkCorsUrls, sdkState } from "./support/servers.js"

const { checklist, nodeHttp, readme, sessionRefused } = inject("sdkCors")

/** Connects (and disconnects) once; the error, and what the server saw meanwhile. */
const failedConnect = (server: SdkCorsUrls) =>
  Effect.gen(function*() {
    const before = yield* sdkState(server)
    const error = yield* Layer.build(BrowserMcpClient.layer({ url: server.url })).pipe(Effect.scoped, Effect.flip)
    const after = yield* sdkState(server)
    assert.instanceOf(error, McpError.TransportError)
    if (error._tag !== "TransportError") throw new Error("unreachable")
    const seen = after.log.slice(before.log.length)
    return {
      error,
      seen,
      made: after.initializations - before.initializations,
      ended: after.deleted - before.deleted,
      open: after.sessions.filter((id) => !before.sessions.includes(id))
    }
  })

/** What the message must say: CORS as the likely cause, the headers the request carried, the remedy. */
const assertNamesCors = (error: McpError.TransportError, carried: ReadonlyArray<string>) => {
  assert.strictEqual(error.method, "notifications/initialized")
  assert.deepStrictEqual(error.crossOrigin?.headers, carried)
  assert.strictEqual(error.crossOrigin?.origin, globalThis.location.origin)
  assert.include(error.message, "most likely CORS")
  assert.include(
    error.message,
    `Access-Control-Allow-Headers must allow the headers this request carried (${carried.join(", ")})`
  )
  assert.include(error.message, "(last-event-id)")
  assert.include(error.message, "Access-Control-Expose-Headers must include Mcp-Session-Id")
}

describe("the SDK README's CORS settings: mcp-protocol-version is not allowed", () => {
  it.live("one initialize, the half-made session ended, a TransportError that names CORS", () =>
    Effect.gen(function*() {
      const { ended, error, made, open, seen } = yield* failedConnect(readme)
      // Not retried: the handshake ran once.
      assert.strictEqual(made, 1)
      assert.strictEqual(seen.filter((e) => e.rpcMethod === "initialize").length, 1)
      assertNamesCors(error, ["content-type", "mcp-protocol-version", "mcp-session-id"])
      // The preflight of notifications/initialized asked for mcp-protocol-version; no such POST followed.
      assert.isTrue(seen.some((e) =>
        e.method === "OPTIONS" && e.requestMethod === "POST" &&
        e.requestHeaders === "content-type,mcp-protocol-version,mcp-session-id"
      ))
      assert.isFalse(seen.some((e) => e.rpcMethod === "notifications/initialized"))
      // The DELETE with the same headers was refused at its preflight too; the one with the session
      // id alone passed, and ended the session.
      assert.deepStrictEqual(
        seen.filter((e) => e.method === "OPTIONS" && e.requestMethod === "DELETE").map((e) => e.requestHeaders),
        ["mcp-protocol-version,mcp-session-id", "mcp-session-id"]
      )
      assert.deepStrictEqual(
        seen.filter((e) => e.method === "DELETE").map((e) => [e.sessionId, e.status]),
        [[error.sessionId, 200]]
      )
      assert.strictEqual(ended, 1)
      assert.deepStrictEqual(open, [])
      assert.isUndefined(error.leftOpen)
    }))
})

describe("CORS that allows no MCP header at all", () => {
  it.live("one initialize; the session cannot be ended, and the error's leftOpen names it", () =>
    Effect.gen(function*() {
      const { ended, error, made, open, seen } = yield* failedConnect(sessionRefused)
      assert.strictEqual(made, 1)
      assertNamesCors(error, ["content-type", "mcp-protocol-version", "mcp-session-id"])
      // Both DELETEs were refused at their preflights: none reached the server.
      assert.deepStrictEqual(
        seen.filter((e) => e.method === "OPTIONS" && e.requestMethod === "DELETE").map((e) => e.requestHeaders),
        ["mcp-protocol-version,mcp-session-id", "mcp-session-id"]
      )
      assert.isFalse(seen.some((e) => e.method === "DELETE"))
      assert.strictEqual(ended, 0)
      assert.strictEqual(open.length, 1)
      assert.strictEqual(error.leftOpen, open[0])
      assert.include(error.message, `the half-made session ${open[0]} could not be ended on the server`)
    }))
})

describe.each([
  { name: "the cors middleware", server: checklist },
  { name: "plain node:http", server: nodeHttp }
])("docs/browser.md's CORS settings ($name)", ({ server }) => {
  it.live("connect, call, close: every request passes and the session is ended", () =>
    Effect.gen(function*() {
      const before = yield* sdkState(server)
      const sessionId = yield* Effect.gen(function*() {
        const client = yield* McpClient.McpClient
        const result = yield* client.callTool("echo", { text: "hi" })
        assert.deepStrictEqual(result.content, [{ type: "text", text: "hi" }])
        return (yield* client.session).sessionId
      }).pipe(Effect.provide(BrowserMcpClient.layer({ url: server.url })))
      if (sessionId === undefined) throw new Error("the session has no id")
      const after = yield* sdkState(server)
      assert.strictEqual(after.initializations - before.initializations, 1)
      assert.notInclude(after.sessions, sessionId)
      const mine = after.log.filter((e) => e.sessionId === sessionId).map((e) => [e.method, e.rpcMethod ?? null])
      // The GET stream and the call start side by side once the session is made, so the server
      // may see them in either order; what must hold is initialized first, DELETE last.
      assert.deepStrictEqual(mine.at(0), ["POST", "notifications/initialized"])
      assert.deepStrictEqual(mine.at(-1), ["DELETE", null])
      assert.sameDeepMembers(mine.slice(1, -1), [["GET", null], ["POST", "tools/call"]])
      assert.strictEqual(after.log.filter((e) => e.sessionId === sessionId).at(-1)?.status, 200)
    }))
})

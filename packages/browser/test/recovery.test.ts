import { assert, describe, it } from "@effect/vitest"
import { BrowserMcpClient } from "@mcp-effect/browser"
import { McpClient } from "@mcp-effect/core"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import { control, idOf, servers } from "./support/servers.js"

const server = servers().json
const ctl = control(server)

describe("session expiry and recovery in Chromium", () => {
  it.live("a call on an expired session gets 404, starts a new session and succeeds", () =>
    Effect.gen(function*() {
      const client = yield* McpClient.McpClient
      const first = idOf(yield* client.session)
      const events = yield* client.sessionEvents.pipe(
        Stream.filter((e) => e._tag === "Expired" || e._tag === "Recovered"),
        Stream.take(2),
        Stream.runCollect,
        Effect.fork
      )
      yield* Effect.yieldNow()

      yield* ctl.expire(first)
      const results = yield* Effect.all(
        [1, 2, 3, 4, 5].map((n) => client.callTool("add", { a: n, b: 1 })),
        { concurrency: "unbounded" }
      )
      assert.deepStrictEqual(results.map((r) => r.structuredContent), [2, 3, 4, 5, 6].map((sum) => ({ sum })))

      const second = yield* client.session
      assert.notStrictEqual(idOf(second), first)
      // One recovery for every request that met the 404.
      assert.strictEqual(second.generation, 1)
      const [expired, recovered] = yield* Fiber.join(events).pipe(Effect.timeout("5 seconds"))
      assert.deepInclude(expired, { _tag: "Expired", sessionId: first, status: 404 })
      assert.deepInclude(recovered, { _tag: "Recovered", previousSessionId: first })

      const old = yield* ctl.logOf(first)
      assert.isTrue(old.some((e) => e.status === 404))
      assert.include(yield* ctl.sessions, idOf(second))
      assert.notInclude(yield* ctl.sessions, first)
    }).pipe(Effect.provide(BrowserMcpClient.layer({ url: server.url }))))

  it.live("the new session is ended on close, not the dead one", () =>
    Effect.gen(function*() {
      const [first, second] = yield* Effect.gen(function*() {
        const client = yield* McpClient.McpClient
        const first = idOf(yield* client.session)
        yield* ctl.expire(first)
        yield* client.callTool("echo", { text: "after expiry" })
        return [first, idOf(yield* client.session)] as const
      }).pipe(Effect.provide(BrowserMcpClient.layer({ url: server.url })))
      assert.notStrictEqual(first, second)
      assert.notInclude(yield* ctl.sessions, second)
      const deletes = (yield* ctl.logOf(second)).filter((e) => e.httpMethod === "DELETE")
      assert.deepStrictEqual(deletes.map((e) => e.status), [200])
      assert.isFalse((yield* ctl.logOf(first)).some((e) => e.httpMethod === "DELETE"))
    }))
})

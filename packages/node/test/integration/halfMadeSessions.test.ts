// Issue 18: a handshake that fails after `initialize` made a session ends that session before it
// tries again. Over real HTTP against the test server, counting sessions on the server:
// sessions created = sessions deleted + sessions in use. Issue 17: a `notifications/initialized`
// refused transiently is sent again on the session `initialize` made, so such a handshake creates
// one session, not one per attempt.
import { describe, expect, it } from "@effect/vitest"
import { McpTestServer } from "@mcp-effect/core/testing"
import { NodeMcpTestServer } from "@mcp-effect/node/testing"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import { vi } from "vitest"
import { bounded, connect } from "../support/live.js"

vi.setConfig({ testTimeout: 30_000 })

const deletes = (log: ReadonlyArray<McpTestServer.LogEntry>) =>
  log.filter((entry) => entry.httpMethod === "DELETE" && entry.sessionId !== undefined)

describe("half-made sessions (notifications/initialized refused after a successful initialize)", () => {
  it.live("503 twice, then accepted: one session made, the notification sent again on it, nothing to delete", () =>
    Effect.gen(function*() {
      const { server, url } = yield* NodeMcpTestServer.make({})
      yield* server.inject(McpTestServer.Fault.Status({ status: 503, body: "not now" }), {
        rpcMethod: "notifications/initialized",
        times: 2
      })
      const client = yield* connect({ url, getStream: false, recovery: { schedule: Schedule.recurs(4) } })
      const session = yield* client.session
      expect((yield* client.callTool("echo", { text: "hi" })).content).toEqual([{ type: "text", text: "hi" }])
      expect(yield* server.initializeCount).toBe(1)
      const initialized = (yield* server.log).filter((entry) => entry.rpcMethod === "notifications/initialized")
      expect(initialized.map((entry) => [entry.sessionId, entry.status])).toEqual([
        [session.sessionId, 503],
        [session.sessionId, 503],
        [session.sessionId, 202]
      ])
      // The one session made is the one in use; no half-made session was left or needed deleting.
      expect(yield* server.sessions).toEqual([session.sessionId])
      expect(deletes(yield* server.log)).toHaveLength(0)
    }).pipe(Effect.scoped, bounded("the connect")))

  it.live("503 forever: the connect fails within its bounds, and no half-made session is left behind", () =>
    Effect.gen(function*() {
      const { server, url } = yield* NodeMcpTestServer.make({})
      yield* server.inject(McpTestServer.Fault.Status({ status: 503, body: "never" }), {
        rpcMethod: "notifications/initialized",
        times: 1000
      })
      const error = yield* Effect.flip(
        connect({ url, getStream: false, recovery: { schedule: Schedule.recurs(3) } })
      )
      expect(error._tag).toBe("UnexpectedStatus")
      // One initialize; its notification sent 1 + 3 times; then its session deleted.
      expect(yield* server.initializeCount).toBe(1)
      const initialized = (yield* server.log).filter((entry) => entry.rpcMethod === "notifications/initialized")
      expect(initialized.map((entry) => entry.status)).toEqual([503, 503, 503, 503])
      expect(yield* server.sessions).toEqual([])
      expect(deletes(yield* server.log)).toHaveLength(1)
      expect(error.message).not.toContain("could not be ended")
    }).pipe(Effect.scoped, bounded("the failing connect")))

  it.live("a half-made session the server will not delete (405) is named in the final error", () =>
    Effect.gen(function*() {
      const { server, url } = yield* NodeMcpTestServer.make({})
      yield* server.inject(McpTestServer.Fault.Status({ status: 503 }), {
        rpcMethod: "notifications/initialized",
        times: 1000
      })
      yield* server.inject(McpTestServer.Fault.Status({ status: 405 }), { httpMethod: "DELETE", times: 1000 })
      const error = yield* Effect.flip(
        connect({ url, getStream: false, recovery: { schedule: Schedule.recurs(1) } })
      )
      const open = yield* server.sessions
      expect(open).toHaveLength(1)
      expect(yield* server.initializeCount).toBe(1)
      // The one half-made session is named in the error the caller gets.
      expect(error._tag === "UnexpectedStatus" && error.leftOpen).toBe(open[0])
      expect(error.message).toContain(`the half-made session ${open[0]} could not be ended on the server`)
    }).pipe(Effect.scoped, bounded("the failing connect")))
})

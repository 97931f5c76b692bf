// Issue 17: a handshake whose `initialize` succeeded but whose `notifications/initialized` failed
// transiently sends the notification again on the same session: one `initialize`, one session,
// nothing to end on the server. (A 404 to it — the new session already gone — still makes a new
// handshake: Recovery.test.ts, "an expiry during the handshake itself".)
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as McpTestServer from "../src/testing/McpTestServer.js"
import { connect, runWithClock } from "./support/harness.js"

const { Fault } = McpTestServer

const posts = (server: McpTestServer.Handle, rpcMethod: string) =>
  Effect.map(server.log, (log) => log.filter((e) => e.rpcMethod === rpcMethod).map((e) => e.status))

const deletes = (server: McpTestServer.Handle) =>
  Effect.map(server.log, (log) => log.filter((e) => e.httpMethod === "DELETE").length)

describe("a failed notifications/initialized is sent again, not the handshake", () => {
  it.scoped("first connect: 503 twice, then 202 — one initialize, one session, no DELETE", () =>
    Effect.gen(function*() {
      const server = yield* McpTestServer.make({ getStream: false })
      yield* server.inject(Fault.Status({ status: 503 }), { rpcMethod: "notifications/initialized", times: 2 })
      const client = yield* runWithClock(connect(server), "10 millis")
      const session = yield* client.session
      yield* client.ping()
      expect(yield* posts(server, "initialize")).toEqual([200])
      expect(yield* posts(server, "notifications/initialized")).toEqual([503, 503, 202])
      expect(yield* server.sessions).toEqual([session.sessionId])
      expect(yield* deletes(server)).toBe(0)
    }))

  it.scoped("re-initialize: 503 twice, then 202 — the call goes through with one initialize for the expiry", () =>
    Effect.gen(function*() {
      const server = yield* McpTestServer.make({ getStream: false })
      const client = yield* connect(server)
      const first = (yield* client.session).sessionId
      yield* server.expire()
      yield* server.inject(Fault.Status({ status: 503 }), { rpcMethod: "notifications/initialized", times: 2 })
      const result = yield* runWithClock(client.callTool("echo", { text: "after" }), "10 millis")
      expect(result.content).toEqual([{ type: "text", text: "after" }])
      const session = yield* client.session
      expect(session.sessionId).not.toBe(first)
      expect(session.generation).toBe(1)
      expect(yield* posts(server, "initialize")).toEqual([200, 200])
      expect(yield* posts(server, "notifications/initialized")).toEqual([202, 503, 503, 202])
      expect(yield* server.sessions).toEqual([session.sessionId])
      expect(yield* deletes(server)).toBe(0)
    }))

  it.scoped("refused with Retry-After: sent again when the server asks, on the same session", () =>
    Effect.gen(function*() {
      const server = yield* McpTestServer.make({ getStream: false })
      yield* server.inject(Fault.Status({ status: 503, headers: { "retry-after": "2" } }), {
        rpcMethod: "notifications/initialized",
        times: 1
      })
      const client = yield* runWithClock(connect(server), "500 millis")
      yield* client.ping()
      expect(yield* posts(server, "initialize")).toEqual([200])
      expect(yield* posts(server, "notifications/initialized")).toEqual([503, 202])
      expect(yield* deletes(server)).toBe(0)
    }))

  it.scoped("failing past the schedule: the one half-made session is ended, no second initialize", () =>
    Effect.gen(function*() {
      const server = yield* McpTestServer.make({ getStream: false })
      yield* server.inject(Fault.Status({ status: 503 }), { rpcMethod: "notifications/initialized", times: 1000 })
      const error = yield* runWithClock(Effect.flip(connect(server)), "100 millis")
      expect(error).toMatchObject({ _tag: "UnexpectedStatus", status: 503, method: "notifications/initialized" })
      expect(yield* posts(server, "initialize")).toEqual([200])
      // 1 + the default schedule's 4 re-sends.
      expect(yield* posts(server, "notifications/initialized")).toEqual([503, 503, 503, 503, 503])
      expect(yield* deletes(server)).toBe(1)
      expect(yield* server.sessions).toEqual([])
    }))
})

// Issue 12: a server that cannot be reached (a restart's downtime) and requests cut off in flight.
// In memory, on the TestClock: an HttpClient in front of the test server refuses connections
// (an error whose cause has code ECONNREFUSED, as Node's stack reports it) while "down".
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as McpTestServer from "../src/testing/McpTestServer.js"
import { connect, runWithClock } from "./support/harness.js"

/**
 * The test server behind a switch: while `down`, every request `refuse` picks (by its body; all
 * by default) is refused before it is sent;
 * `refused(n)` completes once `n` requests were.
 */
const switchable = (server: McpTestServer.Handle, refuse: (body: string) => boolean = () => true) => {
  const inner = McpTestServer.httpClient(server)
  const state = { down: false, refused: 0 }
  const latches: Array<readonly [number, Deferred.Deferred<void>]> = []
  const client = HttpClient.make((request) => {
    const body = request.body._tag === "Uint8Array" ? new TextDecoder().decode(request.body.body) : ""
    if (!state.down || !refuse(body)) return inner.execute(request)
    state.refused++
    const cause = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" })
    return Effect.zipRight(
      Effect.forEach(latches, ([n, latch]) => state.refused >= n ? Deferred.succeed(latch, undefined) : Effect.void),
      Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause }))
    )
  })
  const refused = (n: number) =>
    Effect.flatMap(Deferred.make<void>(), (latch) => {
      latches.push([n, latch])
      return Deferred.await(latch)
    })
  return { client, state, refused }
}

describe("a server that cannot be reached", () => {
  it.effect("a call made while connections are refused waits (backing off) and goes through once it is back", () =>
    Effect.gen(function*() {
      const server = yield* McpTestServer.make({ getStream: false })
      const { client: http, refused, state } = switchable(server)
      const client = yield* connect(server, {}, http)
      state.down = true
      const fourTimes = yield* Effect.fork(refused(4))
      const call = yield* Effect.fork(client.callTool("echo", { text: "later" }))
      // Let it be refused a few times (on the TestClock: ~100, 200, 400 ms…), then bring the server back.
      yield* runWithClock(Fiber.join(fourTimes), "50 millis")
      state.down = false
      const result = yield* runWithClock(call, "50 millis")
      expect(result.content).toEqual([{ type: "text", text: "later" }])
      const calls = (yield* server.log).filter((entry) => entry.rpcMethod === "tools/call")
      expect(calls).toHaveLength(1)
    }).pipe(Effect.scoped))

  it.effect("a call refused for longer than its timeout fails with RequestTimeout, not a connection error", () =>
    Effect.gen(function*() {
      const server = yield* McpTestServer.make({ getStream: false })
      const { client: http, state } = switchable(server)
      const client = yield* connect(server, {}, http)
      state.down = true
      const error = yield* runWithClock(
        Effect.flip(client.callTool("echo", { text: "x" }, { timeout: "3 seconds" })),
        "100 millis"
      )
      expect(error._tag).toBe("RequestTimeout")
      expect(state.refused).toBeGreaterThan(3)
    }).pipe(Effect.scoped))

  it.effect("a first connect to a server that is not there fails soon, with the connection error", () =>
    Effect.gen(function*() {
      const server = yield* McpTestServer.make({ getStream: false })
      const { client: http, state } = switchable(server)
      state.down = true
      const error = yield* runWithClock(Effect.flip(connect(server, {}, http)), "100 millis")
      expect(error).toMatchObject({ _tag: "TransportError", phase: "connect" })
      // The recovery schedule's retries (4), not a wait for a server that may never come.
      expect(state.refused).toBe(5)
    }).pipe(Effect.scoped))

  it.effect("a re-initialize against a server that stays down ends at connectTimeout, with the attempts and the last cause", () =>
    Effect.gen(function*() {
      const server = yield* McpTestServer.make({ getStream: false })
      const { client: http, state } = switchable(server, (body) => body.includes(`"method":"initialize"`))
      const client = yield* connect(server, { connectTimeout: "5 seconds" }, http)
      yield* server.expire()
      state.down = true
      const error = yield* runWithClock(Effect.flip(client.callTool("echo", { text: "x" })), "100 millis")
      expect(error._tag).toBe("RecoveryFailed")
      const cause = error._tag === "RecoveryFailed" ? error.cause : undefined
      expect(cause).toMatchObject({ _tag: "RequestTimeout", reason: "connect", timeoutMillis: 5000 })
      if (cause?._tag === "RequestTimeout") {
        expect(cause.attempts).toBe(state.refused)
        expect(cause.attempts).toBeGreaterThan(5)
        expect(cause.cause).toMatchObject({ _tag: "TransportError", phase: "connect" })
        expect(cause.message).toContain("could not connect within 5000 ms")
      }
    }).pipe(Effect.scoped))

  it.effect("a hung initialize is bounded by connectTimeout, not requestTimeout × retries", () =>
    Effect.gen(function*() {
      const server = yield* McpTestServer.make({ getStream: false })
      yield* server.inject(McpTestServer.Fault.Hang(), { rpcMethod: "initialize", times: 100 })
      const error = yield* runWithClock(
        Effect.flip(connect(server, { connectTimeout: "30 seconds", requestTimeout: "10 seconds" })),
        "500 millis"
      )
      expect(error).toMatchObject({ _tag: "RequestTimeout", reason: "connect", timeoutMillis: 30_000 })
      // 10 s per attempt: at most 3 attempts fit in 30 s.
      expect(yield* server.initializeCount).toBeLessThanOrEqual(3)
    }).pipe(Effect.scoped))
})

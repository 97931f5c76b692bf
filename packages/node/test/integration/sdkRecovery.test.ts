// Session recovery over real HTTP against the OFFICIAL @modelcontextprotocol/sdk server: expired
// sessions (404) become new sessions with exactly one initialize each, under concurrency and
// under restarts; SEP-1699 resumption with the SDK's event store.
import { describe, expect, it } from "@effect/vitest"
import { McpError, Recovery } from "@mcp-effect/core"
import type { McpClient, Session } from "@mcp-effect/core"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import { vi } from "vitest"
import { bounded, connect, eventually, sdkServer } from "../support/live.js"

// Real HTTP on a shared machine: generous for vitest; `bounded` reports a hang first, and says what hung.
vi.setConfig({ testTimeout: 30_000 })

const isMcpError = (error: unknown): boolean =>
  typeof error === "object" && error !== null && "_tag" in error &&
  Object.values(McpError).some((ctor) => typeof ctor === "function" && error instanceof ctor)

describe.each([
  { name: "SSE", json: false },
  { name: "JSON", json: true }
])("official SDK server ($name): session recovery", ({ json }) => {
  it.live("expireSession / expireAll: the next calls succeed on a new session, one initialize per expiry", () =>
    Effect.gen(function*() {
      const server = yield* sdkServer({ stateful: true, json })
      const client = yield* connect({ url: server.url })
      const events: Array<Session.SessionEvent> = []
      const subscribed = yield* Deferred.make<void>()
      yield* client.sessionEvents.pipe(
        Stream.onStart(Deferred.succeed(subscribed, undefined)),
        Stream.runForEach((event) => Effect.sync(() => events.push(event))),
        Effect.forkScoped
      )
      yield* Deferred.await(subscribed)
      const first = yield* client.session
      expect((yield* client.callTool("add", { a: 1, b: 2 })).structuredContent).toEqual({ sum: 3 })
      expect(server.initializeCount()).toBe(1)

      expect(yield* Effect.promise(() => server.expireSession(first.sessionId ?? ""))).toBe(true)
      expect((yield* client.callTool("add", { a: 2, b: 2 })).structuredContent).toEqual({ sum: 4 })
      const second = yield* client.session
      expect(second.generation).toBe(1)
      expect(second.sessionId).not.toBe(first.sessionId)
      expect(server.initializeCount()).toBe(2)

      expect(yield* Effect.promise(() => server.expireAll())).toBe(1)
      expect((yield* client.callTool("echo", { text: "again" })).content).toEqual([{ type: "text", text: "again" }])
      yield* client.listAllTools()
      const third = yield* client.session
      expect(third.generation).toBe(2)
      expect(server.initializeCount()).toBe(3)
      expect(server.sessionIds()).toEqual([third.sessionId])

      // The server saw each dead id answered 404 and never again after the new session existed.
      const log = server.requests()
      for (const dead of [first.sessionId, second.sessionId]) {
        const after = log.filter((r) => r.sessionId === dead && r.status === 404)
        expect(after.length).toBeGreaterThanOrEqual(1)
      }
      const inits = log.filter((r) => r.rpcMethod === "initialize")
      expect(inits.every((r) => r.sessionId === undefined)).toBe(true)

      yield* eventually("two Recovered events", () => events.filter((e) => e._tag === "Recovered").length === 2)
      expect(events.map((e) => e._tag)).toEqual(["Started", "Expired", "Recovered", "Expired", "Recovered"])
      // The GET stream of the new session is open again (requests carry no stale id).
      yield* eventually(
        "a GET stream on the newest session",
        () => server.requests().some((r) => r.method === "GET" && r.sessionId === third.sessionId && r.status === 200)
      )
      expect(server.initializeCount()).toBe(3)
    }).pipe(Effect.scoped, bounded("recovery")))

  it.live("50 concurrent calls meeting one expiry: one initialize, every call succeeds", () =>
    Effect.gen(function*() {
      const server = yield* sdkServer({ stateful: true, json })
      // No GET stream: only the 50 calls can meet the 404.
      const client = yield* connect({ url: server.url, getStream: false })
      const first = yield* client.session
      expect(yield* Effect.promise(() => server.expireAll())).toBe(1)
      const results = yield* Effect.forEach(
        Array.from({ length: 50 }, (_, i) => i),
        (i) => client.callTool("add", { a: i, b: 1 }),
        { concurrency: "unbounded" }
      )
      expect(results.map((r) => r.structuredContent)).toEqual(Array.from({ length: 50 }, (_, i) => ({ sum: i + 1 })))
      expect(server.initializeCount()).toBe(2)
      const session = yield* client.session
      expect(session.generation).toBe(1)
      // Every call carried the dead id first (404) or the new one; none went out without an id.
      const calls = server.requests().filter((r) => r.rpcMethod === "tools/call")
      expect(calls.every((r) => r.sessionId === first.sessionId || r.sessionId === session.sessionId)).toBe(true)
      expect(calls.filter((r) => r.sessionId === session.sessionId && r.status === 200)).toHaveLength(50)
    }).pipe(Effect.scoped, bounded("50 concurrent calls")))

  it.live("50 concurrent calls meeting one expiry with the GET stream open: still one initialize", () =>
    Effect.gen(function*() {
      const server = yield* sdkServer({ stateful: true, json })
      const client = yield* connect({ url: server.url })
      const first = yield* client.session
      yield* eventually(
        "the GET stream is open",
        () => server.requests().some((r) => r.method === "GET" && r.sessionId === first.sessionId && r.status === 200)
      )
      expect(yield* Effect.promise(() => server.expireAll())).toBe(1)
      const results = yield* Effect.forEach(
        Array.from({ length: 50 }, (_, i) => i),
        (i) => client.callTool("echo", { text: String(i) }),
        { concurrency: "unbounded" }
      )
      expect(results.map((r) => r.content)).toEqual(
        Array.from({ length: 50 }, (_, i) => [{ type: "text", text: String(i) }])
      )
      const session = yield* client.session
      yield* eventually(
        "the GET stream of the new session",
        () => server.requests().some((r) => r.method === "GET" && r.sessionId === session.sessionId && r.status === 200)
      )
      expect(server.initializeCount()).toBe(2)
      expect(session.generation).toBe(1)
      // The dead session's GET stream is not reopened once the new session exists.
      const log = server.requests()
      const lastInit = log.map((r) => r.rpcMethod).lastIndexOf("initialize")
      expect(lastInit).toBeGreaterThan(0)
      expect(log.slice(lastInit).filter((r) => r.sessionId === first.sessionId && r.method === "GET")).toEqual([])
    }).pipe(Effect.scoped, bounded("50 concurrent calls with a GET stream")))

  it.live("a request that times out is cancelled on the server (notifications/cancelled with its id)", () =>
    Effect.gen(function*() {
      const server = yield* sdkServer({ stateful: true, json })
      const client = yield* connect({ url: server.url, getStream: false })
      const error = yield* Effect.flip(
        client.callTool("progress", { count: 1000, delayMs: 10 }, { timeout: "150 millis" })
      )
      expect(error._tag).toBe("RequestTimeout")
      yield* eventually(
        "the cancellation reached the server",
        () => server.requests().some((r) => r.rpcMethod === "notifications/cancelled" && r.status === 202)
      )
      // The session is fine afterwards.
      expect((yield* client.callTool("add", { a: 1, b: 1 })).structuredContent).toEqual({ sum: 2 })
      expect(server.initializeCount()).toBe(1)
    }).pipe(Effect.scoped, bounded("timeout")))

  it.live("restart under load: every call succeeds or fails typed, none hangs, the client ends healthy", () =>
    Effect.gen(function*() {
      const server = yield* sdkServer({ stateful: true, json })
      const client = yield* connect({ url: server.url, requestTimeout: "5 seconds" })
      yield* client.listAllTools() // learns the annotations: echo and add are safe to replay
      const stop = yield* Deferred.make<void>()
      const outcomes: Array<Exit.Exit<unknown, McpError.McpError>> = []
      const worker = (w: number) =>
        Effect.gen(function*() {
          let i = 0
          while (!(yield* Deferred.isDone(stop))) {
            const call = i % 3 === 0
              ? client.callTool("progress", { count: 3 }, { onProgress: () => undefined })
              : client.callTool("add", { a: w, b: i })
            outcomes.push(yield* Effect.exit(call))
            i++
          }
        })
      const workers = yield* Effect.fork(Effect.forEach([0, 1, 2, 3, 4, 5, 6, 7], worker, { concurrency: "unbounded" }))
      const restarts = 5
      for (let r = 0; r < restarts; r++) {
        // Restart only once calls are going through the current session.
        const before = outcomes.length
        yield* eventually("calls in flight between restarts", () => outcomes.length >= before + 8)
        // Odd rounds: a hard restart (in-flight sockets and pooled connections destroyed). Even rounds
        // in SSE mode: a soft one (the SDK ends open SSE streams cleanly, the calls learn of the
        // expiry from a 404). JSON mode is always hard: the SDK leaves a dead session's pending
        // JSON requests unanswered forever, a real restart would drop them.
        const hard = json || r % 2 === 1
        yield* Effect.promise(() => server.restart({ dropInFlight: hard, dropConnections: hard }))
      }
      const before = outcomes.length
      yield* eventually("calls after the last restart", () => outcomes.length >= before + 16)
      yield* Deferred.succeed(stop, undefined)
      yield* Fiber.join(workers)

      const failures = outcomes.filter(Exit.isFailure)
      for (const failure of failures) {
        // A typed failure: no defect, no interruption.
        expect(Cause.isFailType(failure.cause)).toBe(true)
        if (Cause.isFailType(failure.cause)) expect(isMcpError(failure.cause.error)).toBe(true)
      }
      expect(outcomes.filter(Exit.isSuccess).length).toBeGreaterThan(failures.length)
      // Healthy: calls work, one live session on the server, the client on it.
      expect((yield* client.callTool("add", { a: 20, b: 22 })).structuredContent).toEqual({ sum: 42 })
      const session = yield* client.session
      expect(server.sessionIds()).toEqual([session.sessionId])
      expect(session.generation).toBeGreaterThanOrEqual(1)
      expect(server.initializeCount()).toBe(session.generation + 1)
    }).pipe(Effect.scoped, bounded("restart under load", "25 seconds")))
})

describe("official SDK server with the event store: SEP-1699", () => {
  it.live("a call whose SSE stream the server cuts completes via GET + Last-Event-ID", () =>
    Effect.gen(function*() {
      const server = yield* sdkServer({ stateful: true, json: false, eventStore: true, retryInterval: 50 })
      const client = yield* connect({ url: server.url, getStream: false })
      const session = yield* client.session
      const result = yield* client.callTool("close_stream", { delayMs: 100 })
      expect(result.content).toEqual([{ type: "text", text: "stream closed" }])
      const log = server.requests()
      const call = log.findIndex((r) => r.rpcMethod === "tools/call")
      const resumes = log.slice(call + 1).filter((r) => r.method === "GET")
      expect(resumes.length).toBeGreaterThanOrEqual(1)
      expect(resumes[0]).toMatchObject({ sessionId: session.sessionId, status: 200 })
      expect(resumes[0]?.lastEventId).toMatch(/^s\d+-\d+$/)
      expect(server.initializeCount()).toBe(1)
      // And the session carries on.
      expect((yield* client.callTool("add", { a: 1, b: 1 })).structuredContent).toEqual({ sum: 2 })
    }).pipe(Effect.scoped, bounded("resumption")))

  it.live("an accepted call whose session dies: RequestLost by default, re-sent under alwaysReplay", () =>
    Effect.gen(function*() {
      const server = yield* sdkServer({ stateful: true, json: false, eventStore: true, retryInterval: 20 })
      const started = (client: McpClient.Service) =>
        Effect.gen(function*() {
          const progressed = yield* Deferred.make<void>()
          const fiber = yield* Effect.fork(
            client.callTool("progress", { count: 200, delayMs: 5 }, {
              onProgress: () => Deferred.unsafeDone(progressed, Exit.void)
            })
          )
          // The server is running the call (it sent progress): the old session has accepted it.
          yield* Deferred.await(progressed)
          return fiber
        })

      const strict = yield* connect({ url: server.url, getStream: false })
      const lostFiber = yield* started(strict)
      const strictId = (yield* strict.session).sessionId ?? ""
      yield* Effect.promise(() => server.expireSession(strictId))
      const lost = yield* Effect.flip(Fiber.join(lostFiber))
      expect(lost._tag).toBe("RequestLost")
      if (lost._tag === "RequestLost") expect(lost.tool).toBe("progress")
      // The client recovered anyway: the next call works on a new session.
      expect((yield* strict.callTool("add", { a: 1, b: 2 })).structuredContent).toEqual({ sum: 3 })
      expect((yield* strict.session).generation).toBe(1)

      const lenient = yield* connect({
        url: server.url,
        getStream: false,
        recovery: { replay: Recovery.alwaysReplay }
      })
      const resentFiber = yield* started(lenient)
      const before = server.initializeCount()
      const lenientId = (yield* lenient.session).sessionId ?? ""
      yield* Effect.promise(() => server.expireSession(lenientId))
      const resent = yield* Fiber.join(resentFiber)
      expect(resent.content).toEqual([{ type: "text", text: "done 200" }])
      expect(server.initializeCount()).toBe(before + 1)
      // It learned of the death by resuming with the dead id and its Last-Event-ID: a 404.
      const dead = server.requests().filter((r) => r.method === "GET" && r.lastEventId !== undefined)
      expect(dead.length).toBeGreaterThanOrEqual(2)
      expect(dead.every((r) => r.status === 404)).toBe(true)
    }).pipe(Effect.scoped, bounded("accepted calls", "25 seconds")))

  it.live("restart under load with the event store: typed outcomes only, healthy after", () =>
    Effect.gen(function*() {
      const server = yield* sdkServer({ stateful: true, json: false, eventStore: true, retryInterval: 20 })
      const client = yield* connect({ url: server.url, requestTimeout: "5 seconds" })
      yield* client.listAllTools()
      const stop = yield* Deferred.make<void>()
      const outcomes: Array<Exit.Exit<unknown, McpError.McpError>> = []
      const worker = (w: number) =>
        Effect.gen(function*() {
          let i = 0
          while (!(yield* Deferred.isDone(stop))) {
            const call = i % 2 === 0
              ? client.callTool("progress", { count: 5, delayMs: 2 }, { onProgress: () => undefined })
              : i % 4 === 1
              ? client.callTool("close_stream", { delayMs: 5 })
              : client.callTool("add", { a: w, b: i })
            outcomes.push(yield* Effect.exit(call))
            i++
          }
        })
      const workers = yield* Effect.fork(Effect.forEach([0, 1, 2, 3, 4, 5], worker, { concurrency: "unbounded" }))
      for (let r = 0; r < 5; r++) {
        const before = outcomes.length
        yield* eventually("calls in flight between restarts", () => outcomes.length >= before + 6)
        yield* Effect.promise(() => server.restart({ dropInFlight: r % 2 === 1, dropConnections: r % 2 === 1 }))
      }
      const before = outcomes.length
      yield* eventually("calls after the last restart", () => outcomes.length >= before + 12)
      yield* Deferred.succeed(stop, undefined)
      yield* Fiber.join(workers)
      const failures = outcomes.filter(Exit.isFailure)
      for (const failure of failures) {
        expect(Cause.isFailType(failure.cause)).toBe(true)
        if (Cause.isFailType(failure.cause)) expect(isMcpError(failure.cause.error)).toBe(true)
      }
      expect(outcomes.filter(Exit.isSuccess).length).toBeGreaterThan(failures.length)
      expect((yield* client.callTool("add", { a: 20, b: 22 })).structuredContent).toEqual({ sum: 42 })
      const session = yield* client.session
      expect(server.sessionIds()).toEqual([session.sessionId])
      expect(server.initializeCount()).toBe(session.generation + 1)
    }).pipe(Effect.scoped, bounded("restart under load with the event store", "25 seconds")))
})

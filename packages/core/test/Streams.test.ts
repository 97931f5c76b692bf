/**
 * Issue #4, "Streams that survive": every SSE stream of the client (the answer
 * to a POST, the GET stream) is resumed with GET + Last-Event-ID when it ends
 * early, under TestClock only.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as Supervisor from "effect/Supervisor"
import * as TestClock from "effect/TestClock"
import * as McpClient from "../src/McpClient.js"
import * as McpHttp from "../src/McpHttp.js"
import type * as McpSchema from "../src/McpSchema.js"
import * as McpTestServer from "../src/testing/McpTestServer.js"
import { bodyOf, connect, runWithClock, setup } from "./support/harness.js"

const { Fault } = McpTestServer

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/** Runs `check` until it holds, yielding in between; fails loudly instead of hanging. */
const until = (what: string, check: Effect.Effect<boolean>, maxYields = 100_000) =>
  Effect.gen(function*() {
    for (let i = 0; i < maxYields; i++) {
      if (yield* check) return
      yield* Effect.yieldNow()
    }
    return yield* Effect.dieMessage(`never happened: ${what}`)
  })

/**
 * Waits until some fiber sleeps until exactly `at` (TestClock time): then `adjust` will wake it.
 * TestClock keeps the entry of a sleep that was interrupted (e.g. a 5 s drain timeout that was
 * not needed), so tests use delays no other sleep has.
 */
const awaitSleepUntil = (at: number) =>
  until(`a sleep until ${at}`, Effect.map(TestClock.sleeps(), Chunk.some((wake) => wake === at)))

/** Waits until `count` fibers sleep until exactly `at`. */
const awaitSleepers = (at: number, count: number) =>
  until(
    `${count} sleeps until ${at}`,
    Effect.map(TestClock.sleeps(), (sleeps) => Chunk.size(Chunk.filter(sleeps, (wake) => wake === at)) >= count)
  )

/** Waits until some fiber sleeps `millis` from now. */
const awaitSleep = (millis: number) => Effect.flatMap(Clock.currentTimeMillis, (now) => awaitSleepUntil(now + millis))

/** Notifications the client publishes, from now on. */
const recordNotifications = (client: McpClient.Service) =>
  Effect.gen(function*() {
    const seen: Array<McpSchema.ServerNotification> = []
    const ready = yield* Deferred.make<void>()
    yield* client.notifications.pipe(
      Stream.onStart(Deferred.succeed(ready, undefined)),
      Stream.runForEach((n) => Effect.sync(() => seen.push(n))),
      Effect.forkScoped
    )
    yield* Deferred.await(ready)
    return seen
  })

/** The `data` of logging notifications, in arrival order. */
const logData = (seen: ReadonlyArray<McpSchema.ServerNotification>) =>
  seen.flatMap((n) => n._tag === "LoggingMessage" ? [n.params.data] : [])

const resumes = (log: ReadonlyArray<McpTestServer.LogEntry>) =>
  log.filter((e) => e.httpMethod === "GET" && e.lastEventId !== undefined)

// ---- a scripted SSE server, for what the test server does not do (duplicates, cuts) ----

const frame = (id: string | undefined, data: unknown, retry?: number) =>
  (id === undefined ? "" : `id: ${id}\n`) + (retry === undefined ? "" : `retry: ${retry}\n`) +
  `data: ${data === "" ? "" : JSON.stringify(data)}\n\n`

const logMessage = (data: unknown) => ({
  jsonrpc: "2.0",
  method: "notifications/message",
  params: { level: "info", data }
})

/** An SSE answer: `frames` (once `start` completes), then a clean close, a cut connection, or silence. */
const sseApp = (
  frames: ReadonlyArray<string>,
  end: "close" | "cut" | "hold",
  start: Effect.Effect<void> = Effect.void
) =>
  Effect.succeed(HttpServerResponse.stream(
    Stream.fromEffect(start).pipe(
      Stream.flatMap(() => Stream.fromIterable(frames)),
      Stream.concat(
        end === "close" ? Stream.empty : end === "cut" ? Stream.fail("connection reset") : Stream.never
      ),
      Stream.encodeText
    ),
    { contentType: "text/event-stream" }
  ))

type Script = (
  request: HttpClientRequest.HttpClientRequest,
  body: string
) => Effect.Effect<HttpServerResponse.HttpServerResponse, never, HttpServerRequest.HttpServerRequest> | undefined

/** An HttpClient answering the requests `script` claims with scripted responses, the rest with the server. */
const scripted = (server: McpTestServer.Handle, script: Script): HttpClient.HttpClient => {
  const real = McpTestServer.httpClient(server)
  return HttpClient.make((request) => {
    const body = request.body._tag === "Uint8Array" ? new TextDecoder().decode(request.body.body) : ""
    const app = script(request, body)
    return app === undefined ? real.execute(request) : McpTestServer.httpClientFromApp(app).execute(request)
  })
}

/**
 * The server, run in memory behind a recorder of which session each SSE event id was issued in
 * (the session header of the request, or of the response for `initialize`).
 */
const recordingIssuedIds = (server: McpTestServer.Handle) => {
  const issued = new Map<string, string | undefined>()
  const app = Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const response = yield* server.app
    const body = response.body
    if (body._tag !== "Stream") return response
    const sessionId = request.headers["mcp-session-id"] ?? response.headers["mcp-session-id"]
    let buffer = ""
    const stream = body.stream.pipe(
      Stream.decodeText(),
      Stream.tap((text) =>
        Effect.sync(() => {
          buffer += text
          const lines = buffer.split("\n")
          buffer = lines.pop() ?? ""
          for (const line of lines) if (line.startsWith("id: ")) issued.set(line.slice(4), sessionId)
        })
      ),
      Stream.encodeText
    )
    return HttpServerResponse.stream(stream, {
      status: response.status,
      headers: response.headers,
      contentType: body.contentType
    })
  })
  return { client: McpTestServer.httpClientFromApp(app), issued }
}

const requestIdOf = (body: string): number | string => {
  const parsed: unknown = JSON.parse(body)
  if (typeof parsed === "object" && parsed !== null && "id" in parsed) {
    const id = parsed.id
    if (typeof id === "number" || typeof id === "string") return id
  }
  throw new Error(`no request id in ${body}`)
}

// ---------------------------------------------------------------------------

describe("answer streams (the SSE answer to a POST)", () => {
  it.effect("closed after the priming event: waits `retry`, resumes with GET + Last-Event-ID, the response arrives there", () =>
    Effect.scoped(Effect.gen(function*() {
      // #region close-stream
      const server = yield* McpTestServer.make({ answers: "sse", resumable: true })
      yield* server.inject(McpTestServer.Fault.CloseStream({ afterEvents: 0, retryMillis: 2000 }), {
        rpcMethod: "tools/call"
      })
      // #endregion
      const client = yield* connect(server, { getStream: false })
      const session = yield* client.session
      const seen = yield* recordNotifications(client)
      const t0 = yield* Clock.currentTimeMillis
      const call = yield* Effect.fork(client.callTool("echo", { text: "resumed" }))
      yield* awaitSleepUntil(t0 + 2000)
      // the stream is closed and nothing was sent yet
      expect((yield* server.openStreams).length).toBe(0)
      yield* TestClock.adjust("1999 millis")
      expect(resumes(yield* server.log)).toEqual([])
      yield* TestClock.adjust("1 millis")
      const result = yield* Fiber.join(call)
      expect(result.content[0]).toMatchObject({ text: "resumed" })
      const log = yield* server.log
      const get = resumes(log)
      expect(get.length).toBe(1)
      expect(get[0]).toMatchObject({ sessionId: session.sessionId, timestamp: t0 + 2000, status: 200 })
      // the priming event's id: `<stream>:0`
      expect(get[0].lastEventId).toMatch(/^s\d+:0$/)
      // the priming event was accepted silently
      expect(seen).toEqual([])
      expect(log.filter((e) => e.rpcMethod === "tools/call").length).toBe(1)
    })))

  it.effect("closed mid-stream: resumes after the last event it saw; every event is delivered once", () =>
    Effect.scoped(Effect.gen(function*() {
      const { client, server } = yield* setup({ answers: "sse", resumable: true }, {
        getStream: false,
        reconnect: Schedule.spaced("3 seconds")
      })
      yield* server.inject(Fault.CloseStream({ afterEvents: 2 }), { rpcMethod: "tools/call" })
      const progress: Array<number> = []
      const t0 = yield* Clock.currentTimeMillis
      const call = yield* Effect.fork(
        client.callTool("slow", { steps: 4 }, { onProgress: (p) => progress.push(p.progress) })
      )
      yield* awaitSleepUntil(t0 + 3000)
      expect(progress).toEqual([1, 2])
      yield* TestClock.adjust("3 seconds")
      const result = yield* Fiber.join(call)
      expect(result.content[0]).toMatchObject({ text: "done after 4 steps" })
      expect(progress).toEqual([1, 2, 3, 4])
      const get = resumes(yield* server.log)
      expect(get.length).toBe(1)
      expect(get[0].lastEventId).toMatch(/^s\d+:2$/)
    })))

  it.effect("no `retry` from the server: the reconnect schedule sets the delay", () =>
    Effect.scoped(Effect.gen(function*() {
      const { client, server } = yield* setup({ answers: "sse", resumable: true }, {
        getStream: false,
        reconnect: Schedule.spaced("7 seconds")
      })
      yield* server.inject(Fault.CloseStream({ afterEvents: 0 }), { rpcMethod: "tools/call" })
      const t0 = yield* Clock.currentTimeMillis
      const call = yield* Effect.fork(client.callTool("echo", { text: "x" }))
      yield* awaitSleepUntil(t0 + 7000)
      yield* TestClock.adjust("7 seconds")
      yield* Fiber.join(call)
      expect(resumes(yield* server.log).map((e) => e.timestamp)).toEqual([t0 + 7000])
    })))

  it.effect("`retry` from the server wins over the schedule's delay", () =>
    Effect.scoped(Effect.gen(function*() {
      const { client, server } = yield* setup({ answers: "sse", resumable: true }, {
        getStream: false,
        reconnect: Schedule.spaced("10 minutes")
      })
      yield* server.inject(Fault.CloseStream({ afterEvents: 0, retryMillis: 250 }), { rpcMethod: "tools/call" })
      const t0 = yield* Clock.currentTimeMillis
      const call = yield* Effect.fork(client.callTool("echo", { text: "x" }))
      yield* awaitSleepUntil(t0 + 250)
      yield* TestClock.adjust("250 millis")
      yield* Fiber.join(call)
      expect(resumes(yield* server.log).map((e) => e.timestamp)).toEqual([t0 + 250])
    })))

  it.effect("the resumed GET carries server requests and notifications too, then the response", () =>
    Effect.scoped(Effect.gen(function*() {
      const { client, server } = yield* setup({ answers: "sse", resumable: true }, {
        getStream: false,
        handlers: { elicitation: () => Effect.succeed({ action: "accept" as const, content: { answer: 42 } }) }
      })
      yield* server.inject(Fault.CloseStream({ afterEvents: 0, retryMillis: 100 }), { rpcMethod: "tools/call" })
      const call = yield* Effect.fork(client.callTool("elicit", { message: "?" }))
      yield* awaitSleep(100)
      yield* TestClock.adjust("100 millis")
      const result = yield* Fiber.join(call)
      expect(JSON.stringify(result.content)).toContain("42")
      const log = yield* server.log
      expect(resumes(log).length).toBe(1)
      // the client's answer to elicitation/create was POSTed as a JSON-RPC response
      expect(log.some((e) => e.httpMethod === "POST" && e.kind === "response")).toBe(true)
    })))

  it.effect("a cut connection (a body that fails) is resumed like a close", () =>
    Effect.scoped(Effect.gen(function*() {
      const server = yield* McpTestServer.make({ getStream: false })
      let requestId: number | string = -1
      const http = scripted(server, (request, body) => {
        if (request.method === "POST" && bodyOf(body).method === "tools/call") {
          requestId = requestIdOf(body)
          return sseApp([frame("a:0", "", 50), frame("a:1", logMessage("one"))], "cut")
        }
        if (request.method === "GET" && request.headers["last-event-id"] === "a:1") {
          return sseApp([
            frame("a:2", { jsonrpc: "2.0", id: requestId, result: { content: [{ type: "text", text: "ok" }] } })
          ], "close")
        }
        return undefined
      })
      const client = yield* connect(server, { getStream: false }, http)
      const seen = yield* recordNotifications(client)
      const call = yield* Effect.fork(client.callTool("echo", { text: "x" }))
      yield* awaitSleep(50)
      yield* TestClock.adjust("50 millis")
      const result = yield* Fiber.join(call)
      expect(result.content[0]).toMatchObject({ text: "ok" })
      expect(logData(seen)).toEqual(["one"])
    })))

  it.effect("an event id seen before is not dispatched again (a resume that replays)", () =>
    Effect.scoped(Effect.gen(function*() {
      const server = yield* McpTestServer.make({ getStream: false })
      let requestId: number | string = -1
      const http = scripted(server, (request, body) => {
        if (request.method === "POST" && bodyOf(body).method === "tools/call") {
          requestId = requestIdOf(body)
          return sseApp([frame("a:0", ""), frame("a:1", logMessage("one"))], "close")
        }
        if (request.method === "GET" && request.headers["last-event-id"] === "a:1") {
          // a sloppy server replays from too early, and twice
          return sseApp([
            frame("a:1", logMessage("one")),
            frame("a:2", logMessage("two")),
            frame("a:2", logMessage("two")),
            frame("a:3", { jsonrpc: "2.0", id: requestId, result: { content: [] } }),
            frame("a:3", { jsonrpc: "2.0", id: requestId, result: { content: [] } })
          ], "close")
        }
        return undefined
      })
      const client = yield* connect(server, { getStream: false, reconnect: Schedule.spaced("1 second") }, http)
      const seen = yield* recordNotifications(client)
      const call = yield* Effect.fork(client.callTool("echo", { text: "x" }))
      yield* awaitSleep(1000)
      yield* TestClock.adjust("1 second")
      const result = yield* Fiber.join(call)
      expect(result.content).toEqual([])
      expect(logData(seen)).toEqual(["one", "two"])
    })))

  it.effect("a server without GET (405 to the resume): StreamEnded after a ping showed the session alive", () =>
    Effect.scoped(Effect.gen(function*() {
      const { client, server } = yield* setup({ answers: "sse", resumable: true, getStream: false }, {
        getStream: false
      })
      yield* server.inject(Fault.CloseStream({ afterEvents: 0, retryMillis: 100 }), { rpcMethod: "tools/call" })
      const error = yield* runWithClock(Effect.flip(client.callTool("echo", { text: "x" })), "100 millis")
      expect(error).toMatchObject({ _tag: "ProtocolError", violation: "StreamEnded", method: "tools/call" })
      const log = yield* server.log
      expect(resumes(log).map((e) => e.status)).toEqual([405])
      expect(log.at(-1)?.rpcMethod).toBe("ping")
      expect(yield* server.initializeCount).toBe(1)
    })))

  it.effect("a stream without event ids cannot be resumed: StreamEnded (the session is fine)", () =>
    Effect.scoped(Effect.gen(function*() {
      const { client, server } = yield* setup({ answers: "sse", resumable: false }, { getStream: false })
      yield* server.inject(Fault.CloseStream({ afterEvents: 0 }), { rpcMethod: "tools/call" })
      const error = yield* Effect.flip(client.callTool("echo", { text: "x" }))
      expect(error).toMatchObject({ _tag: "ProtocolError", violation: "StreamEnded", method: "tools/call" })
      expect(resumes(yield* server.log)).toEqual([])
    })))

  it.effect("an empty id: resets the last event id (SSE): nothing left to resume from", () =>
    Effect.scoped(Effect.gen(function*() {
      const server = yield* McpTestServer.make({ getStream: false })
      const http = scripted(server, (request, body) =>
        request.method === "POST" && body.includes("\"tools/call\"")
          ? sseApp([frame("s9:1", logMessage("one")), frame("", logMessage("two"))], "close")
          : undefined)
      const client = yield* connect(server, { getStream: false }, http)
      const error = yield* Effect.flip(client.callTool("echo", { text: "x" }))
      expect(error).toMatchObject({ _tag: "ProtocolError", violation: "StreamEnded" })
      // no GET with the stale "s9:1": the empty id took it back
      expect(resumes(yield* server.log)).toEqual([])
    })))
})

describe("the reconnect budget", () => {
  it.effect("resume GETs that keep failing: exactly the schedule's attempts, then a typed error for each waiting request", () =>
    Effect.scoped(Effect.gen(function*() {
      const { client, server } = yield* setup({ answers: "sse", resumable: true }, {
        getStream: false,
        reconnect: Schedule.spaced("1 second").pipe(Schedule.intersect(Schedule.recurs(3)))
      })
      yield* server.inject(Fault.CloseStream({ afterEvents: 0 }), { rpcMethod: "tools/call", times: 2 })
      yield* server.inject(Fault.Status({ status: 503 }), { httpMethod: "GET", times: 1000 })
      const errors = yield* runWithClock(
        Effect.all([
          Effect.flip(client.callTool("echo", { text: "a" })),
          Effect.flip(client.callTool("echo", { text: "b" }))
        ], { concurrency: 2 }),
        "1 second"
      )
      for (const error of errors) {
        expect(error).toMatchObject({ _tag: "ProtocolError", violation: "StreamEnded", method: "tools/call" })
        if (error._tag === "ProtocolError") expect(error.cause).toMatchObject({ _tag: "UnexpectedStatus", status: 503 })
      }
      // 3 attempts per request, every one with its own stream's Last-Event-ID
      const gets = resumes(yield* server.log)
      expect(gets.length).toBe(6)
      expect(new Set(gets.map((e) => e.lastEventId)).size).toBe(2)
    })))

  it.effect("a resume GET that fails once is retried; a stream that opens starts the count over", () =>
    Effect.scoped(Effect.gen(function*() {
      const { client, server } = yield* setup({ answers: "sse", resumable: true }, {
        getStream: false,
        reconnect: Schedule.spaced("1 second").pipe(Schedule.intersect(Schedule.recurs(2)))
      })
      yield* server.inject(Fault.CloseStream({ afterEvents: 0 }), { rpcMethod: "tools/call" })
      // 1 failure, then 5 streams that close right after their priming event (a polling server), then the answer
      yield* server.inject(Fault.Status({ status: 503 }), { httpMethod: "GET" })
      yield* server.inject(Fault.CloseStream({ afterEvents: 0 }), { httpMethod: "GET", times: 5 })
      const result = yield* runWithClock(client.callTool("echo", { text: "polled" }), "1 second")
      expect(result.content[0]).toMatchObject({ text: "polled" })
      expect(resumes(yield* server.log).map((e) => e.status)).toEqual([503, 200, 200, 200, 200, 200, 200])
    })))
})

describe("timeouts and cancellation across a resume", () => {
  const parked = (release: Deferred.Deferred<void>): McpTestServer.Tool => ({
    name: "parked",
    handler: () => Effect.as(Deferred.await(release), { content: [{ type: "text", text: "late" }] })
  })

  it.effect("a request interrupted while its stream is down: notifications/cancelled, no resume, no late result", () =>
    Effect.scoped(Effect.gen(function*() {
      const release = yield* Deferred.make<void>()
      const { client, server } = yield* setup({ answers: "sse", resumable: true, tools: [parked(release)] }, {
        getStream: false
      })
      yield* server.inject(Fault.CloseStream({ afterEvents: 0, retryMillis: 4321 }), { rpcMethod: "tools/call" })
      const call = yield* Effect.fork(client.callTool("parked"))
      yield* awaitSleep(4321)
      yield* Fiber.interrupt(call)
      const exit = yield* Fiber.await(call)
      expect(Exit.isInterrupted(exit)).toBe(true)
      const callId = (yield* server.log).find((e) => e.rpcMethod === "tools/call")?.requestId
      yield* until(
        "the cancellation reached the server",
        Effect.map(server.sessionInfo(), Option.exists((s) => s.cancelled.includes(callId ?? "none")))
      )
      yield* Deferred.succeed(release, undefined)
      yield* TestClock.adjust("1 hour")
      const log = yield* server.log
      const cancelled = log.filter((e) => e.rpcMethod === "notifications/cancelled")
      expect(cancelled.map((e) => e.message)).toMatchObject([{ params: { requestId: callId } }])
      expect(resumes(log)).toEqual([])
    })))

  it.effect("the idle timeout spans resumes: RequestTimeout, then notifications/cancelled and no more GETs", () =>
    Effect.scoped(Effect.gen(function*() {
      const release = yield* Deferred.make<void>()
      const { client, server } = yield* setup({ answers: "sse", resumable: true, tools: [parked(release)] }, {
        getStream: false,
        requestTimeout: "5 seconds"
      })
      // every stream closes right after its priming event, asking for 1.2 s
      yield* server.inject(Fault.CloseStream({ afterEvents: 0, retryMillis: 1200 }), { times: 1000 })
      const t0 = yield* Clock.currentTimeMillis
      const error = yield* runWithClock(Effect.flip(client.callTool("parked")), "500 millis")
      expect(error).toMatchObject({ _tag: "RequestTimeout", reason: "idle", method: "tools/call" })
      expect((yield* Clock.currentTimeMillis) - t0).toBe(5000)
      const log = yield* server.log
      expect(resumes(log).map((e) => e.timestamp - t0)).toEqual([1200, 2400, 3600, 4800])
      yield* until(
        "the cancellation was POSTed",
        Effect.map(server.log, (all) => all.some((e) => e.rpcMethod === "notifications/cancelled"))
      )
      const before = resumes(yield* server.log).length
      yield* TestClock.adjust("1 minute")
      expect(resumes(yield* server.log).length).toBe(before)
      yield* Deferred.succeed(release, undefined)
    })))
})

describe("the GET stream", () => {
  it.effect("reconnects with Last-Event-ID each time the server closes it: nothing lost, nothing twice", () =>
    Effect.scoped(Effect.gen(function*() {
      const server = yield* McpTestServer.make({ resumable: true, retryMillis: 1234 })
      yield* server.inject(Fault.CloseStream({ afterEvents: 1 }), { httpMethod: "GET", times: 3 })
      const client = yield* connect(server)
      const session = yield* client.session
      const seen = yield* recordNotifications(client)
      yield* server.awaitGetStream()
      yield* server.notify("notifications/message", { level: "info", data: 0 })
      yield* until("0 delivered", Effect.sync(() => seen.length === 1))
      // sent while no stream is open: kept by the server, replayed after Last-Event-ID
      yield* server.notify("notifications/message", { level: "info", data: 1 })
      yield* server.notify("notifications/message", { level: "info", data: 2 })
      for (const expected of [2, 3]) {
        yield* awaitSleep(1234)
        yield* TestClock.adjust("1234 millis")
        yield* until(`${expected} delivered`, Effect.sync(() => seen.length === expected))
      }
      yield* awaitSleep(1234)
      yield* TestClock.adjust("1234 millis")
      yield* server.awaitStreams((streams) => streams.some((s) => s.kind === "get" && s.resumed))
      yield* server.notify("notifications/message", { level: "info", data: 3 })
      yield* until("3 delivered", Effect.sync(() => seen.length === 4))
      expect(logData(seen)).toEqual([0, 1, 2, 3])
      const gets = (yield* server.log).filter((e) => e.httpMethod === "GET")
      expect(gets.map((e) => e.lastEventId?.replace(/^s\d+:/, ""))).toEqual([undefined, "1", "2", "3"])
      expect(gets.every((e) => e.sessionId === session.sessionId)).toBe(true)
    })))

  it.effect("a 405 on a reconnect stops it for good", () =>
    Effect.scoped(Effect.gen(function*() {
      const server = yield* McpTestServer.make({ resumable: true, retryMillis: 1234 })
      yield* server.inject(Fault.CloseStream({ afterEvents: 0 }), { httpMethod: "GET" })
      const client = yield* connect(server)
      yield* awaitSleep(1234)
      yield* server.inject(Fault.Status({ status: 405 }), { httpMethod: "GET" })
      yield* TestClock.adjust("1234 millis")
      yield* until("the 405", Effect.map(server.pendingFaults, (n) => n === 0))
      yield* TestClock.adjust("1 hour")
      const gets = (yield* server.log).filter((e) => e.httpMethod === "GET")
      expect(gets.map((e) => e.status)).toEqual([200, 405])
      yield* client.ping()
    })))

  it.effect("a reconnect refused for its Last-Event-ID (4xx) starts afresh; 429 and 503 are retried", () =>
    Effect.scoped(Effect.gen(function*() {
      const server = yield* McpTestServer.make({ resumable: true, retryMillis: 1234 })
      yield* server.inject(Fault.CloseStream({ afterEvents: 0 }), { httpMethod: "GET" })
      yield* server.inject(Fault.Status({ status: 429 }), { httpMethod: "GET" })
      yield* server.inject(Fault.Status({ status: 503 }), { httpMethod: "GET" })
      // e.g. a server whose event store forgot the id
      yield* server.inject(Fault.Status({ status: 400 }), { httpMethod: "GET" })
      const client = yield* connect(server)
      const seen = yield* recordNotifications(client)
      for (let i = 0; i < 4; i++) {
        yield* awaitSleep(1234)
        yield* TestClock.adjust("1234 millis")
      }
      yield* server.awaitStreams((streams) => streams.length === 1)
      yield* server.notify("notifications/message", { level: "info", data: "back" })
      yield* until("the notification", Effect.sync(() => seen.length === 1))
      const gets = (yield* server.log).filter((e) => e.httpMethod === "GET")
      expect(gets.map((e) => [e.status, e.lastEventId === undefined])).toEqual([
        [200, true],
        [429, false],
        [503, false],
        [400, false],
        [200, true]
      ])
    })))

  it.effect("reconnects that keep failing end after the schedule's attempts; requests are not affected", () =>
    Effect.scoped(Effect.gen(function*() {
      const server = yield* McpTestServer.make({ resumable: true, retryMillis: 1234 })
      yield* server.inject(Fault.CloseStream({ afterEvents: 0 }), { httpMethod: "GET" })
      yield* server.inject(Fault.Status({ status: 503 }), { httpMethod: "GET", times: 1000 })
      const client = yield* connect(server, { reconnect: Schedule.recurs(3) })
      for (let i = 0; i < 3; i++) {
        yield* awaitSleep(1234)
        yield* TestClock.adjust("1234 millis")
      }
      yield* until("3 reconnects", Effect.map(server.log, (log) => resumes(log).length === 3))
      yield* TestClock.adjust("1 hour")
      const gets = (yield* server.log).filter((e) => e.httpMethod === "GET")
      expect(gets.map((e) => e.status)).toEqual([200, 503, 503, 503])
      yield* client.ping()
    })))

  it.effect("a first GET refused with 400 or 404 (a server without a GET stream) is not retried", () =>
    Effect.scoped(Effect.gen(function*() {
      for (const status of [400, 404]) {
        const server = yield* McpTestServer.make({ resumable: true })
        yield* server.inject(Fault.Status({ status, headers: {} }), { httpMethod: "GET" })
        const client = yield* connect(server, { recovery: { enabled: false } })
        yield* until("the GET", Effect.map(server.pendingFaults, (n) => n === 0))
        yield* TestClock.adjust("1 hour")
        expect((yield* server.log).filter((e) => e.httpMethod === "GET").length).toBe(1)
        yield* client.ping()
      }
    })))

  it.effect("idle for hours is normal: no client-side timeout ends a quiet stream", () =>
    Effect.scoped(Effect.gen(function*() {
      const release = yield* Deferred.make<void>()
      const { client, server } = yield* setup({
        answers: "sse",
        tools: [{
          name: "overnight",
          handler: () => Effect.as(Deferred.await(release), { content: [{ type: "text", text: "morning" }] })
        }]
      }, { requestTimeout: "12 hours", maxRequestTimeout: "12 hours" })
      const seen = yield* recordNotifications(client)
      yield* server.awaitGetStream()
      const call = yield* Effect.fork(client.callTool("overnight"))
      yield* server.awaitStreams((streams) => streams.some((s) => s.kind === "request"))
      yield* TestClock.adjust("8 hours")
      // both streams are still the first ones
      expect((yield* server.openStreams).map((s) => [s.kind, s.resumed])).toEqual([["get", false], ["request", false]])
      yield* server.notify("notifications/message", { level: "info", data: "still here" })
      yield* until("the notification", Effect.sync(() => seen.length === 1))
      yield* Deferred.succeed(release, undefined)
      const result = yield* Fiber.join(call)
      expect(result.content[0]).toMatchObject({ text: "morning" })
      expect((yield* server.log).filter((e) => e.httpMethod === "GET").length).toBe(1)
    })))

  it.effect(
    "closed every 5 seconds for a simulated hour: stays healthy, one stream, no growing fibers",
    () =>
      Effect.scoped(Effect.gen(function*() {
        // 720 reconnects, 2 events each: more ids than the client remembers (1024), so its
        // bounded memory of seen ids is exercised too
        const cycles = 720
        const server = yield* McpTestServer.make({ resumable: true, retryMillis: 5000 })
        yield* server.inject(Fault.CloseStream({ afterEvents: 2 }), { httpMethod: "GET", times: cycles })
        const tracker = yield* Supervisor.track
        const client = yield* connect(server).pipe(Effect.supervised(tracker))
        const session = yield* client.session
        const seen = yield* recordNotifications(client)
        const t0 = yield* Clock.currentTimeMillis
        let maxOpen = 0
        for (let i = 0; i < cycles; i++) {
          yield* server.notify("notifications/message", { level: "info", data: 2 * i })
          yield* server.notify("notifications/message", { level: "info", data: 2 * i + 1 })
          yield* until(`${2 * i + 1} delivered`, Effect.sync(() => seen.length === 2 * i + 2))
          yield* awaitSleep(5000)
          maxOpen = Math.max(maxOpen, (yield* server.openStreams).length)
          // Between two streams the client runs one fiber, the GET stream's loop: a leak would keep
          // the count above it (and `until` would give up).
          yield* until("only the GET loop runs", Effect.map(tracker.value, (fibers) => fibers.length <= 1))
          yield* TestClock.adjust("5 seconds")
        }
        // after the hour: a stream is open and delivers
        yield* server.awaitStreams((streams) => streams.length === 1)
        yield* server.notify("notifications/message", { level: "info", data: "after an hour" })
        yield* until("the last one", Effect.sync(() => seen.length === 2 * cycles + 1))
        expect((yield* Clock.currentTimeMillis) - t0).toBe(3_600_000)
        expect(logData(seen)).toEqual([...Array.from({ length: 2 * cycles }, (_, i) => i), "after an hour"])
        expect(maxOpen).toBeLessThanOrEqual(1)
        const gets = (yield* server.log).filter((e) => e.httpMethod === "GET")
        expect(gets.length).toBe(cycles + 1)
        expect(gets.every((e) => e.sessionId === session.sessionId && e.status === 200)).toBe(true)
        // each reconnect resumes after the last event delivered
        expect(gets.slice(1).map((e) => e.lastEventId?.replace(/^s\d+:/, ""))).toEqual(
          Array.from({ length: cycles }, (_, i) => String(2 * i + 2))
        )
      })),
    120_000
  )

  it.effect("the GET stream delivers each event id once, even when a reconnect replays", () =>
    Effect.scoped(Effect.gen(function*() {
      const server = yield* McpTestServer.make()
      const subscribed = yield* Deferred.make<void>()
      const http = scripted(server, (request) => {
        if (request.method !== "GET") return undefined
        const last = request.headers["last-event-id"]
        if (last === undefined) {
          return sseApp(
            [frame("g:0", "", 100), frame("g:1", logMessage(1)), frame("g:2", logMessage(2))],
            "close",
            Deferred.await(subscribed)
          )
        }
        if (last === "g:2") {
          return sseApp([frame("g:1", logMessage(1)), frame("g:2", logMessage(2)), frame("g:3", logMessage(3))], "hold")
        }
        return undefined
      })
      const client = yield* connect(server, {}, http)
      const seen = yield* recordNotifications(client)
      yield* Deferred.succeed(subscribed, undefined)
      yield* awaitSleep(100)
      yield* TestClock.adjust("100 millis")
      yield* until("3 delivered", Effect.sync(() => logData(seen).includes(3)))
      expect(logData(seen)).toEqual([1, 2, 3])
    })))

  it.effect("remembers at most the last 1024 event ids (bounded memory on a stream open for days)", () =>
    Effect.scoped(Effect.gen(function*() {
      const server = yield* McpTestServer.make()
      const first = Array.from({ length: 1100 }, (_, i) => frame(`e${i + 1}`, logMessage(i + 1)))
      const subscribed = yield* Deferred.make<void>()
      const http = scripted(server, (request) => {
        if (request.method !== "GET") return undefined
        const last = request.headers["last-event-id"]
        if (last === undefined) return sseApp([frame("e0", "", 100), ...first], "close", Deferred.await(subscribed))
        // replays one id older than the last 1024 and one among them
        if (last === "e1100") {
          return sseApp([
            frame("e1", logMessage(1)),
            frame("e1100", logMessage(1100)),
            frame("e1101", logMessage(1101))
          ], "hold")
        }
        return undefined
      })
      const client = yield* connect(server, {}, http)
      const seen = yield* recordNotifications(client)
      yield* Deferred.succeed(subscribed, undefined)
      yield* awaitSleep(100)
      yield* TestClock.adjust("100 millis")
      yield* until("1101 delivered", Effect.sync(() => logData(seen).includes(1101)))
      // e1 had been forgotten (bounded), e1100 had not
      expect(logData(seen).slice(1100)).toEqual([1, 1101])
    })))
})

describe("resumption state is per session", () => {
  it.effect("a Last-Event-ID only ever travels with the session that issued it, across an expiry", () =>
    Effect.scoped(Effect.gen(function*() {
      const server = yield* McpTestServer.make({
        answers: "sse",
        resumable: true,
        retryMillis: 1234,
        tools: [
          ...McpTestServer.defaultTools,
          { name: "write", handler: () => Effect.succeed({ content: [{ type: "text", text: "written" }] }) }
        ]
      })
      const recorder = recordingIssuedIds(server)
      const client = yield* connect(server, {}, recorder.client)
      yield* client.listTools() // the client learns that "write" is not read-only
      const old = (yield* client.session).sessionId
      const seen = yield* recordNotifications(client)
      yield* server.awaitGetStream(old)
      yield* server.notify("notifications/message", { level: "info", data: "old session" })
      yield* until("the notification", Effect.sync(() => seen.length === 1))
      // two calls whose answer streams close after their priming event…
      yield* server.inject(Fault.CloseStream({ afterEvents: 0 }), { rpcMethod: "tools/call", times: 2 })
      const t0 = yield* Clock.currentTimeMillis
      const echo = yield* Effect.fork(client.callTool("echo", { text: "replayed" }))
      const write = yield* Effect.fork(Effect.either(client.callTool("write")))
      yield* awaitSleepers(t0 + 1234, 2)
      // …and the session ends while they wait to resume (the GET stream ends with it)
      yield* server.expire(old)
      yield* awaitSleepers(t0 + 1234, 3)
      yield* TestClock.adjust("1234 millis")
      const echoed = yield* runWithClock(Fiber.join(echo))
      expect(echoed.content[0]).toMatchObject({ text: "replayed" })
      const written = yield* Fiber.join(write)
      expect(written._tag === "Left" && written.left).toMatchObject({ _tag: "RequestLost", tool: "write" })
      const current = (yield* client.session).sessionId
      expect(current).not.toBe(old)
      expect(yield* server.initializeCount).toBe(2)
      // a resume on the new session carries the new session's ids
      yield* server.inject(Fault.CloseStream({ afterEvents: 0 }), { rpcMethod: "tools/call" })
      const again = yield* Effect.fork(client.callTool("echo", { text: "new" }))
      yield* awaitSleep(1234)
      yield* TestClock.adjust("1234 millis")
      yield* Fiber.join(again)

      const withId = (yield* server.log).filter((e) => e.lastEventId !== undefined)
      // every kind of resume happened, so the check below is not vacuous
      expect(withId.filter((e) => e.sessionId === old).length).toBeGreaterThanOrEqual(3) // 2 answers + GET stream
      expect(withId.filter((e) => e.sessionId === current).length).toBe(1)
      for (const entry of withId) {
        expect(recorder.issued.has(entry.lastEventId ?? "")).toBe(true)
        expect([entry.lastEventId, entry.sessionId]).toEqual([
          entry.lastEventId,
          recorder.issued.get(entry.lastEventId ?? "")
        ])
      }
      // the new session's GET stream started fresh
      const gets = (yield* server.log).filter((e) => e.httpMethod === "GET" && e.sessionId === current)
      expect(gets[0]?.lastEventId).toBeUndefined()
    })))
})

describe("the initialize answer", () => {
  it.effect("is resumed too, on the session its response headers named", () =>
    Effect.scoped(Effect.gen(function*() {
      const server = yield* McpTestServer.make({ answers: "sse", resumable: true })
      yield* server.inject(Fault.CloseStream({ afterEvents: 0, retryMillis: 100 }), { rpcMethod: "initialize" })
      const client = yield* runWithClock(connect(server, { getStream: false }), "100 millis")
      const session = yield* client.session
      yield* client.ping()
      const get = resumes(yield* server.log)
      expect(get.map((e) => [e.sessionId, e.protocolVersion, e.status])).toEqual([
        [session.sessionId, "2025-11-25", 200]
      ])
    })))
})

describe("the docs' examples (docs/streams.md)", () => {
  it.effect("client.notifications: the notifications of every stream, answers and the GET stream", () =>
    Effect.scoped(Effect.gen(function*() {
      // #region notifications
      const logServerMessages = Effect.gen(function*() {
        const client = yield* McpClient.McpClient
        yield* client.notifications.pipe(
          Stream.runForEach((n) =>
            n._tag === "LoggingMessage" ? Effect.logInfo(`server: ${JSON.stringify(n.params.data)}`) : Effect.void
          ),
          Effect.forkScoped
        )
      })
      // #endregion
      const { client, server } = yield* setup({
        answers: "sse",
        tools: [{
          name: "chatty",
          handler: (_, context) => Effect.as(context.log("info", "on the answer"), { content: [] })
        }]
      })
      const lines: Array<string> = []
      const logger = Logger.make(({ message }) => {
        lines.push((Array.isArray(message) ? message : [message]).map(String).join(" "))
      })
      yield* logServerMessages.pipe(
        Effect.provideService(McpClient.McpClient, client),
        Effect.provide(Logger.replace(Logger.defaultLogger, logger))
      )
      yield* Effect.yieldNow()
      yield* client.callTool("chatty")
      yield* server.awaitGetStream()
      yield* server.notify("notifications/message", { level: "info", data: "on the GET stream" })
      yield* until("both logged", Effect.sync(() => lines.length === 2))
      expect(lines).toEqual(["server: \"on the answer\"", "server: \"on the GET stream\""])
    })))

  it.effect("a reconnect schedule without end: the GET stream never gives up", () =>
    Effect.scoped(Effect.gen(function*() {
      const server = yield* McpTestServer.make({ resumable: true })
      yield* server.inject(Fault.CloseStream({ afterEvents: 0 }), { httpMethod: "GET" })
      yield* server.inject(Fault.Status({ status: 503 }), { httpMethod: "GET", times: 20 })
      const url = McpTestServer.inMemoryUrl
      // #region reconnect-forever
      const options: McpClient.Options = { url, reconnect: Schedule.spaced("3 seconds") }
      // #endregion
      const client = yield* McpClient.make(options).pipe(
        Effect.provideService(McpHttp.McpHttp, McpHttp.fromHttpClient(McpTestServer.httpClient(server)))
      )
      const seen = yield* recordNotifications(client)
      // far more failures than the default schedule allows (6 in a row)
      for (let i = 0; i < 21; i++) {
        yield* awaitSleep(3000)
        yield* TestClock.adjust("3 seconds")
      }
      yield* server.awaitStreams((streams) => streams.length === 1)
      yield* server.notify("notifications/message", { level: "info", data: "back" })
      yield* until("the notification", Effect.sync(() => seen.length === 1))
      const gets = (yield* server.log).filter((e) => e.httpMethod === "GET")
      expect(gets.length).toBe(22)
      expect(gets.at(-1)?.status).toBe(200)
    })))
})

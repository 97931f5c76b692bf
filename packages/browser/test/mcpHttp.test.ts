/**
 * `BrowserMcpClient.layerMcpHttp`, the `McpHttp` on `fetch` (internal/fetchMcpHttp.ts), held to
 * the contract of `McpHttp` in Chromium against the test server: the answer's status and headers,
 * the body read to its end, giving up on a request (its signal, an interrupted read, discard), and
 * the trace headers, sent only when the request asks for them.
 */
import { assert, describe, it } from "@effect/vitest"
import { BrowserMcpClient } from "@mcp-effect/browser"
import { McpHttp } from "@mcp-effect/core"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Schedule from "effect/Schedule"
import { control, servers } from "./support/servers.js"

const server = servers().sse
const ctl = control(server)

const initialize = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "mcpHttp.test", version: "0" } }
})

/** The whole body, read piece by piece. */
const readAll = (response: McpHttp.Response): Effect.Effect<string, unknown> =>
  Effect.flatMap(
    response.read,
    (piece) => piece === undefined ? Effect.succeed("") : Effect.map(readAll(response), (rest) => piece + rest)
  )

/** A signal the test aborts by hand. */
const makeSignal = () => {
  const listeners: Array<() => void> = []
  const signal = {
    aborted: false,
    onAbort: (f: () => void) => {
      if (signal.aborted) f()
      else listeners.push(f)
      return () => void listeners.splice(listeners.indexOf(f), 1)
    }
  }
  return { signal, abort: () => (signal.aborted = true, listeners.splice(0).forEach((f) => f())) }
}

/** A session on the server and the headers of its requests. */
const openSession = Effect.gen(function*() {
  const http = yield* McpHttp.McpHttp
  const response = yield* http.execute({
    method: "POST",
    url: server.url,
    headers: { accept: "application/json, text/event-stream" },
    body: initialize,
    tracerPropagation: false
  })
  yield* response.discard
  const sessionId = response.headers["mcp-session-id"]
  assert.isString(sessionId)
  return { "mcp-session-id": sessionId!, "mcp-protocol-version": "2025-06-18" }
})

/** A GET stream of the session, open on the server. */
const openStream = (headers: Record<string, string>, signal?: McpHttp.Signal) =>
  Effect.flatMap(McpHttp.McpHttp, (http) =>
    http.execute({
      method: "GET",
      url: server.url,
      headers: { ...headers, accept: "text/event-stream" },
      body: undefined,
      tracerPropagation: false,
      signal
    }))

const streamsOf = (sessionId: string) =>
  Effect.map(ctl.openStreams, (streams) => streams.filter((s) => s.sessionId === sessionId && s.kind === "get").length)

/** Polls until the server holds `n` GET streams of the session (bounded: 100 × 20 ms). */
const streamsBecome = (sessionId: string, n: number) =>
  streamsOf(sessionId).pipe(
    Effect.filterOrFail((open) => open === n, () => "not yet"),
    Effect.retry(Schedule.spaced("20 millis").pipe(Schedule.intersect(Schedule.recurs(100)))),
    Effect.orDie
  )

const layer = BrowserMcpClient.layerMcpHttp({ endSessionOnPageHide: false })

describe("the McpHttp on fetch", () => {
  it.live("answers with the status, headers in lower case and the body read to its end", () =>
    Effect.gen(function*() {
      const http = yield* McpHttp.McpHttp
      const response = yield* http.execute({
        method: "POST",
        url: server.url,
        headers: { accept: "application/json, text/event-stream" },
        body: initialize,
        tracerPropagation: false
      })
      assert.strictEqual(response.status, 200)
      assert.isString(response.headers["mcp-session-id"])
      assert.match(response.headers["content-type"] ?? "", /^(application\/json|text\/event-stream)/)
      const body = yield* readAll(response)
      assert.include(body, "\"protocolVersion\"")
      // Read to its end: the end stays the end.
      assert.strictEqual(yield* response.read, undefined)
    }).pipe(Effect.provide(layer)))

  it.live("the request's signal aborts a stream being read: the pending read fails", () =>
    Effect.gen(function*() {
      const headers = yield* openSession
      const { abort, signal } = makeSignal()
      const response = yield* openStream(headers, signal)
      assert.strictEqual(response.status, 200)
      yield* streamsBecome(headers["mcp-session-id"], 1)
      const reading = yield* Effect.fork(readAll(response))
      abort()
      const error = yield* Effect.flip(Fiber.join(reading))
      assert.deepInclude(error, { _tag: "HttpFailure", description: "the request was aborted by the client" })
      yield* streamsBecome(headers["mcp-session-id"], 0)
    }).pipe(Effect.provide(layer)))

  it.live("an interrupted read aborts the request", () =>
    Effect.gen(function*() {
      const headers = yield* openSession
      const sessionId = headers["mcp-session-id"]
      const response = yield* openStream(headers)
      yield* streamsBecome(sessionId, 1)
      const reading = yield* Effect.fork(readAll(response))
      // Interrupted while its read waits (not before it began: then there is no read to interrupt).
      yield* Fiber.status(reading).pipe(
        Effect.repeat({ until: (status) => status._tag === "Suspended", schedule: Schedule.spaced("5 millis") })
      )
      yield* Fiber.interrupt(reading)
      yield* streamsBecome(sessionId, 0)
    }).pipe(Effect.provide(layer)))

  it.live("discard lets the stream go: the server sees it closed, a later read is the end", () =>
    Effect.gen(function*() {
      const headers = yield* openSession
      const sessionId = headers["mcp-session-id"]
      const response = yield* openStream(headers)
      yield* streamsBecome(sessionId, 1)
      yield* response.discard
      assert.strictEqual(yield* response.read, undefined)
      yield* streamsBecome(sessionId, 0)
    }).pipe(Effect.provide(layer)))

  it.live("a signal aborted before the request: nothing is sent", () =>
    Effect.gen(function*() {
      const { abort, signal } = makeSignal()
      abort()
      const before = (yield* ctl.log).length
      const error = yield* Effect.flip(
        Effect.flatMap(McpHttp.McpHttp, (http) =>
          http.execute({
            method: "POST",
            url: server.url,
            headers: {},
            body: initialize,
            tracerPropagation: false,
            signal
          }))
      )
      assert.strictEqual(error.description, "the request was aborted by the client")
      assert.strictEqual((yield* ctl.log).length, before)
    }).pipe(Effect.provide(layer)))

  it.live("with tracerPropagation, the current span goes as traceparent and b3 (none without)", () =>
    Effect.gen(function*() {
      const http = yield* McpHttp.McpHttp
      const send = (tracerPropagation: boolean) =>
        Effect.flatMap(
          http.execute({
            method: "POST",
            url: server.url,
            headers: { accept: "application/json, text/event-stream" },
            body: initialize,
            tracerPropagation
          }),
          (response) => Effect.as(response.discard, response.headers["mcp-session-id"])
        )
      const initializes = Effect.map(ctl.log, (log) => log.filter((entry) => entry.rpcMethod === "initialize"))
      const before = (yield* initializes).length
      const [span, traced] = yield* Effect.withSpan(Effect.zip(Effect.currentSpan, send(true)), "mcpHttp.test")
      const [other, untraced] = yield* Effect.withSpan(Effect.zip(Effect.currentSpan, send(false)), "mcpHttp.test")
      assert.isString(traced)
      assert.isString(untraced)
      const sent = (yield* initializes).slice(before)
      assert.strictEqual(sent.length, 2)
      const withTrace = sent.filter((entry) => entry.headers["traceparent"] === `00-${span.traceId}-${span.spanId}-01`)
      assert.strictEqual(withTrace.length, 1)
      assert.match(withTrace[0]!.headers["b3"] ?? "", new RegExp(`^${span.traceId}-${span.spanId}-1`))
      // Without propagation, nothing of the other span travels.
      assert.isFalse(sent.some((entry) => JSON.stringify(entry.headers).includes(other.traceId)))
      assert.strictEqual(sent.filter((entry) => entry.headers["traceparent"] !== undefined).length, 1)
    }).pipe(Effect.provide(layer)))
})

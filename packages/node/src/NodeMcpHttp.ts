/**
 * `McpHttp` written directly on undici's dispatcher.
 *
 * Why not `@effect/platform`'s `HttpClient`: the client sends one small POST
 * per call and reads one small answer, so the HTTP layer's own cost is most
 * of a call's cost. A general-purpose `HttpClient` builds immutable request
 * objects, a URL, a span with an attribute per header, an `AbortController`
 * and a Stream over a Node `Readable` for every request; measured on the SDK
 * server, that is ~3× the CPU of the raw undici request underneath
 * (`docs/performance.md`). This module keeps what the client needs — a span
 * per request, trace headers, interruption as abort — and talks to undici's
 * handler callbacks directly: the body arrives as text pieces handed to the
 * reader waiting for them.
 *
 * Why undici and not Node's global `fetch`: `fetch` kills a response body
 * that stays silent for 300 s, and an idle SSE stream is silent for hours by
 * design. The Agent here has no body timeout.
 *
 * @since 0.1.0
 */
import { McpHttp } from "@mcp-effect/core"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberRef from "effect/FiberRef"
import * as Layer from "effect/Layer"
import type * as Tracer from "effect/Tracer"
import { StringDecoder } from "node:string_decoder"
import { Agent } from "undici"
import type { Dispatcher } from "undici"

/**
 * How long, and how much, a discarded body is still read to keep its
 * connection; past either, the connection is closed instead.
 */
const DISCARD_MILLIS = 5_000
const DISCARD_BYTES = 1024 * 1024

/** Body held for a reader that is not reading (in characters); past this, the socket is paused. */
const HIGH_WATER = 256 * 1024

/**
 * `McpHttp` on an undici `Dispatcher` (an `Agent`, a `Pool`, a `ProxyAgent`...).
 * The dispatcher stays the caller's to close.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (dispatcher: Dispatcher): McpHttp.Service => {
  let lastUrl = ""
  let lastTarget: Target = { origin: "", path: "", pathname: "", query: "", host: "", port: "", scheme: "" }
  const targetOf = (url: string): Target => {
    // The client sends every request to its one endpoint: parse the URL once.
    if (url !== lastUrl) {
      const parsed = new URL(url)
      lastTarget = {
        origin: parsed.origin,
        path: `${parsed.pathname}${parsed.search}`,
        pathname: parsed.pathname,
        query: parsed.search.slice(1),
        host: parsed.hostname,
        port: parsed.port,
        scheme: parsed.protocol.slice(0, -1)
      }
      lastUrl = url
    }
    return lastTarget
  }

  const send = (request: McpHttp.Request, target: Target, headers: Record<string, string>) =>
    Effect.async<McpHttp.Response, McpHttp.HttpFailure>((resume) => {
      if (request.signal?.aborted === true) return resume(Exit.fail(abortedFailure()))
      const exchange = new Exchange(resume, request.signal)
      try {
        dispatcher.dispatch({
          origin: target.origin,
          path: target.path,
          method: request.method,
          headers,
          body: request.body ?? null,
          // An SSE stream is silent for as long as the server has nothing to say; the time a request
          // may take is the client's to bound (requestTimeout, maxRequestTimeout). The hour on the
          // headers only bounds what has no deadline (the GET stream's open, notifications), as
          // @effect/platform-node's undici client does.
          bodyTimeout: 0,
          headersTimeout: 60 * 60 * 1000
        }, exchange)
      } catch (error) {
        // A dispatcher that is closed or destroyed throws instead of calling back.
        exchange.onResponseError(undefined, error instanceof Error ? error : new Error(String(error)))
      }
      // With a signal, the client aborts through it when it gives up, also when it interrupts the
      // request: no interruption handler here (one costs ~9 us per wait).
      return request.signal === undefined ? Effect.sync(() => exchange.abort()) : undefined
    })

  const execute = (request: McpHttp.Request): Effect.Effect<McpHttp.Response, McpHttp.HttpFailure> =>
    Effect.withFiberRuntime((fiber) => {
      let target: Target
      try {
        target = targetOf(request.url)
      } catch (error) {
        return Effect.fail(new McpHttp.HttpFailure({ description: `invalid URL: ${request.url}`, cause: error }))
      }
      const headers: Record<string, string> = request.body === undefined
        ? { ...request.headers }
        : { "content-type": "application/json", ...request.headers }
      if (!fiber.getFiberRef(FiberRef.currentTracerEnabled)) return send(request, target, headers)
      if (fiber.currentTracer === builtInTracer()) {
        // Effect's built-in tracer exports nothing: a span per request would be built and dropped.
        // The server still learns the caller's span, if there is one.
        const parent = fiber.currentSpan
        if (request.tracerPropagation && parent !== undefined) Object.assign(headers, traceHeaders(parent))
        return send(request, target, headers)
      }
      // The span of `@effect/platform`'s HttpClient, by name and semantic attributes (not one
      // attribute per header: costly, and a place where credentials end up).
      return Effect.useSpan(`http.client ${request.method}`, { kind: "client", captureStackTrace: false }, (span) => {
        span.attribute("http.request.method", request.method)
        span.attribute("server.address", target.host)
        if (target.port !== "") span.attribute("server.port", Number(target.port))
        span.attribute("url.full", request.url)
        span.attribute("url.path", target.pathname)
        if (target.query !== "") span.attribute("url.query", target.query)
        span.attribute("url.scheme", target.scheme)
        if (request.tracerPropagation) Object.assign(headers, traceHeaders(span))
        return Effect.tap(
          Effect.withParentSpan(send(request, target, headers), span),
          (response) => span.attribute("http.response.status_code", response.status)
        )
      })
    })

  return { execute }
}

/**
 * `McpHttp` on an undici `Agent` of its own, closed with the layer's scope.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<McpHttp.McpHttp> = Layer.scoped(
  McpHttp.McpHttp,
  Effect.map(
    Effect.acquireRelease(
      Effect.sync(() => new Agent()),
      (agent) => Effect.promise(() => agent.destroy())
    ),
    make
  )
)

/**
 * `McpHttp` on a dispatcher the caller owns (e.g. an `Agent` shared by many
 * clients, or a `ProxyAgent`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerDispatcher = (dispatcher: Dispatcher): Layer.Layer<McpHttp.McpHttp> =>
  Layer.succeed(McpHttp.McpHttp, make(dispatcher))

let nativeTracer: Tracer.Tracer | undefined = undefined
/** The tracer Effect installs by default, which keeps spans in memory only. */
const builtInTracer = (): Tracer.Tracer => (nativeTracer ??= Effect.runSync(Effect.tracer))

/** W3C `traceparent` and B3 headers for `span`, as `@effect/platform`'s HttpClient sends them. */
const traceHeaders = (span: Tracer.AnySpan): Record<string, string> => {
  const parent = span._tag === "Span" && span.parent._tag === "Some" ? `-${span.parent.value.spanId}` : ""
  return {
    b3: `${span.traceId}-${span.spanId}-${span.sampled ? "1" : "0"}${parent}`,
    traceparent: `00-${span.traceId}-${span.spanId}-${span.sampled ? "01" : "00"}`
  }
}

interface Target {
  readonly origin: string
  /** The request target: path and query. */
  readonly path: string
  readonly pathname: string
  readonly query: string
  readonly host: string
  readonly port: string
  readonly scheme: string
}

// One reason for every abort: an Error built per abort would capture a stack trace each time.
const aborted = new Error("the request was aborted by the client")

type Resume<A> = (effect: Effect.Effect<A, McpHttp.HttpFailure>) => void

/**
 * One request: undici's handler for it, and, once the headers are in, its
 * response. Body pieces are decoded as they arrive and handed to the reader
 * waiting for one, or held (pausing the socket past a bound) until it asks.
 */
class Exchange implements Dispatcher.DispatchHandler, McpHttp.Response {
  status = 0
  headers: Record<string, string> = {}
  private controller: Dispatcher.DispatchController | undefined = undefined
  private started: Resume<McpHttp.Response> | undefined
  private reader: Resume<string | undefined> | undefined = undefined
  // Made only for a body whose pieces split a character (most never do): a StringDecoder allocates
  // a Buffer of its own.
  private decoder: StringDecoder | undefined = undefined
  private held: Array<string> = []
  private heldChars = 0
  private ended = false
  private failure: McpHttp.HttpFailure | undefined = undefined
  private abandoned = false
  private discarding = false
  private discardedBytes = 0
  private discardTimer: ReturnType<typeof setTimeout> | undefined = undefined
  private readonly offAbort: (() => void) | undefined
  /** Aborted through a signal (see `send`), not by interruption. */
  private readonly signalled: boolean

  constructor(started: Resume<McpHttp.Response>, signal: McpHttp.Signal | undefined) {
    this.started = started
    this.signalled = signal !== undefined
    // The client gave up on the request (its deadline passed): fail whoever waits, and abort.
    this.offAbort = signal?.onAbort(() => this.giveUp(abortedFailure()))
  }

  // --- undici's side --------------------------------------------------------

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller
    if (this.abandoned) controller.abort(aborted)
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | Array<string> | undefined>
  ): void {
    // undici reports 1xx informational answers (103 Early Hints) here too: wait for the final one.
    if (statusCode < 200) return
    this.status = statusCode
    for (const name in headers) {
      const value = headers[name]
      if (value !== undefined) this.headers[name] = typeof value === "string" ? value : value.join(", ")
    }
    const started = this.started
    this.started = undefined
    started?.(Exit.succeed(this))
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.discarding) {
      this.discardedBytes += chunk.length
      if (this.discardedBytes > DISCARD_BYTES) this.abort()
      return
    }
    const text = this.text(chunk)
    if (text === "") return
    const reader = this.reader
    if (reader !== undefined) {
      this.reader = undefined
      reader(Exit.succeed(text))
      return
    }
    this.held.push(text)
    this.heldChars += text.length
    if (this.heldChars > HIGH_WATER) controller.pause()
  }

  onResponseEnd(): void {
    this.ended = true
    this.offAbort?.()
    this.clearDiscardTimer()
    if (this.discarding) return
    const rest = this.decoder === undefined ? "" : this.decoder.end()
    const reader = this.reader
    this.reader = undefined
    // A reader waits only when nothing is held: it gets the decoder's rest, or the end.
    if (reader !== undefined) reader(Exit.succeed(rest === "" ? undefined : rest))
    else if (rest !== "") this.held.push(rest)
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    this.clearDiscardTimer()
    // After our own abort: whoever waited has been answered already.
    if (this.failure !== undefined) return
    this.offAbort?.()
    const failure = new McpHttp.HttpFailure({ description: describe(error), cause: error })
    this.failure = failure
    const started = this.started
    this.started = undefined
    started?.(Exit.fail(failure))
    const reader = this.reader
    this.reader = undefined
    reader?.(Exit.fail(failure))
  }

  // --- the client's side ----------------------------------------------------

  readonly read: Effect.Effect<string | undefined, McpHttp.HttpFailure> = Effect.suspend(() => {
    const text = this.held.shift()
    if (text !== undefined) {
      this.heldChars -= text.length
      if (this.held.length === 0 && this.controller?.paused === true) this.controller.resume()
      return Exit.succeed(text)
    }
    if (this.failure !== undefined) return Exit.fail(this.failure)
    if (this.ended || this.discarding) return Exit.succeed(undefined)
    return Effect.async<string | undefined, McpHttp.HttpFailure>((resume) => {
      this.reader = resume
      return this.signalled ? undefined : Effect.sync(() => {
        this.reader = undefined
        this.abort()
      })
    })
  })

  readonly discard: Effect.Effect<void> = Effect.sync(() => {
    if (this.ended || this.failure !== undefined || this.discarding) return
    this.discarding = true
    this.offAbort?.()
    this.held = []
    this.heldChars = 0
    if (this.controller?.paused === true) this.controller.resume()
    // Read on in the background to keep the connection, but not for long.
    this.discardTimer = setTimeout(() => this.abort(), DISCARD_MILLIS)
    this.discardTimer.unref()
  })

  /** The fiber waiting on this request was interrupted: abort, nobody to answer. */
  abort(): void {
    this.giveUp(undefined)
  }

  private giveUp(failure: McpHttp.HttpFailure | undefined): void {
    this.clearDiscardTimer()
    if (this.ended || this.failure !== undefined) return
    this.offAbort?.()
    this.abandoned = true
    this.failure = failure ?? abortedFailure()
    const started = this.started
    const reader = this.reader
    this.started = undefined
    this.reader = undefined
    if (failure !== undefined) {
      started?.(Exit.fail(failure))
      reader?.(Exit.fail(failure))
    }
    this.controller?.abort(aborted)
  }

  /**
   * A body piece as text. A piece that ends on a character boundary (its last
   * byte is ASCII, like the "\n" that ends every SSE event) is converted as it
   * is; else, and from then on, a StringDecoder carries the bytes of a split
   * character over to the next piece.
   */
  private text(chunk: Buffer): string {
    if (this.decoder === undefined && chunk.length > 0 && chunk[chunk.length - 1] < 0x80) {
      return chunk.toString("utf8")
    }
    return (this.decoder ??= new StringDecoder("utf8")).write(chunk)
  }

  private clearDiscardTimer(): void {
    if (this.discardTimer !== undefined) {
      clearTimeout(this.discardTimer)
      this.discardTimer = undefined
    }
  }
}

const abortedFailure = (): McpHttp.HttpFailure =>
  new McpHttp.HttpFailure({ description: "the request was aborted by the client", cause: aborted })

const describe = (error: Error): string => {
  const code = "code" in error && typeof error.code === "string" ? ` (${error.code})` : ""
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : ""
  return `${error.message}${code}${cause}`
}

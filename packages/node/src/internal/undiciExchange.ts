/**
 * One request on undici's dispatcher: the state of the exchange, and the
 * small functions that move it on.
 *
 * Two sides drive an exchange. undici calls its handler as the answer comes
 * in (`onRequestStart`, `onResponseStart`, `onResponseData`, `onResponseEnd`,
 * `onResponseError`); the client waits for the headers (`execute`), reads the
 * body piece by piece (`read`) or has it handed over as it comes (`stream`: the
 * GET stream, which no fiber waits on), lets it go (`discard`) or gives up
 * (interruption, the request's signal, the stream's `abort`). Body pieces are decoded as they arrive and handed
 * to the reader waiting for one, or held (pausing the socket past a bound)
 * until it asks.
 *
 * The state is one record, {@link Exchange}; every transition is a function of
 * it. The record is also the object undici and the client see — its methods
 * only hand it to those functions — so an exchange costs one object, and a
 * body piece no allocation beyond its text.
 *
 * @internal
 */
import * as McpError from "@mcp-effect/core/McpError"
import * as McpHttp from "@mcp-effect/core/McpHttp"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { StringDecoder } from "node:string_decoder"
import type { Dispatcher } from "undici"

/**
 * How long, and how much, a discarded body is still read to keep its
 * connection; past either, the connection is closed instead.
 */
const DISCARD_MILLIS = 5_000
const DISCARD_BYTES = 1024 * 1024

/** Body held for a reader that is not reading (in characters); past this, the socket is paused. */
const HIGH_WATER = 256 * 1024

/** One hour: see the comment in {@link send}. */
const HEADERS_TIMEOUT = 60 * 60 * 1000

// One reason for every abort: an Error built per abort would capture a stack trace each time.
const aborted = new Error("the request was aborted by the client")

type Resume<A> = (effect: Effect.Effect<A, McpError.HttpFailure>) => void

/**
 * Sends `request` on `dispatcher` to `origin` + `path` (its target: path and
 * query), and resolves with the response once its final headers are in.
 */
export const send = (
  dispatcher: Dispatcher,
  request: McpHttp.Request,
  origin: string,
  path: string,
  headers: Record<string, string>
): Effect.Effect<McpHttp.Response, McpError.HttpFailure> =>
  Effect.async<McpHttp.Response, McpError.HttpFailure>((resume) => {
    if (request.signal?.aborted === true) return resume(Exit.fail(abortedFailure()))
    const exchange = new Exchange(resume, request.signal)
    try {
      dispatcher.dispatch({
        origin,
        path,
        method: request.method,
        headers,
        body: request.body ?? null,
        // An SSE stream is silent for as long as the server has nothing to say; the time a request
        // may take is the client's to bound (requestTimeout, maxRequestTimeout). The hour on the
        // headers only bounds what has no deadline (the GET stream's open, notifications), as
        // @effect/platform-node's undici client does.
        bodyTimeout: 0,
        headersTimeout: HEADERS_TIMEOUT
      }, exchange)
    } catch (error) {
      // A dispatcher that is closed or destroyed throws instead of calling back.
      failed(exchange, error instanceof Error ? error : new Error(String(error)))
    }
    // With a signal, the client aborts through it when it gives up, also when it interrupts the
    // request: no interruption handler here (one costs ~9 us per wait).
    return request.signal === undefined ? Effect.sync(() => abort(exchange)) : undefined
  })

// --- the state ----------------------------------------------------------------

/**
 * The state of one exchange. It moves from waiting for the headers
 * (`started` set) to the body, which ends in one of: read to its end
 * (`ended`), failed or given up (`failure`), or discarded (`discarding`, and
 * then `ended` once undici has drained it). It is the response the client
 * reads, too: `execute` resolves with it.
 */
interface State extends McpHttp.Response {
  status: number
  headers: Record<string, string>
  /** undici's handle on the request, to pause, resume and abort it; set once it has started. */
  controller: Dispatcher.DispatchController | undefined
  /** The `execute` waiting for the headers. */
  started: Resume<McpHttp.Response> | undefined
  /** The `read` waiting for a piece; only ever while nothing is held. */
  reader: Resume<string | undefined> | undefined
  /** Where the body goes when it is read by callbacks (`stream`); cleared once it had its end. */
  sink: McpHttp.Sink | undefined
  /** The sink's reader holds the body back (or has not asked for it yet): pieces are held. */
  sinkPaused: boolean
  /**
   * Made only for a body whose pieces split a character (most never do): a
   * StringDecoder allocates a Buffer of its own.
   */
  decoder: StringDecoder | undefined
  /** Pieces that arrived with no reader waiting, and their length in characters. */
  held: Array<string>
  heldChars: number
  /** undici has delivered the whole body. */
  ended: boolean
  /** What every later `read` fails with: the network failed, or the client gave up. */
  failure: McpError.HttpFailure | undefined
  /** The client gave up before undici handed over its controller: abort as soon as it does. */
  abandoned: boolean
  /** The client let the body go: pieces are counted and dropped. */
  discarding: boolean
  discardedBytes: number
  discardTimer: ReturnType<typeof setTimeout> | undefined
  /** Unregisters from the request's signal. */
  readonly offAbort: (() => void) | undefined
  /** Aborted through a signal (see {@link send}), not by interruption. */
  readonly signalled: boolean
  /** {@link waitForPiece} on this state, for `Effect.async`. */
  readonly waitForPiece: (resume: Resume<string | undefined>) => Effect.Effect<void> | undefined
}

/**
 * The state, as the handler undici calls and the response the client reads:
 * each method hands the state to the function that does the work.
 */
class Exchange implements State, Dispatcher.DispatchHandler, McpHttp.BodyStream {
  status = 0
  headers: Record<string, string> = {}
  controller: Dispatcher.DispatchController | undefined = undefined
  started: Resume<McpHttp.Response> | undefined
  reader: Resume<string | undefined> | undefined = undefined
  sink: McpHttp.Sink | undefined = undefined
  sinkPaused = true
  decoder: StringDecoder | undefined = undefined
  held: Array<string> = []
  heldChars = 0
  ended = false
  failure: McpError.HttpFailure | undefined = undefined
  abandoned = false
  discarding = false
  discardedBytes = 0
  discardTimer: ReturnType<typeof setTimeout> | undefined = undefined
  readonly offAbort: (() => void) | undefined
  readonly signalled: boolean
  readonly waitForPiece = (resume: Resume<string | undefined>) => waitForPiece(this, resume)

  readonly read: Effect.Effect<string | undefined, McpError.HttpFailure> = Effect.suspend(() => read(this))
  readonly discard: Effect.Effect<void> = Effect.sync(() => discard(this))

  constructor(started: Resume<McpHttp.Response>, signal: McpHttp.Signal | undefined) {
    this.started = started
    this.signalled = signal !== undefined
    // The client gave up on the request (its deadline passed): fail whoever waits, and abort.
    this.offAbort = signal?.onAbort(() => giveUp(this, abortedFailure()))
  }

  // The body read by callbacks: the exchange is its own BodyStream (prototype methods, no closures).
  stream(sink: McpHttp.Sink): McpHttp.BodyStream {
    this.sink = sink
    return this
  }

  pause(): void {
    this.sinkPaused = true
  }

  resume(): void {
    resumeSink(this)
  }

  abort(): void {
    abort(this)
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    requestStarted(this, controller)
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | Array<string> | undefined>
  ): void {
    responseStarted(this, statusCode, headers)
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    received(this, controller, chunk)
  }

  onResponseEnd(): void {
    ended(this)
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    failed(this, error)
  }
}

// --- undici's side ------------------------------------------------------------

const requestStarted = (state: State, controller: Dispatcher.DispatchController): void => {
  state.controller = controller
  if (state.abandoned) controller.abort(aborted)
}

const responseStarted = (
  state: State,
  statusCode: number,
  headers: Record<string, string | Array<string> | undefined>
): void => {
  // undici reports 1xx informational answers (103 Early Hints) here too: wait for the final one.
  if (statusCode < 200) return
  state.status = statusCode
  for (const name in headers) {
    const value = headers[name]
    if (value !== undefined) state.headers[name] = typeof value === "string" ? value : value.join(", ")
  }
  const started = state.started
  state.started = undefined
  started?.(Exit.succeed(state))
}

/** A body piece: to the reader waiting for one, else held. The hot path: no allocation but the text. */
const received = (state: State, controller: Dispatcher.DispatchController, chunk: Buffer): void => {
  if (state.discarding) {
    state.discardedBytes += chunk.length
    if (state.discardedBytes > DISCARD_BYTES) abort(state)
    return
  }
  const text = decode(state, chunk)
  if (text === "") return
  const sink = state.sink
  // Not paused: nothing is held (resumeSink handed it all over).
  if (sink !== undefined && !state.sinkPaused) return sink.piece(text)
  const reader = state.reader
  if (reader !== undefined) {
    state.reader = undefined
    reader(Exit.succeed(text))
    return
  }
  state.held.push(text)
  state.heldChars += text.length
  if (state.heldChars > HIGH_WATER) controller.pause()
}

const ended = (state: State): void => {
  state.ended = true
  state.offAbort?.()
  clearDiscardTimer(state)
  if (state.discarding) return
  const rest = state.decoder === undefined ? "" : state.decoder.end()
  if (state.sink !== undefined) {
    if (rest !== "") state.held.push(rest)
    if (!state.sinkPaused) resumeSink(state)
    return
  }
  const reader = state.reader
  state.reader = undefined
  // A reader waits only when nothing is held: it gets the decoder's rest, or the end.
  if (reader !== undefined) reader(Exit.succeed(rest === "" ? undefined : rest))
  else if (rest !== "") state.held.push(rest)
}

const failed = (state: State, error: Error): void => {
  clearDiscardTimer(state)
  // After our own abort: whoever waited has been answered already.
  if (state.failure !== undefined) return
  state.offAbort?.()
  const started = state.started
  // Before any answer, a connection that could not be made: nothing reached the server.
  const connect = started !== undefined && McpHttp.isConnectFailure(error)
  const failure = new McpError.HttpFailure({
    description: describe(error),
    cause: error,
    ...(connect ? { connect } : {})
  })
  state.failure = failure
  state.started = undefined
  started?.(Exit.fail(failure))
  const reader = state.reader
  state.reader = undefined
  reader?.(Exit.fail(failure))
  sinkFailed(state, failure)
}

// --- the client's side --------------------------------------------------------

const read = (state: State): Effect.Effect<string | undefined, McpError.HttpFailure> => {
  const text = state.held.shift()
  if (text !== undefined) {
    state.heldChars -= text.length
    if (state.held.length === 0 && state.controller?.paused === true) state.controller.resume()
    return Exit.succeed(text)
  }
  if (state.failure !== undefined) return Exit.fail(state.failure)
  if (state.ended || state.discarding) return Exit.succeed(undefined)
  return Effect.async(state.waitForPiece)
}

/**
 * The sink's reader asks for the body: what is held goes first (it may pause
 * again on any piece), then the end or the failure if they came meanwhile.
 */
const resumeSink = (state: State): void => {
  state.sinkPaused = false
  while (state.sink !== undefined && !state.sinkPaused) {
    const text = state.held.shift()
    if (text !== undefined) {
      state.heldChars -= text.length
      state.sink.piece(text)
      continue
    }
    if (state.controller?.paused === true) state.controller.resume()
    const sink = state.sink
    if (state.ended) {
      state.sink = undefined
      sink.end()
    } else if (state.failure !== undefined) {
      state.sink = undefined
      sink.fail(state.failure)
    }
    return
  }
}

/** The body failed: a sink that is not paused hears it now, a paused one on `resume`. */
const sinkFailed = (state: State, failure: McpError.HttpFailure): void => {
  const sink = state.sink
  if (sink === undefined || state.sinkPaused) return
  state.sink = undefined
  sink.fail(failure)
}

/**
 * `read`'s wait for the next piece. No closure here (one capturing `state`
 * would cost a context on every call): the function `Effect.async` calls is
 * made once per exchange (see Exchange).
 */
const waitForPiece = (state: State, resume: Resume<string | undefined>): Effect.Effect<void> | undefined => {
  state.reader = resume
  return state.signalled ? undefined : stopReading(state)
}

/** Interrupted while waiting for a piece: abort. */
const stopReading = (state: State): Effect.Effect<void> =>
  Effect.sync(() => {
    state.reader = undefined
    abort(state)
  })

const discard = (state: State): void => {
  if (state.ended || state.failure !== undefined || state.discarding) return
  state.discarding = true
  state.offAbort?.()
  state.held = []
  state.heldChars = 0
  if (state.controller?.paused === true) state.controller.resume()
  // Read on in the background to keep the connection, but not for long.
  state.discardTimer = setTimeout(abort, DISCARD_MILLIS, state)
  state.discardTimer.unref()
}

/** The fiber waiting on this request was interrupted (or a discard ran long): abort, nobody to answer. */
const abort = (state: State): void => giveUp(state, undefined)

/** Stops the exchange; whoever waits gets `failure`, if there is one to give. */
const giveUp = (state: State, failure: McpError.HttpFailure | undefined): void => {
  clearDiscardTimer(state)
  if (state.ended || state.failure !== undefined) return
  state.offAbort?.()
  state.abandoned = true
  // Aborted by the stream's reader (or interrupted): nothing more is told to anyone.
  if (failure === undefined) state.sink = undefined
  state.failure = failure ?? abortedFailure()
  const started = state.started
  const reader = state.reader
  state.started = undefined
  state.reader = undefined
  if (failure !== undefined) {
    started?.(Exit.fail(failure))
    reader?.(Exit.fail(failure))
    sinkFailed(state, failure)
  }
  state.controller?.abort(aborted)
}

// --- helpers ------------------------------------------------------------------

/**
 * A body piece as text. A piece that ends on a character boundary (its last
 * byte is ASCII, like the "\n" that ends every SSE event) is converted as it
 * is; else, and from then on, a StringDecoder carries the bytes of a split
 * character over to the next piece.
 */
const decode = (state: State, chunk: Buffer): string => {
  if (state.decoder === undefined && chunk.length > 0 && chunk[chunk.length - 1] < 0x80) {
    return chunk.toString("utf8")
  }
  return (state.decoder ??= new StringDecoder("utf8")).write(chunk)
}

const clearDiscardTimer = (state: State): void => {
  if (state.discardTimer !== undefined) {
    clearTimeout(state.discardTimer)
    state.discardTimer = undefined
  }
}

const abortedFailure = (): McpError.HttpFailure =>
  new McpError.HttpFailure({ description: "the request was aborted by the client", cause: aborted })

const describe = (error: Error): string => {
  const code = "code" in error && typeof error.code === "string" ? ` (${error.code})` : ""
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : ""
  return `${error.message}${code}${cause}`
}

/**
 * The Server-Sent Events stage: bytes in, events out.
 *
 * Written here (≈100 lines) rather than taken from a package because MCP needs
 * three things the common parsers hide: the `retry:` value surfaced as data (the
 * client must wait exactly that long before resuming), the `id:` of events
 * with empty data (priming events), and a hard bound on the size of one event
 * that fails the stream with a typed error instead of growing without limit.
 *
 * @internal
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Stream from "effect/Stream"

/** @internal */
export interface SseEvent {
  readonly _tag: "Event"
  /** The `id:` of this event, if the block had one. */
  readonly id: string | undefined
  readonly event: string
  /** The joined `data:` lines; "" for a priming event. */
  readonly data: string
}

/** @internal */
export interface SseRetry {
  readonly _tag: "Retry"
  readonly millis: number
}

/** @internal */
export type SseMessage = SseEvent | SseRetry

/** @internal */
export interface SseParser {
  /** Parses a chunk of text, pushing complete messages to `out`; returns an error description, or undefined. */
  readonly feed: (text: string, out: Array<SseMessage>) => string | undefined
  /** The characters held for the event being read (its data and its unfinished line): what it costs in memory. */
  readonly held: () => number
}

// Finds the next CR or LF from `lastIndex` on: `test` on a global regex searches natively and
// builds no match array. On 10,000 events it took a third less time than a charCodeAt loop
// (`indexOf` did not help: once optimized by TurboFan it got slower than the loop). `feed` is
// synchronous, so parsers can share the regex and its `lastIndex`.
const lineEnd = /[\r\n]/g

/** @internal */
export const makeParser = (maxEventSize: number): SseParser => {
  // The start of a line that has not ended yet, as the chunks it came in: joined once, when the line
  // ends. (Concatenating and rescanning a growing buffer per chunk made one long line quadratic: a
  // 30 MiB event took minutes.)
  let partial: Array<string> = []
  let partialSize = 0
  // A chunk that ended with "\r" may be followed by the "\n" of the same line ending.
  let skipLeadingLf = false
  let data: Array<string> = []
  let dataSize = 0
  let id: string | undefined = undefined
  let event = ""
  let hasFields = false

  const dispatch = (out: Array<SseMessage>) => {
    if (hasFields && (data.length > 0 || id !== undefined)) {
      out.push({ _tag: "Event", id, event: event === "" ? "message" : event, data: data.join("\n") })
    }
    data = []
    dataSize = 0
    id = undefined
    event = ""
    hasFields = false
  }

  const tooLarge = () => `an SSE event exceeded the maximum size of ${maxEventSize} characters`

  const line = (text: string, out: Array<SseMessage>): string | undefined => {
    if (text.length === 0) {
      dispatch(out)
      return undefined
    }
    if (text.charCodeAt(0) === 58 /* ":" comment */) return undefined
    const colon = text.indexOf(":")
    const field = colon === -1 ? text : text.slice(0, colon)
    let value = colon === -1 ? "" : text.slice(colon + 1)
    if (value.charCodeAt(0) === 32) value = value.slice(1)
    switch (field) {
      case "data": {
        dataSize += value.length + 1
        if (dataSize > maxEventSize) return tooLarge()
        data.push(value)
        hasFields = true
        return undefined
      }
      case "id": {
        // Per the SSE spec an id containing NUL is ignored.
        if (value.indexOf("\u0000") === -1) id = value
        hasFields = true
        return undefined
      }
      case "event": {
        event = value
        hasFields = true
        return undefined
      }
      case "retry": {
        if (/^\d+$/.test(value)) out.push({ _tag: "Retry", millis: Number(value) })
        return undefined
      }
      default:
        return undefined
    }
  }

  const feed = (text: string, out: Array<SseMessage>): string | undefined => {
    let i = 0
    if (skipLeadingLf) {
      skipLeadingLf = false
      if (text.charCodeAt(0) === 10) i = 1
    }
    const n = text.length
    // Only this chunk is scanned: what came before it has no line end.
    while (i < n) {
      lineEnd.lastIndex = i
      if (!lineEnd.test(text)) {
        // The line goes on in the next chunk. Fail as soon as the event is known to be too large: its
        // data so far and this line, if it is data, already exceed the bound ("data: " adds 6
        // characters to the line and 1 to the size: never a false alarm).
        partialSize += n - i
        if (dataSize + partialSize - 5 > maxEventSize) return tooLarge()
        partial.push(i === 0 ? text : text.slice(i))
        return undefined
      }
      const end = lineEnd.lastIndex - 1
      let whole = text.slice(i, end)
      if (partialSize > 0) {
        partial.push(whole)
        whole = partial.join("")
        partial = []
        partialSize = 0
      }
      const error = line(whole, out)
      if (error !== undefined) return error
      if (text.charCodeAt(end) === 13) {
        if (end + 1 === n) {
          skipLeadingLf = true
          i = n
        } else {
          i = text.charCodeAt(end + 1) === 10 ? end + 2 : end + 1
        }
      } else {
        i = end + 1
      }
    }
    return undefined
  }

  return { feed, held: () => dataSize + partialSize }
}

/**
 * Turns a byte stream into SSE messages. `onError` maps a size violation to
 * the caller's typed error. An incomplete event at end of stream is dropped,
 * as the SSE spec says.
 *
 * @internal
 */
export const decode =
  <E2>(maxEventSize: number, onError: (description: string) => E2) =>
  <E, R>(self: Stream.Stream<Uint8Array, E, R>): Stream.Stream<SseMessage, E | E2, R> =>
    Stream.suspend(() => {
      const parser = makeParser(maxEventSize)
      return self.pipe(
        Stream.decodeText(),
        Stream.mapChunksEffect((chunk) => {
          const out: Array<SseMessage> = []
          for (const text of chunk) {
            const error = parser.feed(text, out)
            if (error !== undefined) return Effect.fail(onError(error))
          }
          return Effect.succeed(Chunk.unsafeFromArray(out))
        })
      )
    })

/**
 * The SSE messages of one response body. Read with `runForEachWhile`: one
 * pull loop over the bytes that decodes, parses and hands each message on,
 * instead of a pipeline of Stream stages (each a channel, per chunk and per
 * message) — the hot path of every request answered with SSE.
 *
 * @internal
 */
export interface Events<E> {
  /** Calls `f` on each message until it returns false or the body ends; then the body is released. */
  readonly runForEachWhile: <E2, R>(
    f: (message: SseMessage) => Effect.Effect<boolean, E2, R>
  ) => Effect.Effect<void, E | E2, R>
  /**
   * Reads the messages by callbacks, with no fiber waiting while the stream
   * is idle: for the GET stream, open for a session's life and mostly
   * silent. Undefined when the body cannot push (it has no `stream`): read
   * it with `runForEachWhile`.
   */
  readonly watch: (watcher: Watcher<E>) => Watch | undefined
}

/** What reads an SSE stream by callbacks (see {@link Events}' `watch`). @internal */
export interface Watcher<E> {
  /** A message. False holds the rest back until the watch's `resume` (the message went on in a fiber). */
  readonly message: (message: SseMessage) => boolean
  /** The stream is over: it ended (`undefined`; an incomplete event is dropped) or failed. Never after `cancel`. */
  readonly end: (error: E | undefined) => void
}

/** Where a body that pushes its pieces hands them (`McpHttp.Sink`, in the body's failure type). @internal */
export interface Sink<E> {
  readonly piece: (text: string) => void
  readonly end: () => void
  readonly fail: (error: E) => void
}

/** A body being pushed (`McpHttp.BodyStream`). @internal */
export interface BodyStream {
  readonly pause: () => void
  readonly resume: () => void
  readonly abort: () => void
}

/** @internal */
export interface Watch {
  /** Hands on the messages held back since a `message` returned false. */
  readonly resume: () => void
  /** Stops reading and aborts the request. */
  readonly cancel: () => void
}

/**
 * The messages of a response body: `onError` maps a size violation, an
 * incomplete event at the end is dropped (as in {@link decode}), failures of
 * the body are mapped by `onBodyError`. The body is released (`discard`)
 * whenever reading stops before its end.
 *
 * @internal
 */
export const events = <E, E1, E2>(
  body: {
    readonly read: Effect.Effect<string | undefined, E>
    readonly discard: Effect.Effect<void>
    readonly stream?: ((sink: Sink<E>) => BodyStream) | undefined
  },
  maxEventSize: number,
  onBodyError: (error: E) => E1,
  onError: (description: string) => E2
): Events<E1 | E2> => ({
  watch: (watcher) => {
    if (body.stream === undefined) return undefined
    const watch = new SseWatch(makeParser(maxEventSize), watcher, onBodyError, onError)
    watch.body = body.stream(watch)
    watch.body.resume()
    return watch
  },
  runForEachWhile: <E3, R>(f: (message: SseMessage) => Effect.Effect<boolean, E3, R>) =>
    Effect.suspend(() => {
      const parser = makeParser(maxEventSize)
      const pending: Array<SseMessage> = []
      let index = 0
      let ended = false
      // Reading stopped before the end of the body (the awaited message came, or a failure): release
      // it. An interrupted read needs nothing: the backend aborts the request itself.
      const release = Effect.suspend(() => ended ? Effect.void : body.discard)
      const more = (go: boolean): Effect.Effect<void, E1 | E2 | E3, R> => go ? next() : release
      const fed = (text: string | undefined): Effect.Effect<void, E1 | E2 | E3, R> => {
        if (text === undefined) {
          ended = true
          return Effect.void
        }
        const error = parser.feed(text, pending)
        return error === undefined ? next() : Effect.fail(onError(error))
      }
      const read = Effect.mapError(body.read, onBodyError)
      // Called when the previous step is done (at run time), so it builds the next step directly.
      const next = (): Effect.Effect<void, E1 | E2 | E3, R> => {
        while (index < pending.length) {
          const handled = f(pending[index++])
          // Already finished (an Exit): nothing to run, go on with the next message at once.
          if (!Exit.isExit(handled) || !Exit.isSuccess(handled)) return Effect.flatMap(handled, more)
          if (handled.value === false) return release
        }
        pending.length = 0
        index = 0
        return Effect.flatMap(read, fed)
      }
      return Effect.catchAllCause(next(), (cause) => Effect.zipRight(release, Effect.failCause(cause)))
    })
})

/** A body's pieces, parsed, to a {@link Watcher}: the state of one `watch`, and the sink the body pushes to. */
class SseWatch<E, E1, E2> implements Sink<E>, Watch {
  body: BodyStream | undefined = undefined
  private readonly pending: Array<SseMessage> = []
  private index = 0
  private done = false
  /** The body ended while messages were held back: the end waits for them. */
  private ending = false

  constructor(
    private readonly parser: SseParser,
    private readonly watcher: Watcher<E1 | E2>,
    private readonly onBodyError: (error: E) => E1,
    private readonly onError: (description: string) => E2
  ) {}

  piece(text: string): void {
    if (this.done) return
    const error = this.parser.feed(text, this.pending)
    if (error !== undefined) {
      this.body?.abort()
      return this.finish(this.onError(error))
    }
    this.deliver()
  }

  end(): void {
    if (this.index < this.pending.length) this.ending = true
    else this.finish(undefined)
  }

  fail(error: E): void {
    this.finish(this.onBodyError(error))
  }

  resume(): void {
    if (this.done || !this.deliver()) return
    if (this.ending) this.finish(undefined)
    else this.body?.resume()
  }

  cancel(): void {
    if (this.done) return
    this.done = true
    this.body?.abort()
  }

  /** Hands the parsed messages on; false when one was held back (the body is paused until `resume`). */
  private deliver(): boolean {
    const pending = this.pending
    while (this.index < pending.length) {
      if (!this.watcher.message(pending[this.index++])) {
        if (!this.done) this.body?.pause()
        return false
      }
      if (this.done) return false
    }
    pending.length = 0
    this.index = 0
    return true
  }

  private finish(error: E1 | E2 | undefined): void {
    if (this.done) return
    this.done = true
    this.watcher.end(error)
  }
}

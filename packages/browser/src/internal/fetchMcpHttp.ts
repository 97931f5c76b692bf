/**
 * `McpHttp` on `fetch` itself, as `@mcp-effect/node`'s is on undici: no
 * general-purpose `HttpClient` between the client and the wire, which spares
 * every browser bundle `@effect/platform`'s HTTP client and core's adapter to
 * it (`pnpm bench:bundle`: 110,646 -> 103,334 B gzip for the typical app).
 *
 * Every request has its `AbortController`: aborted by the request's signal
 * (its deadline passed), by interrupting `execute` or a `read`, and it makes
 * `fetch` and the body's reader fail. The body is read one piece per `read`,
 * straight from the response's reader (nothing is read ahead), or handed to a
 * sink piece by piece (`stream`: the GET stream, which no fiber waits on),
 * reading the next piece only while the sink is not paused. Requests go
 * with `cache: "no-store"` and DELETE as `keepalive` (`pageHide.ts`), and each
 * is told to `note` (the session ended on `pagehide`).
 *
 * Spans and trace headers as `@effect/platform`'s HttpClient makes them: a
 * span `http.client <METHOD>` per request when a tracer that exports is
 * installed (Effect's built-in one exports nothing: no span is built for it),
 * and `traceparent` / `b3` when the request asks for propagation.
 *
 * @internal
 */
import * as McpError from "@mcp-effect/core/McpError"
import type * as McpHttp from "@mcp-effect/core/McpHttp"
import * as McpHttpSpan from "@mcp-effect/core/McpHttpSpan"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as PageHide from "./pageHide.js"
import { requestInit } from "./pageHide.js"

type Resume<A> = (effect: Effect.Effect<A, McpError.HttpFailure>) => void

/** @internal */
export const make = (note: PageHide.Note | undefined): McpHttp.Service => ({
  execute: (request) =>
    Effect.withFiberRuntime((fiber) => {
      let url: URL
      try {
        url = new URL(request.url, globalThis.location?.href)
      } catch (error) {
        return Effect.fail(new McpError.HttpFailure({ description: `invalid URL: ${request.url}`, cause: error }))
      }
      const headers: Record<string, string> = request.body === undefined
        ? { ...request.headers }
        : { "content-type": "application/json", ...request.headers }
      return McpHttpSpan.traced(
        fiber,
        request,
        () => spanTarget(url),
        headers,
        (headers) => send(request, url, headers, note)
      )
    })
})

const send = (
  request: McpHttp.Request,
  url: URL,
  headers: Record<string, string>,
  note: PageHide.Note | undefined
): Effect.Effect<McpHttp.Response, McpError.HttpFailure> =>
  Effect.async<McpHttp.Response, McpError.HttpFailure>((resume) => {
    if (request.signal?.aborted === true) return resume(Exit.fail(aborted()))
    const controller = new AbortController()
    const offAbort = request.signal?.onAbort(() => controller.abort())
    note?.(request.method, url, headers)
    globalThis.fetch(url, {
      ...requestInit(request.method),
      method: request.method,
      headers,
      body: request.body ?? null,
      signal: controller.signal
    }).then(
      (answer) => resume(Exit.succeed(new Exchange(answer, controller, offAbort))),
      (error: unknown) => {
        offAbort?.()
        resume(Exit.fail(controller.signal.aborted ? aborted() : failure(request, error)))
      }
    )
    return Effect.sync(() => {
      offAbort?.()
      controller.abort()
    })
  })

/** A response and its body, read through the body's reader. */
class Exchange implements McpHttp.Response, McpHttp.BodyStream {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  private readonly reader: ReadableStreamDefaultReader<Uint8Array> | undefined
  private readonly decoder = new TextDecoder()
  private done = false
  /** Where the body goes when it is read by callbacks (`stream`). */
  private sink: McpHttp.Sink | undefined = undefined
  private paused = true
  /** A piece is being read for the sink. */
  private reading = false

  constructor(
    answer: Response,
    private readonly controller: AbortController,
    private readonly offAbort: (() => void) | undefined
  ) {
    this.status = answer.status
    // fetch's Headers: names in lower case, repeated ones joined with ", " (the contract's form).
    const headers: Record<string, string> = {}
    answer.headers.forEach((value, name) => {
      headers[name] = value
    })
    this.headers = headers
    this.reader = answer.body?.getReader()
  }

  readonly read: Effect.Effect<string | undefined, McpError.HttpFailure> = Effect.suspend(() => {
    const reader = this.reader
    if (this.done || reader === undefined) {
      this.finish()
      return Exit.succeed(undefined)
    }
    return Effect.async<string | undefined, McpError.HttpFailure>((resume) => {
      this.pull(reader, resume)
      // Interrupting a read aborts the request, as the contract asks.
      return Effect.sync(() => {
        this.finish()
        this.controller.abort()
      })
    })
  })

  readonly discard: Effect.Effect<void> = Effect.sync(() => {
    if (this.done) return
    this.finish()
    // The browser closes or keeps the connection: nothing to drain by hand.
    this.reader?.cancel().catch(() => undefined)
  })

  stream(sink: McpHttp.Sink): McpHttp.BodyStream {
    this.sink = sink
    return this
  }

  pause(): void {
    this.paused = true
  }

  resume(): void {
    this.paused = false
    if (!this.reading) this.pushNext()
  }

  abort(): void {
    this.sink = undefined
    if (this.done) return
    this.finish()
    this.controller.abort()
  }

  /** Reads the next piece for the sink, and on while it is not paused. */
  private pushNext(): void {
    const reader = this.reader
    if (this.sink === undefined) return
    if (this.done || reader === undefined) {
      this.finish()
      return this.sinkDone(undefined)
    }
    this.reading = true
    reader.read().then(
      (chunk) => {
        this.reading = false
        const sink = this.sink
        if (sink === undefined) return
        if (chunk.done) {
          this.finish()
          const rest = this.decoder.decode()
          if (rest !== "") sink.piece(rest)
          return this.sinkDone(undefined)
        }
        const text = this.decoder.decode(chunk.value, { stream: true })
        if (text !== "") sink.piece(text)
        if (!this.paused) this.pushNext()
      },
      (error: unknown) => {
        this.reading = false
        const aborting = this.controller.signal.aborted
        this.finish()
        this.sinkDone(aborting ? aborted() : failure(undefined, error))
      }
    )
  }

  /** The body ended (`undefined`) or failed: the sink hears it once. */
  private sinkDone(failure: McpError.HttpFailure | undefined): void {
    const sink = this.sink
    this.sink = undefined
    if (sink === undefined) return
    if (failure === undefined) sink.end()
    else sink.fail(failure)
  }

  /** The next piece of text (a piece that decodes to nothing, half a character, is read past). */
  private pull(reader: ReadableStreamDefaultReader<Uint8Array>, resume: Resume<string | undefined>): void {
    reader.read().then(
      (chunk) => {
        if (chunk.done) {
          this.finish()
          const rest = this.decoder.decode()
          return resume(Exit.succeed(rest === "" ? undefined : rest))
        }
        const text = this.decoder.decode(chunk.value, { stream: true })
        if (text === "") return this.pull(reader, resume)
        resume(Exit.succeed(text))
      },
      (error: unknown) => {
        const aborting = this.controller.signal.aborted
        this.finish()
        resume(Exit.fail(aborting ? aborted() : failure(undefined, error)))
      }
    )
  }

  private finish(): void {
    if (this.done) return
    this.done = true
    this.offAbort?.()
  }
}

/** A failure of `fetch` (a `TypeError` for the network, CORS included) or of the body. */
const failure = (request: McpHttp.Request | undefined, error: unknown): McpError.HttpFailure => {
  const message = error instanceof Error ? error.message : String(error)
  const what = request === undefined ? "reading the body" : `${request.method} ${request.url}`
  return new McpError.HttpFailure({ description: `${what}: ${message}`, cause: error })
}

const aborted = (): McpError.HttpFailure =>
  new McpError.HttpFailure({ description: "the request was aborted by the client" })

/** What an `http.client` span names of `url`. */
const spanTarget = (url: URL): McpHttpSpan.SpanTarget => ({
  full: url.href,
  host: url.hostname,
  port: url.port,
  pathname: url.pathname,
  query: url.search.slice(1),
  scheme: url.protocol.slice(0, -1)
})

/**
 * `McpHttp` on an `@effect/platform` `HttpClient`.
 *
 * An `HttpClient` request can be aborted only by interrupting the fiber that
 * runs it, and the client must be able to abort one from outside (the
 * request's `signal`: its deadline passed). So each exchange runs in a fiber
 * of its own, the pump: it executes the request, then pulls the body one
 * piece per `read` (no read, no pull: the body is not buffered ahead), and
 * ends with the body. `read` and `execute` wait for the pump; an abort
 * interrupts it and fails them.
 *
 * The pump lives exactly as long as the exchange, so whatever the
 * `HttpClient` starts for a response (an in-memory server's handlers, say)
 * lives as long as its body is being read.
 *
 * @internal
 */
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Channel from "effect/Channel"
import type * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Stream from "effect/Stream"
import * as McpError from "../McpError.js"
import type * as McpHttp from "../McpHttp.js"
import { isConnectFailure } from "./connectFailure.js"

/** @internal */
export const fromHttpClient = (client: HttpClient.HttpClient): McpHttp.Service => {
  const untraced = HttpClient.withTracerPropagation(client, false)
  return {
    execute: (request) =>
      Effect.suspend(() => {
        if (request.signal?.aborted === true) return Effect.fail(aborted())
        const base = request.method === "POST"
          ? HttpClientRequest.post(request.url)
          : request.method === "GET"
          ? HttpClientRequest.get(request.url)
          : HttpClientRequest.del(request.url)
        const withHeaders = HttpClientRequest.setHeaders(base, request.headers)
        const httpRequest = request.body === undefined
          ? withHeaders
          : HttpClientRequest.bodyText(withHeaders, request.body, "application/json")
        const exchange = new Exchange(request.signal)
        const run = (request.tracerPropagation ? client : untraced).execute(httpRequest)
        return Effect.flatMap(Effect.fork(Effect.interruptible(exchange.pump(run))), (fiber) => {
          exchange.fiber = fiber
          return exchange.awaitStart
        })
      })
  }
}

type Resume<A> = (effect: Effect.Effect<A, McpError.HttpFailure>) => void

/** How long, after `discard`, the rest of a body is still read to keep its connection. */
const DISCARD_MILLIS = 5_000

class Exchange implements McpHttp.Response {
  status = 0
  headers: Readonly<Record<string, string>> = {}
  fiber: Fiber.RuntimeFiber<void> | undefined = undefined
  private started = false
  private starting: Resume<McpHttp.Response> | undefined = undefined
  private reader: Resume<string | undefined> | undefined = undefined
  private wake: (() => void) | undefined = undefined
  private held: Array<string> = []
  private ended = false
  private discarding = false
  private failure: McpError.HttpFailure | undefined = undefined
  private readonly decoder = new TextDecoder()
  private readonly offAbort: (() => void) | undefined

  constructor(signal: McpHttp.Signal | undefined) {
    this.offAbort = signal?.onAbort(() => this.abort())
  }

  // --- the pump's side -------------------------------------------------------

  pump(
    run: Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>
  ): Effect.Effect<void> {
    return Effect.matchEffect(run, {
      onFailure: (error) => Effect.sync(() => this.fail(httpFailure(error, isConnectFailure(error)))),
      onSuccess: (response) => {
        this.status = response.status
        this.headers = response.headers
        this.started = true
        this.resumeStarting(Exit.succeed(this))
        return Effect.scoped(
          Effect.flatMap(Channel.toPull(Stream.toChannel(response.stream)), (pull) => this.loop(pull))
        )
      }
    })
  }

  private loop(pull: Effect.Effect<Either.Either<Chunk.Chunk<Uint8Array>, unknown>, unknown>): Effect.Effect<void> {
    return Effect.flatMap(this.demanded, () => {
      if (this.discarding) {
        const drain: Effect.Effect<void, unknown> = Effect.flatMap(
          pull,
          (chunk) => Either.isLeft(chunk) ? Effect.void : drain
        )
        return Effect.ignore(Effect.timeout(drain, DISCARD_MILLIS))
      }
      return Effect.matchEffect(pull, {
        onFailure: (error) => Effect.sync(() => this.fail(httpFailure(error))),
        onSuccess: (chunk) => {
          if (Either.isLeft(chunk)) {
            this.end()
            return Effect.void
          }
          let text = ""
          for (const bytes of chunk.right) text += this.decoder.decode(bytes, { stream: true })
          if (text !== "") this.deliver(text)
          return this.loop(pull)
        }
      })
    })
  }

  /** Waits until a reader waits (or the body is being discarded). */
  private readonly demanded: Effect.Effect<void> = Effect.async((resume) => {
    if (this.reader !== undefined || this.discarding) return resume(Effect.void)
    this.wake = () => resume(Effect.void)
  })

  private deliver(text: string): void {
    const reader = this.reader
    if (reader === undefined) {
      this.held.push(text)
    } else {
      this.reader = undefined
      reader(Exit.succeed(text))
    }
  }

  private end(): void {
    this.ended = true
    this.offAbort?.()
    const rest = this.decoder.decode()
    if (rest !== "") this.held.push(rest)
    const reader = this.reader
    this.reader = undefined
    reader?.(Exit.succeed(this.held.shift()))
  }

  private fail(failure: McpError.HttpFailure): void {
    if (this.failure !== undefined || this.ended) return
    this.failure = failure
    this.offAbort?.()
    this.resumeStarting(Exit.fail(failure))
    const reader = this.reader
    this.reader = undefined
    reader?.(Exit.fail(failure))
  }

  private resumeStarting(exit: Exit.Exit<McpHttp.Response, McpError.HttpFailure>): void {
    const starting = this.starting
    this.starting = undefined
    starting?.(exit)
  }

  /** Gives up on the exchange: the pump is interrupted (which aborts the request), waiters fail. */
  abort(): void {
    this.fiber?.unsafeInterruptAsFork(FiberId.none)
    this.fail(aborted())
  }

  // --- the client's side -----------------------------------------------------

  readonly awaitStart: Effect.Effect<McpHttp.Response, McpError.HttpFailure> = Effect.async((resume) => {
    if (this.failure !== undefined) return resume(Exit.fail(this.failure))
    if (this.started) return resume(Exit.succeed(this))
    this.starting = resume
    return Effect.sync(() => {
      this.starting = undefined
      this.abort()
    })
  })

  readonly read: Effect.Effect<string | undefined, McpError.HttpFailure> = Effect.suspend(() => {
    const text = this.held.shift()
    if (text !== undefined) return Exit.succeed(text)
    if (this.failure !== undefined) return Exit.fail(this.failure)
    if (this.ended || this.discarding) return Exit.succeed(undefined)
    return Effect.async<string | undefined, McpError.HttpFailure>((resume) => {
      this.reader = resume
      const wake = this.wake
      this.wake = undefined
      wake?.()
      return Effect.sync(() => {
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
    const wake = this.wake
    this.wake = undefined
    wake?.()
  })
}

const httpFailure = (error: unknown, connect = false): McpError.HttpFailure => {
  const message = error instanceof Error ? error.message : String(error)
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : ""
  return new McpError.HttpFailure({ description: `${message}${cause}`, cause: error, ...(connect ? { connect } : {}) })
}

const aborted = (): McpError.HttpFailure =>
  new McpError.HttpFailure({ description: "the request was aborted by the client" })

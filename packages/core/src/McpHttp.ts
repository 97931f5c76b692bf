/**
 * The HTTP the client runs on: one request out, its status and headers back,
 * its body read piece by piece as text.
 *
 * This is all the Streamable HTTP transport needs of HTTP, so it is all a
 * platform has to provide. `McpClient.make` runs on any `@effect/platform`
 * `HttpClient` (through {@link fromHttpClient}); `@mcp-effect/node` provides
 * an `McpHttp` written directly on undici, which spares every request the
 * cost of a general-purpose HTTP client (see `docs/performance.md`).
 *
 * The contract, for whoever implements it:
 * - `execute` resolves once the status and headers have arrived; a failure to
 *   connect, send or receive them is an {@link HttpFailure}.
 * - Every `Response` is finished exactly once by the client: its body read to
 *   the end (`read` answered `undefined`) or released with `discard`.
 * - Interrupting `execute` or a `read` aborts the request.
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Channel from "effect/Channel"
import type * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"

/**
 * @since 0.1.0
 * @category models
 */
export interface Request {
  readonly method: "GET" | "POST" | "DELETE"
  readonly url: string
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>
  /** The JSON-RPC message of a POST. */
  readonly body: string | undefined
  /**
   * Send the current span as trace headers (`traceparent`, `b3`): the
   * client's `tracerPropagation` option.
   */
  readonly tracerPropagation: boolean
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Response {
  readonly status: number
  /** Header names in lower case; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>
  /** The next piece of the body as text (UTF-8), or `undefined` once the body has ended. */
  readonly read: Effect.Effect<string | undefined, HttpFailure>
  /**
   * The rest of the body is of no interest: release it, so the connection can
   * serve the next request — by reading it to its end (bounded in time and
   * size; in the background or not) or by closing the connection. Never
   * fails; harmless after the end or a second time.
   */
  readonly discard: Effect.Effect<void>
}

/**
 * The network failed: no connection, a reset, a body cut short. The client
 * reports it as `McpError.TransportError` on the request it concerns.
 *
 * @since 0.1.0
 * @category errors
 */
export class HttpFailure extends Schema.TaggedError<HttpFailure>("@mcp-effect/core/HttpFailure")("HttpFailure", {
  description: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return this.description
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly execute: (request: Request) => Effect.Effect<Response, HttpFailure>
}

/**
 * The service tag.
 *
 * @since 0.1.0
 * @category tags
 */
export class McpHttp extends Context.Tag("@mcp-effect/core/McpHttp")<McpHttp, Service>() {}

/**
 * `McpHttp` on an `@effect/platform` `HttpClient`: any platform, and any
 * middleware the `HttpClient` carries. Each request is traced by the
 * `HttpClient` (an `http.client <METHOD>` span).
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromHttpClient = (client: HttpClient.HttpClient): Service => {
  const untraced = HttpClient.withTracerPropagation(client, false)
  return {
    execute: (request) => {
      const base = request.method === "POST"
        ? HttpClientRequest.post(request.url)
        : request.method === "GET"
        ? HttpClientRequest.get(request.url)
        : HttpClientRequest.del(request.url)
      const withHeaders = HttpClientRequest.setHeaders(base, request.headers)
      const httpRequest = request.body === undefined
        ? withHeaders
        : HttpClientRequest.bodyText(withHeaders, request.body, "application/json")
      return (request.tracerPropagation ? client : untraced).execute(httpRequest).pipe(
        Effect.mapError(httpFailure),
        Effect.flatMap(fromResponse)
      )
    }
  }
}

/**
 * `McpHttp` on the `HttpClient` of the context.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerHttpClient: Layer.Layer<McpHttp, never, HttpClient.HttpClient> = Layer.effect(
  McpHttp,
  Effect.map(HttpClient.HttpClient, fromHttpClient)
)

const httpFailure = (error: { readonly message: string; readonly cause?: unknown }): HttpFailure =>
  new HttpFailure({
    description: error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message,
    cause: error
  })

/**
 * The body of an `HttpClientResponse` as one pull loop over its stream, in a
 * scope of its own: closed at the end of the body, after `discard` (which
 * drains what is left for up to 5 seconds, keeping the connection), or when a
 * read fails or is interrupted (which aborts the request).
 */
const fromResponse = (response: HttpClientResponse.HttpClientResponse): Effect.Effect<Response> =>
  Effect.map(Scope.make(), (scope) => {
    const decoder = new TextDecoder()
    let pull: Effect.Effect<Either.Either<Chunk.Chunk<Uint8Array>, unknown>, HttpFailure> | undefined = undefined
    let ended = false
    const close = Effect.suspend(() => {
      ended = true
      return Scope.close(scope, Exit.void)
    })
    const next: Effect.Effect<string | undefined, HttpFailure> = Effect.suspend(() => {
      if (ended) return Effect.succeed(undefined)
      const pulling = pull ?? Effect.flatMap(
        Scope.extend(Channel.toPull(Stream.toChannel(response.stream)), scope),
        (p) => (pull = Effect.mapError(p, httpFailure))
      )
      return Effect.flatMap(pulling, (chunk): Effect.Effect<string | undefined, HttpFailure> => {
        if (Either.isLeft(chunk)) return Effect.as(close, undefined)
        let text = ""
        for (const bytes of chunk.right) text += decoder.decode(bytes, { stream: true })
        // An empty chunk is not the end: read on.
        return text === "" ? next : Effect.succeed(text)
      })
    })
    const read = next.pipe(
      Effect.tapErrorCause(() => close),
      Effect.onInterrupt(() => close)
    )
    const drain: Effect.Effect<void, HttpFailure> = Effect.flatMap(
      next,
      (text) => text === undefined ? Effect.void : drain
    )
    const discard = drain.pipe(Effect.timeout("5 seconds"), Effect.ignore, Effect.ensuring(close))
    return { status: response.status, headers: response.headers, read, discard }
  })

/**
 * The Streamable HTTP transport: POST / GET / DELETE against the one MCP
 * endpoint, the session headers, and the reading of answers (JSON or SSE).
 *
 * Everything the network can do wrong becomes an `McpError` here, on the
 * request it concerns. The one status with a meaning of its own is 404 to a
 * request that carried a session id: it becomes `SessionExpired` for *that*
 * id; what to do about it is decided in `session.ts`.
 *
 * @internal
 */
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Channel from "effect/Channel"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Stream from "effect/Stream"
import * as JsonRpc from "../JsonRpc.js"
import * as McpError from "../McpError.js"
import * as Sse from "./sse.js"

/** @internal */
export interface Config {
  readonly url: string
  readonly client: HttpClient.HttpClient
  /** Extra headers, computed per request (e.g. a bearer token that rotates). */
  readonly headers: Effect.Effect<Readonly<Record<string, string>>>
  readonly maxMessageSize: number
  readonly maxBodyExcerpt: number
  /** Statuses that mean "unknown session" besides 404 (for non-conformant servers). */
  readonly expiredStatuses: ReadonlySet<number>
}

/** The session a request is sent on: what goes into the session headers. @internal */
export interface Target {
  readonly sessionId: string | undefined
  readonly protocolVersion: string | undefined
}

/** Where a failure is reported: the JSON-RPC method and id the HTTP request carried. @internal */
export interface Context {
  readonly method: string
  readonly requestId?: JsonRpc.RequestId | undefined
}

/** @internal */
export type Answer =
  | { readonly _tag: "Accepted"; readonly headers: Readonly<Record<string, string>> }
  | {
    readonly _tag: "Json"
    readonly message: JsonRpc.JsonRpcMessage | ReadonlyArray<JsonRpc.JsonRpcMessage>
    readonly headers: Readonly<Record<string, string>>
  }
  | {
    readonly _tag: "Sse"
    readonly events: Sse.Events<McpError.McpError>
    readonly headers: Readonly<Record<string, string>>
  }

/** @internal */
export type GetAnswer =
  | { readonly _tag: "NoStream"; readonly status: number }
  | { readonly _tag: "Sse"; readonly events: Sse.Events<McpError.McpError> }

const ACCEPT_POST = "application/json, text/event-stream"

/** @internal */
export interface Transport {
  /**
   * POSTs one JSON-RPC message. `expectAnswer` is true for requests; for
   * notifications and responses any 2xx means accepted (servers answer 202,
   * some answer 200 with a body: it is drained and ignored).
   */
  readonly post: (
    ctx: Context,
    body: string,
    target: Target,
    expectAnswer: boolean
  ) => Effect.Effect<Answer, McpError.McpError>
  /** Opens (or resumes, with `lastEventId`) an SSE stream with GET. */
  readonly get: (
    ctx: Context,
    target: Target,
    lastEventId: string | undefined
  ) => Effect.Effect<GetAnswer, McpError.McpError>
  /** Ends a session. Every outcome is fine: the session is over either way. */
  readonly del: (target: Target) => Effect.Effect<number | undefined>
}

/** @internal */
export const make = (config: Config): Transport => {
  const client = config.client

  const errorContext = (ctx: Context, target: Target) => ({
    method: ctx.method,
    ...(ctx.requestId === undefined ? {} : { requestId: ctx.requestId }),
    ...(target.sessionId === undefined ? {} : { sessionId: target.sessionId })
  })

  const transportError = (ctx: Context, target: Target, phase: "request" | "response") =>
  (
    error: HttpClientError.HttpClientError
  ) =>
    new McpError.TransportError({
      ...errorContext(ctx, target),
      phase,
      description: error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message,
      cause: error
    })

  const protocolError = (
    ctx: Context,
    target: Target,
    violation: McpError.ProtocolViolation,
    description: string,
    cause?: unknown
  ) =>
    new McpError.ProtocolError({
      ...errorContext(ctx, target),
      violation,
      description,
      ...(cause === undefined ? {} : { cause })
    })

  const withHeaders = (request: HttpClientRequest.HttpClientRequest, target: Target, accept: string) =>
    Effect.map(config.headers, (extra) => {
      const headers: Record<string, string> = { ...extra, accept }
      if (target.sessionId !== undefined) headers["mcp-session-id"] = target.sessionId
      if (target.protocolVersion !== undefined) headers["mcp-protocol-version"] = target.protocolVersion
      return HttpClientRequest.setHeaders(request, headers)
    })

  const execute = (ctx: Context, target: Target, request: HttpClientRequest.HttpClientRequest) =>
    Effect.mapError(client.execute(request), transportError(ctx, target, "request"))

  /** Reads at most `max` characters of the body, for error messages. Never fails. */
  const excerpt = (response: HttpClientResponse.HttpClientResponse): Effect.Effect<string> => {
    let text = ""
    return response.stream.pipe(
      Stream.decodeText(),
      Stream.takeUntil((chunk) => (text += chunk).length >= config.maxBodyExcerpt),
      Stream.runDrain,
      Effect.timeout("5 seconds"),
      Effect.ignore,
      Effect.map(() => text.slice(0, config.maxBodyExcerpt))
    )
  }

  /** Discards a body we have no use for (a 202, a 405) so the connection is released. */
  const drain = (response: HttpClientResponse.HttpClientResponse) =>
    readBytes(response, () => true).pipe(Effect.timeout("5 seconds"), Effect.ignore)

  const failStatus = (ctx: Context, target: Target, response: HttpClientResponse.HttpClientResponse) => {
    const status = response.status
    if (target.sessionId !== undefined && (status === 404 || config.expiredStatuses.has(status))) {
      return Effect.zipRight(
        drain(response),
        Effect.fail(
          new McpError.SessionExpired({
            method: ctx.method,
            ...(ctx.requestId === undefined ? {} : { requestId: ctx.requestId }),
            sessionId: target.sessionId,
            status,
            accepted: false
          })
        )
      )
    }
    return Effect.flatMap(
      excerpt(response),
      (body) => Effect.fail(new McpError.UnexpectedStatus({ ...errorContext(ctx, target), status, body }))
    )
  }

  const contentType = (response: HttpClientResponse.HttpClientResponse): string => {
    const value = response.headers["content-type"]
    return value === undefined ? "" : value.toLowerCase()
  }

  const wrongContentType = (
    ctx: Context,
    target: Target,
    response: HttpClientResponse.HttpClientResponse,
    expected: string
  ) => {
    const type = contentType(response)
    return Effect.zipRight(
      drain(response),
      Effect.fail(protocolError(ctx, target, "ContentType", `expected ${expected}, got ${type || "no content type"}`))
    )
  }

  const sseEvents = (ctx: Context, target: Target, response: HttpClientResponse.HttpClientResponse) =>
    Sse.events(
      response.stream,
      config.maxMessageSize,
      transportError(ctx, target, "response"),
      (description) => protocolError(ctx, target, "MessageTooLarge", description)
    )

  /** Reads a JSON body with a size bound and parses it as JSON-RPC. */
  const jsonBody = (ctx: Context, target: Target, response: HttpClientResponse.HttpClientResponse) => {
    let tooLarge = false
    return readText(response, transportError(ctx, target, "response"), (text) => {
      tooLarge = text.length > config.maxMessageSize
      return !tooLarge
    }).pipe(
      Effect.flatMap((text) => {
        if (tooLarge) {
          return Effect.fail(
            protocolError(ctx, target, "MessageTooLarge", `the JSON body exceeded ${config.maxMessageSize} characters`)
          )
        }
        const parsed = JsonRpc.parseMessage(text)
        return parsed._tag === "Right" ?
          Effect.succeed(parsed.right) :
          Effect.fail(protocolError(ctx, target, "MalformedJson", parsed.left))
      })
    )
  }

  const post: Transport["post"] = (ctx, body, target, expectAnswer) =>
    Effect.flatMap(
      withHeaders(
        HttpClientRequest.bodyText(HttpClientRequest.post(config.url), body, "application/json"),
        target,
        ACCEPT_POST
      ),
      (request) =>
        Effect.flatMap(execute(ctx, target, request), (response): Effect.Effect<Answer, McpError.McpError> => {
          const status = response.status
          if (status < 200 || status >= 300) return failStatus(ctx, target, response)
          const headers = response.headers
          if (!expectAnswer || status === 202) {
            return Effect.as(drain(response), { _tag: "Accepted", headers } as const)
          }
          const type = contentType(response)
          if (type.startsWith("text/event-stream")) {
            return Effect.succeed({ _tag: "Sse", events: sseEvents(ctx, target, response), headers } as const)
          }
          if (type.startsWith("application/json")) {
            return Effect.map(
              jsonBody(ctx, target, response),
              (message) => ({ _tag: "Json", message, headers } as const)
            )
          }
          return wrongContentType(ctx, target, response, "application/json or text/event-stream")
        })
    )

  const get: Transport["get"] = (ctx, target, lastEventId) =>
    Effect.flatMap(
      withHeaders(HttpClientRequest.get(config.url), target, "text/event-stream"),
      (request) =>
        Effect.flatMap(
          execute(
            ctx,
            target,
            lastEventId === undefined ? request : HttpClientRequest.setHeader(request, "last-event-id", lastEventId)
          ),
          (response): Effect.Effect<GetAnswer, McpError.McpError> => {
            const status = response.status
            if (status === 405) return Effect.as(drain(response), { _tag: "NoStream", status } as const)
            if (status < 200 || status >= 300) return failStatus(ctx, target, response)
            const type = contentType(response)
            if (!type.startsWith("text/event-stream")) {
              return wrongContentType(ctx, target, response, "text/event-stream")
            }
            return Effect.succeed({ _tag: "Sse", events: sseEvents(ctx, target, response) } as const)
          }
        )
    )

  const del: Transport["del"] = (target) =>
    Effect.flatMap(
      withHeaders(HttpClientRequest.del(config.url), target, ACCEPT_POST),
      (request) =>
        client.execute(request).pipe(
          Effect.tap(drain),
          Effect.map((response) => response.status),
          Effect.timeout("10 seconds"),
          Effect.orElseSucceed(() => undefined)
        )
    )

  return { post, get, del }
}

/**
 * Reads a response body in one pull loop, handing each chunk to `more` until
 * it returns false or the body ends; then the body is released. Cheaper than
 * running a Stream (a channel per stage, a sink) for the one-shot bodies of
 * every request.
 */
const readBytes = (
  response: HttpClientResponse.HttpClientResponse,
  more: (bytes: Uint8Array) => boolean
): Effect.Effect<void, HttpClientError.ResponseError> =>
  Effect.scoped(Effect.flatMap(Channel.toPull(Stream.toChannel(response.stream)), (pull) => {
    const loop: Effect.Effect<void, HttpClientError.ResponseError> = Effect.flatMap(pull, (chunk) => {
      if (Either.isLeft(chunk)) return Effect.void
      for (const bytes of chunk.right) {
        if (!more(bytes)) return Effect.void
      }
      return loop
    })
    return loop
  }))

/** Reads a body as text (UTF-8, like `Stream.decodeText`) while `more(textSoFar)` says so. */
const readText = <E>(
  response: HttpClientResponse.HttpClientResponse,
  onError: (error: HttpClientError.ResponseError) => E,
  more: (text: string) => boolean
): Effect.Effect<string, E> =>
  Effect.suspend(() => {
    const decoder = new TextDecoder()
    let text = ""
    return readBytes(response, (bytes) => more(text += decoder.decode(bytes, { stream: true }))).pipe(
      Effect.mapBoth({ onFailure: onError, onSuccess: () => text })
    )
  })

/** The session id as the spec allows it: visible ASCII only (0x21–0x7E). @internal */
export const isValidSessionId = (id: string): boolean => /^[\x21-\x7E]+$/.test(id)

/** @internal */
export const tracerPropagation = (enabled: boolean) => (client: HttpClient.HttpClient): HttpClient.HttpClient =>
  enabled ? client : HttpClient.withTracerPropagation(client, false)

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
import * as Effect from "effect/Effect"
import * as JsonRpc from "../JsonRpc.js"
import * as McpError from "../McpError.js"
import type * as McpHttp from "../McpHttp.js"
import * as Deadline from "./deadline.js"
import * as Encoding from "./encoding.js"
import { flatMapNow } from "./now.js"
import * as Sse from "./sse.js"
import * as StatusHeaders from "./statusHeaders.js"

/** @internal */
export interface Config {
  readonly url: string
  readonly http: McpHttp.Service
  /** Send the current span as trace headers. */
  readonly tracerPropagation: boolean
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
  /** The deadline of the request this HTTP request serves, if it has one. */
  readonly deadline?: Deadline.Deadline | undefined
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
  const http = config.http

  const errorContext = (ctx: Context, target: Target) => ({
    method: ctx.method,
    ...(ctx.requestId === undefined ? {} : { requestId: ctx.requestId }),
    ...(target.sessionId === undefined ? {} : { sessionId: target.sessionId })
  })

  const transportError = (ctx: Context, target: Target, phase: "request" | "response") =>
  (
    failure: McpHttp.HttpFailure
  ) =>
    new McpError.TransportError({
      ...errorContext(ctx, target),
      phase,
      description: failure.description,
      ...(failure.cause === undefined ? {} : { cause: failure.cause })
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

  const execute = (
    ctx: Context,
    target: Target,
    method: McpHttp.Request["method"],
    accept: string,
    body: string | undefined,
    lastEventId?: string
  ) =>
    flatMapNow(Deadline.guard(ctx.deadline, config.headers), (extra) => {
      const headers: Record<string, string> = { ...extra, accept, "accept-encoding": Encoding.ACCEPT_ENCODING }
      if (target.sessionId !== undefined) headers["mcp-session-id"] = target.sessionId
      if (target.protocolVersion !== undefined) headers["mcp-protocol-version"] = target.protocolVersion
      if (lastEventId !== undefined) headers["last-event-id"] = lastEventId
      return Effect.mapError(
        http.execute({
          method,
          url: config.url,
          headers,
          body,
          tracerPropagation: config.tracerPropagation,
          signal: ctx.deadline
        }),
        transportError(ctx, target, "request")
      )
    })

  /** Reads at most `max` characters of the body, for error messages. Never fails. */
  const excerpt = (response: McpHttp.Response): Effect.Effect<string> => {
    // What arrived before a failure or the time limit is still worth showing.
    let seen = ""
    return readText(response, (text) => (seen = text).length < config.maxBodyExcerpt).pipe(
      Effect.timeout("5 seconds"),
      Effect.ensuring(response.discard),
      Effect.ignore,
      Effect.map(() => seen.slice(0, config.maxBodyExcerpt))
    )
  }

  const failStatus = (ctx: Context, target: Target, response: McpHttp.Response) => {
    const status = response.status
    if (target.sessionId !== undefined && (status === 404 || config.expiredStatuses.has(status))) {
      return Effect.zipRight(
        response.discard,
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
      (body) =>
        Effect.fail(
          new McpError.UnexpectedStatus({
            ...errorContext(ctx, target),
            status,
            body,
            ...StatusHeaders.of(response.headers)
          })
        )
    )
  }

  const contentType = (response: McpHttp.Response): string => {
    const value = response.headers["content-type"]
    return value === undefined ? "" : value.toLowerCase()
  }

  const wrongContentType = (
    ctx: Context,
    target: Target,
    response: McpHttp.Response,
    expected: string
  ) => {
    const type = contentType(response)
    return Effect.zipRight(
      response.discard,
      Effect.fail(protocolError(ctx, target, "ContentType", `expected ${expected}, got ${type || "no content type"}`))
    )
  }

  const sseEvents = (ctx: Context, target: Target, response: McpHttp.Response) =>
    Sse.events(
      response,
      config.maxMessageSize,
      transportError(ctx, target, "response"),
      (description) => protocolError(ctx, target, "MessageTooLarge", description)
    )

  /** Reads a JSON body with a size bound and parses it as JSON-RPC. */
  const jsonBody = (ctx: Context, target: Target, response: McpHttp.Response) => {
    let tooLarge = false
    return readText(response, (text) => {
      tooLarge = text.length > config.maxMessageSize
      return !tooLarge
    }).pipe(
      Effect.mapError(transportError(ctx, target, "response")),
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
      execute(ctx, target, "POST", ACCEPT_POST, body),
      (response): Effect.Effect<Answer, McpError.McpError> => {
        const status = response.status
        if (status < 200 || status >= 300) return failStatus(ctx, target, response)
        const headers = response.headers
        if (!expectAnswer || status === 202) {
          return Effect.as(response.discard, { _tag: "Accepted", headers } as const)
        }
        if (status === 204 || status === 205) {
          const description = `the server answered the request with ${status} No Content`
          return Effect.zipRight(response.discard, Effect.fail(protocolError(ctx, target, "NoContent", description)))
        }
        return Effect.flatMap(decoded(ctx, target, response), (response) => answer(ctx, target, response, headers))
      }
    )

  // The answer to a request, by its content type.
  const answer = (
    ctx: Context,
    target: Target,
    response: McpHttp.Response,
    headers: Readonly<Record<string, string>>
  ): Effect.Effect<Answer, McpError.McpError> => {
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
  }

  /** The response, unless its body came compressed and was not decoded (see encoding.ts). */
  const decoded = (ctx: Context, target: Target, response: McpHttp.Response) =>
    Encoding.checked<McpError.McpError>(
      response,
      (encoding) =>
        protocolError(
          ctx,
          target,
          "ContentEncoding",
          `the body came ${encoding}-encoded (Content-Encoding: ${encoding}) although the client asked for identity`
        ),
      transportError(ctx, target, "response")
    )

  const get: Transport["get"] = (ctx, target, lastEventId) =>
    Effect.flatMap(
      execute(ctx, target, "GET", "text/event-stream", undefined, lastEventId),
      (response): Effect.Effect<GetAnswer, McpError.McpError> => {
        const status = response.status
        if (status === 405) return Effect.as(response.discard, { _tag: "NoStream", status } as const)
        if (status < 200 || status >= 300) return failStatus(ctx, target, response)
        const type = contentType(response)
        if (!type.startsWith("text/event-stream")) {
          return wrongContentType(ctx, target, response, "text/event-stream")
        }
        return Effect.map(
          decoded(ctx, target, response),
          (response) => ({ _tag: "Sse", events: sseEvents(ctx, target, response) } as const)
        )
      }
    )

  const del: Transport["del"] = (target) =>
    execute({ method: "DELETE" }, target, "DELETE", ACCEPT_POST, undefined).pipe(
      Effect.tap((response) => response.discard),
      Effect.map((response) => response.status),
      Effect.timeout("10 seconds"),
      Effect.orElseSucceed(() => undefined)
    )

  return { post, get, del }
}

/**
 * Reads a body as text while `more(textSoFar)` says so, then releases the
 * rest. One pull loop, no Stream stages: the one-shot bodies of every request.
 */
const readText = (
  response: McpHttp.Response,
  more: (text: string) => boolean
): Effect.Effect<string, McpHttp.HttpFailure> =>
  Effect.suspend(() => {
    let text = ""
    const loop: Effect.Effect<string, McpHttp.HttpFailure> = Effect.flatMap(response.read, (piece) => {
      if (piece === undefined) return Effect.succeed(text)
      text += piece
      return more(text) ? loop : Effect.as(response.discard, text)
    })
    return loop
  })

/** The session id as the spec allows it: visible ASCII only (0x21–0x7E). @internal */
export const isValidSessionId = (id: string): boolean => /^[\x21-\x7E]+$/.test(id)

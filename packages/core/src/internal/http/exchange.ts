/**
 * One HTTP exchange of the Streamable HTTP transport: POST / GET / DELETE
 * against the one MCP endpoint with the session headers, the status judged,
 * the body opened as JSON or SSE.
 *
 * Everything the network can do wrong becomes an `McpError` here, on the
 * request it concerns. The one status with a meaning of its own is 404 to a
 * request that carried a session id: it becomes `SessionExpired` for *that*
 * id (the detection step of `recovery.ts`, which decides what to do).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as JsonRpc from "../../JsonRpc.js"
import * as McpError from "../../McpError.js"
import type * as McpHttp from "../../McpHttp.js"
import * as Deadline from "../deadline.js"
import * as Errors from "../errors.js"
import { flatMapNow, mapNow } from "../now.js"
import * as Sse from "../sse.js"
import type { Context, Target } from "../transport.js"
import * as BodyText from "./bodyText.js"
import * as Encoding from "./encoding.js"
import * as Redirect from "./redirect.js"
import * as StatusHeaders from "./statusHeaders.js"
import * as UnknownSession from "./unknownSession.js"

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
export interface Exchange {
  /**
   * POSTs one JSON-RPC message. `expectAnswer` is true for requests; for
   * notifications and responses any 2xx means accepted (servers answer 202,
   * some answer 200 with a body: it is drained and ignored).
   */
  readonly post: (
    ctx: Context,
    body: string,
    target: Target,
    expectAnswer: boolean,
    /** Headers of this message only (the 2026-07-28 era's `Mcp-Method`, `Mcp-Name`…). */
    more?: Readonly<Record<string, string>>
  ) => Effect.Effect<Answer, McpError.McpError>
  /** Opens (or resumes, with `lastEventId`) an SSE stream with GET. */
  readonly get: (
    ctx: Context,
    target: Target,
    lastEventId: string | undefined
  ) => Effect.Effect<GetAnswer, McpError.McpError>
  /**
   * Ends a session with DELETE. A 2xx ends it, a 404 says it had ended; a 405
   * (the server does not let clients end sessions) or any other status fails.
   */
  readonly del: (target: Target) => Effect.Effect<void, McpError.McpError>
}

/**
 * A client's exchange: its config and the endpoint's origin (parsed once:
 * every request goes to this endpoint), the methods on the prototype. One
 * object per transport instead of a dozen closures over `config`, which every
 * open session kept.
 *
 * @internal
 */
class HttpExchange implements Exchange {
  readonly origin: string | undefined
  constructor(readonly config: Config) {
    this.origin = Redirect.originOf(config.url)
  }
  post(
    ctx: Context,
    body: string,
    target: Target,
    expectAnswer: boolean,
    more?: Readonly<Record<string, string>>
  ): Effect.Effect<Answer, McpError.McpError> {
    return post(this, ctx, body, target, expectAnswer, more)
  }
  get(ctx: Context, target: Target, lastEventId: string | undefined): Effect.Effect<GetAnswer, McpError.McpError> {
    return get(this, ctx, target, lastEventId)
  }
  del(target: Target): Effect.Effect<void, McpError.McpError> {
    return del(this, target)
  }
}

/** @internal */
export const make = (config: Config): Exchange => new HttpExchange(config)

const transportError = (ctx: Context, target: Target, phase: "request" | "response") =>
(
  failure: McpError.HttpFailure
): McpError.TransportError | McpError.AuthorizationError =>
  // The authorization layer's answer travels through the McpHttp seam as the cause: deliver it as itself.
  McpError.isAuthorizationError(failure.cause)
    ? Errors.authorization(Errors.context(ctx, target), failure.cause)
    : new McpError.TransportError({
      ...Errors.context(ctx, target),
      phase: failure.connect === true ? "connect" : phase,
      description: failure.description,
      ...(failure.cause === undefined ? {} : { cause: failure.cause }),
      ...(failure.crossOrigin === undefined ? {} : { crossOrigin: failure.crossOrigin })
    })

/**
 * Sends one request and goes on with `then` on its response, 307/308 to the
 * endpoint's origin followed first (see redirect.ts). `then` is the caller's
 * continuation rather than a `flatMap` of the result: one step less on every
 * request, which a redirect almost never concerns.
 */
const execute = <A>(
  self: HttpExchange,
  ctx: Context,
  target: Target,
  method: McpHttp.Request["method"],
  accept: string,
  body: string | undefined,
  lastEventId: string | undefined,
  more: Readonly<Record<string, string>> | undefined,
  then: (response: McpHttp.Response) => Effect.Effect<A, McpError.McpError>
): Effect.Effect<A, McpError.McpError> => {
  const config = self.config
  return flatMapNow(Deadline.guard(ctx.deadline, config.headers), (extra) => {
    const headers: Record<string, string> = more === undefined
      ? { ...extra, accept, "accept-encoding": Encoding.ACCEPT_ENCODING }
      : { ...extra, ...more, accept, "accept-encoding": Encoding.ACCEPT_ENCODING }
    if (target.sessionId !== undefined) headers["mcp-session-id"] = target.sessionId
    if (target.protocolVersion !== undefined) headers["mcp-protocol-version"] = target.protocolVersion
    if (lastEventId !== undefined) headers["last-event-id"] = lastEventId
    const request: McpHttp.Request = {
      method,
      url: config.url,
      headers,
      body,
      tracerPropagation: config.tracerPropagation,
      signal: ctx.deadline
    }
    // One step for the send, its failure mapped in it (no mapError step on the way).
    return Effect.matchEffect(config.http.execute(request), {
      onFailure: (failure) => Effect.fail(transportError(ctx, target, "request")(failure)),
      onSuccess: (response) =>
        Redirect.isRedirect(response.status)
          ? Effect.flatMap(
            Effect.mapError(
              Redirect.follow(config.http, request, self.origin, response),
              transportError(ctx, target, "request")
            ),
            then
          )
          : then(response)
    })
  })
}

/** A status other than 2xx: a lost session (see unknownSession.ts), or an UnexpectedStatus with the body's start. */
const failStatus = (config: Config, ctx: Context, target: Target, response: McpHttp.Response) => {
  const status = response.status
  const sessionId = target.sessionId
  if (
    sessionId !== undefined && !UnknownSession.needsBody(status) &&
    UnknownSession.isUnknownSession(ctx.method, status, "", config.expiredStatuses)
  ) {
    return Effect.zipRight(response.discard, Effect.fail(Errors.sessionExpired(ctx, sessionId, status, false)))
  }
  return Effect.flatMap(
    BodyText.excerpt(response, config.maxBodyExcerpt),
    (body): Effect.Effect<never, McpError.McpError> =>
      sessionId !== undefined && UnknownSession.isUnknownSession(ctx.method, status, body, config.expiredStatuses)
        ? Effect.fail(Errors.sessionExpired(ctx, sessionId, status, false))
        : Effect.fail(unexpectedStatus(config, ctx, target, response, body))
  )
}

const unexpectedStatus = (
  config: Config,
  ctx: Context,
  target: Target,
  response: McpHttp.Response,
  body: string
): McpError.UnexpectedStatus => {
  const redirect = Redirect.notFollowed(config.url, response)
  return new McpError.UnexpectedStatus({
    ...Errors.context(ctx, target),
    status: response.status,
    body,
    ...StatusHeaders.of(response.headers),
    ...(redirect === undefined ? {} : { redirect })
  })
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
    Effect.fail(
      Errors.protocolError(ctx, target, "ContentType", `expected ${expected}, got ${type || "no content type"}`)
    )
  )
}

const sseEvents = (config: Config, ctx: Context, target: Target, response: McpHttp.Response) =>
  Sse.events(
    response,
    config.maxMessageSize,
    transportError(ctx, target, "response"),
    (description) => Errors.protocolError(ctx, target, "MessageTooLarge", description)
  )

/** Reads a JSON body with a size bound and parses it as JSON-RPC: the answer. */
const jsonBody = (
  config: Config,
  ctx: Context,
  target: Target,
  response: McpHttp.Response,
  headers: Readonly<Record<string, string>>
): Effect.Effect<Answer, McpError.McpError> => {
  let tooLarge = false
  return BodyText.read(
    response,
    (text) => {
      tooLarge = text.length > config.maxMessageSize
      return !tooLarge
    },
    transportError(ctx, target, "response"),
    (text): Effect.Effect<Answer, McpError.McpError> => {
      if (tooLarge) {
        return Effect.fail(
          Errors.protocolError(
            ctx,
            target,
            "MessageTooLarge",
            `the JSON body exceeded ${config.maxMessageSize} characters`
          )
        )
      }
      const parsed = JsonRpc.parseMessage(text)
      return parsed._tag === "Right" ?
        Effect.succeed({ _tag: "Json", message: parsed.right, headers } as const) :
        Effect.fail(Errors.protocolError(ctx, target, "MalformedJson", parsed.left))
    }
  )
}

const post = (
  self: HttpExchange,
  ctx: Context,
  body: string,
  target: Target,
  expectAnswer: boolean,
  more: Readonly<Record<string, string>> | undefined
): Effect.Effect<Answer, McpError.McpError> =>
  execute(
    self,
    ctx,
    target,
    "POST",
    ACCEPT_POST,
    body,
    undefined,
    more,
    (response): Effect.Effect<Answer, McpError.McpError> => {
      const status = response.status
      if (status < 200 || status >= 300) return failStatus(self.config, ctx, target, response)
      const headers = response.headers
      if (!expectAnswer || status === 202) {
        return Effect.as(response.discard, { _tag: "Accepted", headers } as const)
      }
      if (status === 204 || status === 205) {
        const description = `the server answered the request with ${status} No Content`
        return Effect.zipRight(
          response.discard,
          Effect.fail(Errors.protocolError(ctx, target, "NoContent", description))
        )
      }
      // Without a Content-Encoding (every answer but a hostile one), `decoded` is done at once.
      return flatMapNow(
        decoded(ctx, target, response),
        (response) => answer(self.config, ctx, target, response, headers)
      )
    }
  )

// The answer to a request, by its content type.
const answer = (
  config: Config,
  ctx: Context,
  target: Target,
  response: McpHttp.Response,
  headers: Readonly<Record<string, string>>
): Effect.Effect<Answer, McpError.McpError> => {
  const type = contentType(response)
  if (type.startsWith("text/event-stream")) {
    return Effect.succeed({ _tag: "Sse", events: sseEvents(config, ctx, target, response), headers } as const)
  }
  if (type.startsWith("application/json")) return jsonBody(config, ctx, target, response, headers)
  return wrongContentType(ctx, target, response, "application/json or text/event-stream")
}

/** The response, unless its body came compressed and was not decoded (see encoding.ts). */
const decoded = (ctx: Context, target: Target, response: McpHttp.Response) =>
  Encoding.checked<McpError.McpError>(
    response,
    (encoding) =>
      Errors.protocolError(
        ctx,
        target,
        "ContentEncoding",
        `the body came ${encoding}-encoded (Content-Encoding: ${encoding}) although the client asked for identity`
      ),
    transportError(ctx, target, "response")
  )

const get = (
  self: HttpExchange,
  ctx: Context,
  target: Target,
  lastEventId: string | undefined
): Effect.Effect<GetAnswer, McpError.McpError> =>
  execute(
    self,
    ctx,
    target,
    "GET",
    "text/event-stream",
    undefined,
    lastEventId,
    undefined,
    (response): Effect.Effect<GetAnswer, McpError.McpError> => {
      const status = response.status
      if (status === 405) return Effect.as(response.discard, { _tag: "NoStream", status } as const)
      if (status < 200 || status >= 300) return failStatus(self.config, ctx, target, response)
      const type = contentType(response)
      if (!type.startsWith("text/event-stream")) {
        return wrongContentType(ctx, target, response, "text/event-stream")
      }
      return mapNow(
        decoded(ctx, target, response),
        (response) => ({ _tag: "Sse", events: sseEvents(self.config, ctx, target, response) } as const)
      )
    }
  )

const deleteCtx: Context = { method: "DELETE" }

const del = (self: HttpExchange, target: Target): Effect.Effect<void, McpError.McpError> =>
  execute(
    self,
    deleteCtx,
    target,
    "DELETE",
    ACCEPT_POST,
    undefined,
    undefined,
    undefined,
    (response): Effect.Effect<void, McpError.McpError> =>
      (response.status >= 200 && response.status < 300) || response.status === 404
        ? response.discard
        : Effect.flatMap(
          BodyText.excerpt(response, self.config.maxBodyExcerpt),
          (body) => Effect.fail(unexpectedStatus(self.config, deleteCtx, target, response, body))
        )
  )

/** The session id as the spec allows it: visible ASCII only (0x21–0x7E). @internal */
export const isValidSessionId = (id: string): boolean => /^[\x21-\x7E]+$/.test(id)

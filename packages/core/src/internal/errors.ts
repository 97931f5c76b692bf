/**
 * One constructor per error the client's machinery builds in more than one
 * place, each filling in the context (method, request id, session id) from
 * the message and the session it concerns.
 *
 * @internal
 */
import * as ParseResult from "effect/ParseResult"
import type * as JsonRpc from "../JsonRpc.js"
import * as McpError from "../McpError.js"
import * as Excerpt from "./excerpt.js"
import type * as Transport from "./transport.js"

/** The method, request id and session id of an error about `ctx` on `target`. @internal */
export const context = (ctx: Transport.Context, target: Transport.Target) => ({
  method: ctx.method,
  ...(ctx.requestId === undefined ? {} : { requestId: ctx.requestId }),
  ...(target.sessionId === undefined ? {} : { sessionId: target.sessionId })
})

/** @internal */
export const protocolError = (
  ctx: Transport.Context,
  target: Transport.Target,
  violation: McpError.ProtocolViolation,
  description: string,
  cause?: unknown
): McpError.ProtocolError =>
  new McpError.ProtocolError({
    ...context(ctx, target),
    violation,
    description,
    ...(cause === undefined ? {} : { cause })
  })

/** A schema mismatch of a result, as the `InvalidResult` violation. @internal */
export const invalidResult = (
  ctx: Transport.Context,
  target: Transport.Target,
  error: ParseResult.ParseError
): McpError.ProtocolError =>
  protocolError(ctx, target, "InvalidResult", ParseResult.TreeFormatter.formatErrorSync(error))

/** The server's JSON-RPC error object, as the error of the request it answered. @internal */
export const jsonRpcError = (
  ctx: Transport.Context,
  target: Transport.Target,
  error: JsonRpc.JsonRpcErrorObject
): McpError.JsonRpcError => {
  // Bounded: the caller keeps, logs and prints this error (see excerpt.ts).
  const description = Excerpt.text(error.message, Excerpt.MAX_ERROR_MESSAGE)
  const data = error.data === undefined ? undefined : Excerpt.json(error.data, Excerpt.MAX_ERROR_DATA)
  return new McpError.JsonRpcError({
    ...context(ctx, target),
    code: error.code,
    description: description.text,
    ...(data === undefined ? {} : { data: data.value }),
    ...(description.cutFrom === undefined ? {} : { descriptionLength: description.cutFrom }),
    ...(data?.cutFrom === undefined ? {} : { dataLength: data.cutFrom })
  })
}

/**
 * The session `sessionId` is gone, as the request `ctx` learned. `accepted`:
 * the server had taken the request before the session went (its work is lost
 * with the session).
 *
 * @internal
 */
export const sessionExpired = (
  ctx: Transport.Context,
  sessionId: string,
  status: number,
  accepted: boolean
): McpError.SessionExpired =>
  new McpError.SessionExpired({
    method: ctx.method,
    ...(ctx.requestId === undefined ? {} : { requestId: ctx.requestId }),
    sessionId,
    status,
    accepted
  })

/**
 * Failures of an exchange worth trying again: the server or the network is
 * having a moment.
 *
 * @internal
 */
export const isTransient = (error: McpError.McpError): boolean =>
  error._tag === "TransportError" ||
  error._tag === "RequestTimeout" ||
  (error._tag === "UnexpectedStatus" && (error.status >= 500 || error.status === 429 || error.status === 408))

/**
 * `error`, noting that it left the half-made session `sessionId` open on the
 * server. Errors without the field (a lost session: nothing left to end) are
 * returned as they are.
 *
 * @internal
 */
export const leftOpen = (error: McpError.McpError, sessionId: string): McpError.McpError => {
  switch (error._tag) {
    case "TransportError":
      return new McpError.TransportError({ ...error, leftOpen: sessionId })
    case "UnexpectedStatus":
      return new McpError.UnexpectedStatus({ ...error, leftOpen: sessionId })
    case "ProtocolError":
      return new McpError.ProtocolError({ ...error, leftOpen: sessionId })
    case "JsonRpcError":
      return new McpError.JsonRpcError({ ...error, leftOpen: sessionId })
    case "RequestTimeout":
      return new McpError.RequestTimeout({ ...error, leftOpen: sessionId })
    case "UnsupportedProtocolVersion":
      return new McpError.UnsupportedProtocolVersion({ ...error, leftOpen: sessionId })
    case "AuthorizationRequired":
      return new McpError.AuthorizationRequired({ ...error, leftOpen: sessionId })
    case "AuthorizationFailed":
      return new McpError.AuthorizationFailed({ ...error, leftOpen: sessionId })
    default:
      return error
  }
}

/**
 * The authorization layer's failure, as the error of the request it stopped
 * (`at`: its method, id and session id; the layer knows only the endpoint).
 * Not transient: the layer has bounds of its own.
 *
 * @internal
 */
export const authorization = (
  at: {
    readonly method: string
    readonly requestId?: McpError.RequestId | undefined
    readonly sessionId?: string | undefined
  },
  error: McpError.AuthorizationError
): McpError.AuthorizationError => {
  const fields = { ...error, method: at.method, requestId: at.requestId, sessionId: at.sessionId }
  return error._tag === "AuthorizationRequired"
    ? new McpError.AuthorizationRequired(fields)
    : new McpError.AuthorizationFailed({ ...fields, step: error.step })
}

/**
 * Requests the server sends the client (roots, sampling, elicitation, ping):
 * each is answered by the application's handler in a fiber of the client's
 * own, kept until it ends so that the server's `notifications/cancelled` can
 * stop it.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as JsonRpc from "../JsonRpc.js"
import type * as McpClient from "../McpClient.js"
import type * as McpError from "../McpError.js"
import * as McpSchema from "../McpSchema.js"
import * as State from "./state.js"
import type * as Transport from "./transport.js"

/** Answers `message` in the background, on the session that sent it. @internal */
export const answer = (
  state: State.ClientState,
  target: Transport.Target,
  message: JsonRpc.JsonRpcRequest
): Effect.Effect<void> =>
  respond(state.settings.handlers, message).pipe(
    Effect.flatMap((response) =>
      state.transport.send({ method: message.method, requestId: message.id }, JsonRpc.encode(response), target)
    ),
    Effect.catchTag("SessionExpired", (error) => State.gone(state, error)),
    Effect.catchAll((error) =>
      Effect.logWarning("could not answer a server request").pipe(
        Effect.annotateLogs({ method: message.method, error: error.message })
      )
    ),
    Effect.ensuring(Effect.sync(() => state.serverRequests?.delete(message.id))),
    Effect.forkIn(state.scope),
    // Kept for the server's `notifications/cancelled`; a handler that already finished
    // (its `ensuring` ran first) is not added back, or the map would keep it forever.
    Effect.tap((fiber) =>
      Effect.sync(() => {
        if (fiber.unsafePoll() === null) (state.serverRequests ??= new Map()).set(message.id, fiber)
      })
    ),
    Effect.asVoid
  )

/**
 * Runs the application's handler for a server→client request and builds the
 * JSON-RPC response. Also how the 2026-07-28 era answers a server's
 * `input_required` (the same handlers, no server→client request).
 *
 * @internal
 */
export const respond = (
  handlers: McpClient.Handlers,
  message: JsonRpc.JsonRpcRequest
): Effect.Effect<JsonRpc.JsonRpcResponse> => {
  switch (message.method) {
    case "ping":
      return Effect.succeed(JsonRpc.success(message.id, {}))
    case "roots/list": {
      const roots = handlers.roots
      return roots === undefined
        ? notFound(message)
        : run(message, McpSchema.RequestParams, McpSchema.ListRootsResult, () => roots)
    }
    case "sampling/createMessage": {
      const sampling = handlers.sampling
      return sampling === undefined
        ? notFound(message)
        : run(message, McpSchema.CreateMessageRequestParams, McpSchema.CreateMessageResult, sampling)
    }
    case "elicitation/create": {
      const elicitation = handlers.elicitation
      return elicitation === undefined
        ? notFound(message)
        : run(message, McpSchema.ElicitRequestParams, McpSchema.ElicitResult, elicitation)
    }
    default:
      return notFound(message)
  }
}

const notFound = (message: JsonRpc.JsonRpcRequest) =>
  Effect.succeed(
    JsonRpc.failure(
      message.id,
      JsonRpc.ErrorCode.MethodNotFound,
      `method not supported by this client: ${message.method}`
    )
  )

/**
 * Decodes the params, runs the handler, encodes its result. Whatever goes
 * wrong becomes the JSON-RPC error the server is sent: the handler's own
 * `RequestRejected`, invalid params, an invalid result, a failed handler.
 */
const run = <P, IP, A, IA>(
  message: JsonRpc.JsonRpcRequest,
  paramsSchema: Schema.Schema<P, IP>,
  resultSchema: Schema.Schema<A, IA>,
  handler: (params: P) => Effect.Effect<A, McpError.RequestRejected>
): Effect.Effect<JsonRpc.JsonRpcResponse> =>
  Schema.decodeUnknown(paramsSchema)(message.params ?? {}).pipe(
    Effect.mapError((error) =>
      JsonRpc.failure(message.id, JsonRpc.ErrorCode.InvalidParams, ParseResult.TreeFormatter.formatErrorSync(error))
    ),
    Effect.flatMap((params) =>
      handler(params).pipe(
        Effect.flatMap((result) => Schema.encode(resultSchema)(result)),
        Effect.map((result) => JsonRpc.success(message.id, result)),
        Effect.catchAll((error) =>
          Effect.succeed(
            error._tag === "RequestRejected"
              ? JsonRpc.failure(message.id, error.code, error.message, error.data)
              : JsonRpc.failure(
                message.id,
                JsonRpc.ErrorCode.InternalError,
                "the client's handler returned an invalid result"
              )
          )
        )
      )
    ),
    Effect.catchAllCause((cause) =>
      Cause.isInterruptedOnly(cause)
        ? Effect.failCause(cause)
        : Effect.succeed(
          Option.getOrElse(
            Cause.failureOption(cause),
            () => JsonRpc.failure(message.id, JsonRpc.ErrorCode.InternalError, "the client's handler failed")
          )
        )
    ),
    Effect.orDie
  )

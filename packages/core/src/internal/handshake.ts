/**
 * The handshake that makes a session: `initialize` (never on a session) →
 * checks of the result → `notifications/initialized`. Used for the first
 * session and for every replacement (`recovery.ts` decides when and how
 * often).
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as JsonRpc from "../JsonRpc.js"
import * as McpError from "../McpError.js"
import * as McpSchema from "../McpSchema.js"
import type * as Session from "../Session.js"
import * as Errors from "./errors.js"
import * as Request from "./request.js"
import * as State from "./state.js"
import type * as Transport from "./transport.js"

/** A live session: what it negotiated, where to send, and the scope of what it runs. @internal */
export interface Live {
  readonly info: Session.SessionInfo
  readonly target: Transport.Target
  /** Closed when the session is replaced or the client closes: ends its stream, process, fibers. */
  readonly scope: Scope.CloseableScope
}

/**
 * How `notifications/initialized` is sent again when it fails transiently
 * (`connect.ts` retries it on the recovery's schedules): the session
 * `initialize` made is kept, not thrown away for a new handshake.
 *
 * @internal
 */
export type Resend = (send: Effect.Effect<void, McpError.McpError>) => Effect.Effect<void, McpError.McpError>

const identity: Resend = (send) => send

/**
 * Runs the handshake once, bounded by the request timeout; a failed
 * `notifications/initialized` is sent again as `resend` says. A handshake that
 * fails after the server made its session (`notifications/initialized`
 * refused, an unsupported version, a timeout) ends that session before
 * failing, so that no retry leaves one behind; if it cannot, the error says
 * which session was left open.
 *
 * @internal
 */
export const run = (
  state: State.ClientState,
  generation: number,
  resend: Resend = identity
): Effect.Effect<Live, McpError.McpError> =>
  Effect.flatMap(Scope.fork(state.scope, ExecutionStrategy.sequential), (scope) => {
    const made: HalfMade = { target: undefined }
    return initialize(state, generation, scope, made, resend).pipe(
      Effect.timeoutFail({
        duration: Duration.millis(state.settings.requestTimeoutMillis),
        onTimeout: () =>
          new McpError.RequestTimeout({
            method: "initialize",
            reason: "idle",
            timeoutMillis: state.settings.requestTimeoutMillis
          })
      }),
      Effect.catchAll((error) => made.target === undefined ? Effect.fail(error) : abandon(state, made.target, error)),
      Effect.tapError((error) =>
        isCorsRefusal(error)
          ? Effect.logWarning(
            "notifications/initialized failed cross-origin right after initialize went through: most likely CORS; " +
              "the handshake is not tried again"
          ).pipe(Effect.annotateLogs({ headers: error.crossOrigin.headers.join(", ") }))
          : Effect.void
      ),
      // A failed handshake leaves nothing of its session running.
      Effect.onExit((exit) => Exit.isFailure(exit) ? Scope.close(scope, Exit.void) : Effect.void)
    )
  }).pipe(
    Effect.withSpan("McpClient.initialize", { attributes: { "mcp.session.generation": generation } })
  )

/**
 * A handshake failure that another handshake would only meet again:
 * `notifications/initialized` sent cross-origin from a browser, failed at the
 * network level (no response at all). `initialize` went through to the same
 * server a moment before, so the server is reachable; what is new in this
 * request are its headers (`mcp-session-id`, `mcp-protocol-version`), which the
 * server's CORS preflight answer must allow. The browser does not say so, but
 * that is almost always it, and it does not go away by trying again.
 *
 * @internal
 */
export const isCorsRefusal = (
  error: McpError.McpError
): error is McpError.TransportError & { readonly crossOrigin: McpError.CrossOrigin } =>
  error._tag === "TransportError" && error.method === "notifications/initialized" && error.crossOrigin !== undefined

/** The session a handshake in progress has made on the server, once `initialize` answered. */
interface HalfMade {
  target: Transport.Target | undefined
}

/** How long ending a half-made session may hold up the handshake's retry. */
const abandonTimeout = Duration.seconds(2)

/** Ends the half-made session `target`, then fails with `error` (noting the session if it could not be ended). */
const abandon = (
  state: State.ClientState,
  target: Transport.Target,
  error: McpError.McpError
): Effect.Effect<never, McpError.McpError> =>
  state.transport.end(target).pipe(
    Effect.catchIf(
      (failure) => isCrossOriginVersionRefusal(failure, target),
      () => state.transport.end({ ...target, protocolVersion: undefined })
    ),
    Effect.timeoutFail({
      duration: abandonTimeout,
      onTimeout: () => `no answer within ${Duration.toMillis(abandonTimeout)} ms`
    }),
    Effect.matchEffect({
      onSuccess: () => Effect.fail(error),
      onFailure: (cause) =>
        Effect.zipRight(
          Effect.logWarning("could not end a half-made session; it stays open on the server").pipe(
            Effect.annotateLogs({
              sessionId: target.sessionId,
              error: typeof cause === "string" ? cause : cause.message
            })
          ),
          Effect.fail(target.sessionId === undefined ? error : Errors.leftOpen(error, target.sessionId))
        )
    })
  )

/**
 * A browser refused the DELETE of a half-made session as it refused its
 * `notifications/initialized`: the preflight asked for `mcp-protocol-version`,
 * which the server does not allow. The one DELETE that may still pass carries
 * the session id alone (the SDK README's CORS settings allow `mcp-session-id`),
 * and a server takes a missing version for 2025-03-26, in which DELETE ends a
 * session just the same. Sent only for a session nobody used, as the last
 * resort before leaving it open on the server.
 */
const isCrossOriginVersionRefusal = (failure: McpError.McpError, target: Transport.Target): boolean =>
  failure._tag === "TransportError" && target.protocolVersion !== undefined &&
  failure.crossOrigin?.headers.includes("mcp-protocol-version") === true

const initialize = (
  state: State.ClientState,
  generation: number,
  scope: Scope.CloseableScope,
  made: HalfMade,
  resend: Resend
): Effect.Effect<Live, McpError.McpError> =>
  Effect.gen(function*() {
    const settings = state.settings
    const id = State.nextId(state)
    const ctx: Transport.Context = { method: "initialize", requestId: id }
    const params: McpSchema.InitializeRequestParams = {
      protocolVersion: settings.requestedVersion,
      capabilities: settings.capabilities,
      clientInfo: settings.clientInfo
    }
    state.pending.set(id, { response: undefined })
    const opened = yield* state.transport.initialize(
      ctx,
      JsonRpc.encode(JsonRpc.request(id, "initialize", params)),
      settings.requestedVersion,
      scope
    ).pipe(Effect.ensuring(Effect.sync(() => state.pending.delete(id))))
    if (opened.target.sessionId !== undefined) made.target = opened.target
    const response = opened.response
    if (!JsonRpc.isSuccess(response)) {
      return yield* Effect.fail(Errors.jsonRpcError(ctx, noSession, response.error))
    }
    const result = yield* Request.decodeResult(McpSchema.InitializeResult, ctx, noSession, response.result)
    const era = opened.era ?? "sessions"
    if (era !== "stateless" && !McpSchema.isSupportedProtocolVersion(result.protocolVersion)) {
      return yield* Effect.fail(
        new McpError.UnsupportedProtocolVersion({
          method: "initialize",
          requestId: id,
          requested: settings.requestedVersion,
          received: result.protocolVersion,
          supported: [...McpSchema.SUPPORTED_PROTOCOL_VERSIONS]
        })
      )
    }
    const target: Transport.Target = { ...opened.target, protocolVersion: result.protocolVersion }
    yield* resend(state.transport.send(
      { method: "notifications/initialized" },
      JsonRpc.encode(JsonRpc.notification("notifications/initialized")),
      target
    ))
    const startedAt = yield* Clock.currentTimeMillis
    return {
      info: {
        generation,
        sessionId: target.sessionId,
        protocolVersion: result.protocolVersion,
        serverInfo: result.serverInfo,
        capabilities: result.capabilities,
        instructions: result.instructions,
        startedAt,
        era
      },
      target,
      scope
    }
  })

const noSession: Transport.Target = { sessionId: undefined, protocolVersion: undefined }

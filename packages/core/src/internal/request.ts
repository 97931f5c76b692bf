/**
 * One request, from the caller's call to its result: the deadline (idle,
 * reset by progress, and a maximum), the attempt on one session (id, pending
 * entry, progress token, the transport's round trip), and telling the server
 * when the client gives up. Re-sending on a new session is `recovery.ts`'s.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import * as JsonRpc from "../JsonRpc.js"
import type * as McpClient from "../McpClient.js"
import * as McpError from "../McpError.js"
import type * as McpSchema from "../McpSchema.js"
import * as Deadline from "./deadline.js"
import * as Errors from "./errors.js"
import { flatMapNow } from "./now.js"
import type * as Recovery from "./recovery.js"
import * as State from "./state.js"
import type * as Transport from "./transport.js"

/** A request as the client sends it, possibly more than once (on a new session). @internal */
export interface Attempt {
  readonly method: string
  readonly params: JsonRpc.Params | undefined
  readonly onProgress: State.ProgressHandler | undefined
  readonly deadline: Deadline.Deadline | undefined
  /** The id and session of the latest attempt, for timeout errors. */
  lastId: JsonRpc.RequestId | undefined
  lastSessionId: string | undefined
}

/** An attempt with no progress handler and no deadline of its own (restoring a session). @internal */
export const plain = (method: string, params: JsonRpc.Params | undefined): Attempt => ({
  method,
  params,
  onProgress: undefined,
  deadline: undefined,
  lastId: undefined,
  lastSessionId: undefined
})

/** Sends `request` once on `target` and waits for its result (no recovery here). @internal */
export const attempt = (
  state: State.ClientState,
  target: Transport.Target,
  request: Attempt
): Effect.Effect<unknown, McpError.McpError> => attemptWith(state, target, request, resultOnly)

const resultOnly = (result: unknown): unknown => result

/**
 * `attempt`, its result handed to `answered` with the session that answered:
 * `send` builds its `Answered` there rather than in one more `map`.
 */
const attemptWith = <A>(
  state: State.ClientState,
  target: Transport.Target,
  request: Attempt,
  answered: (result: unknown, target: Transport.Target) => A
): Effect.Effect<A, McpError.McpError> =>
  Effect.suspend(() => {
    const id = State.nextId(state)
    request.lastId = id
    const ctx: Transport.Context = { method: request.method, requestId: id, deadline: request.deadline }
    const params = request.onProgress === undefined ? request.params : withProgressToken(request.params, id)
    state.pending.set(id, { response: undefined })
    if (request.onProgress !== undefined) (state.progressHandlers ??= new Map()).set(id, request.onProgress)
    return state.transport.request(ctx, JsonRpc.encode(JsonRpc.request(id, request.method, params)), target).pipe(
      Effect.flatMap((response) =>
        JsonRpc.isSuccess(response)
          ? Effect.succeed(answered(response.result, target))
          : Effect.fail(Errors.jsonRpcError(ctx, target, response.error))
      ),
      Effect.onExit((exit) => {
        state.pending.delete(id)
        state.progressHandlers?.delete(id)
        // An interrupted request aborts its exchange through the signal (see McpHttp.Request).
        if (Exit.isFailure(exit) && Cause.isInterruptedOnly(exit.cause)) request.deadline?.abort()
        // Giving up on a request (the caller interrupted it, its deadline passed) tells the
        // server; `initialize` is never cancelled (the spec forbids it).
        return request.method !== "initialize" && Exit.isFailure(exit) &&
            (Cause.isInterruptedOnly(exit.cause) || request.deadline?.aborted === true)
          ? cancel(state, target, id, "request cancelled by the client")
          : Effect.void
      })
    )
  })

/** Tells the server the client gave up on request `requestId`, in the background. @internal */
export const cancel = (
  state: State.ClientState,
  target: Transport.Target,
  requestId: JsonRpc.RequestId,
  reason: string
): Effect.Effect<void> =>
  state.transport.send(
    { method: "notifications/cancelled", requestId },
    JsonRpc.encode(JsonRpc.notification("notifications/cancelled", { requestId, reason })),
    target
  ).pipe(
    Effect.catchTag("SessionExpired", (error) => State.gone(state, error)),
    Effect.ignore,
    Effect.forkIn(state.scope),
    Effect.asVoid
  )

/** A result and the session that answered it. @internal */
export interface Answered {
  readonly result: unknown
  readonly target: Transport.Target
}

/**
 * Sends a request through the recovery (a lost session is replaced and the
 * request re-sent or lost per policy), bounded by its deadline: the idle
 * timeout restarts whenever progress arrives, the maximum does not.
 *
 * @internal
 */
export const send = (
  state: State.ClientState,
  recovery: Recovery.Recovery,
  method: string,
  params: JsonRpc.Params | undefined,
  options: McpClient.RequestOptions | undefined
): Effect.Effect<Answered, McpError.McpError> =>
  Effect.suspend(() => {
    const timers = state.timers
    const idle = options?.timeout === undefined ? state.settings.requestTimeoutMillis : millisOf(options.timeout)
    const maximum = options?.maxTimeout === undefined
      ? state.settings.maxRequestTimeoutMillis
      : millisOf(options.maxTimeout)
    const userProgress = options?.onProgress
    const startedAt = timers.now()
    // Only requests with a progress handler ask the server for progress.
    let activeAt = startedAt
    const deadline = new Deadline.Deadline()
    const request: Attempt = {
      method,
      params,
      onProgress: userProgress === undefined ? undefined : (p) => {
        activeAt = timers.now()
        userProgress(p)
      },
      deadline,
      lastId: undefined,
      lastSessionId: undefined
    }
    const call = recovery.run({ method, params, deadline }, (session) => {
      request.lastSessionId = session.info.sessionId
      return attemptWith(state, session.target, request, answeredBy)
    })
    const timeoutError = (reason: "idle" | "maximum", timeoutMillis: number) =>
      new McpError.RequestTimeout({
        method,
        ...(request.lastId === undefined ? {} : { requestId: request.lastId }),
        ...(request.lastSessionId === undefined ? {} : { sessionId: request.lastSessionId }),
        reason,
        timeoutMillis
      })
    const maximumAt = startedAt + maximum
    // The request runs in the caller's fiber; its deadline is kept by the client's timers (see
    // deadline.ts for how a passed deadline stops it without interrupting the caller).
    const timer = timers.add(Math.min(startedAt + idle, maximumAt), (now) => {
      const idleAt = activeAt + idle
      if (now >= idleAt && idleAt <= maximumAt) deadline.expire(timeoutError("idle", idle))
      else if (now >= maximumAt) deadline.expire(timeoutError("maximum", maximum))
      else return Math.min(idleAt, maximumAt)
      return undefined
    })
    // (An interrupted request leaves its deadline in the list until it is due: harmless, and
    // cheaper than an uninterruptible region around every request.)
    const bounded = Effect.matchEffect(call, {
      // Whatever the request failed with on its way out, it failed because it ran out of time.
      onFailure: (error) => {
        timer.deadline.cancel()
        return Effect.fail(deadline.expired ?? error)
      },
      onSuccess: (answer) => {
        timer.deadline.cancel()
        return Effect.succeed(answer)
      }
    })
    return flatMapNow(timer.start, () => bounded)
  })

const answeredBy = (result: unknown, target: Transport.Target): Answered => ({ result, target })

/**
 * A result decoded with its schema; a mismatch is the server's protocol error.
 * The result schemas are synchronous: decoded to an `Either` and branched on,
 * one run-loop step less than `mapError` over the decoding effect.
 *
 * @internal
 */
export const decodeResult = <A, I>(
  schema: Schema.Schema<A, I>,
  ctx: Transport.Context,
  target: Transport.Target,
  result: unknown
): Effect.Effect<A, McpError.ProtocolError> => {
  // (effect memoizes the parser per schema AST: making the decoder here costs a closure.)
  const decoded = Schema.decodeUnknownEither(schema)(result)
  return decoded._tag === "Right"
    ? Effect.succeed(decoded.right)
    : Effect.fail(Errors.invalidResult(ctx, target, decoded.left))
}

const withProgressToken = (params: JsonRpc.Params | undefined, token: McpSchema.ProgressToken): JsonRpc.Params => {
  const base: Readonly<Record<string, unknown>> = params === undefined || isArray(params) ? {} : params
  const meta = base._meta
  return {
    ...base,
    _meta: { ...(typeof meta === "object" && meta !== null ? meta : {}), progressToken: token }
  }
}

const isArray = (u: unknown): u is ReadonlyArray<unknown> => Array.isArray(u)

const millisOf = (duration: Duration.DurationInput): number => Duration.toMillis(Duration.decode(duration))

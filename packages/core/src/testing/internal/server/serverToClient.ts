/**
 * What the server sends the client on its own: server→client requests (and
 * the client's answers to them), notifications, and the `ToolContext` a
 * handler uses to send either while it runs.
 *
 * @internal
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import * as Predicate from "effect/Predicate"
import type { LoggingLevel, ToolContext } from "../../McpTestServer.js"
import * as JsonRpc from "../jsonRpc.js"
import { RpcError } from "../rpcError.js"
import * as Stores from "./eventStore.js"
import { loggingLevels } from "./protocol.js"
import * as Sessions from "./sessions.js"
import type { ServerState, Session } from "./state.js"

/** Where a handler's messages go: its request's SSE stream, or the session's GET stream. */
export type Emit = (message: JsonRpc.JsonObject) => Effect.Effect<void>

/** What a server→client request fails with when its session ends before the client answers. */
export const sessionGone = new RpcError({ code: JsonRpc.ErrorCode.SessionNotFound, message: "The session ended" })

/** Sends a request to the client and waits for the answer it POSTs (see `onClientAnswer`). */
export const request = (
  session: Session,
  emit: Emit,
  method: string,
  params: unknown
): Effect.Effect<unknown, RpcError> =>
  Effect.suspend(() => {
    const id = `server-${++session.nextRequestId}`
    const key = JsonRpc.idKey(id)
    return Effect.gen(function*() {
      const answer = yield* Deferred.make<unknown, RpcError>()
      session.pending.set(key, answer)
      yield* emit(JsonRpc.request(id, method, params))
      return yield* Effect.raceFirst(
        Deferred.await(answer),
        Effect.zipRight(Deferred.await(session.closed), Effect.fail(sessionGone))
      )
    }).pipe(Effect.ensuring(Effect.sync(() => session.pending.delete(key))))
  })

/** The client answered a server→client request (an answer nobody waits for is dropped). */
export const onClientAnswer = (
  session: Session,
  id: JsonRpc.Id | null,
  outcome: Either.Either<unknown, RpcError>
): Effect.Effect<void> =>
  Effect.suspend(() => {
    const waiting = id === null ? undefined : session.pending.get(JsonRpc.idKey(id))
    return waiting === undefined ? Effect.void : Effect.asVoid(Deferred.complete(waiting, outcome))
  })

const levelEnabled = (session: Session, level: LoggingLevel) =>
  session.logLevel === undefined || loggingLevels.indexOf(level) >= loggingLevels.indexOf(session.logLevel)

/** The context of one client request's handler, sending through `emit`. */
export const makeContext = (session: Session, message: JsonRpc.Request, emit: Emit): ToolContext => {
  const meta = Predicate.isRecord(message.params?._meta) ? message.params._meta : undefined
  const token = meta?.progressToken
  const progressToken = typeof token === "string" || typeof token === "number" ? token : undefined
  return {
    sessionId: session.id,
    requestId: message.id,
    progressToken,
    meta,
    progress: (progress, total, text) =>
      progressToken === undefined ? Effect.void : emit(JsonRpc.notification("notifications/progress", {
        progressToken,
        progress,
        ...(total === undefined ? {} : { total }),
        ...(text === undefined ? {} : { message: text })
      })),
    notify: (method, params) => emit(JsonRpc.notification(method, params)),
    request: (method, params) => request(session, emit, method, params),
    log: (level, data, logger) =>
      levelEnabled(session, level) ?
        emit(JsonRpc.notification("notifications/message", {
          level,
          data,
          ...(logger === undefined ? {} : { logger })
        })) :
        Effect.void
  }
}

export const pushToGet = (session: Session, message: JsonRpc.JsonObject): Effect.Effect<void> =>
  Stores.append(session.getStore, message)

/** Pushes `message` on the GET stream of the session named (or of every live one). */
export const broadcast = (
  state: ServerState,
  message: JsonRpc.JsonObject,
  sessionId?: string
): Effect.Effect<void> =>
  Effect.flatMap(
    Sessions.targets(state, sessionId),
    (sessions) => Effect.forEach(sessions, (s) => pushToGet(s, message), { discard: true })
  )

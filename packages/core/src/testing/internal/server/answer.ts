/**
 * Answering one client request. Its handler runs in a fiber of its session,
 * independent of the HTTP connection: a dropped or closed connection is not a
 * cancellation (only `notifications/cancelled` and the session's end are),
 * and a GET with `Last-Event-ID` reads the same answer stream again.
 *
 * @internal
 */
import type * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Fault, ToolContext } from "../../McpTestServer.js"
import * as JsonRpc from "../jsonRpc.js"
import type { RpcError } from "../rpcError.js"
import * as Stores from "./eventStore.js"
import { requestCancelledCode } from "./protocol.js"
import * as Responses from "./responses.js"
import * as ServerToClient from "./serverToClient.js"
import * as SseStreams from "./sseStreams.js"
import type { EventStore, ServerState, Session } from "./state.js"

/** The id a `WrongResponseId` fault answers with by default: surely not the request's. */
const wrongId = (id: JsonRpc.Id): JsonRpc.Id => typeof id === "number" ? id + 1000 : `${id}-wrong`

/**
 * The handler's work: `run`, its outcome (result, JSON-RPC error, defect or
 * interruption) turned into the one response `finish` (or, on interruption,
 * `cancelled`) delivers.
 */
const work = (
  run: Effect.Effect<unknown, RpcError>,
  responseId: JsonRpc.Id,
  finish: (response: JsonRpc.JsonObject) => Effect.Effect<unknown>,
  cancelled: (response: JsonRpc.JsonObject) => Effect.Effect<unknown>
): Effect.Effect<void> =>
  run.pipe(
    Effect.map((result) => JsonRpc.success(responseId, result)),
    Effect.catchAll((error) => Effect.succeed(JsonRpc.failure(responseId, error.code, error.message, error.data))),
    Effect.catchAllDefect((defect) =>
      Effect.succeed(JsonRpc.failure(responseId, JsonRpc.ErrorCode.InternalError, "Internal error", String(defect)))
    ),
    Effect.flatMap(finish),
    Effect.onInterrupt(() => cancelled(JsonRpc.failure(responseId, requestCancelledCode, "Request cancelled"))),
    Effect.asVoid
  )

/** Runs `effect` in a fiber of the session, registered as in flight so `notifications/cancelled` can stop it. */
const forkInSession = (session: Session, requestId: JsonRpc.Id, effect: Effect.Effect<void>) => {
  const key = JsonRpc.idKey(requestId)
  return Effect.forkIn(
    Effect.withFiberRuntime<void>((fiber) => {
      session.inflight.set(key, { id: requestId, fiber })
      // Interruptible whatever the caller's region: `notifications/cancelled` and session ends stop it.
      return Effect.ensuring(Effect.interruptible(effect), Effect.sync(() => session.inflight.delete(key)))
    }),
    session.scope
  )
}

/**
 * Runs `run` in a fiber of the session and answers with its outcome: as
 * JSON (waiting for it here) or as an SSE stream (the fiber writes the
 * stream's store; this connection reads it).
 */
export const answerRequest = (
  state: ServerState,
  session: Session,
  message: JsonRpc.Request,
  fault: Fault | undefined,
  run: (context: ToolContext) => Effect.Effect<unknown, RpcError>
): Effect.Effect<HttpServerResponse.HttpServerResponse> =>
  Effect.gen(function*() {
    const { config } = state
    const sse = config.answers === "sse" || fault?._tag === "CloseStream" || fault?._tag === "OversizedSseEvent"
    const store: EventStore | undefined = sse ? yield* Stores.make(state, "request", message.id) : undefined
    if (store !== undefined) session.stores.set(store.id, store)
    const emit = (m: JsonRpc.JsonObject) => Stores.append(store ?? session.getStore, m)
    const jsonAnswer = yield* Deferred.make<JsonRpc.JsonObject>()
    if (fault?._tag === "OversizedSseEvent") {
      yield* emit(JsonRpc.notification("notifications/message", {
        level: "info",
        logger: "oversized",
        data: "x".repeat(Math.max(0, fault.bytes))
      }))
    }
    const responseId = fault?._tag === "WrongResponseId" ? (fault.id ?? wrongId(message.id)) : message.id
    const handler = run(ServerToClient.makeContext(session, message, emit))
    yield* forkInSession(
      session,
      message.id,
      store === undefined ?
        work(handler, responseId, (r) => Deferred.succeed(jsonAnswer, r), (r) => Deferred.succeed(jsonAnswer, r)) :
        work(handler, responseId, (r) => Stores.append(store, r, true), () => Stores.end(store))
    )
    if (store !== undefined) {
      return SseStreams.response(state, {
        session,
        store,
        from: 0,
        resumed: false,
        closeAfter: fault?._tag === "CloseStream" ? Math.max(0, fault.afterEvents ?? 0) : undefined,
        retry: fault?._tag === "CloseStream" ? (fault.retryMillis ?? config.retryMillis) : config.retryMillis,
        end: Effect.never
      })
    }
    const outcome = yield* Effect.raceFirst(
      Effect.map(Deferred.await(jsonAnswer), Option.some),
      Effect.as(Deferred.await(session.closed), Option.none())
    )
    return Option.match(outcome, {
      onNone: () => Responses.unknownSession(config),
      onSome: (response) => Responses.json(200, response)
    })
  })

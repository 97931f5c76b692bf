/**
 * The 2024-11-05 HTTP+SSE mode of the test server (`era: "http-sse"`): a GET
 * opens a session's stream, whose first event, `endpoint`, names the URL of
 * its POSTs (`?sessionId=…`); every answer, notification and server→client
 * request goes out as a `message` event on that stream, and a POST is
 * answered 202 with no body. A POST anywhere else is refused with 405 and no
 * body, as such servers do, which is what sends a client down the
 * specification's fallback to the GET. The session's stream closing ends the
 * session.
 *
 * @internal
 */
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type { Fault } from "../../McpTestServer.js"
import * as JsonRpc from "../jsonRpc.js"
import { RpcError } from "../rpcError.js"
import * as Sse from "../sse.js"
import * as Methods from "./methods.js"
import { latestVersion, supportedVersions } from "./protocol.js"
import * as Responses from "./responses.js"
import * as ServerToClient from "./serverToClient.js"
import * as Sessions from "./sessions.js"
import * as SseStreams from "./sseStreams.js"
import type { MutableLogEntry, ServerState } from "./state.js"

export const LEGACY_VERSION = "2024-11-05"

const sessionOf = (url: string): string | undefined => {
  const query = url.indexOf("?")
  return query < 0 ? undefined : new URLSearchParams(url.slice(query + 1)).get("sessionId") ?? undefined
}

const pathOf = (url: string): string => {
  const query = url.indexOf("?")
  return query < 0 ? url : url.slice(0, query)
}

/** GET: a new session and its stream, `endpoint` first. */
export const get = (state: ServerState, entry: MutableLogEntry, fault: Fault | undefined) =>
  Effect.gen(function*() {
    const id = yield* Sessions.sessionId(state, undefined)
    const session = yield* Sessions.create(state, id, LEGACY_VERSION, undefined, undefined)
    entry.sessionId = id
    const closeAfter = fault?._tag === "CloseStream" ? Math.max(0, fault.afterEvents ?? 0) : undefined
    return SseStreams.response(state, {
      session,
      store: session.getStore,
      from: 0,
      resumed: false,
      closeAfter,
      retry: undefined,
      end: Effect.never,
      head: Sse.frame({ event: "endpoint", data: `${pathOf(entry.url)}?sessionId=${encodeURIComponent(id)}` }),
      // The stream is the session: a client that goes away ends it.
      onClose: Sessions.close(state, session)
    })
  })

/** POST: to a session's endpoint, answered on its stream; anywhere else, 405. */
export const post = (
  state: ServerState,
  entry: MutableLogEntry,
  parsed: Option.Option<unknown>,
  message: JsonRpc.Message | undefined
): Effect.Effect<HttpServerResponse.HttpServerResponse> =>
  Effect.gen(function*() {
    const id = sessionOf(entry.url)
    if (id === undefined) return HttpServerResponse.empty({ status: 405, headers: { allow: "GET" } })
    entry.sessionId = id
    const found = yield* Sessions.lookup(state, id)
    if (Option.isNone(found)) return Responses.error(404, null, JsonRpc.ErrorCode.SessionNotFound, "Unknown session")
    const session = found.value
    if (Option.isNone(parsed) || message === undefined) {
      return Responses.error(400, null, JsonRpc.ErrorCode.ParseError, "Parse error")
    }
    const push = (m: JsonRpc.JsonObject) => ServerToClient.pushToGet(session, m)
    switch (message.kind) {
      case "notification":
        yield* Methods.onNotification(session, message)
        break
      case "response":
        yield* ServerToClient.onClientAnswer(session, message.id, Either.right(message.result))
        break
      case "error":
        yield* ServerToClient.onClientAnswer(session, message.id, Either.left(new RpcError(message.error)))
        break
      case "request": {
        const run: Effect.Effect<unknown, RpcError> = message.method === "initialize"
          ? Effect.sync(() => {
            state.initializeCount += 1
            // Negotiated as any server does: the transport is 2024-11-05's, the version the one both speak.
            const requested = message.params?.protocolVersion
            return {
              protocolVersion:
                typeof requested === "string" && [...supportedVersions, LEGACY_VERSION].includes(requested)
                  ? requested
                  : latestVersion,
              capabilities: state.config.capabilities,
              serverInfo: state.config.serverInfo
            }
          })
          : Methods.dispatch(state, session, message, ServerToClient.makeContext(session, message, push))
        yield* run.pipe(
          Effect.map((result) => JsonRpc.success(message.id, result)),
          Effect.catchAll((error) =>
            Effect.succeed(JsonRpc.failure(message.id, error.code, error.message, error.data))
          ),
          Effect.catchAllDefect((defect) =>
            Effect.succeed(
              JsonRpc.failure(message.id, JsonRpc.ErrorCode.InternalError, "Internal error", String(defect))
            )
          ),
          Effect.flatMap(push),
          Effect.forkIn(session.scope)
        )
      }
    }
    return HttpServerResponse.empty({ status: 202 })
  })

/**
 * The three HTTP methods of the MCP endpoint: POST (a JSON-RPC message),
 * GET (the session's stream, or a resumed one) and DELETE (end the session),
 * each checking its headers and its session first.
 *
 * @internal
 */
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type { Fault } from "../../McpTestServer.js"
import * as JsonRpc from "../jsonRpc.js"
import { RpcError } from "../rpcError.js"
import { answerRequest } from "./answer.js"
import * as Methods from "./methods.js"
import { latestVersion, supportedVersions, versionHeaderSince } from "./protocol.js"
import * as Responses from "./responses.js"
import * as ServerToClient from "./serverToClient.js"
import * as Sessions from "./sessions.js"
import * as SseStreams from "./sseStreams.js"
import type { MutableLogEntry, ServerState, Session } from "./state.js"

const acceptsAny = (accept: string, types: ReadonlyArray<string>): boolean => {
  const lower = accept.toLowerCase()
  return lower.includes("*/*") ||
    types.some((type) => lower.includes(type) || lower.includes(`${type.split("/")[0]}/*`))
}

/** The session a non-initialize request belongs to, or the response rejecting it. */
const resolveSession = (
  state: ServerState,
  entry: MutableLogEntry
): Effect.Effect<Either.Either<Session, HttpServerResponse.HttpServerResponse>> =>
  Effect.gen(function*() {
    const { config } = state
    const version = entry.protocolVersion
    if (!config.sessions) {
      if (version !== undefined && !supportedVersions.includes(version)) {
        return Either.left(Responses.badRequest(`Unsupported protocol version: ${version}`))
      }
      return state.stateless === undefined ?
        Either.left(Responses.unknownSession(config)) :
        Either.right(state.stateless)
    }
    if (entry.sessionId === undefined) return Either.left(Responses.badRequest("Mcp-Session-Id header is required"))
    const found = yield* Sessions.lookup(state, entry.sessionId)
    if (Option.isNone(found)) return Either.left(Responses.unknownSession(config))
    const session = found.value
    yield* Sessions.touch(state, session)
    if (version !== undefined) {
      if (!supportedVersions.includes(version) && version !== session.protocolVersion) {
        return Either.left(Responses.badRequest(`Unsupported protocol version: ${version}`))
      }
      if (version !== session.protocolVersion) {
        return Either.left(
          Responses.badRequest(`MCP-Protocol-Version ${version} is not the negotiated ${session.protocolVersion}`)
        )
      }
    } else if (
      config.strictVersionHeader && session.protocolVersion !== undefined &&
      session.protocolVersion >= versionHeaderSince
    ) {
      return Either.left(Responses.badRequest("MCP-Protocol-Version header is required"))
    }
    return Either.right(session)
  })

const initialize = (state: ServerState, entry: MutableLogEntry, message: JsonRpc.Request, fault: Fault | undefined) =>
  Effect.gen(function*() {
    const { config } = state
    if (config.sessions && entry.sessionId !== undefined) {
      return Responses.badRequest("initialize must not carry Mcp-Session-Id", message.id)
    }
    const params = message.params ?? {}
    const requested = params.protocolVersion
    if (typeof requested !== "string") {
      return Responses.json(
        200,
        JsonRpc.failure(message.id, JsonRpc.ErrorCode.InvalidParams, "protocolVersion is required")
      )
    }
    const version = config.protocolVersion ??
      (supportedVersions.includes(requested) ? requested : latestVersion)
    let session: Session
    if (config.sessions) {
      const id = yield* Sessions.sessionId(
        state,
        fault?._tag === "InvalidSessionId" ? (fault.sessionId ?? "bad session id") : undefined
      )
      session = yield* Sessions.create(state, id, version, params.clientInfo, params.capabilities)
    } else if (state.stateless !== undefined) {
      session = state.stateless
    } else {
      return Responses.unknownSession(config)
    }
    state.initializeCount += 1
    const result = {
      protocolVersion: version,
      capabilities: config.capabilities,
      serverInfo: config.serverInfo,
      ...(config.instructions === undefined ? {} : { instructions: config.instructions })
    }
    const response = yield* answerRequest(state, session, message, fault, () => Effect.succeed(result))
    return session.id === undefined
      ? response
      : HttpServerResponse.setHeader(response, "mcp-session-id", session.id)
  })

export const post = (
  state: ServerState,
  entry: MutableLogEntry,
  parsed: Option.Option<unknown>,
  message: JsonRpc.Message | undefined,
  fault: Fault | undefined
): Effect.Effect<HttpServerResponse.HttpServerResponse> =>
  Effect.gen(function*() {
    const contentType = entry.headers["content-type"]
    if (contentType !== undefined && !contentType.toLowerCase().includes("application/json")) {
      return Responses.error(415, null, JsonRpc.ErrorCode.ServerError, "Unsupported Media Type: use application/json")
    }
    const accept = entry.headers["accept"]
    if (accept !== undefined && !acceptsAny(accept, ["application/json", "text/event-stream"])) {
      return Responses.error(
        406,
        null,
        JsonRpc.ErrorCode.ServerError,
        "Not Acceptable: accept application/json and text/event-stream"
      )
    }
    if (Option.isNone(parsed)) return Responses.error(400, null, JsonRpc.ErrorCode.ParseError, "Parse error")
    if (Array.isArray(parsed.value)) {
      return Responses.error(400, null, JsonRpc.ErrorCode.InvalidRequest, "JSON-RPC batches are not supported")
    }
    if (message === undefined) {
      return Responses.error(400, null, JsonRpc.ErrorCode.InvalidRequest, "Invalid JSON-RPC message")
    }
    if (message.kind === "request" && message.method === "initialize") {
      return yield* initialize(state, entry, message, fault)
    }
    const resolved = yield* resolveSession(state, entry)
    if (Either.isLeft(resolved)) return resolved.left
    const session = resolved.right
    switch (message.kind) {
      case "notification":
        yield* Methods.onNotification(session, message)
        return Responses.accepted
      case "response":
        yield* ServerToClient.onClientAnswer(session, message.id, Either.right(message.result))
        return Responses.accepted
      case "error":
        yield* ServerToClient.onClientAnswer(session, message.id, Either.left(new RpcError(message.error)))
        return Responses.accepted
      case "request":
        return yield* answerRequest(
          state,
          session,
          message,
          fault,
          (context) => Methods.dispatch(state, session, message, context)
        )
    }
  })

/** `<store id>:<index>`, the SSE event ids of a resumable server. */
const parseEventId = (id: string) => {
  const match = /^(s\d+):(\d+)$/.exec(id)
  return match === null ? undefined : { storeId: match[1], index: Number(match[2]) }
}

export const get = (
  state: ServerState,
  entry: MutableLogEntry,
  fault: Fault | undefined
): Effect.Effect<HttpServerResponse.HttpServerResponse> =>
  Effect.gen(function*() {
    const { config } = state
    if (!config.getStream) {
      return Responses.error(405, null, JsonRpc.ErrorCode.ServerError, "Method Not Allowed: no GET stream", {
        allow: config.sessions && config.allowDelete ? "POST, DELETE" : "POST"
      })
    }
    const accept = entry.headers["accept"]
    if (accept !== undefined && !acceptsAny(accept, ["text/event-stream"])) {
      return Responses.error(406, null, JsonRpc.ErrorCode.ServerError, "Not Acceptable: accept text/event-stream")
    }
    const resolved = yield* resolveSession(state, entry)
    if (Either.isLeft(resolved)) return resolved.left
    const session = resolved.right
    const closeAfter = fault?._tag === "CloseStream" ? Math.max(0, fault.afterEvents ?? 0) : undefined
    const retry = fault?._tag === "CloseStream" ? (fault.retryMillis ?? config.retryMillis) : config.retryMillis
    let store = session.getStore
    let from = store.delivered
    const resumeFrom = config.resumable ? entry.lastEventId : undefined
    if (resumeFrom !== undefined) {
      const eventId = parseEventId(resumeFrom)
      const found = eventId === undefined ? undefined : session.stores.get(eventId.storeId)
      if (eventId === undefined || found === undefined) {
        return Responses.badRequest(`unknown Last-Event-ID ${JSON.stringify(resumeFrom)} for this session`)
      }
      store = found
      from = eventId.index
    }
    let end: Effect.Effect<void> = Effect.never
    if (store.kind === "get") {
      // One GET stream per session: a new one replaces (ends) the previous connection.
      const connection = yield* Deferred.make<void>()
      if (session.getConnection !== undefined) yield* Deferred.succeed(session.getConnection, undefined)
      session.getConnection = connection
      end = Deferred.await(connection)
    }
    return SseStreams.response(state, {
      session,
      store,
      from,
      resumed: resumeFrom !== undefined,
      closeAfter,
      retry,
      end
    })
  })

export const del = (state: ServerState, entry: MutableLogEntry): Effect.Effect<HttpServerResponse.HttpServerResponse> =>
  Effect.gen(function*() {
    const { config } = state
    if (!config.allowDelete || !config.sessions) {
      return Responses.error(
        405,
        null,
        JsonRpc.ErrorCode.ServerError,
        "Method Not Allowed: sessions cannot be deleted",
        {
          allow: config.getStream ? "GET, POST" : "POST"
        }
      )
    }
    const resolved = yield* resolveSession(state, entry)
    if (Either.isLeft(resolved)) return resolved.left
    yield* Sessions.close(state, resolved.right)
    return HttpServerResponse.empty({ status: 200 })
  })

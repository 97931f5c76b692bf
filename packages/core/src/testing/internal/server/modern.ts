/**
 * The 2026-07-28 (stateless) mode of the test server (`era: "stateless"`):
 * POST only, no session. Every request is checked as a modern server checks
 * it (the version in `_meta` and its header, `Mcp-Method`, the client's
 * capabilities) and answered with the era's errors; `server/discover`;
 * results carry `resultType`. A handler's server→client request (the default
 * `elicit` tool's) becomes an `input_required` result (MRTR): the handler runs
 * again from the start on each retry, its earlier answers carried in
 * `requestState`, so the server keeps nothing between rounds.
 * `subscriptions/listen` is in `listeners.ts`.
 *
 * @internal
 */
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Encoding from "effect/Encoding"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Stream from "effect/Stream"
import type { Fault, ToolContext } from "../../McpTestServer.js"
import * as JsonRpc from "../jsonRpc.js"
import type { RpcError } from "../rpcError.js"
import * as Sse from "../sse.js"
import * as Listeners from "./listeners.js"
import * as Methods from "./methods.js"
import * as Responses from "./responses.js"
import * as ServerToClient from "./serverToClient.js"
import type { MutableLogEntry, ServerState, Session } from "./state.js"

/** The one version of this mode. */
export const MODERN_VERSION = "2026-07-28"

export const ErrorCode = { HeaderMismatch: -32020, UnsupportedProtocolVersion: -32022 } as const

const META = "io.modelcontextprotocol/"

/** Methods the era removed: answered as unknown (404 -32601). */
const removed: ReadonlySet<string> = new Set([
  "ping",
  "logging/setLevel",
  "resources/subscribe",
  "resources/unsubscribe"
])

/** A handler asked the client for input it does not have yet: the round ends with `input_required`. */
class InputNeeded extends Data.TaggedError("InputNeeded")<{
  readonly key: string
  readonly method: string
  readonly params: unknown
}> {}

/** Answers one POST of the modern mode. */
export const post = (
  state: ServerState,
  entry: MutableLogEntry,
  parsed: Option.Option<unknown>,
  message: JsonRpc.Message | undefined,
  fault: Fault | undefined
): Effect.Effect<HttpServerResponse.HttpServerResponse> =>
  Effect.suspend(() => {
    if (Option.isNone(parsed)) {
      return Effect.succeed(Responses.error(400, null, JsonRpc.ErrorCode.ParseError, "Parse error"))
    }
    if (message === undefined) {
      return Effect.succeed(Responses.error(400, null, JsonRpc.ErrorCode.InvalidRequest, "Invalid JSON-RPC message"))
    }
    // Nothing but requests has a meaning here (no session to notify; cancellation is closing a stream).
    if (message.kind !== "request") return Effect.succeed(Responses.accepted)
    const refused = check(entry, message)
    if (refused !== undefined) return Effect.succeed(refused)
    const session = state.stateless
    if (session === undefined) return Effect.succeed(Responses.error(503, message.id, -32603, "restarting"))
    switch (message.method) {
      case "server/discover":
        return Effect.succeed(Responses.json(200, JsonRpc.success(message.id, discover(state))))
      case "subscriptions/listen":
        return Effect.succeed(Listeners.listen(state, message, fault))
      default:
        return removed.has(message.method)
          ? Effect.succeed(Responses.error(404, message.id, JsonRpc.ErrorCode.MethodNotFound, "Method not found"))
          : call(state, session, message, fault)
    }
  })

/** The era's checks of one request (SH L252–261, IDX L365–392); a refusal, or nothing. */
const check = (entry: MutableLogEntry, message: JsonRpc.Request): HttpServerResponse.HttpServerResponse | undefined => {
  const meta = Predicate.isRecord(message.params?._meta) ? message.params._meta : {}
  const version = meta[`${META}protocolVersion`]
  if (version !== MODERN_VERSION) {
    return Responses.json(
      400,
      JsonRpc.failure(message.id, ErrorCode.UnsupportedProtocolVersion, "Unsupported protocol version", {
        supported: [MODERN_VERSION],
        requested: version ?? null
      })
    )
  }
  if (entry.protocolVersion !== version) {
    return Responses.json(
      400,
      JsonRpc.failure(message.id, ErrorCode.HeaderMismatch, "MCP-Protocol-Version does not match _meta")
    )
  }
  if (entry.headers["mcp-method"] !== message.method) {
    return Responses.json(400, JsonRpc.failure(message.id, ErrorCode.HeaderMismatch, "Mcp-Method does not match"))
  }
  if (!Predicate.isRecord(meta[`${META}clientCapabilities`])) {
    return Responses.json(
      400,
      JsonRpc.failure(message.id, JsonRpc.ErrorCode.InvalidParams, "_meta clientCapabilities is required")
    )
  }
  return undefined
}

const discover = (state: ServerState) => ({
  resultType: "complete",
  supportedVersions: [MODERN_VERSION],
  capabilities: state.config.capabilities,
  serverInfo: state.config.serverInfo,
  ...(state.config.instructions === undefined ? {} : { instructions: state.config.instructions })
})

/**
 * One round of a request: the handler runs with the answers gathered so far;
 * it finishes (`complete`), or stops at the first question it has no answer
 * for (`input_required`, with everything answered so far in `requestState`).
 * Its notifications and the response go out as SSE (JSON when there are none
 * and `answers` is "json"); a `CloseStream` fault ends that stream after
 * `afterEvents` notifications, without the response (the handler has run).
 */
const call = (
  state: ServerState,
  session: Session,
  message: JsonRpc.Request,
  fault: Fault | undefined
): Effect.Effect<HttpServerResponse.HttpServerResponse> =>
  Effect.gen(function*() {
    const params = message.params ?? {}
    const answers = { ...decodeState(params.requestState), ...recordOf(params.inputResponses) }
    const emitted: Array<JsonRpc.JsonObject> = []
    const context = mrtrContext(
      ServerToClient.makeContext(session, message, (m) => Effect.sync(() => void emitted.push(m))),
      answers
    )
    const outcome = yield* Methods.dispatch(state, session, message, context).pipe(
      Effect.map((result) => JsonRpc.success(message.id, withResultType(result))),
      Effect.catchAll((error) => Effect.succeed(JsonRpc.failure(message.id, error.code, error.message, error.data))),
      Effect.catchSomeDefect((defect) =>
        defect instanceof InputNeeded
          ? Option.some(Effect.succeed(JsonRpc.success(message.id, {
            resultType: "input_required",
            inputRequests: { [defect.key]: { method: defect.method, params: defect.params } },
            requestState: encodeState(answers)
          })))
          : Option.none()
      ),
      Effect.catchAllDefect((defect) =>
        Effect.succeed(JsonRpc.failure(message.id, JsonRpc.ErrorCode.InternalError, "Internal error", String(defect)))
      )
    )
    if (fault?._tag === "CloseStream") return sse(emitted.slice(0, Math.max(0, fault.afterEvents ?? 0)))
    if (emitted.length === 0 && state.config.answers === "json") return Responses.json(200, outcome)
    return sse([...emitted, outcome])
  })

/** A handler's context whose requests to the client are answered from `answers`, or end the round. */
const mrtrContext = (base: ToolContext, answers: Readonly<Record<string, unknown>>): ToolContext => {
  let asked = 0
  return {
    ...base,
    request: (method, params): Effect.Effect<unknown, RpcError> =>
      Effect.suspend(() => {
        const key = `input-${++asked}`
        return key in answers ? Effect.succeed(answers[key]) : Effect.die(new InputNeeded({ key, method, params }))
      })
  }
}

const withResultType = (result: unknown): unknown =>
  Predicate.isRecord(result) && result.resultType === undefined ? { ...result, resultType: "complete" } : result

const recordOf = (u: unknown): Readonly<Record<string, unknown>> => Predicate.isRecord(u) ? u : {}

/** The answers so far, as opaque text the client echoes (the server keeps nothing between rounds). */
const encodeState = (answers: Readonly<Record<string, unknown>>): string =>
  Encoding.encodeBase64Url(JSON.stringify(answers))

const decodeState = (u: unknown): Readonly<Record<string, unknown>> => {
  if (typeof u !== "string") return {}
  const decoded = Encoding.decodeBase64UrlString(u)
  if (Either.isLeft(decoded)) return {}
  try {
    return recordOf(JSON.parse(decoded.right))
  } catch {
    return {}
  }
}

/** Messages as one SSE body, then its end. */
const sse = (messages: ReadonlyArray<JsonRpc.JsonObject>): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.stream(
    Stream.fromIterable(messages).pipe(Stream.map((m) => Sse.message(JSON.stringify(m))), Stream.encodeText),
    { contentType: "text/event-stream", headers: { "cache-control": "no-cache" } }
  )

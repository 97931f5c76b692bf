/**
 * The HTTP front: every request is logged, parsed, matched against the
 * injected faults and routed; every answer gets its status logged and the
 * CORS headers.
 *
 * @internal
 */
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Fault } from "../../McpTestServer.js"
import * as JsonRpc from "../jsonRpc.js"
import * as Faults from "./faults.js"
import * as LegacySse from "./legacySse.js"
import * as Modern from "./modern.js"
import * as Responses from "./responses.js"
import * as Routes from "./routes.js"
import type { MutableLogEntry, ServerState } from "./state.js"

/** Appends the request to the log; the entry is filled in as the request is handled. */
const logRequest = (state: ServerState, request: HttpServerRequest.HttpServerRequest) =>
  Effect.map(Clock.currentTimeMillis, (timestamp) => {
    const headers = JsonRpc.stringEntries(request.headers)
    const entry: MutableLogEntry = {
      seq: ++state.logSeq,
      timestamp,
      httpMethod: request.method,
      url: request.url,
      headers,
      sessionId: headers["mcp-session-id"],
      protocolVersion: headers["mcp-protocol-version"],
      lastEventId: headers["last-event-id"],
      kind: undefined,
      rpcMethod: undefined,
      requestId: undefined,
      message: undefined,
      status: undefined,
      fault: undefined
    }
    state.log.push(entry)
    return entry
  })

interface Body {
  /** The body as JSON; `None` when it was no JSON. */
  readonly parsed: Option.Option<unknown>
  /** The body as a JSON-RPC message; `undefined` when it was none. */
  readonly message: JsonRpc.Message | undefined
}

/** Parses `text` and notes in `entry` what it was. */
const parseBody = (entry: MutableLogEntry, text: string): Body => {
  let parsed = Option.none<unknown>()
  let message: JsonRpc.Message | undefined
  try {
    const value: unknown = JSON.parse(text)
    parsed = Option.some(value)
    entry.message = value
    message = JsonRpc.classify(value)
  } catch {
    entry.message = text
  }
  entry.kind = message?.kind ?? "invalid"
  if (message !== undefined && message.kind !== "error" && message.kind !== "response") {
    entry.rpcMethod = message.method
  }
  if (message !== undefined && message.kind !== "notification" && message.id !== null) {
    entry.requestId = message.id
  }
  return { parsed, message }
}

const noBody: Body = { parsed: Option.none(), message: undefined }

const respond = (state: ServerState, request: HttpServerRequest.HttpServerRequest) =>
  Effect.gen(function*() {
    const { config } = state
    const entry = yield* logRequest(state, request)
    const answer = (response: HttpServerResponse.HttpServerResponse) => {
      entry.status = response.status
      return config.cors === undefined ? response : HttpServerResponse.setHeaders(response, config.cors)
    }
    if (request.method === "OPTIONS") {
      return answer(
        config.cors === undefined ?
          HttpServerResponse.empty({ status: 405 }) :
          HttpServerResponse.empty({ status: 204, headers: { "access-control-max-age": "600" } })
      )
    }

    let body = noBody
    if (request.method === "POST") {
      const text = yield* Effect.option(request.text)
      if (Option.isNone(text)) return answer(Responses.badRequest("could not read the body"))
      body = parseBody(entry, text.value)
    }

    const fault = Faults.take(state, request.method, entry.rpcMethod, entry.sessionId)
    entry.fault = fault?._tag
    if (fault !== undefined) {
      const preempted = yield* Faults.preempt(state, entry, fault)
      if (Option.isSome(preempted)) return answer(preempted.value)
    }

    let response: HttpServerResponse.HttpServerResponse
    if (config.era !== "sessions") {
      response = yield* otherEra(state, entry, request.method, body, fault)
      return answer(fault?._tag === "ContentType" ? Faults.withContentType(response, fault.contentType) : response)
    }
    switch (request.method) {
      case "POST":
        response = yield* Routes.post(state, entry, body.parsed, body.message, fault)
        break
      case "GET":
        response = yield* Routes.get(state, entry, fault)
        break
      case "DELETE":
        response = yield* Routes.del(state, entry)
        break
      default:
        response = Responses.error(405, null, JsonRpc.ErrorCode.ServerError, "Method Not Allowed", {
          allow: "GET, POST, DELETE"
        })
    }
    return answer(fault?._tag === "ContentType" ? Faults.withContentType(response, fault.contentType) : response)
  })

/** The routes of the modern and the HTTP+SSE modes. */
const otherEra = (
  state: ServerState,
  entry: MutableLogEntry,
  method: string,
  body: Body,
  fault: Fault | undefined
): Effect.Effect<HttpServerResponse.HttpServerResponse> => {
  if (state.config.era === "stateless") {
    return method === "POST"
      ? Modern.post(state, entry, body.parsed, body.message, fault)
      : Effect.succeed(HttpServerResponse.empty({ status: 405, headers: { allow: "POST" } }))
  }
  switch (method) {
    case "GET":
      return LegacySse.get(state, entry, fault)
    case "POST":
      return LegacySse.post(state, entry, body.parsed, body.message)
    default:
      return Effect.succeed(HttpServerResponse.empty({ status: 405, headers: { allow: "GET, POST" } }))
  }
}

/** The server as an `HttpApp`. */
export const app = (state: ServerState): HttpApp.Default =>
  // Interruptible: HTTP servers run apps uninterruptibly (`HttpApp.toHandled`), which would make a
  // `Hang` unstoppable and the races of an answer with the session's end wait forever for a loser
  // that cannot be interrupted.
  Effect.interruptible(Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => respond(state, request)))

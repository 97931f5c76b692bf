/**
 * Injected faults: the queue `Handle.inject` fills, and what each fault does
 * to the answer of the request it matches.
 *
 * @internal
 */
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Fault, FaultMatch } from "../../McpTestServer.js"
import * as JsonRpc from "../jsonRpc.js"
import * as Responses from "./responses.js"
import * as Sessions from "./sessions.js"
import type { MutableLogEntry, ServerState } from "./state.js"

export const inject = (state: ServerState, fault: Fault, match: FaultMatch): Effect.Effect<void> =>
  Effect.sync(() => {
    state.faults.push({ fault, match, remaining: Math.max(1, match.times ?? 1) })
  })

/** How many fault applications are still queued. */
export const pending = (state: ServerState): Effect.Effect<number> =>
  Effect.sync(() => state.faults.reduce((sum, f) => sum + f.remaining, 0))

/** The first queued fault matching the request, used up once (synchronous: call it inside a step). */
export const take = (
  state: ServerState,
  httpMethod: string,
  rpcMethod: string | undefined,
  sessionId: string | undefined
): Fault | undefined => {
  const index = state.faults.findIndex(({ match }) =>
    (match.httpMethod === undefined || match.httpMethod === httpMethod) &&
    (match.rpcMethod === undefined || match.rpcMethod === rpcMethod) &&
    (match.sessionId === undefined || match.sessionId === sessionId)
  )
  if (index === -1) return undefined
  const queued = state.faults[index]
  queued.remaining -= 1
  if (queued.remaining <= 0) state.faults.splice(index, 1)
  return queued.fault
}

/**
 * The answer of a fault that replaces processing the request (`Hang`: none,
 * ever); `None` for the faults that change a processed request's answer.
 */
export const preempt = (
  state: ServerState,
  entry: MutableLogEntry,
  fault: Fault
): Effect.Effect<Option.Option<HttpServerResponse.HttpServerResponse>> => {
  switch (fault._tag) {
    case "Status":
      return Effect.succeed(Option.some(HttpServerResponse.text(
        fault.body ?? JSON.stringify(
          JsonRpc.failure(
            entry.kind === "request" && entry.requestId !== undefined ? entry.requestId : null,
            JsonRpc.ErrorCode.ServerError,
            `Injected fault: HTTP ${fault.status}`
          )
        ),
        { status: fault.status, contentType: fault.contentType ?? "application/json", headers: fault.headers }
      )))
    case "Hang":
      return Effect.never
    case "MalformedJson":
      return Effect.succeed(Option.some(
        HttpServerResponse.text(fault.body ?? "{\"jsonrpc\":\"2.0\",\"id\":", { contentType: "application/json" })
      ))
    case "MalformedSse":
      return Effect.succeed(Option.some(HttpServerResponse.text(
        fault.body ?? "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":\n\n",
        { contentType: "text/event-stream" }
      )))
    case "ExpireSession":
      return Effect.suspend(() => {
        const session = entry.sessionId === undefined ? undefined : state.sessions.get(entry.sessionId)
        return Effect.as(
          session === undefined ? Effect.void : Sessions.close(state, session),
          Option.some(Responses.unknownSession(state.config, fault.status))
        )
      })
    default:
      return Effect.succeed(Option.none())
  }
}

/** The `ContentType` fault: the processed answer, labelled `contentType`. */
export const withContentType = (
  response: HttpServerResponse.HttpServerResponse,
  contentType: string
): HttpServerResponse.HttpServerResponse => {
  const options = { status: response.status, headers: response.headers, contentType }
  switch (response.body._tag) {
    case "Uint8Array":
      return HttpServerResponse.uint8Array(response.body.body, options)
    case "Stream":
      return HttpServerResponse.stream(response.body.stream, options)
    default:
      return HttpServerResponse.setHeader(response, "content-type", contentType)
  }
}

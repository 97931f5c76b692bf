/**
 * Reading the answer to one request of the 2026-07-28 era: a JSON body or an
 * SSE stream carrying only that request's notifications, then its response.
 * The response is matched by the id this round was sent with (every MRTR
 * round and every retry has an id of its own); notifications go to the
 * inbox. No resumption: the era has none (SH L157). A stream that ends
 * before the response is a connection cut while the answer was read
 * (`TransportError` "response"): the recovery then re-issues the request as a
 * new one with a new id where the replay policy allows (CHG L28: "clients
 * MUST re-issue it as a new request with a new request ID"; the policy is
 * ours: a call with side effects is not sent twice), else `RequestLost`.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as JsonRpc from "../../../JsonRpc.js"
import * as McpError from "../../../McpError.js"
import * as Errors from "../../errors.js"
import type { Context, Inbox, Target } from "../../transport.js"
import type * as Exchange from "../exchange.js"

/** Waits for the response to request `id` in `answer`, delivering everything else. @internal */
export const read = (
  inbox: Inbox,
  target: Target,
  ctx: Context,
  id: JsonRpc.RequestId,
  answer: Exchange.Answer
): Effect.Effect<JsonRpc.JsonRpcResponse, McpError.McpError> => {
  switch (answer._tag) {
    case "Accepted":
      return Effect.fail(
        Errors.protocolError(ctx, target, "MalformedJson", "the server answered a request with an empty body")
      )
    case "Json": {
      const messages = Array.isArray(answer.message) ? answer.message : [answer.message]
      return Effect.suspend(() => {
        let found: JsonRpc.JsonRpcResponse | undefined = undefined
        return Effect.zipRight(
          Effect.forEach(messages, (message: JsonRpc.JsonRpcMessage) => {
            if (JsonRpc.isResponse(message)) {
              if (message.id === id) found = message
              return Effect.void
            }
            return inbox.deliver(target, message)
          }, { discard: true }),
          Effect.suspend(() =>
            found !== undefined
              ? Effect.succeed(found)
              : Effect.fail(
                Errors.protocolError(ctx, target, "MalformedJson", "the JSON body carried no response to the request")
              )
          )
        )
      })
    }
    case "Sse":
      return Effect.suspend(() => {
        let found: JsonRpc.JsonRpcResponse | undefined = undefined
        return answer.events.runForEachWhile((event): Effect.Effect<boolean, McpError.McpError> => {
          if (event._tag === "Retry" || event.data === "") return Effect.succeed(true)
          const parsed = JsonRpc.parseMessage(event.data)
          if (parsed._tag === "Left") {
            return Effect.fail(Errors.protocolError(ctx, target, "MalformedJson", parsed.left))
          }
          const messages = Array.isArray(parsed.right) ? parsed.right : [parsed.right]
          return Effect.map(
            Effect.forEach(messages, (message: JsonRpc.JsonRpcMessage) => {
              if (JsonRpc.isResponse(message)) {
                if (message.id === id) found = message
                return Effect.void
              }
              return inbox.deliver(target, message)
            }, { discard: true }),
            // The stream ends with the response: stop reading (closing it is no cancellation then).
            () => found === undefined
          )
        }).pipe(
          Effect.flatMap(() =>
            found !== undefined
              ? Effect.succeed(found)
              : Effect.fail(cut(ctx, target))
          )
        )
      })
  }
}

/** The answer stream ended without the response: to the recovery, a connection cut in the answer. */
const cut = (ctx: Context, target: Target): McpError.McpError =>
  new McpError.TransportError({
    ...Errors.context(ctx, target),
    phase: "response",
    description: "the answer stream ended before the response arrived (2026-07-28 has no resumption)",
    cause: Errors.protocolError(ctx, target, "StreamEnded", "the answer stream ended before the response arrived")
  })

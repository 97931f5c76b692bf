/**
 * Where every message from the server lands, whichever stream or process
 * carried it: a response fills its pending request, a request is answered by
 * the application's handlers (`serverRequests.ts`), a notification goes to
 * the progress handler it concerns and to the subscribers.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as JsonRpc from "../JsonRpc.js"
import * as McpSchema from "../McpSchema.js"
import { mapNow } from "./now.js"
import * as ServerRequests from "./serverRequests.js"
import * as State from "./state.js"
import type * as Transport from "./transport.js"

/** The inbox the client's transport delivers to. @internal */
export const inbox = (state: State.ClientState): Transport.Inbox => ({
  deliver: (target, message) => deliver(state, target, message),
  responseOf: (id) => state.pending.get(id)?.response,
  gone: (error) => State.gone(state, error),
  nextId: () => state.nextId++
})

/** Returns false for a response nobody waits for (a protocol violation where a request expects its own). @internal */
export const deliver = (
  state: State.ClientState,
  target: Transport.Target,
  message: JsonRpc.JsonRpcMessage
): Effect.Effect<boolean> => {
  if (JsonRpc.isResponse(message)) {
    const entry = message.id === null ? undefined : state.pending.get(message.id)
    if (entry === undefined || entry.response !== undefined) return known(false)
    entry.response = message
    return known(true)
  }
  if (JsonRpc.isRequest(message)) return Effect.as(ServerRequests.answer(state, target, message), true)
  return mapNow(notification(state, message), () => true)
}

const notification = (state: State.ClientState, message: JsonRpc.JsonRpcNotification): Effect.Effect<void> => {
  const notification = McpSchema.decodeServerNotification(message.method, message.params)
  switch (notification._tag) {
    case "Progress": {
      const handler = state.progressHandlers?.get(notification.params.progressToken)
      if (handler !== undefined) handler(notification.params)
      break
    }
    case "Cancelled": {
      // The server gave up on a request it sent us: stop answering it.
      const fiber = state.serverRequests?.get(notification.params.requestId ?? "")
      if (fiber !== undefined) {
        return Effect.zipRight(Fiber.interruptFork(fiber), state.notifications.publish(notification))
      }
      break
    }
  }
  // The PubSub is unbounded, so an offer is refused only after shutdown — where `publish`
  // interrupts, as this does. Offering right away spares running an Effect per notification
  // (thousands per call when a tool reports progress).
  return state.notifications.offer(notification) ? Effect.void : Effect.interrupt
}

const knownTrue = Exit.succeed(true)
const knownFalse = Exit.succeed(false)
/** Whether a message was expected, as an Effect that is already done. */
const known = (value: boolean): Effect.Effect<boolean> => value ? knownTrue : knownFalse

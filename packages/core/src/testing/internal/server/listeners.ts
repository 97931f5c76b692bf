/**
 * `subscriptions/listen` of the modern mode (SUB): one SSE stream per listen
 * request, its first message the acknowledgement of the filter's honoured
 * subset, then the notifications the filter asks for, each carrying the
 * subscription id (the listen request's id) in `_meta`. The stream stays open
 * until the client closes it, or the server restarts (`Handle.restart`), which
 * ends it gracefully with the final result; a `CloseStream` fault drops it
 * after `afterEvents` notifications, without a final result.
 *
 * @internal
 */
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as Predicate from "effect/Predicate"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import type { Fault } from "../../McpTestServer.js"
import * as JsonRpc from "../jsonRpc.js"
import * as Sse from "../sse.js"
import type { OpenStreamRecord, ServerState } from "./state.js"

/** One open listen stream. */
export interface Listener {
  readonly id: JsonRpc.Id
  readonly lists: ReadonlySet<string>
  readonly uris: ReadonlySet<string>
  readonly queue: Queue.Queue<JsonRpc.JsonObject>
}

const flags = [
  ["toolsListChanged", "tools", "notifications/tools/list_changed"],
  ["promptsListChanged", "prompts", "notifications/prompts/list_changed"],
  ["resourcesListChanged", "resources", "notifications/resources/list_changed"]
] as const

/** The honoured subset of a filter: what the server's capabilities say it can send. */
const honour = (state: ServerState, filter: Readonly<Record<string, unknown>>) => {
  const capabilities = state.config.capabilities
  const declared = (name: string, key: string) => {
    const capability = capabilities[name]
    return Predicate.isRecord(capability) && capability[key] === true
  }
  const lists = new Set<string>()
  const acknowledged: Record<string, unknown> = {}
  for (const [flag, capability, method] of flags) {
    if (filter[flag] === true && declared(capability, "listChanged")) {
      lists.add(method)
      acknowledged[flag] = true
    }
  }
  const requested = Array.isArray(filter.resourceSubscriptions)
    ? filter.resourceSubscriptions.filter((u): u is string => typeof u === "string")
    : []
  const uris = declared("resources", "subscribe") ? new Set(requested) : new Set<string>()
  if (uris.size > 0) acknowledged.resourceSubscriptions = [...uris]
  return { lists, uris, acknowledged }
}

/** The SSE answer to a `subscriptions/listen` request. */
export const listen = (
  state: ServerState,
  message: JsonRpc.Request,
  fault: Fault | undefined
): HttpServerResponse.HttpServerResponse => {
  const filter = Predicate.isRecord(message.params?.notifications) ? message.params.notifications : {}
  const { acknowledged, lists, uris } = honour(state, filter)
  const body = Stream.unwrapScoped(Effect.gen(function*() {
    const queue = yield* Queue.unbounded<JsonRpc.JsonObject>()
    const listener: Listener = { id: message.id, lists, uris, queue }
    const record: OpenStreamRecord = {
      connection: ++state.connectionCounter,
      sessionId: undefined,
      kind: "listen",
      streamId: `listen-${JsonRpc.idKey(message.id)}`,
      resumed: false,
      requestId: message.id
    }
    yield* Effect.acquireRelease(
      Effect.zipRight(
        Effect.sync(() => state.listeners.add(listener)),
        SubscriptionRef.update(state.openStreams, (all) => [...all, record])
      ),
      () =>
        Effect.zipRight(
          Effect.sync(() => state.listeners.delete(listener)),
          SubscriptionRef.update(state.openStreams, (all) => all.filter((r) => r !== record))
        )
    )
    const ack = JsonRpc.notification("notifications/subscriptions/acknowledged", {
      _meta: subscription(message.id),
      notifications: acknowledged
    })
    // The final result (see `endAll`) is the stream's last message.
    const after = Stream.takeUntil(Stream.fromQueue(queue), (m) => m.id === message.id)
    return Stream.concat(
      Stream.make(ack),
      fault?._tag === "CloseStream" ? Stream.take(after, Math.max(0, fault.afterEvents ?? 0)) : after
    )
  }))
  return HttpServerResponse.stream(
    body.pipe(Stream.map((m) => Sse.message(JSON.stringify(m))), Stream.encodeText),
    { contentType: "text/event-stream", headers: { "cache-control": "no-cache", "x-accel-buffering": "no" } }
  )
}

/** Ends every listen stream gracefully (SUB "Graceful Closure"): the final result, then the end. */
export const endAll = (state: ServerState): Effect.Effect<void> =>
  Effect.forEach(
    state.listeners,
    (listener) =>
      Queue.offer(
        listener.queue,
        JsonRpc.success(listener.id, { resultType: "complete", _meta: subscription(listener.id) })
      ),
    { discard: true }
  )

const subscription = (id: JsonRpc.Id) => ({ "io.modelcontextprotocol/subscriptionId": id })

/** Sends `message` (a list change or a resource update) on every listen stream whose filter asks for it. */
export const publish = (state: ServerState, message: JsonRpc.JsonObject): Effect.Effect<void> =>
  Effect.forEach(state.listeners, (listener) => {
    const method = message.method
    const params = Predicate.isRecord(message.params) ? message.params : {}
    const wanted = typeof method === "string" && (listener.lists.has(method) ||
      (method === "notifications/resources/updated" && typeof params.uri === "string" &&
        listener.uris.has(params.uri)))
    if (!wanted) return Effect.void
    return Queue.offer(
      listener.queue,
      JsonRpc.notification(String(method), { ...params, _meta: subscription(listener.id) })
    )
  }, { discard: true })

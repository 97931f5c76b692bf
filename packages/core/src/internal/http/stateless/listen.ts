/**
 * `subscriptions/listen` (SUB): the 2026-07-28 era's replacement for the GET
 * stream and `resources/subscribe`, behind the API apps already use
 * (`subscribeResource`, `notifications`).
 *
 * One listen stream holds the client's whole filter: the lists the server
 * says change (its `listChanged` capabilities) and the resources subscribed
 * to. A new filter opens a new stream and, once the server has acknowledged
 * it, closes the old one (so nothing falls between the two; a notification
 * may arrive twice meanwhile). A stream that drops without the server's final
 * result is opened again, with a new id, under the `reconnect` schedule (its
 * count starts over at each acknowledgement); since the era has no
 * resumption, what the server sent in between is lost, so after a re-listen
 * the client tells the app every list and resource may have changed (a
 * `list_changed` / `updated` notification for each acknowledged one). A final
 * result or `notifications/cancelled` is a clean end: no re-listen. Closing the
 * session's scope (the client's end) interrupts the stream, which closes it:
 * that is how a client ends a subscription over HTTP.
 *
 * @internal
 */
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import type * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as JsonRpc from "../../../JsonRpc.js"
import type * as McpError from "../../../McpError.js"
import * as Deadline from "../../deadline.js"
import * as Errors from "../../errors.js"
import * as Schedules from "../../schedule.js"
import type * as Transport from "../../transport.js"
import * as Core from "./core.js"
import * as Headers from "./headers.js"

/** The filter of a listen request (SUB "Notification Filter"). @internal */
export interface Filter {
  readonly toolsListChanged?: boolean
  readonly promptsListChanged?: boolean
  readonly resourcesListChanged?: boolean
  readonly resourceSubscriptions?: ReadonlyArray<string>
}

/** @internal */
export interface Listener {
  /** Listens for the lists the server says change (`capabilities` of its discover result). */
  readonly lists: (capabilities: unknown) => Effect.Effect<void>
  /** Adds `uri` to the filter; succeeds once the server has acknowledged it. */
  readonly subscribe: (ctx: Transport.Context, uri: string) => Effect.Effect<void, McpError.McpError>
  readonly unsubscribe: (ctx: Transport.Context, uri: string) => Effect.Effect<void, McpError.McpError>
}

const METHOD = "subscriptions/listen"
const ACKNOWLEDGED = "notifications/subscriptions/acknowledged"
const SUBSCRIPTION_ID = "io.modelcontextprotocol/subscriptionId"

const listChanged = [
  ["tools", "toolsListChanged"],
  ["prompts", "promptsListChanged"],
  ["resources", "resourcesListChanged"]
] as const

/** The listener of one stateless session; its streams live in `scope`. @internal */
export const make = (
  self: Core.Self,
  target: Transport.Target,
  scope: Scope.Scope,
  reconnect: Schedule.Schedule<unknown>
): Listener => {
  const lists: Record<string, boolean> = {}
  const uris = new Set<string>()
  let current: Fiber.RuntimeFiber<void> | undefined = undefined
  const lock = Effect.unsafeMakeSemaphore(1)

  const filter = (): Filter => ({
    ...lists,
    ...(uris.size === 0 ? {} : { resourceSubscriptions: [...uris] })
  })

  /** Opens a stream with the current filter, waits for its acknowledgement, then closes the old one. */
  const apply = (ctx: Transport.Context): Effect.Effect<Filter | undefined, McpError.McpError> =>
    lock.withPermits(1)(Effect.gen(function*() {
      const wanted = filter()
      const old = current
      if (Object.keys(wanted).length === 0) {
        current = undefined
        if (old !== undefined) yield* Fiber.interrupt(old)
        return undefined
      }
      const acknowledged = yield* Deferred.make<Filter, McpError.McpError>()
      const fiber = yield* Effect.forkIn(run(self, target, wanted, acknowledged, reconnect), scope)
      // Given up waiting (a failure, the caller's deadline, an interruption): that stream is not wanted.
      const honoured = yield* Deadline.guard(
        ctx.deadline,
        Effect.onExit(
          Deferred.await(acknowledged),
          (exit) => exit._tag === "Failure" ? Fiber.interrupt(fiber) : Effect.void
        )
      )
      current = fiber
      if (old !== undefined) yield* Fiber.interrupt(old)
      return honoured
    }))

  return {
    lists: (capabilities) =>
      Effect.suspend(() => {
        for (const [capability, flag] of listChanged) {
          const declared = Core.isRecord(capabilities) ? capabilities[capability] : undefined
          if (Core.isRecord(declared) && declared.listChanged === true) lists[flag] = true
        }
        return apply({ method: METHOD }).pipe(
          Effect.catchAll((error) =>
            Effect.logWarning("subscriptions/listen: could not listen for list changes").pipe(
              Effect.annotateLogs({ error: error.message })
            )
          ),
          Effect.asVoid
        )
      }),
    subscribe: (ctx, uri) =>
      Effect.suspend(() => {
        uris.add(uri)
        return Effect.flatMap(apply(ctx), (honoured) => {
          if (honoured?.resourceSubscriptions?.includes(uri) === true) return Effect.void
          uris.delete(uri)
          return Effect.fail(Errors.jsonRpcError(ctx, target, {
            code: JsonRpc.ErrorCode.MethodNotFound,
            message: `the server did not acknowledge a subscription to ${uri}`,
            data: { acknowledged: honoured ?? {} }
          }))
        }).pipe(Effect.tapError(() => Effect.sync(() => uris.delete(uri))))
      }),
    unsubscribe: (ctx, uri) => Effect.suspend(() => uris.delete(uri) ? Effect.asVoid(apply(ctx)) : Effect.void)
  }
}

/**
 * One subscription: streams one after the other until a clean end, the
 * schedule gives up, or the fiber is interrupted. `acknowledged` is completed
 * by the first stream's acknowledgement (or failed, when none came).
 */
const run = (
  self: Core.Self,
  target: Transport.Target,
  filter: Filter,
  acknowledged: Deferred.Deferred<Filter, McpError.McpError>,
  reconnect: Schedule.Schedule<unknown>
): Effect.Effect<void> =>
  Effect.gen(function*() {
    const schedule = Schedules.stepper(reconnect)
    let relisten = false
    while (true) {
      const id = self.inbox.nextId()
      const outcome = yield* Effect.either(stream(self, target, filter, id, relisten, (honoured) =>
        Effect.sync(() => {
          schedule.reset()
          relisten = true
        }).pipe(Effect.zipRight(Deferred.succeed(acknowledged, honoured)))))
      if (outcome._tag === "Right" && outcome.right === "Closed") {
        // The server ended the subscription (or never acknowledged and answered at once).
        return yield* Deferred.fail(acknowledged, notAcknowledged(target, id)).pipe(Effect.asVoid)
      }
      const error = outcome._tag === "Left" ? outcome.left : undefined
      // A refusal the first time (e.g. 404 -32601: the server has no subscriptions) is the answer.
      if (error !== undefined && !relisten && !Errors.isTransient(error)) {
        return yield* Effect.asVoid(Deferred.fail(acknowledged, error))
      }
      const delay = yield* schedule.next
      if (Option.isNone(delay)) {
        yield* Deferred.fail(acknowledged, error ?? notAcknowledged(target, id))
        return yield* Effect.logWarning("subscriptions/listen: giving up re-listening").pipe(
          Effect.annotateLogs({ error: error?.message ?? "the stream ended without a final result" })
        )
      }
      yield* Effect.logDebug("subscriptions/listen: the stream dropped; listening again").pipe(
        Effect.annotateLogs({ error: error?.message ?? "the stream ended without a final result" })
      )
      yield* Effect.sleep(Duration.millis(delay.value))
    }
  })

/**
 * One listen stream: `Closed` when the server ended it (its final result, or
 * `notifications/cancelled`), `Dropped` when it just stopped.
 */
const stream = (
  self: Core.Self,
  target: Transport.Target,
  filter: Filter,
  id: number,
  relisten: boolean,
  onAcknowledged: (honoured: Filter) => Effect.Effect<unknown>
): Effect.Effect<"Closed" | "Dropped", McpError.McpError> =>
  Effect.gen(function*() {
    const ctx: Transport.Context = { method: METHOD, requestId: id }
    const params = { notifications: filter }
    const answer = yield* self.exchange.post(
      ctx,
      JSON.stringify(Core.withMeta(self, { id, method: METHOD, params })),
      target,
      true,
      { ...Headers.forRequest(METHOD, params, undefined), "mcp-protocol-version": self.version }
    )
    let ended: "Closed" | "Dropped" = "Dropped"
    const onMessage = (message: JsonRpc.JsonRpcMessage): Effect.Effect<boolean, McpError.McpError> => {
      if (JsonRpc.isResponse(message)) {
        if (message.id !== id) return Effect.succeed(true)
        if (JsonRpc.isFailure(message)) return Effect.fail(Errors.jsonRpcError(ctx, target, message.error))
        ended = "Closed"
        return Effect.succeed(false)
      }
      if (!JsonRpc.isNotification(message) || !ours(message.params, id)) return Effect.succeed(true)
      if (message.method === "notifications/cancelled") {
        ended = "Closed"
        return Effect.succeed(false)
      }
      if (message.method === ACKNOWLEDGED) {
        const honoured = acknowledgedFilter(message.params)
        return Effect.as(
          Effect.zipRight(onAcknowledged(honoured), relisten ? missed(self, target, honoured) : Effect.void),
          true
        )
      }
      return Effect.as(self.inbox.deliver(target, message), true)
    }
    switch (answer._tag) {
      case "Accepted":
        return yield* Effect.fail(
          Errors.protocolError(ctx, target, "MalformedJson", "the server answered subscriptions/listen with no body")
        )
      case "Json": {
        const messages = Array.isArray(answer.message) ? answer.message : [answer.message]
        for (const message of messages) if (!(yield* onMessage(message))) break
        return ended
      }
      case "Sse":
        yield* answer.events.runForEachWhile((event) => {
          if (event._tag === "Retry" || event.data === "") return Effect.succeed(true)
          const parsed = JsonRpc.parseMessage(event.data)
          if (parsed._tag === "Left") {
            return Effect.fail(Errors.protocolError(ctx, target, "MalformedJson", parsed.left))
          }
          const messages = Array.isArray(parsed.right) ? parsed.right : [parsed.right]
          return Effect.reduce(messages, true, (go, message) => go ? onMessage(message) : Effect.succeed(false))
        })
        return ended
    }
  })

/** A message of this subscription: its `_meta` names it (a message naming none is taken as ours). */
const ours = (params: unknown, id: number): boolean => {
  const meta = Core.isRecord(params) && Core.isRecord(params._meta) ? params._meta : undefined
  const named = meta?.[SUBSCRIPTION_ID]
  return named === undefined || named === id || named === String(id)
}

const acknowledgedFilter = (params: unknown): Filter => {
  const notifications = Core.isRecord(params) && Core.isRecord(params.notifications) ? params.notifications : {}
  const uris = Array.isArray(notifications.resourceSubscriptions)
    ? notifications.resourceSubscriptions.filter((u): u is string => typeof u === "string")
    : undefined
  return {
    ...(notifications.toolsListChanged === true ? { toolsListChanged: true } : {}),
    ...(notifications.promptsListChanged === true ? { promptsListChanged: true } : {}),
    ...(notifications.resourcesListChanged === true ? { resourcesListChanged: true } : {}),
    ...(uris === undefined ? {} : { resourceSubscriptions: uris })
  }
}

/** After a re-listen: whatever was acknowledged may have changed while nobody listened. */
const missed = (self: Core.Self, target: Transport.Target, honoured: Filter): Effect.Effect<void> =>
  Effect.forEach([
    ...listChanged.filter(([, flag]) => honoured[flag] === true).map(([capability]) =>
      JsonRpc.notification(`notifications/${capability}/list_changed`, undefined)
    ),
    ...(honoured.resourceSubscriptions ?? []).map((uri) =>
      JsonRpc.notification("notifications/resources/updated", { uri })
    )
  ], (message) =>
    self.inbox.deliver(target, message), { discard: true })

const notAcknowledged = (target: Transport.Target, id: number): McpError.McpError =>
  Errors.protocolError(
    { method: METHOD, requestId: id },
    target,
    "StreamEnded",
    "the listen stream ended before the server acknowledged it"
  )

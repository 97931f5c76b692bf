/**
 * Event stores: every answer stream is the events written so far plus
 * whether it is done, which any number of connections read (see `EventStore`).
 *
 * @internal
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import type * as JsonRpc from "../jsonRpc.js"
import type { EventStore, ServerState, StoreState } from "./state.js"

export const make = (
  state: ServerState,
  kind: EventStore["kind"],
  requestId: JsonRpc.Id | undefined
): Effect.Effect<EventStore> =>
  Effect.map(
    SubscriptionRef.make<StoreState>({ events: Chunk.empty(), done: false }),
    (ref): EventStore => ({ id: `s${++state.storeCounter}`, kind, requestId, state: ref, delivered: 0 })
  )

/** Writes one message (the last one when `done`); a done store takes no more. */
export const append = (store: EventStore, message: JsonRpc.JsonObject, done = false): Effect.Effect<void> =>
  SubscriptionRef.update(
    store.state,
    (s) => s.done ? s : { events: Chunk.append(s.events, JSON.stringify(message)), done }
  )

export const end = (store: EventStore): Effect.Effect<void> =>
  SubscriptionRef.update(store.state, (s) => ({ ...s, done: true }))

/** One event with its 1-based position in the store (the number after `:` in its SSE id). */
export interface StoredEvent {
  readonly index: number
  readonly json: string
}

/** The events after the first `from`, as they come, until the store is done. */
export const read = (store: EventStore, from: number): Stream.Stream<StoredEvent> =>
  store.state.changes.pipe(
    Stream.mapAccum(from, (seen, s) => {
      const fresh = Chunk.toReadonlyArray(Chunk.drop(s.events, seen)).map((json, i) => ({
        index: seen + i + 1,
        json
      }))
      return [Math.max(seen, Chunk.size(s.events)), { fresh, done: s.done }] as const
    }),
    Stream.takeUntil((batch) => batch.done),
    Stream.mapConcat((batch) => batch.fresh)
  )

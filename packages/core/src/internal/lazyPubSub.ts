/**
 * A broadcast of messages to subscribers, each its own unbounded Queue, made
 * with its first subscriber.
 *
 * Most clients never subscribe to their notifications or session events, and
 * a message published with nobody subscribed reaches nobody either way: so
 * there is nothing until someone subscribes (an application may hold a client
 * per user).
 *
 * Queues, not an `effect/PubSub`: what a subscriber sees is the same (every
 * message published while it is subscribed, in order; its stream ends at the
 * shutdown), and PubSub's module is 9 KB of every browser bundle
 * (`pnpm bench:bundle --why`) for strategies and bounded capacities the client
 * never uses. Queue's module is in every bundle anyway (streams use it).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"

/** @internal */
export class LazyPubSub<A> {
  private subscribers: Set<Queue.Queue<A>> | undefined = undefined
  private closed = false

  /** Offers `a` to the subscribers there are; false only once shut down. */
  offer(a: A): boolean {
    if (this.closed) return false
    if (this.subscribers !== undefined) { for (const queue of this.subscribers) queue.unsafeOffer(a) }
    return true
  }

  /** `offer` as an Effect: interrupts once shut down, as `PubSub.publish` does. */
  publish(a: A): Effect.Effect<void> {
    return Effect.suspend(() => this.offer(a) ? Effect.void : Effect.interrupt)
  }

  // `subscribe` and `shutdown` are getters, built when read: as fields, each instance held two
  // prebuilt Effects and their closures (three instances a client).
  /** A queue of every message offered from now until the scope closes or the shutdown (then it is shut down). */
  get subscribe(): Effect.Effect<Queue.Dequeue<A>, never, Scope.Scope> {
    return Effect.acquireRelease(
      Effect.flatMap(Queue.unbounded<A>(), (queue) => {
        // Subscribed after the shutdown: a queue already shut down, as PubSub's subscriptions are then.
        if (this.closed) return Effect.as(Queue.shutdown(queue), queue)
        ;(this.subscribers ??= new Set()).add(queue)
        return Effect.succeed(queue)
      }),
      (queue) =>
        Effect.suspend(() => {
          this.subscribers?.delete(queue)
          return Queue.shutdown(queue)
        })
    )
  }

  get shutdown(): Effect.Effect<void> {
    return Effect.suspend(() => {
      this.closed = true
      const subscribers = this.subscribers
      this.subscribers = undefined
      return subscribers === undefined ? Effect.void : Effect.forEach(subscribers, Queue.shutdown, { discard: true })
    })
  }
}

/**
 * A PubSub made with its first subscriber.
 *
 * Most clients never subscribe to their notifications or session events, and
 * a message published with nobody subscribed reaches nobody either way: so
 * there is no PubSub until someone subscribes (an unbounded PubSub, its
 * strategy and subscriber set are ~1 KiB per client, which matters for an
 * application holding a client per user).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as PubSub from "effect/PubSub"
import type * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"

/** @internal */
export class LazyPubSub<A> {
  private pubsub: PubSub.PubSub<A> | undefined = undefined
  private closed = false

  /** Offers `a` to the subscribers there are; false only once shut down. */
  offer(a: A): boolean {
    if (this.closed) return false
    return this.pubsub === undefined ? true : this.pubsub.unsafeOffer(a)
  }

  /** `offer` as an Effect: interrupts once shut down, as `PubSub.publish` does. */
  publish(a: A): Effect.Effect<void> {
    return Effect.suspend(() => this.offer(a) ? Effect.void : Effect.interrupt)
  }

  // `subscribe` and `shutdown` are getters, built when read: as fields, each instance held two
  // prebuilt Effects and their closures (three instances a client).
  get subscribe(): Effect.Effect<Queue.Dequeue<A>, never, Scope.Scope> {
    return Effect.suspend(() => this.subscribeNow())
  }

  private subscribeNow(): Effect.Effect<Queue.Dequeue<A>, never, Scope.Scope> {
    return Effect.flatMap(
      this.pubsub === undefined ? PubSub.unbounded<A>() : Effect.succeed(this.pubsub),
      (made) => {
        // Made here unless another subscriber made one first (both ran before either stored it).
        const pubsub = (this.pubsub ??= made)
        if (this.closed) return Effect.zipRight(PubSub.shutdown(pubsub), PubSub.subscribe(pubsub))
        return PubSub.subscribe(pubsub)
      }
    )
  }

  get shutdown(): Effect.Effect<void> {
    return Effect.suspend(() => {
      this.closed = true
      return this.pubsub === undefined ? Effect.void : PubSub.shutdown(this.pubsub)
    })
  }
}

/**
 * Combinators for the hot paths (every message of an SSE stream, every
 * request): many steps are already done when their Effect is built —
 * `Effect.void`, `Effect.succeed`, static headers are Exits. These combine
 * such finished steps at once instead of building and running more Effects,
 * and fall back to map / flatMap for anything else.
 *
 * Only for Effects built right before they run, since `f` is called now
 * rather than when the result would run.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"

/** @internal */
export const isDone = <A, E, R>(self: Effect.Effect<A, E, R>): self is Exit.Success<A, E> =>
  Exit.isExit(self) && Exit.isSuccess(self)

/** @internal */
export const mapNow = <A, E, R, B>(self: Effect.Effect<A, E, R>, f: (a: A) => B): Effect.Effect<B, E, R> =>
  isDone(self) ? Exit.succeed(f(self.value)) : Effect.map(self, f)

/** @internal */
export const flatMapNow = <A, E, R, B, E2, R2>(
  self: Effect.Effect<A, E, R>,
  f: (a: A) => Effect.Effect<B, E2, R2>
): Effect.Effect<B, E | E2, R | R2> => isDone(self) ? f(self.value) : Effect.flatMap(self, f)

/**
 * Steps a `Schedule` by hand. Reconnects need the schedule's *decision* and
 * delay without its sleep: when the server sent `retry: <ms>`, that value wins
 * over the schedule's delay, but the schedule still bounds the attempts.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as Intervals from "effect/ScheduleIntervals"

/** @internal */
export interface Stepper {
  /** The delay before the next attempt, in milliseconds, or None when the schedule is done. */
  readonly next: Effect.Effect<Option.Option<number>>
  /** Starts the schedule over (after a success). */
  readonly reset: () => void
}

/** @internal */
export const stepper = <Out>(schedule: Schedule.Schedule<Out, unknown>): Stepper => {
  let state: unknown = schedule.initial
  let done = false
  return {
    next: Effect.suspend(() => {
      if (done) return Effect.succeed(Option.none())
      return Effect.flatMap(
        Clock.currentTimeMillis,
        (now) =>
          Effect.map(schedule.step(now, undefined, state), ([next, _, decision]) => {
            state = next
            if (ScheduleDecision.isDone(decision)) {
              done = true
              return Option.none()
            }
            return Option.some(Math.max(0, Intervals.start(decision.intervals) - now))
          })
      )
    }),
    reset: () => {
      state = schedule.initial
      done = false
    }
  }
}

/**
 * Reconnecting a broken SSE stream when the server sent no `retry`: from 500 ms,
 * doubling, at most 6 attempts in a row (the count starts over after a
 * successful reconnect).
 *
 * @internal
 */
export const defaultReconnect: Schedule.Schedule<unknown> = Schedule.exponential(Duration.millis(500), 2).pipe(
  Schedule.jittered,
  Schedule.intersect(Schedule.recurs(6))
)

/**
 * The deadlines of a client's requests, kept by one timer.
 *
 * Why not `Effect.timeout` on every request: it races the request against a
 * sleep — two forked fibers, a timer armed and disarmed, an interruption —
 * and that was most of the client's own CPU per call (measured: ~75 of
 * ~125 µs). Here every deadline of a client sits in one list sorted by time,
 * and one fiber sleeps until the earliest on the client's `Clock` (so a
 * `TestClock` drives request timeouts as it always did). The fiber exists
 * only while there are deadlines; adding one later than the one it sleeps for
 * (the usual case: every request has the same timeout) costs a list insert.
 *
 * @internal
 */
import type * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import type * as Scope from "effect/Scope"

/** @internal */
export interface Deadline {
  /** Removes the deadline: `onDue` will not be called. Harmless when already due or cancelled. */
  readonly cancel: () => void
}

/**
 * Called from the timer's fiber when the clock reaches the deadline: returns
 * a later time to be called again then (an idle timer that progress
 * restarted), or undefined when done.
 *
 * @internal
 */
export type OnDue = (now: number) => number | undefined

/** @internal */
export interface Timers {
  /** The clock's time, in epoch milliseconds. */
  readonly now: () => number
  /** Calls `onDue` once the clock reaches `at`, unless the deadline is cancelled first. */
  readonly schedule: (at: number, onDue: OnDue) => Effect.Effect<Deadline>
  /**
   * `schedule`, split for the hot path: the deadline is added now; `start` is
   * what must run for it to fire (`Effect.void`, already done, when the timer's
   * fiber is there for it). Only call it where an Effect is being run.
   */
  readonly add: (at: number, onDue: OnDue) => { readonly deadline: Deadline; readonly start: Effect.Effect<void> }
}

class Entry implements Deadline {
  prev: Entry | undefined = undefined
  next: Entry | undefined = undefined
  linked = false
  constructor(public at: number, readonly onDue: OnDue, private readonly list: List) {}
  cancel(): void {
    this.list.remove(this)
  }
}

/** Entries sorted by `at` (equal times in insertion order). */
class List {
  head: Entry | undefined = undefined
  tail: Entry | undefined = undefined

  insert(entry: Entry): void {
    // From the tail: a new deadline is usually the latest.
    let before = this.tail
    while (before !== undefined && before.at > entry.at) before = before.prev
    entry.prev = before
    entry.next = before === undefined ? this.head : before.next
    if (entry.next === undefined) this.tail = entry
    else entry.next.prev = entry
    if (before === undefined) this.head = entry
    else before.next = entry
    entry.linked = true
  }

  remove(entry: Entry): void {
    if (!entry.linked) return
    if (entry.prev === undefined) this.head = entry.next
    else entry.prev.next = entry.next
    if (entry.next === undefined) this.tail = entry.prev
    else entry.next.prev = entry.prev
    entry.prev = undefined
    entry.next = undefined
    entry.linked = false
  }
}

/**
 * Timers on `clock`; the timer's fiber runs in `scope`, so closing it ends the fiber.
 *
 * @internal
 */
export const make = (clock: Clock.Clock, scope: Scope.Scope): Timers => {
  const list = new List()
  let running = false
  // Every start of the fiber gets a generation: a fiber that was replaced (woken early) stops.
  let generation = 0
  let fiber: Fiber.RuntimeFiber<void> | undefined = undefined
  // When the running fiber is asleep, the time it sleeps until; undefined while it is awake.
  let sleepingUntil: number | undefined = undefined

  const loop = (gen: number): Effect.Effect<void> =>
    Effect.suspend(() => {
      if (gen !== generation) return Effect.void
      sleepingUntil = undefined
      const now = clock.unsafeCurrentTimeMillis()
      let entry = list.head
      while (entry !== undefined && entry.at <= now) {
        list.remove(entry)
        const again = entry.onDue(now)
        if (again !== undefined && again > now) {
          entry.at = again
          list.insert(entry)
        }
        entry = list.head
      }
      if (entry === undefined) {
        running = false
        return Effect.void
      }
      sleepingUntil = entry.at
      return Effect.zipRight(clock.sleep(Duration.millis(entry.at - now)), loop(gen))
    })

  const start = Effect.suspend(() => {
    const gen = ++generation
    running = true
    sleepingUntil = undefined
    return Effect.map(Effect.forkIn(Effect.interruptible(loop(gen)), scope), (started) => {
      if (gen === generation) fiber = started
    })
  })

  const add = (at: number, onDue: OnDue) => {
    const entry = new Entry(at, onDue, list)
    list.insert(entry)
    if (!running) return { deadline: entry, start }
    if (sleepingUntil !== undefined && at < sleepingUntil && fiber !== undefined) {
      // Due before the time the fiber sleeps for: replace the sleeper.
      const sleeper = fiber
      fiber = undefined
      running = false
      return { deadline: entry, start: Effect.zipRight(Fiber.interruptFork(sleeper), start) }
    }
    return { deadline: entry, start: Effect.void }
  }

  const schedule = (at: number, onDue: OnDue): Effect.Effect<Deadline> =>
    Effect.suspend(() => {
      const added = add(at, onDue)
      return Effect.as(added.start, added.deadline)
    })

  return { now: () => clock.unsafeCurrentTimeMillis(), schedule, add }
}

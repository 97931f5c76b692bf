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
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
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
  /** Drops every deadline and stops the timer: the client is closing. */
  readonly close: () => void
}

class Entry implements Deadline {
  prev: Entry | undefined = undefined
  next: Entry | undefined = undefined
  linked = false
  constructor(public at: number, readonly onDue: OnDue, private readonly owner: ClientTimers) {}
  cancel(): void {
    this.owner.remove(this)
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
export const make = (clock: Clock.Clock, scope: Scope.Scope): Timers => new ClientTimers(clock, scope)

/** The clock of every fiber unless the program provides another: its sleeps are the host's timers. */
const liveClock = Context.get(DefaultServices.liveServices, Clock.Clock)

/**
 * A client's timers: the list and the timer's state as fields, the functions
 * on the prototype (one object a client, not a closure per function and their
 * context: an application may hold a client per user).
 *
 * On the live clock the timer is one host timer (`setTimeout`) rather than a
 * fiber asleep on the clock: a sleeping fiber (its runtime, fiber refs,
 * scheduler entry, continuations) is ~2 KiB a client, kept until the last
 * deadline's time (a minute after the last request by default). On any other
 * clock (a `TestClock`) the fiber, which that clock drives.
 */
class ClientTimers implements Timers {
  readonly list = new List()
  readonly host: boolean
  /** The host timer and the time it is set for (live clock). */
  handle: ReturnType<typeof setTimeout> | undefined = undefined
  armedAt = 0
  // The fiber (any other clock):
  running = false
  /** Every start of the fiber gets a generation: a fiber that was replaced (woken early) stops. */
  generation = 0
  fiber: Fiber.RuntimeFiber<void> | undefined = undefined
  /** When the running fiber is asleep, the time it sleeps until; undefined while it is awake. */
  sleepingUntil: number | undefined = undefined
  constructor(readonly clock: Clock.Clock, readonly scope: Scope.Scope) {
    this.host = clock === liveClock
  }

  now(): number {
    return this.clock.unsafeCurrentTimeMillis()
  }

  add(at: number, onDue: OnDue): { readonly deadline: Deadline; readonly start: Effect.Effect<void> } {
    const entry = new Entry(at, onDue, this)
    this.list.insert(entry)
    if (this.host) {
      arm(this, at)
      return { deadline: entry, start: Effect.void }
    }
    if (!this.running) return { deadline: entry, start: start(this) }
    const sleeper = this.fiber
    if (this.sleepingUntil !== undefined && at < this.sleepingUntil && sleeper !== undefined) {
      // Due before the time the fiber sleeps for: replace the sleeper.
      this.fiber = undefined
      this.running = false
      return { deadline: entry, start: Effect.zipRight(Fiber.interruptFork(sleeper), start(this)) }
    }
    return { deadline: entry, start: Effect.void }
  }

  schedule(at: number, onDue: OnDue): Effect.Effect<Deadline> {
    return Effect.suspend(() => {
      const added = this.add(at, onDue)
      return Effect.as(added.start, added.deadline)
    })
  }

  remove(entry: Entry): void {
    this.list.remove(entry)
    // Nothing left to wait for: the host timer stays set (the next request most likely needs it),
    // but no longer keeps the process alive.
    if (this.handle !== undefined && this.list.head === undefined) hold(this.handle, false)
  }

  close(): void {
    while (this.list.head !== undefined) this.list.remove(this.list.head)
    if (this.handle !== undefined) clearTimeout(this.handle)
    this.handle = undefined
  }
}

/** Sets the host timer for `at`, unless it is set for that time or earlier already. */
const arm = (self: ClientTimers, at: number): void => {
  if (self.handle !== undefined) {
    if (at >= self.armedAt) return hold(self.handle, true)
    clearTimeout(self.handle)
  }
  self.armedAt = at
  self.handle = setTimeout(fire, Math.max(0, at - self.clock.unsafeCurrentTimeMillis()), self)
}

/** The host timer went off: call what is due, set it again for the next deadline. */
const fire = (self: ClientTimers): void => {
  self.handle = undefined
  const next = runDue(self.list, self.clock.unsafeCurrentTimeMillis())
  if (next !== undefined) arm(self, next.at)
}

/**
 * Node's timers keep the process alive, which an idle client's must not (a
 * closed one's is cleared). A browser's timer is a number: nothing to do.
 */
const hold = (handle: unknown, on: boolean): void => {
  if (typeof handle === "object" && handle !== null && "ref" in handle && "unref" in handle) {
    const f = on ? handle.ref : handle.unref
    if (typeof f === "function") f.call(handle)
  }
}

/** Calls the entries due at `now` (those that ask to be called again go back in); returns the next one. */
const runDue = (list: List, now: number): Entry | undefined => {
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
  return entry
}

/** Starts the timer's fiber (made when needed: the fiber runs while there are deadlines). */
const start = (self: ClientTimers): Effect.Effect<void> =>
  Effect.suspend(() => {
    const gen = ++self.generation
    self.running = true
    self.sleepingUntil = undefined
    return Effect.map(Effect.forkIn(Effect.interruptible(loop(self, gen)), self.scope), (started) => {
      if (gen === self.generation) self.fiber = started
    })
  })

const loop = (self: ClientTimers, gen: number): Effect.Effect<void> =>
  Effect.suspend(() => {
    if (gen !== self.generation) return Effect.void
    self.sleepingUntil = undefined
    const now = self.clock.unsafeCurrentTimeMillis()
    const entry = runDue(self.list, now)
    if (entry === undefined) {
      self.running = false
      return Effect.void
    }
    self.sleepingUntil = entry.at
    return Effect.zipRight(self.clock.sleep(Duration.millis(entry.at - now)), loop(self, gen))
  })

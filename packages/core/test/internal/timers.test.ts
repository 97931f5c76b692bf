import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FastCheck from "effect/FastCheck"
import * as FiberId from "effect/FiberId"
import * as Scope from "effect/Scope"
import * as TestClock from "effect/TestClock"
import * as Timers from "../../src/internal/timers.js"

/**
 * The TestClock wrapped so that the tests see the timer's sleeps as they are:
 * `live` is the wake-up times of the sleeps in progress (not yet woken, not
 * interrupted), `started` how many sleeps were ever begun. `TestClock.sleeps()`
 * alone cannot say whether a sleeper was replaced: it keeps the sleep of an
 * interrupted fiber in its list until the clock passes that time.
 */
const probed = (inner: Clock.Clock) => {
  const live = new Set<{ readonly until: number }>()
  let started = 0
  const clock: Clock.Clock = {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: () => inner.unsafeCurrentTimeMillis(),
    currentTimeMillis: inner.currentTimeMillis,
    unsafeCurrentTimeNanos: () => inner.unsafeCurrentTimeNanos(),
    currentTimeNanos: inner.currentTimeNanos,
    sleep: (duration) =>
      Effect.suspend(() => {
        const sleep = { until: inner.unsafeCurrentTimeMillis() + Duration.toMillis(duration) }
        live.add(sleep)
        started++
        return Effect.ensuring(inner.sleep(duration), Effect.sync(() => live.delete(sleep)))
      })
  }
  return {
    clock,
    live: (): ReadonlyArray<number> => Array.from(live, (sleep) => sleep.until).sort((a, b) => a - b),
    started: (): number => started
  }
}

/** Lets forked fibers run (the timer's fiber, an interruption) until they are asleep or done. */
const settle = Effect.repeatN(Effect.yieldNow(), 9)

/** Moves the TestClock on (firing the sleeps already registered), then lets the woken fibers settle. */
const advance = (millis: number) => Effect.zipRight(TestClock.adjust(Duration.millis(millis)), settle)

const testClockSleeps = Effect.map(TestClock.sleeps(), Chunk.toReadonlyArray)

interface Fired {
  readonly id: string
  readonly now: number
}

const setup = (scope?: Scope.Scope) =>
  Effect.gen(function*() {
    const probe = probed(yield* Effect.clock)
    const timers = Timers.make(probe.clock, scope ?? (yield* Effect.scope))
    const fired: Array<Fired> = []
    const base = timers.now()
    /** Schedules a deadline that records its calls, and lets the timer's fiber settle. */
    const schedule = (id: string, at: number, again?: (now: number) => number | undefined) =>
      Effect.tap(
        timers.schedule(at, (now) => {
          fired.push({ id, now })
          return again?.(now)
        }),
        () => settle
      )
    return { timers, probe, fired, base, schedule }
  })

describe("internal/timers", () => {
  describe("firing", () => {
    it.scoped("fires a deadline when the clock reaches it, not before, with now = the deadline", () =>
      Effect.gen(function*() {
        const { base, fired, probe, schedule, timers } = yield* setup()
        yield* schedule("a", base + 100)
        expect(probe.live()).toEqual([base + 100])
        expect(yield* testClockSleeps).toEqual([base + 100])

        yield* advance(99)
        expect(fired).toEqual([])
        expect(probe.live()).toEqual([base + 100])

        yield* advance(1)
        expect(timers.now()).toBe(base + 100)
        expect(fired).toEqual([{ id: "a", now: base + 100 }])
        expect(probe.live()).toEqual([])
        expect(yield* testClockSleeps).toEqual([])
      }))

    it.scoped("fires deadlines in time order, equal times in insertion order", () =>
      Effect.gen(function*() {
        const { base, fired, schedule } = yield* setup()
        yield* schedule("c", base + 300)
        yield* schedule("a1", base + 100)
        yield* schedule("b1", base + 200)
        yield* schedule("b2", base + 200)
        yield* schedule("a2", base + 100)
        yield* schedule("c2", base + 300)
        yield* schedule("b3", base + 200)

        yield* advance(300)
        expect(fired).toEqual([
          { id: "a1", now: base + 100 },
          { id: "a2", now: base + 100 },
          { id: "b1", now: base + 200 },
          { id: "b2", now: base + 200 },
          { id: "b3", now: base + 200 },
          { id: "c", now: base + 300 },
          { id: "c2", now: base + 300 }
        ])
      }))

    it.scoped("a deadline at or before now fires at once, also while the fiber sleeps for a later one", () =>
      Effect.gen(function*() {
        const { base, fired, probe, schedule } = yield* setup()
        yield* schedule("now", base)
        expect(fired).toEqual([{ id: "now", now: base }])
        expect(probe.live()).toEqual([])

        yield* schedule("later", base + 100)
        yield* schedule("past", base - 5)
        expect(fired).toEqual([{ id: "now", now: base }, { id: "past", now: base }])
        expect(probe.live()).toEqual([base + 100])

        yield* advance(100)
        expect(fired.map((f) => f.id)).toEqual(["now", "past", "later"])
      }))

    it.scoped("deadlines scheduled back to back, before the timer's fiber has run, all fire in order", () =>
      Effect.gen(function*() {
        const { base, fired, probe, timers } = yield* setup()
        const record = (id: string) => (now: number) => {
          fired.push({ id, now })
          return undefined
        }
        // No settling in between: the first starts the fiber, the others find it not yet asleep.
        yield* timers.schedule(base + 300, record("c"))
        yield* timers.schedule(base + 100, record("a"))
        yield* timers.schedule(base + 200, record("b"))
        yield* timers.schedule(base + 50, record("first"))
        yield* settle
        expect(probe.live()).toEqual([base + 50])
        expect(probe.started()).toBe(1)

        yield* advance(300)
        expect(fired).toEqual([
          { id: "first", now: base + 50 },
          { id: "a", now: base + 100 },
          { id: "b", now: base + 200 },
          { id: "c", now: base + 300 }
        ])
        expect(probe.live()).toEqual([])
      }))
  })

  describe("cancel", () => {
    it.scoped("a deadline cancelled before it is due never fires", () =>
      Effect.gen(function*() {
        const { base, fired, probe, schedule } = yield* setup()
        const a = yield* schedule("a", base + 100)
        yield* schedule("b", base + 200)
        const c = yield* schedule("c", base + 300)
        a.cancel()
        c.cancel()
        yield* advance(1000)
        expect(fired).toEqual([{ id: "b", now: base + 200 }])
        expect(probe.live()).toEqual([])
      }))

    it.scoped("cancelling twice, or after the deadline fired, leaves the other deadlines alone", () =>
      Effect.gen(function*() {
        const { base, fired, schedule } = yield* setup()
        const a = yield* schedule("a", base + 100)
        const b = yield* schedule("b", base + 200)
        yield* schedule("c", base + 300)
        yield* schedule("d", base + 400)

        yield* advance(100)
        expect(fired.map((f) => f.id)).toEqual(["a"])
        // After it fired.
        a.cancel()
        a.cancel()
        // Twice before it is due: the second must not unlink its (former) neighbours.
        b.cancel()
        b.cancel()

        yield* advance(300)
        expect(fired).toEqual([
          { id: "a", now: base + 100 },
          { id: "c", now: base + 300 },
          { id: "d", now: base + 400 }
        ])
      }))

    it.scoped("cancelling the head twice keeps the rest of the list", () =>
      Effect.gen(function*() {
        const { base, fired, schedule } = yield* setup()
        const a = yield* schedule("a", base + 100)
        yield* schedule("b", base + 200)
        const c = yield* schedule("c", base + 300)
        yield* schedule("d", base + 400)
        a.cancel()
        a.cancel()
        c.cancel()
        c.cancel()
        yield* advance(400)
        expect(fired.map((f) => f.id)).toEqual(["b", "d"])
      }))

    it.scoped("a callback may cancel another deadline due at the same time or later", () =>
      Effect.gen(function*() {
        const { base, fired, probe, schedule } = yield* setup()
        let victims: ReadonlyArray<Timers.Deadline> = []
        yield* schedule("a", base + 100, () => {
          for (const victim of victims) victim.cancel()
          return undefined
        })
        const same = yield* schedule("same", base + 100)
        const later = yield* schedule("later", base + 200)
        victims = [same, later]

        yield* advance(100)
        expect(fired).toEqual([{ id: "a", now: base + 100 }])
        // Nothing left: the fiber ended instead of sleeping for the cancelled one.
        expect(probe.live()).toEqual([])
        yield* advance(100)
        expect(fired.map((f) => f.id)).toEqual(["a"])
      }))
  })

  describe("the sleeping fiber", () => {
    it.scoped("a deadline earlier than the one the fiber sleeps for replaces the sleeper and fires on time", () =>
      Effect.gen(function*() {
        const { base, fired, probe, schedule } = yield* setup()
        yield* schedule("late", base + 1000)
        expect(probe.live()).toEqual([base + 1000])

        yield* schedule("early", base + 100)
        // One sleeper, for the earlier time: the old one was interrupted.
        expect(probe.live()).toEqual([base + 100])
        expect(probe.started()).toBe(2)
        // The TestClock still lists the interrupted sleep until its time passes; the new one is there.
        expect(yield* testClockSleeps).toContain(base + 100)

        yield* advance(100)
        expect(fired).toEqual([{ id: "early", now: base + 100 }])
        expect(probe.live()).toEqual([base + 1000])

        yield* advance(900)
        expect(fired).toEqual([{ id: "early", now: base + 100 }, { id: "late", now: base + 1000 }])
        expect(probe.live()).toEqual([])
        // Well past both: no stale sleeper fires anything a second time.
        yield* advance(5000)
        expect(fired).toHaveLength(2)
        expect(yield* testClockSleeps).toEqual([])
      }))

    it.scoped("earlier and earlier deadlines replace the sleeper each time; one sleep is left", () =>
      Effect.gen(function*() {
        const { base, fired, probe, schedule, timers } = yield* setup()
        yield* schedule("d", base + 1000)
        yield* schedule("c", base + 500)
        yield* schedule("b", base + 200)
        expect(probe.live()).toEqual([base + 200])
        // Two replacements back to back, before the new fiber runs.
        const record = (id: string) => (now: number) => {
          fired.push({ id, now })
          return undefined
        }
        yield* timers.schedule(base + 100, record("a2"))
        yield* timers.schedule(base + 50, record("a1"))
        yield* settle
        expect(probe.live()).toEqual([base + 50])

        yield* advance(1000)
        expect(fired).toEqual([
          { id: "a1", now: base + 50 },
          { id: "a2", now: base + 100 },
          { id: "b", now: base + 200 },
          { id: "c", now: base + 500 },
          { id: "d", now: base + 1000 }
        ])
        expect(probe.live()).toEqual([])
      }))

    it.scoped("a deadline at or after the one the fiber sleeps for does not wake it", () =>
      Effect.gen(function*() {
        const { base, fired, probe, schedule } = yield* setup()
        yield* schedule("a", base + 100)
        yield* schedule("same", base + 100)
        yield* schedule("later", base + 500)
        expect(probe.started()).toBe(1)
        expect(probe.live()).toEqual([base + 100])
        expect(yield* testClockSleeps).toEqual([base + 100])

        yield* advance(500)
        expect(fired.map((f) => f.id)).toEqual(["a", "same", "later"])
      }))

    it.scoped("the fiber ends when every deadline fired, and a new deadline starts it again", () =>
      Effect.gen(function*() {
        const { base, fired, probe, schedule } = yield* setup()
        yield* schedule("a", base + 100)
        yield* schedule("b", base + 200)
        yield* advance(200)
        expect(fired.map((f) => f.id)).toEqual(["a", "b"])
        expect(probe.live()).toEqual([])
        expect(yield* testClockSleeps).toEqual([])
        const sleeps = probe.started()

        yield* schedule("c", base + 250)
        expect(probe.live()).toEqual([base + 250])
        expect(probe.started()).toBe(sleeps + 1)
        yield* advance(50)
        expect(fired).toEqual([
          { id: "a", now: base + 100 },
          { id: "b", now: base + 200 },
          { id: "c", now: base + 250 }
        ])
        expect(probe.live()).toEqual([])
      }))

    it.scoped("the fiber ends when every deadline is cancelled (at the time it slept for), and starts again", () =>
      Effect.gen(function*() {
        const { base, fired, probe, schedule } = yield* setup()
        const a = yield* schedule("a", base + 100)
        const b = yield* schedule("b", base + 200)
        a.cancel()
        b.cancel()
        yield* advance(100)
        // It woke for the cancelled head, found nothing and ended instead of sleeping for b.
        expect(probe.live()).toEqual([])
        expect(yield* testClockSleeps).toEqual([])
        expect(fired).toEqual([])

        yield* schedule("c", base + 150)
        expect(probe.live()).toEqual([base + 150])
        yield* advance(100)
        expect(fired).toEqual([{ id: "c", now: base + 150 }])
        expect(probe.live()).toEqual([])
      }))

    it.scoped("closing the scope ends the timer's fiber: no sleep left, no callback after", () =>
      Effect.gen(function*() {
        const scope = yield* Scope.make()
        const { base, fired, probe, schedule, timers } = yield* setup(scope)
        yield* schedule("a", base + 100)
        yield* schedule("b", base + 200)
        yield* advance(100)
        expect(fired.map((f) => f.id)).toEqual(["a"])
        expect(probe.live()).toEqual([base + 200])

        yield* Scope.close(scope, Exit.void)
        yield* settle
        expect(probe.live()).toEqual([])
        yield* advance(1000)
        expect(fired.map((f) => f.id)).toEqual(["a"])

        // Scheduling on a closed scope neither fires nor leaves a fiber behind.
        yield* schedule("c", timers.now() + 10)
        yield* schedule("d", timers.now() - 10)
        yield* advance(100)
        expect(fired.map((f) => f.id)).toEqual(["a"])
        expect(probe.live()).toEqual([])
      }))
  })

  describe("re-arming", () => {
    it.scoped("onDue returning a later time fires again then", () =>
      Effect.gen(function*() {
        const { base, fired, probe, schedule } = yield* setup()
        let calls = 0
        yield* schedule("a", base + 100, (now) => ++calls < 3 ? now + 50 : undefined)

        yield* advance(100)
        expect(fired).toEqual([{ id: "a", now: base + 100 }])
        expect(probe.live()).toEqual([base + 150])
        yield* advance(49)
        expect(fired).toHaveLength(1)
        yield* advance(1)
        expect(fired).toEqual([{ id: "a", now: base + 100 }, { id: "a", now: base + 150 }])
        yield* advance(50)
        expect(fired.map((f) => f.now)).toEqual([base + 100, base + 150, base + 200])
        expect(probe.live()).toEqual([])
        yield* advance(1000)
        expect(fired).toHaveLength(3)
      }))

    it.scoped("a re-armed deadline goes after the deadlines already at its new time", () =>
      Effect.gen(function*() {
        const { base, fired, schedule } = yield* setup()
        let rearmed = false
        yield* schedule("a", base + 100, (now) => {
          if (rearmed) return undefined
          rearmed = true
          return now + 100
        })
        yield* schedule("b", base + 200)
        yield* advance(200)
        expect(fired).toEqual([
          { id: "a", now: base + 100 },
          { id: "b", now: base + 200 },
          { id: "a", now: base + 200 }
        ])
      }))

    it.scoped("onDue returning now or an earlier time does not loop", () =>
      Effect.gen(function*() {
        const { base, fired, probe, schedule } = yield* setup()
        // Bounded so that a loop shows as extra calls rather than a hung test.
        const bounded = (offset: number) => (now: number) => fired.length < 1000 ? now + offset : undefined
        yield* schedule("same", base + 100, bounded(0))
        yield* schedule("earlier", base + 100, bounded(-10))
        yield* advance(100)
        expect(fired).toEqual([{ id: "same", now: base + 100 }, { id: "earlier", now: base + 100 }])
        expect(probe.live()).toEqual([])
        yield* advance(1000)
        expect(fired).toHaveLength(2)
      }))

    it.scoped("a re-armed deadline can be cancelled before its next time", () =>
      Effect.gen(function*() {
        const { base, fired, probe, schedule } = yield* setup()
        const a = yield* schedule("a", base + 100, (now) => now + 100)
        yield* advance(150)
        expect(fired).toEqual([{ id: "a", now: base + 100 }])
        a.cancel()
        yield* advance(1000)
        expect(fired).toEqual([{ id: "a", now: base + 100 }])
        expect(probe.live()).toEqual([])
      }))
  })

  describe("against a reference model (property)", () => {
    type Op =
      | { readonly _tag: "schedule"; readonly offset: number; readonly rearms: ReadonlyArray<number> }
      | { readonly _tag: "cancel"; readonly pick: number }
      | { readonly _tag: "adjust"; readonly millis: number }

    const op: FastCheck.Arbitrary<Op> = FastCheck.oneof(
      FastCheck.record({
        _tag: FastCheck.constant("schedule" as const),
        // Some at or before now, many sharing a time.
        offset: FastCheck.integer({ min: -20, max: 120 }),
        // What onDue returns on its successive calls, as now + r (r <= 0: done).
        rearms: FastCheck.array(FastCheck.integer({ min: -10, max: 60 }), { maxLength: 3 })
      }),
      FastCheck.record({ _tag: FastCheck.constant("cancel" as const), pick: FastCheck.nat() }),
      FastCheck.record({ _tag: FastCheck.constant("adjust" as const), millis: FastCheck.integer({ min: 0, max: 150 }) })
    )

    interface Pending {
      readonly id: string
      at: number
      seq: number
      calls: number
      readonly rearms: ReadonlyArray<number>
    }

    /** The timers as a spec: fire in (time, insertion) order at max(time, now); a re-arm is a new insertion. */
    const model = (start: number) => {
      let time = start
      let seq = 0
      let pending: Array<Pending> = []
      const fired: Array<Fired> = []
      const fireUntil = (until: number) => {
        for (;;) {
          let next: Pending | undefined = undefined
          for (const p of pending) {
            if (p.at <= until && (next === undefined || p.at < next.at || (p.at === next.at && p.seq < next.seq))) {
              next = p
            }
          }
          if (next === undefined) break
          const entry = next
          pending = pending.filter((p) => p !== entry)
          time = Math.max(time, entry.at)
          fired.push({ id: entry.id, now: time })
          const r = entry.rearms[entry.calls++]
          if (r !== undefined && r > 0) {
            entry.at = time + r
            entry.seq = seq++
            pending.push(entry)
          }
        }
        time = Math.max(time, until)
      }
      return {
        fired,
        now: () => time,
        schedule: (id: string, at: number, rearms: ReadonlyArray<number>) => {
          pending.push({ id, at, seq: seq++, calls: 0, rearms })
          fireUntil(time)
        },
        cancel: (id: string) => {
          pending = pending.filter((p) => p.id !== id)
        },
        advance: (millis: number) => fireUntil(time + millis)
      }
    }

    it.effect.prop(
      "random schedule / cancel / adjust: the fired callbacks (which, in what order, at what time) match the model",
      { ops: FastCheck.array(op, { minLength: 1, maxLength: 30 }) },
      ({ ops }) =>
        Effect.scoped(Effect.gen(function*() {
          const { base, fired, probe, timers } = yield* setup()
          const expected = model(base)
          const deadlines: Array<{ readonly id: string; readonly deadline: Timers.Deadline }> = []
          for (const o of ops) {
            switch (o._tag) {
              case "schedule": {
                const id = `d${deadlines.length}`
                const at = timers.now() + o.offset
                let calls = 0
                const deadline = yield* timers.schedule(at, (now) => {
                  fired.push({ id, now })
                  const r = o.rearms[calls++]
                  return r === undefined ? undefined : now + r
                })
                deadlines.push({ id, deadline })
                expected.schedule(id, at, o.rearms)
                yield* settle
                break
              }
              case "cancel": {
                if (deadlines.length === 0) break
                const { deadline, id } = deadlines[o.pick % deadlines.length]
                deadline.cancel()
                expected.cancel(id)
                yield* settle
                break
              }
              case "adjust": {
                yield* advance(o.millis)
                expected.advance(o.millis)
                break
              }
            }
            expect(timers.now()).toBe(expected.now())
            expect(fired).toEqual(expected.fired)
          }
          // Everything left fires; then the fiber is gone.
          yield* advance(10_000)
          expected.advance(10_000)
          expect(fired).toEqual(expected.fired)
          expect(probe.live()).toEqual([])
        })),
      { fastCheck: { numRuns: 50 } }
    )
  })
  // On the live clock the timer is the host's (`setTimeout`), not a fiber: real time, short
  // deadlines, each test waiting on what the deadline's call completes (no sleeps).
  describe("on the live clock: one host timer", () => {
    const liveSetup = Effect.gen(function*() {
      const timers = Timers.make(yield* Effect.clock, yield* Effect.scope)
      const fired: Array<string> = []
      const add = (id: string, inMillis: number) => {
        const done = Deferred.unsafeMake<number>(FiberId.none)
        const at = timers.now() + inMillis
        const added = timers.add(at, (now) => {
          fired.push(id)
          Deferred.unsafeDone(done, Exit.succeed(now - at))
          return undefined
        })
        return { ...added, done }
      }
      return { timers, fired, add }
    })

    it.live("fires a deadline when its time comes, not before, with no fiber to start", () =>
      Effect.gen(function*() {
        const { add, fired } = yield* liveSetup
        const a = add("a", 30)
        expect(a.start).toBe(Effect.void)
        const late = yield* Deferred.await(a.done)
        expect(late).toBeGreaterThanOrEqual(0)
        expect(fired).toEqual(["a"])
      }).pipe(Effect.scoped))

    it.live("a cancelled deadline is not called; an earlier one re-arms the timer; times are kept in order", () =>
      Effect.gen(function*() {
        const { add, fired } = yield* liveSetup
        const late = add("late", 60)
        const cancelled = add("cancelled", 20)
        const early = add("early", 10)
        cancelled.deadline.cancel()
        yield* Deferred.await(late.done)
        expect(yield* Deferred.await(early.done)).toBeGreaterThanOrEqual(0)
        expect(fired).toEqual(["early", "late"])
      }).pipe(Effect.scoped))

    it.live("a deadline that asks to be called again is, at the time it returns", () =>
      Effect.gen(function*() {
        const timers = Timers.make(yield* Effect.clock, yield* Effect.scope)
        const done = Deferred.unsafeMake<ReadonlyArray<number>>(FiberId.none)
        const base = timers.now()
        const calls: Array<number> = []
        timers.add(base + 10, (now) => {
          calls.push(now)
          if (calls.length < 3) return now + 10
          Deferred.unsafeDone(done, Exit.succeed(calls))
          return undefined
        })
        const seen = yield* Deferred.await(done)
        expect(seen).toHaveLength(3)
        expect(seen[0]).toBeGreaterThanOrEqual(base + 10)
        expect(seen[2] - seen[0]).toBeGreaterThanOrEqual(20)
      }).pipe(Effect.scoped))

    it.live("close drops every deadline: one added after it fires alone", () =>
      Effect.gen(function*() {
        const { add, fired, timers } = yield* liveSetup
        add("dropped", 10)
        timers.close()
        const after = add("after", 30)
        yield* Deferred.await(after.done)
        expect(fired).toEqual(["after"])
      }).pipe(Effect.scoped))
  })
})

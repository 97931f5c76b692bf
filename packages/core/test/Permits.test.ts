// McpHttp.permits: the bound on handshakes at once. First come, first served; a waiter interrupted
// in the queue leaves it; 2,000 waiters cost linear work (Effect's Semaphore wakes them all on each
// release). Deterministic: Deferreds, no clock.
import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as McpHttp from "../src/McpHttp.js"

describe("McpHttp.permits", () => {
  it.effect("two at once, the rest in arrival order; an interrupted waiter leaves the queue", () =>
    Effect.gen(function*() {
      const permits = McpHttp.permits(2)
      const started: Array<number> = []
      const gates = yield* Effect.forEach([0, 1, 2, 3, 4], () => Deferred.make<void>())
      const fibers = yield* Effect.forEach([0, 1, 2, 3, 4], (i) =>
        Effect.fork(permits.withPermit(Effect.zipRight(
          Effect.sync(() => started.push(i)),
          Deferred.await(gates[i]!)
        ))))
      yield* Effect.yieldNow()
      expect(started).toEqual([0, 1])
      yield* Fiber.interrupt(fibers[2]!)
      yield* Deferred.succeed(gates[1]!, undefined)
      yield* Fiber.join(fibers[1]!)
      yield* Effect.yieldNow()
      expect(started).toEqual([0, 1, 3])
      yield* Deferred.succeed(gates[0]!, undefined)
      yield* Fiber.join(fibers[0]!)
      yield* Effect.yieldNow()
      expect(started).toEqual([0, 1, 3, 4])
      yield* Effect.forEach([3, 4], (i) => Deferred.succeed(gates[i]!, undefined))
      yield* Effect.forEach([3, 4], (i) => Fiber.join(fibers[i]!))
      // Every permit came back: two run at once again.
      const again = yield* Effect.forEach([0, 1], () => Deferred.make<void>())
      const both = yield* Effect.forEach(again, (d) => Effect.fork(permits.withPermit(Deferred.await(d))))
      yield* Effect.yieldNow()
      const third = yield* Effect.fork(permits.withPermit(Effect.succeed("third")))
      yield* Effect.yieldNow()
      expect(third.unsafePoll()).toBeNull()
      yield* Effect.forEach(again, (d) => Deferred.succeed(d, undefined))
      yield* Effect.forEach(both, Fiber.join)
      expect(yield* Fiber.join(third)).toBe("third")
    }))

  it.effect("a failing effect frees its permit", () =>
    Effect.gen(function*() {
      const permits = McpHttp.permits(1)
      expect(yield* Effect.flip(permits.withPermit(Effect.fail("no")))).toBe("no")
      expect(yield* permits.withPermit(Effect.succeed(1))).toBe(1)
    }))

  it.effect("2,000 queued behind one permit all run, one at a time, in order", () =>
    Effect.gen(function*() {
      const permits = McpHttp.permits(1)
      let running = 0
      let most = 0
      const order: Array<number> = []
      yield* Effect.forEach(Array.from({ length: 2_000 }, (_, i) => i), (i) =>
        permits.withPermit(Effect.gen(function*() {
          running++
          most = Math.max(most, running)
          yield* Effect.yieldNow()
          order.push(i)
          running--
        })), { concurrency: "unbounded", discard: true })
      expect(most).toBe(1)
      expect(order).toEqual(Array.from({ length: 2_000 }, (_, i) => i))
    }))
})

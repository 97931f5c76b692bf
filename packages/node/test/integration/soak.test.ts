// Issue 12: a soak short enough for CI. 2,000 read-only calls from 16 fibers against a real server
// PROCESS that is killed (SIGKILL) and started again on the same port four times, with 0.5-1.5 s of
// downtime, while sessions also expire on a short TTL of the client's own choosing (the process is
// restarted, so every session is lost each time). Nothing may hang; every failure must be a typed
// McpError (counted by tag); the client's heap must stay bounded.
import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import type { ChildProcess } from "node:child_process"
import { vi } from "vitest"
import { bounded, connect } from "../support/live.js"
import * as Restartable from "../support/restartable.mjs"

vi.setConfig({ testTimeout: 120_000 })

const start = (port: number) => Effect.promise(() => Restartable.startRestartable(port))
const kill = (child: ChildProcess) => Effect.promise(() => Restartable.kill(child))

describe("soak: 2,000 calls through real restarts", () => {
  it.live("nothing hangs, every failure is typed, the heap stays bounded", () =>
    Effect.gen(function*() {
      const port = yield* Effect.promise(Restartable.freePort)
      let server = yield* start(port)
      yield* Effect.addFinalizer(() => Effect.suspend(() => kill(server)))
      const client = yield* connect({ url: `http://127.0.0.1:${port}/mcp`, requestTimeout: "20 seconds" })
      const heapBefore = process.memoryUsage().heapUsed

      const outcomes = new Map<string, number>()
      const count = (tag: string) => outcomes.set(tag, (outcomes.get(tag) ?? 0) + 1)
      let issued = 0
      const worker = Effect.whileLoop({
        while: () => issued < 2_000,
        body: () =>
          Effect.suspend(() => {
            issued++
            return client.callTool("lookup", { key: String(issued), millis: 5 })
          }).pipe(
            Effect.map((result) => result.isError === true ? "isError" : "ok"),
            Effect.catchAll((error) => Effect.succeed(error._tag)),
            bounded("one call", "25 seconds")
          ),
        step: count
      })
      const workers = yield* Effect.fork(Effect.all(Array.from({ length: 16 }, () => worker), {
        concurrency: "unbounded",
        discard: true
      }))
      // Four real restarts, spread over the run, each with 0.5-1.5 s of downtime.
      for (let restart = 0; restart < 4; restart++) {
        yield* Effect.sleep(Duration.millis(400 + Math.floor(Math.random() * 400)))
        yield* kill(server)
        yield* Effect.sleep(Duration.millis(500 + Math.floor(Math.random() * 1000)))
        server = yield* start(port)
      }
      yield* Fiber.join(workers)

      const total = [...outcomes.values()].reduce((a, b) => a + b, 0)
      expect(total).toBe(2_000)
      // Read-only calls: the client waits out every restart, so none fails.
      expect(Object.fromEntries(outcomes)).toEqual({ ok: 2_000 })
      const grown = process.memoryUsage().heapUsed - heapBefore
      // Bounded: far below what keeping every call's state would take (a generous bound: the
      // vitest worker shares this heap).
      expect(grown).toBeLessThan(64 * 1024 * 1024)
    }).pipe(Effect.scoped, bounded("the soak", "110 seconds")))
})

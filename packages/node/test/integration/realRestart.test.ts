// Issue 12: a real restart has downtime. The server is a PROCESS (the official SDK, written as its
// README shows: unknown sessions answered 400), killed with SIGKILL and started again on the same
// port ~2 s later, while 16 fibers call a read-only tool and one calls a destructive one.
import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import type { ChildProcess } from "node:child_process"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { vi } from "vitest"
import { bounded, connect, eventually } from "../support/live.js"
import * as Restartable from "../support/restartable.mjs"

vi.setConfig({ testTimeout: 60_000 })

const start = (port: number, calls: string) => Effect.promise(() => Restartable.startRestartable(port, { calls }))
const kill = (child: ChildProcess) => Effect.promise(() => Restartable.kill(child))

describe("a real server process restarted with downtime", () => {
  it.live("read-only calls wait through it; a destructive call cut off fails typed and never runs twice", () =>
    Effect.gen(function*() {
      const port = yield* Effect.promise(Restartable.freePort)
      const calls = join(mkdtempSync(join(tmpdir(), "mcp-restart-")), "calls.log")
      writeFileSync(calls, "")
      let server = yield* Effect.acquireRelease(start(port, calls), (child) => kill(child))
      yield* Effect.addFinalizer(() => Effect.suspend(() => kill(server)))
      const client = yield* connect({ url: `http://127.0.0.1:${port}/mcp`, requestTimeout: "20 seconds" })

      const outcomes: Array<string> = []
      const reader = (n: number) =>
        Effect.forEach(
          Array.from({ length: 12 }, (_, i) => i),
          (i) =>
            client.callTool("lookup", { key: `${n}-${i}` }).pipe(
              Effect.map((result) => result.isError === true ? "isError" : "ok"),
              Effect.catchAll((error) => Effect.succeed(error._tag)),
              Effect.tap((outcome) => Effect.sync(() => outcomes.push(outcome))),
              Effect.zipLeft(Effect.sleep("250 millis"))
            ),
          { discard: true }
        )
      const readers = yield* Effect.fork(Effect.forEach(Array.from({ length: 16 }, (_, n) => n), reader, {
        concurrency: "unbounded",
        discard: true
      }))
      const charge = yield* Effect.fork(Effect.either(client.callTool("charge", { id: "order-1" })))

      // The destructive call is running on the server: kill the process under it.
      yield* eventually("the charge to start", () => readFileSync(calls, "utf8").includes("charge order-1"))
      yield* kill(server)
      yield* Effect.sleep(Duration.seconds(2))
      server = yield* start(port, calls)

      yield* Fiber.join(readers)
      const charged = yield* Fiber.join(charge)
      expect(outcomes).toHaveLength(16 * 12)
      expect(outcomes.filter((o) => o !== "ok")).toEqual([])
      expect(charged._tag).toBe("Left")
      if (charged._tag === "Left") {
        expect(charged.left._tag).toBe("RequestLost")
      }
      // Never sent twice: the server ran it once, in the process that was killed.
      expect(readFileSync(calls, "utf8").split("\n").filter((line) => line === "charge order-1")).toHaveLength(1)
      // And the client is healthy on the new process.
      expect((yield* client.callTool("lookup", { key: "after" })).content).toEqual([
        { type: "text", text: "value of after" }
      ])
    }).pipe(Effect.scoped, bounded("the restart workload", "50 seconds")))
})

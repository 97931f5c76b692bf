// A server process that ends is a lost session: the client spawns a new one and re-initializes
// through the same recovery as an HTTP 404 — one respawn however many requests met the loss,
// read-only calls re-sent, a destructive call that may have run failed and never run twice.
// Real processes; the server counts its own starts, handshakes and side effects in a file.
import { describe, expect, it } from "@effect/vitest"
import { Session } from "@mcp-effect/core"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { vi } from "vitest"
import { bounded } from "../support/live.js"
import { connectStdio, exists, forkSubscribed, pidOf, sdkStdioServer, serverLog, textOf } from "../support/stdio.js"

vi.setConfig({ testTimeout: 60_000 })

const logFile = () => join(mkdtempSync(join(tmpdir(), "mcp-stdio-")), "server.log")

describe("stdio: a crashed server is a lost session that recovers", () => {
  it.live("SIGKILL while 16 fibers call tools: one respawn, one initialize, reads succeed, the destructive call fails once", () =>
    Effect.gen(function*() {
      const log = logFile()
      const client = yield* connectStdio({
        command: process.execPath,
        args: [sdkStdioServer],
        env: { MCP_TEST_LOG: log }
      })
      yield* client.listAllTools() // the replay policy reads the tools' annotations
      const first = yield* client.session
      const events = yield* forkSubscribed(client.sessionEvents, (s) =>
        s.pipe(
          Stream.filter((event) => event._tag !== "Started"),
          Stream.take(2),
          Stream.runCollect
        ))
      // The destructive call has run on the server (it says so with progress) and never answers.
      const ran = yield* Deferred.make<void>()
      const destroy = yield* Effect.fork(
        Effect.either(client.callTool("destroy", {}, { onProgress: () => Deferred.unsafeDone(ran, Exit.void) }))
      )
      yield* Deferred.await(ran)

      // 16 fibers, 20 calls each; the server is killed once 32 calls have been answered.
      let answered = 0
      const killNow = yield* Deferred.make<void>()
      const callers = yield* Effect.forEach(
        Array.from({ length: 16 }, (_, i) => i),
        (i) =>
          Effect.forEach(
            Array.from({ length: 20 }, (_, j) => j),
            (j) =>
              Effect.tap(client.callTool("note", { text: `${i}-${j}` }), (result) =>
                Effect.sync(() => {
                  expect(textOf(result)).toBe(`${i}-${j}`)
                  if (++answered === 32) Deferred.unsafeDone(killNow, Exit.void)
                }))
          ),
        { concurrency: "unbounded", discard: true }
      ).pipe(Effect.fork)
      yield* Deferred.await(killNow)
      process.kill(pidOf(first.sessionId), "SIGKILL")

      yield* Fiber.join(callers)
      expect(answered).toBe(320)
      const lost = yield* Fiber.join(destroy)
      expect(lost._tag).toBe("Left")
      if (lost._tag === "Left") {
        expect(lost.left).toMatchObject({ _tag: "RequestLost", tool: "destroy", sessionId: first.sessionId })
      }

      const [expired, recovered] = Chunk.toReadonlyArray(yield* Fiber.join(events))
      expect(expired._tag).toBe("Expired")
      if (expired._tag === "Expired") {
        expect(expired.sessionId).toBe(first.sessionId)
        expect(expired.exit?.signal).toBe("SIGKILL")
      }
      expect(recovered._tag).toBe("Recovered")
      const second = yield* client.session
      expect(second.generation).toBe(1)
      expect(second.sessionId).not.toBe(first.sessionId)
      expect(exists(pidOf(first.sessionId))).toBe(false)

      const counts = serverLog(log)
      expect(counts.start).toBe(2)
      expect(counts.initialized).toBe(2)
      expect(counts.destroy).toBe(1)
      expect(counts.note).toBeGreaterThanOrEqual(320)
    }).pipe(Effect.scoped, bounded("crash recovery", "40 seconds")))

  it.live("a process that ends with no request in flight is replaced at once", () =>
    Effect.gen(function*() {
      const log = logFile()
      const client = yield* connectStdio({
        command: process.execPath,
        args: [sdkStdioServer],
        env: { MCP_TEST_LOG: log }
      })
      const first = yield* client.session
      // An answer first, so the first process has handled its notifications/initialized before
      // it is told to end (otherwise the count below races the signal).
      expect(textOf(yield* client.callTool("echo", { text: "first" }))).toBe("first")
      const next = yield* forkSubscribed(client.sessionChanges, (s) => Stream.runHead(Stream.drop(s, 1)))
      process.kill(pidOf(first.sessionId), "SIGTERM")
      const second = yield* Fiber.join(next)
      expect(second._tag).toBe("Some")
      expect(textOf(yield* client.callTool("echo", { text: "again" }))).toBe("again")
      // After an answer on the new process: it has handled its notifications/initialized (a
      // notification has no answer on stdio, so the new session can be published before that).
      expect(serverLog(log).initialized).toBe(2)
    }).pipe(Effect.scoped, bounded("proactive respawn", "30 seconds")))

  it.live("the new process is told what the lost one was: resource subscriptions and the log level", () =>
    Effect.gen(function*() {
      const log = logFile()
      const client = yield* connectStdio({
        command: process.execPath,
        args: [sdkStdioServer],
        env: { MCP_TEST_LOG: log }
      })
      yield* client.subscribeResource("test://hello")
      yield* client.setLoggingLevel("warning")
      const first = yield* client.session
      const recovered = yield* forkSubscribed(
        client.sessionEvents,
        (s) => Stream.runHead(Stream.filter(s, Session.SessionEvent.$is("Recovered")))
      )
      process.kill(pidOf(first.sessionId), "SIGKILL")
      yield* Fiber.join(recovered)
      const counts = serverLog(log)
      expect(counts.initialized).toBe(2)
      expect(counts["subscribe:test://hello"]).toBe(2)
      expect(counts["setLevel:warning"]).toBe(2)
    }).pipe(Effect.scoped, bounded("restore", "30 seconds")))

  it.live("a server that exits at start-up: connecting fails typed, with its exit code and stderr, after the schedule's tries", () =>
    Effect.gen(function*() {
      const log = logFile()
      const error = yield* Effect.flip(connectStdio({
        command: process.execPath,
        args: [sdkStdioServer, "--exit-at-start"],
        env: { MCP_TEST_LOG: log },
        recovery: { schedule: Schedule.recurs(2) }
      }))
      expect(error._tag).toBe("SessionExpired")
      const exit = error._tag === "SessionExpired" ? error.exit : undefined
      expect(exit?.code).toBe(3)
      expect(exit?.stderr).toContain("fatal: cannot start (test)")
      expect(serverLog(log).start).toBe(3)
    }).pipe(Effect.scoped, bounded("start-up crash", "30 seconds")))

  it.live("a command that does not exist: TransportError naming it, after the schedule's tries", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(connectStdio({
        command: "/nonexistent/mcp-effect-test-server",
        recovery: { schedule: Schedule.recurs(1) }
      }))
      expect(error).toMatchObject({ _tag: "TransportError", method: "initialize", phase: "request" })
      expect(error.message).toContain("could not start mcp-effect-test-server")
    }).pipe(Effect.scoped, bounded("missing command")))

  it.live("a server that crashes at every restart: RecoveryFailed within the schedule's bound, no respawn loop", () =>
    Effect.gen(function*() {
      const log = logFile()
      const client = yield* connectStdio({
        command: process.execPath,
        args: [sdkStdioServer, "--exit-at-restart"],
        env: { MCP_TEST_LOG: log },
        recovery: { schedule: Schedule.recurs(2) }
      })
      const first = yield* client.session
      const failed = yield* forkSubscribed(
        client.sessionEvents,
        (s) => Stream.runHead(Stream.filter(s, Session.SessionEvent.$is("RecoveryFailed")))
      )
      process.kill(pidOf(first.sessionId), "SIGKILL")
      const event = yield* Fiber.join(failed)
      expect(event._tag).toBe("Some")
      // The next call meets the dead session: one more bounded round, then a typed failure.
      const error = yield* Effect.flip(client.callTool("echo", { text: "x" }))
      expect(error._tag).toBe("RecoveryFailed")
      if (error._tag === "RecoveryFailed") {
        expect(error.cause).toMatchObject({ _tag: "SessionExpired", exit: { code: 3 } })
      }
      // 1 start + at most 3 per round, two rounds: bounded, however long we wait.
      const starts = serverLog(log).start
      expect(starts).toBeGreaterThanOrEqual(4)
      expect(starts).toBeLessThanOrEqual(7)
    }).pipe(Effect.scoped, bounded("restart crash", "40 seconds")))
})

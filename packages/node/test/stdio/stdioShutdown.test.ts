// Shutdown as the MCP spec says (stdin closed, then SIGTERM, then SIGKILL, each bounded), with no
// zombie and no orphan left — even from a server that ignores SIGTERM and the end of its stdin,
// and that started a child of its own which ignores SIGTERM too. Also the liveness check: a
// server that stops answering (SIGSTOP) is killed and replaced like one that crashed.
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { vi } from "vitest"
import { bounded, eventually } from "../support/live.js"
import { connectStdio, exists, forkSubscribed, pidOf, rawStdioServer, textOf } from "../support/stdio.js"

vi.setConfig({ testTimeout: 60_000 })

/** Running: it exists and is not a zombie (a zombie reparented to init is init's to reap). */
const running = (pid: number): boolean => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"))
  } catch {
    return false
  }
}

describe("stdio: shutdown", () => {
  it.live("a server that exits when stdin closes: gone and reaped without waiting for SIGTERM", () =>
    Effect.gen(function*() {
      let closedAt = 0
      const pid = yield* Effect.scoped(Effect.flatMap(
        connectStdio({ command: process.execPath, args: [rawStdioServer], shutdownTimeout: "5 seconds" }),
        (client) =>
          Effect.map(client.session, (session) => {
            closedAt = Date.now()
            return pidOf(session.sessionId)
          })
      ))
      // Had it needed SIGTERM, the close would have waited the whole 5 seconds first.
      expect(Date.now() - closedAt).toBeLessThan(5000)
      expect(exists(pid)).toBe(false)
    }).pipe(bounded("graceful shutdown", "30 seconds")))

  it.live("a server that writes while it shuts down: its stdout is still read, no EPIPE", () =>
    Effect.gen(function*() {
      const file = join(mkdtempSync(join(tmpdir(), "mcp-stdio-")), "goodbye")
      yield* Effect.scoped(connectStdio({ command: process.execPath, args: [rawStdioServer, "--goodbye", file] }))
      // The shutdown waited for the process, which wrote the file before it exited.
      expect(readFileSync(file, "utf8")).toBe("written")
    }).pipe(bounded("goodbye", "30 seconds")))

  it.live("a server that ignores the end of stdin and SIGTERM, with a child that ignores SIGTERM: SIGKILL, no zombie, no orphan", () =>
    Effect.gen(function*() {
      const pidFile = join(mkdtempSync(join(tmpdir(), "mcp-stdio-")), "grandchild.pid")
      let closedAt = 0
      const pid = yield* Effect.scoped(Effect.flatMap(
        connectStdio({
          command: process.execPath,
          args: [rawStdioServer, "--ignore-sigterm", "--grandchild", pidFile],
          shutdownTimeout: "300 millis"
        }),
        (client) =>
          Effect.map(client.session, (session) => {
            closedAt = Date.now()
            return pidOf(session.sessionId)
          })
      ))
      const took = Date.now() - closedAt
      const grandchild = Number(readFileSync(pidFile, "utf8"))
      // Two bounded waits (stdin, SIGTERM) before the SIGKILL; then nothing is left running.
      expect(took).toBeGreaterThanOrEqual(600)
      expect(exists(pid)).toBe(false)
      // It was sent SIGKILL with its group; the kernel finishes it (it is not ours to wait for).
      yield* eventually("the server's own child has ended", () => !running(grandchild), "5 seconds")
    }).pipe(bounded("forced shutdown", "30 seconds")))

  it.live("liveness: a server that stops answering (SIGSTOP) is killed and replaced; the read-only call in flight is re-sent", () =>
    Effect.gen(function*() {
      const client = yield* connectStdio({
        command: process.execPath,
        args: [rawStdioServer],
        liveness: { interval: "200 millis", timeout: "500 millis" }
      })
      const first = yield* client.session
      const expired = yield* forkSubscribed(
        client.sessionEvents,
        (s) => Stream.runHead(Stream.filter(s, (event) => event._tag === "Expired"))
      )
      process.kill(pidOf(first.sessionId), "SIGSTOP")
      // `echo` is not annotated read-only by this server: the default policy would not replay it,
      // so `ping` (a safe method) is the call in flight.
      yield* client.ping({ timeout: "20 seconds" })
      const event = yield* Fiber.join(expired)
      expect(event._tag).toBe("Some")
      if (event._tag === "Some" && event.value._tag === "Expired") {
        expect(event.value.exit?.description).toBe("did not answer a ping within 500 ms (killed)")
        expect(event.value.exit?.signal).toBe("SIGKILL")
      }
      const second = yield* client.session
      expect(second.generation).toBe(1)
      expect(exists(pidOf(first.sessionId))).toBe(false)
      expect(textOf(yield* client.callTool("echo", { text: "alive" }))).toBe("alive")
    }).pipe(Effect.scoped, bounded("liveness", "40 seconds")))
})

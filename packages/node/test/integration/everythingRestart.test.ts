// Issue 12: @modelcontextprotocol/server-everything (the official reference server) as a real peer
// whose sessions are all dropped: its PROCESS is killed (SIGKILL) and started again on the same port
// (127.0.0.1), ~1 s later. The new process answers the old session id in its own dialect (400 "Bad
// Request: No valid session ID provided"). With the client's DEFAULT options, and through the CLI,
// the next calls succeed on a new session.
import { afterAll, assert, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import type { ChildProcess } from "node:child_process"
import { vi } from "vitest"
import { ensureBuilt, start } from "../cliHarness.js"
import { bounded, connect } from "../support/live.js"
import * as Restartable from "../support/restartable.mjs"

// Child processes on a shared machine (and the CLI's build, when stale): generous for vitest.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 300_000 })

/** server-everything on a free port, restartable; killed at the end of the test. */
const everything = Effect.gen(function*() {
  const port = yield* Effect.promise(Restartable.freePort)
  const process = { child: yield* Effect.promise(() => Restartable.startEverything(port)) }
  yield* Effect.addFinalizer(() => Effect.promise(() => Restartable.kill(process.child)))
  const restart = Effect.gen(function*() {
    yield* Effect.promise(() => Restartable.kill(process.child))
    yield* Effect.sleep("1 second")
    process.child = yield* Effect.promise(() => Restartable.startEverything(port))
  })
  return { url: `http://127.0.0.1:${port}/mcp`, restart, pid: (): ChildProcess["pid"] => process.child.pid }
})

describe("server-everything restarted: its sessions dropped", () => {
  it.live("the client recovers with default options; calls after the restart succeed", () =>
    Effect.gen(function*() {
      const server = yield* everything
      const client = yield* connect({ url: server.url })
      const first = yield* client.session
      const events = yield* Effect.fork(
        client.sessionEvents.pipe(Stream.filter((e) => e._tag === "Recovered"), Stream.take(1), Stream.runCollect)
      )
      expect((yield* client.callTool("echo", { message: "before" })).content).toEqual([
        { type: "text", text: "Echo: before" }
      ])
      const pidBefore = server.pid()
      yield* server.restart
      expect(server.pid()).not.toBe(pidBefore)

      // The first call after the restart meets the old session id on the new process.
      expect((yield* client.callTool("echo", { message: "after" })).content).toEqual([
        { type: "text", text: "Echo: after" }
      ])
      expect((yield* client.callTool("get-sum", { a: 1, b: 2 })).content).toEqual([
        { type: "text", text: "The sum of 1 and 2 is 3." }
      ])
      expect((yield* client.listAllTools()).map((t) => t.name)).toContain("echo")
      const [recovered] = yield* Fiber.join(events)
      expect(recovered?._tag).toBe("Recovered")
      if (recovered?._tag === "Recovered") {
        expect(recovered.previousSessionId).toBe(first.sessionId)
        expect(recovered.session.sessionId).not.toBe(first.sessionId)
      }
      expect((yield* client.session).sessionId).not.toBe(first.sessionId)
    }).pipe(Effect.scoped, bounded("the restart", "90 seconds")))
})

describe("mcp-effect watch across a server-everything restart", () => {
  beforeAll(() => ensureBuilt())
  let stop: (() => Promise<void>) | undefined
  afterAll(() => stop?.())

  it("calls echo through the restart: the expiry (400 dialect) and the recovery printed, 0 failed", async () => {
    const port = await Restartable.freePort()
    let child = await Restartable.startEverything(port)
    stop = () => Restartable.kill(child)
    const url = `http://127.0.0.1:${port}/mcp`
    const watch = start([
      "watch",
      "--json",
      "--duration",
      "12",
      "--interval",
      "0.2",
      "--tool",
      "echo",
      "--args",
      `{"message":"hi"}`,
      url
    ], { timeoutMillis: 60_000 })
    await watch.waitFor(`"event":"started"`)
    // A few calls on the first process (--json prints only failed calls: the summary counts them all).
    await new Promise((resolve) => setTimeout(resolve, 1000))
    await Restartable.kill(child)
    await new Promise((resolve) => setTimeout(resolve, 1000))
    child = await Restartable.startEverything(port)
    const r = await watch.done
    assert.strictEqual(r.code, 0, r.stdout + r.stderr)
    const lines = r.stdout.trim().split("\n").map((line) => JSON.parse(line))
    const expired = lines.find((e) => e.event === "expired")
    const recovered = lines.find((e) => e.event === "recovered")
    const started = lines.find((e) => e.event === "started")
    const summary = lines.at(-1)
    assert.isDefined(expired, r.stdout)
    // server-everything's dialect: 400 with "No valid session ID", recognised by default.
    assert.strictEqual(expired.status, 400)
    assert.strictEqual(recovered.previousSessionId, started.sessionId)
    assert.strictEqual(summary.type, "summary")
    assert.strictEqual(summary.failed, 0)
    assert.strictEqual(summary.recoveries, 1)
    // Calls went on after the restart: every 0.2 s for 12 s, ~2 s of it before the restart.
    assert.isAbove(summary.calls, 15)
  })
})

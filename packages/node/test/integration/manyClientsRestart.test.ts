// Issue 17: many clients in one process on the shared HTTP (`NodeMcpClient.layer`), each with its
// session and GET stream open, against a real server PROCESS (the official SDK) that is killed and
// started again on the same port: every session expires at once. Every client recovers with
// exactly one initialize, and the handshakes at once stay within the HTTP's bound. Counted on the
// server (restartableServer.mjs --initializes), over real HTTP on 127.0.0.1.
import { describe, expect, it } from "@effect/vitest"
import { McpClient } from "@mcp-effect/core"
import { NodeMcpClient, NodeMcpHttp } from "@mcp-effect/node"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { ChildProcess } from "node:child_process"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Agent } from "undici"
import { vi } from "vitest"
import { bounded } from "../support/live.js"
import * as Restartable from "../support/restartable.mjs"

vi.setConfig({ testTimeout: 120_000 })

/** The initializes one server process logged: how many, and the most in progress at once. */
const initializes = (file: string) => {
  const lines = readFileSync(file, "utf8").split("\n").filter((line) => line.startsWith("initialize "))
  return { count: lines.length, atOnce: Math.max(0, ...lines.map((line) => Number(line.split(" ")[1]))) }
}

/**
 * `n` clients built with `layer(url)` in the scope, all at once; the server killed and started
 * again on its port; then every client calls a tool. What the first and the second server saw.
 */
const restartUnder = (n: number, layer: (url: string) => Layer.Layer<McpClient.McpClient, unknown>) =>
  Effect.gen(function*() {
    const port = yield* Effect.promise(Restartable.freePort)
    const dir = mkdtempSync(join(tmpdir(), "mcp-many-"))
    const before = join(dir, "before.log")
    const after = join(dir, "after.log")
    writeFileSync(before, "")
    writeFileSync(after, "")
    // Each initialize answered 20 ms late: unbounded, the handshakes of every client would overlap.
    const start = (file: string) =>
      Effect.promise(() => Restartable.startRestartable(port, { initializes: file, initializeMillis: 20 }))
    const kill = (child: ChildProcess) => Effect.promise(() => Restartable.kill(child))
    let server = yield* start(before)
    yield* Effect.addFinalizer(() => Effect.suspend(() => kill(server)))
    const url = `http://127.0.0.1:${port}/mcp`
    const clients = yield* Effect.forEach(
      Array.from({ length: n }, () => layer(url)),
      (clientLayer) => Effect.map(Layer.build(clientLayer), Context.get(McpClient.McpClient)),
      { concurrency: "unbounded" }
    )
    const first = yield* Effect.forEach(clients, (client) => client.session, { concurrency: "unbounded" })

    yield* kill(server)
    server = yield* start(after)
    const answers = yield* Effect.forEach(
      clients,
      (client, i) => Effect.map(client.callTool("lookup", { key: `k${i}`, millis: 0 }), (r) => r.content),
      { concurrency: "unbounded" }
    )
    const sessions = yield* Effect.forEach(clients, (client) => client.session, { concurrency: "unbounded" })
    return { first, answers, sessions, before: initializes(before), after: initializes(after) }
  })

describe("many clients on one shared HTTP through a server restart", () => {
  it.live("200 clients on NodeMcpClient.layer: exactly 200 initializes after the restart, within the bound", () =>
    Effect.gen(function*() {
      const n = 200
      const run = yield* restartUnder(n, (url) => NodeMcpClient.layer({ url }))
      expect(run.before.count).toBe(n)
      expect(run.answers).toEqual(Array.from({ length: n }, (_, i) => [{ type: "text", text: `value of k${i}` }]))
      // Every client is on a new session (generation 1), made with one initialize each: no more.
      expect(run.sessions.map((s) => s.generation)).toEqual(Array(n).fill(1))
      expect(new Set(run.sessions.map((s) => s.sessionId)).size).toBe(n)
      expect(run.after.count).toBe(n)
      expect(run.before.atOnce).toBeLessThanOrEqual(NodeMcpHttp.defaultMaxHandshakes)
      expect(run.after.atOnce).toBeLessThanOrEqual(NodeMcpHttp.defaultMaxHandshakes)
    }).pipe(Effect.scoped, bounded("200 clients through a restart", "100 seconds")))

  it.live("a bound of 4 (layerDispatcher, maxHandshakes): never more than 4 handshakes at once", () =>
    Effect.gen(function*() {
      const n = 60
      const agent = yield* Effect.acquireRelease(
        Effect.sync(() => new Agent()),
        (agent) => Effect.promise(() => agent.destroy())
      )
      const http = NodeMcpHttp.layerDispatcher(agent, { maxHandshakes: 4 })
      const run = yield* restartUnder(n, (url) => McpClient.layer({ url }).pipe(Layer.provide(http)))
      expect(run.before).toEqual({ count: n, atOnce: expect.any(Number) })
      expect(run.after.count).toBe(n)
      expect(run.before.atOnce).toBeLessThanOrEqual(4)
      expect(run.after.atOnce).toBeLessThanOrEqual(4)
      expect(run.sessions.map((s) => s.generation)).toEqual(Array(n).fill(1))
    }).pipe(Effect.scoped, bounded("60 clients through a restart", "100 seconds")))
})

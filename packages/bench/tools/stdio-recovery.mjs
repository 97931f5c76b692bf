#!/usr/bin/env node
// Crash recovery over stdio, measured: a server process (the official SDK's McpServer over its
// StdioServerTransport) is killed with SIGKILL while 16 fibers call a read-only tool; the client
// spawns a new one, re-initializes and re-sends. Per round it records the time from the kill to
// the end of the first call started after it, the recovery's own duration (the Recovered event),
// the calls that failed (lost), and the calls the server ran more than once (re-sent after they
// had reached the dead process).
//
//   pnpm build && node packages/bench/tools/stdio-recovery.mjs [--rounds N]
//
// Prints medians over N rounds (default 10) and, for scale, a cold start (spawn + initialize, a
// fresh client) and a plain call.
import { McpClient } from "@mcp-effect/core"
import { NodeMcpStdio } from "@mcp-effect/node"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { fileURLToPath } from "node:url"
import { median } from "../src/stats.mjs"

const roundsArg = process.argv.indexOf("--rounds")
const rounds = roundsArg === -1 ? 10 : Number(process.argv[roundsArg + 1])
const server = fileURLToPath(new URL("../../node/test/support/sdkStdioServer.mjs", import.meta.url))
const log = join(mkdtempSync(join(tmpdir(), "mcp-stdio-bench-")), "server.log")
const notes = () => readFileSync(log, "utf8").split("\n").filter((line) => line.startsWith("note ")).length
const pidOf = (sessionId) => Number(/^stdio-(\d+)-/.exec(sessionId)[1])

const connect = Effect.map(
  Layer.build(
    NodeMcpStdio.layer({ command: process.execPath, args: [server], env: { MCP_TEST_LOG: log }, stderr: "ignore" })
  ),
  Context.get(McpClient.McpClient)
)

const program = Effect.gen(function*() {
  // For scale: a fresh client, 5 times (spawn + initialize), then the client the rounds use.
  const colds = []
  for (let i = 0; i < 5; i++) {
    const t = performance.now()
    yield* Effect.scoped(connect)
    colds.push(performance.now() - t)
  }
  const cold = median(colds)
  const client = yield* connect
  yield* client.listAllTools()
  const plain = []
  for (let i = 0; i < 50; i++) {
    const t = performance.now()
    yield* client.callTool("echo", { text: "x" })
    plain.push(performance.now() - t)
  }
  const rows = []
  for (let round = 0; round < rounds; round++) {
    const session = yield* client.session
    let expiredAt = NaN
    const recovered = yield* client.sessionEvents.pipe(
      Stream.tap((event) => Effect.sync(() => event._tag === "Expired" && (expiredAt = performance.now()))),
      Stream.filter((event) => event._tag === "Recovered"),
      Stream.runHead,
      Effect.fork
    )
    const notesBefore = notes()
    let ok = 0
    let failed = 0
    let stop = false
    let warm
    const warmed = new Promise((resolve) => (warm = resolve))
    const caller = Effect.gen(function*() {
      while (!stop) {
        const result = yield* Effect.either(client.callTool("note", { text: "n" }))
        if (result._tag === "Right") ok++
        else failed++
        if (ok === 64) warm()
      }
    })
    const callers = yield* Effect.fork(
      Effect.all(Array.from({ length: 16 }, () => caller), { concurrency: "unbounded" })
    )
    yield* Effect.promise(() => warmed)
    const killedAt = performance.now()
    process.kill(pidOf(session.sessionId), "SIGKILL")
    yield* client.callTool("note", { text: "after" })
    const toNextCall = performance.now() - killedAt
    ok++ // the call above
    const event = yield* Fiber.join(recovered)
    stop = true
    yield* Fiber.join(callers)
    const executed = notes() - notesBefore
    rows.push({
      toNextCall,
      detection: expiredAt - killedAt,
      recovery: event._tag === "Some" ? event.value.durationMillis : NaN,
      waiters: event._tag === "Some" ? event.value.waiters : NaN,
      lost: failed,
      resent: executed - ok
    })
  }
  return { cold, plain: median(plain), rows }
})

const { cold, plain, rows } = await Effect.runPromise(Effect.scoped(program))
const m = (key) => median(rows.map((row) => row[key]))
console.log(`stdio crash recovery, ${rounds} rounds, 16 fibers calling a read-only tool, SIGKILL mid-flight`)
console.log(`  cold start (spawn + initialize, median of 5): ${cold.toFixed(1)} ms`)
console.log(`  plain call (median of 50):              ${plain.toFixed(2)} ms`)
console.log(
  `  kill -> next successful call (median):  ${m("toNextCall").toFixed(1)} ms (min ${
    Math.min(...rows.map((r) => r.toNextCall)).toFixed(1)
  }, max ${Math.max(...rows.map((r) => r.toNextCall)).toFixed(1)})`
)
console.log(`  kill -> Expired event (detection):      ${m("detection").toFixed(1)} ms`)
console.log(`  recovery (Recovered.durationMillis):    ${m("recovery").toFixed(1)} ms`)
console.log(`  requests that waited for it (median):   ${m("waiters")}`)
console.log(`  calls lost, total over all rounds:      ${rows.reduce((n, r) => n + r.lost, 0)}`)
console.log(
  `  calls run twice (re-sent after reaching the dead process), per round: ${rows.map((r) => r.resent).join(", ")}`
)

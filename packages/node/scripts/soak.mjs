#!/usr/bin/env node
// The long soak (issue 12): the shape of test/integration/soak.test.ts, for minutes. 16 fibers call
// a read-only tool (`lookup`, 5 ms) as fast as they can against a real server PROCESS (the official
// SDK server written as its README shows: test/support/restartableServer.mjs), killed with SIGKILL
// and started again on the same port every 10-20 s with 0.5-2 s of downtime. Prints, every 30 s and
// at the end: calls made, ok, failed by tag, calls that waited through a restart, latency, heap.
//
//   pnpm soak [--minutes 4] [--fibers 16] [--json]      (builds nothing: run `pnpm build` first)
//
// `pnpm soak` runs Node with --expose-gc: the heap is measured after a full collection.
//
// The client is the built @mcp-effect/node (dist/), as users run it.
import { McpClient } from "@mcp-effect/core"
import { NodeMcpClient } from "@mcp-effect/node"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { availableParallelism, loadavg } from "node:os"
import * as Restartable from "../test/support/restartable.mjs"

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name)
  return i === -1 ? fallback : Number(process.argv[i + 1])
}
const minutes = arg("--minutes", 4)
const fibers = arg("--fibers", 16)
const json = process.argv.includes("--json")
const random = (min, max) => min + Math.floor(Math.random() * (max - min))
const sleep = (millis) => new Promise((resolve) => setTimeout(resolve, millis))

const stats = {
  calls: 0,
  ok: 0,
  failed: {},
  /** Calls in flight while the server was down (started before it came back, ended after it died). */
  waited: 0,
  hung: 0,
  restarts: 0,
  downtimeMillis: 0,
  latencies: [],
  heapStart: 0,
  heapMax: 0
}
/** [killedAt, upAt] of each restart; upAt is Infinity while down. */
const downtimes = []

const percentile = (sorted, p) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]
const mib = (bytes) => (bytes / 1024 / 1024).toFixed(1)
/** The live heap: after a full collection when Node runs with --expose-gc (as `pnpm soak` does). */
const heapUsed = () => {
  globalThis.gc?.()
  return process.memoryUsage().heapUsed
}
const finished = () => stats.ok + stats.hung + Object.values(stats.failed).reduce((a, b) => a + b, 0)
const report = (final) => {
  const heap = heapUsed()
  stats.heapMax = Math.max(stats.heapMax, heap)
  const sorted = [...stats.latencies].sort((a, b) => a - b)
  const line = {
    final,
    seconds: Math.round((Date.now() - startedAt) / 1000),
    calls: finished(),
    inFlight: stats.calls - finished(),
    ok: stats.ok,
    failed: stats.failed,
    waitedThroughRestart: stats.waited,
    hung: stats.hung,
    restarts: stats.restarts,
    downtimeSeconds: Number((stats.downtimeMillis / 1000).toFixed(1)),
    latencyMillis: { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.at(-1) ?? 0 },
    heapMiB: { start: mib(stats.heapStart), now: mib(heap), max: mib(stats.heapMax) },
    load: loadavg().map((l) => l.toFixed(2)).join(" "),
    cpus: availableParallelism()
  }
  if (json) return console.log(JSON.stringify(line))
  const failed = Object.entries(line.failed).map(([tag, n]) => `${tag} ${n}`).join(", ") || "none"
  console.log(
    `${final ? "FINAL" : "soak "} ${line.seconds}s  calls ${line.calls} (ok ${line.ok}; failed: ${failed}; ` +
      `${line.inFlight} in flight)  ` +
      `waited through a restart ${line.waitedThroughRestart}  hung ${line.hung}  restarts ${line.restarts} ` +
      `(${line.downtimeSeconds}s down)  latency p50 ${line.latencyMillis.p50} ms p99 ${line.latencyMillis.p99} ms ` +
      `max ${line.latencyMillis.max} ms  heap ${line.heapMiB.start} → ${line.heapMiB.now} MiB (max ${line.heapMiB.max})  ` +
      `load ${line.load} on ${line.cpus} CPUs`
  )
}

const port = await Restartable.freePort()
let server = await Restartable.startRestartable(port)
const startedAt = Date.now()
const endAt = startedAt + minutes * 60_000
const url = `http://127.0.0.1:${port}/mcp`

// Restarts, until the end: 10-20 s up, then SIGKILL and 0.5-2 s down.
const restarts = (async () => {
  for (;;) {
    await sleep(random(10_000, 20_000))
    if (Date.now() > endAt - 5_000) return
    const window = [Date.now(), Infinity]
    downtimes.push(window)
    await Restartable.kill(server)
    await sleep(random(500, 2_000))
    server = await Restartable.startRestartable(port)
    window[1] = Date.now()
    stats.restarts++
    stats.downtimeMillis += window[1] - window[0]
  }
})()

const program = Effect.gen(function*() {
  const client = yield* McpClient.McpClient
  stats.heapStart = heapUsed()
  const one = Effect.suspend(() => {
    const begun = Date.now()
    stats.calls++
    return client.callTool("lookup", { key: String(stats.calls), millis: 5 }).pipe(
      Effect.map((result) => result.isError === true ? "isError" : "ok"),
      Effect.catchAll((error) => Effect.succeed(error._tag)),
      // A call is hung when it outlives its own deadline (20 s) by 10 s.
      Effect.timeoutTo({ duration: "30 seconds", onTimeout: () => "hung", onSuccess: (tag) => tag }),
      Effect.tap((tag) =>
        Effect.sync(() => {
          const ended = Date.now()
          if (tag === "ok") stats.ok++
          else if (tag === "hung") stats.hung++
          else stats.failed[tag] = (stats.failed[tag] ?? 0) + 1
          if (stats.latencies.length < 1_000_000) stats.latencies.push(ended - begun)
          if (downtimes.some(([down, up]) => begun < up && ended > down)) stats.waited++
        })
      )
    )
  })
  const worker = Effect.whileLoop({ while: () => Date.now() < endAt, body: () => one, step: () => undefined })
  const reporter = Effect.forever(Effect.zipRight(Effect.sleep("30 seconds"), Effect.sync(() => report(false))))
  yield* Effect.raceFirst(
    Effect.all(Array.from({ length: fibers }, () => worker), { concurrency: "unbounded", discard: true }),
    Effect.zipRight(reporter, Effect.never)
  )
})

const layer = NodeMcpClient.layer({ url, requestTimeout: "20 seconds" })
await Effect.runPromise(
  Effect.scoped(Effect.flatMap(Layer.build(layer), (context) => Effect.provide(program, context)))
)
await restarts
report(true)
await Restartable.kill(server)
process.exit(stats.hung === 0 ? 0 : 1)

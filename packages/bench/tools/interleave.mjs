#!/usr/bin/env node
// Clients side by side in ONE process, in interleaved bursts against one server: the steadiest
// ratio this shared machine gives, since every client sees the same moments of the machine (it
// also charges each client with some of the others' garbage collection, so CPU ratios come out a
// little flattering). Sequential calls; `events`: one call receiving 10,000 progress events from the
// pre-rendered server per burst (a burst of 1, --burst ignored): ms per call and its ratio.
//
//   node packages/bench/tools/interleave.mjs [sse|json|events] [--clients floor,ours,baseline]
//        [--rounds 30] [--burst 300] [--warmup 3000]
//
// Prints, per client: req/s and client CPU per call (medians over rounds), and the median of the
// per-round ratios to the floor, then the bytes each client's process side allocates per call
// (V8's sampling heap profiler over 2,000 calls, collected objects included: steady under load).
// `baseline` needs MCP_EFFECT_BASELINE=<a built checkout>.
import { Session } from "node:inspector/promises"
import { performance } from "node:perf_hooks"
import { clients as loaders } from "../src/clients/index.mjs"
import { startServer } from "../src/processes.mjs"
import { median } from "../src/stats.mjs"

const args = process.argv.slice(2)
const mode = ["json", "events"].includes(args[0]) ? args[0] : "sse"
const EVENTS = 10_000
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`)
  return i === -1 ? fallback : args[i + 1]
}
const names = option("clients", "floor,ours").split(",")
if (!names.includes("floor")) names.unshift("floor")
const rounds = Number(option("rounds", "30"))
const burst = mode === "events" ? 1 : Number(option("burst", "300"))
const warmup = Number(option("warmup", mode === "events" ? "10" : "3000"))

const server = mode === "events" ? await startServer("prerendered", { count: EVENTS }) : await startServer(mode)
const connected = []
try {
  for (const name of names) {
    const client = await (await loaders[name]()).connect(server.url, { getStream: false })
    connected.push({ name, client, rps: [], cpu: [] })
  }
  const check = (name, i, result) => {
    const text = result?.content?.[0]?.text
    if (text !== `m${i}`) throw new Error(`${name}: wrong answer ${JSON.stringify(result)}`)
  }
  /** One call: an echo, or (events) a progress call whose every event must arrive. */
  const call = async (name, client, i) => {
    if (mode !== "events") return check(name, i, await client.call("echo", { text: `m${i}` }))
    let received = 0
    const result = await client.call("progress", { count: EVENTS }, () => received++)
    if (received !== EVENTS || result?.content?.[0]?.text !== `done ${EVENTS}`) {
      throw new Error(`${name}: ${received} events, result ${JSON.stringify(result)}`)
    }
  }
  for (const { name, client } of connected) {
    for (let i = 0; i < warmup; i++) await call(name, client, i)
  }
  for (let r = 0; r < rounds; r++) {
    // Rotate the order so that no client always follows the same one.
    for (let k = 0; k < connected.length; k++) {
      const entry = connected[(r + k) % connected.length]
      const cpu0 = process.cpuUsage()
      const t0 = performance.now()
      for (let i = 0; i < burst; i++) await call(entry.name, entry.client, i)
      const ms = performance.now() - t0
      const cpu = process.cpuUsage(cpu0)
      entry.rps.push(burst / (ms / 1000))
      entry.cpu.push((cpu.user + cpu.system) / burst)
    }
  }
  const floor = connected[0]
  const ratio = (entry, key) => median(entry[key].map((v, i) => v / floor[key][i]))
  console.log(`interleaved, ${mode}, ${rounds} rounds × ${burst} sequential calls per client`)
  for (const entry of connected) {
    const speed = mode === "events"
      ? `ms/call ${(1000 / median(entry.rps)).toFixed(1).padStart(7)} (ratio ${(1 / ratio(entry, "rps")).toFixed(2)})`
      : `req/s ${median(entry.rps).toFixed(0).padStart(6)} (ratio ${ratio(entry, "rps").toFixed(2)})`
    console.log(
      `${entry.name.padEnd(9)} ${speed}  CPU/call ${median(entry.cpu).toFixed(0).padStart(5)} µs (ratio ${
        ratio(entry, "cpu").toFixed(2)
      })`
    )
  }
  const session = new Session()
  session.connect()
  for (const entry of connected) {
    await session.post("HeapProfiler.startSampling", {
      samplingInterval: 256,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true
    })
    const n = mode === "events" ? 5 : 2_000
    for (let i = 0; i < n; i++) await call(entry.name, entry.client, i)
    const { profile } = await session.post("HeapProfiler.stopSampling")
    let bytes = 0
    const walk = (node) => {
      bytes += node.selfSize
      for (const child of node.children) walk(child)
    }
    walk(profile.head)
    console.log(`${entry.name.padEnd(9)} allocated ${(bytes / n / 1024).toFixed(1)} KiB per call`)
  }
  session.disconnect()
} finally {
  for (const { client } of connected) await client.close()
  await server.stop()
}

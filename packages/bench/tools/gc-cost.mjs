#!/usr/bin/env node
// Garbage collection per call, load-independent: each client in a process of its own, sequential
// echo calls against one server (SSE or JSON), V8's --trace-gc-nvp read over the measured calls.
// Prints per client: young-generation scavenges per 10,000 calls, what survives each scavenge and
// what it promotes to the old generation (KiB), promoted bytes per call, the scavenges' pause per
// call, and the full collections (mark-compact) in the window. With --pretenuring-off the same runs
// again with V8's allocation-site pretenuring off, which shows how much of the promotion comes
// from objects V8 decided to allocate in the old generation directly (see performance.md, "Where
// the survivors come from"). The pause times and CPU per call follow the machine's load (printed);
// the counts and bytes do not.
//
//   node packages/bench/tools/gc-cost.mjs [sse|json] [--clients floor,ours] [--calls 10000]
//        [--warmup 3000] [--pretenuring-off]
import { spawn } from "node:child_process"
import { loadavg } from "node:os"
import { fileURLToPath } from "node:url"
import { clients as loaders } from "../src/clients/index.mjs"
import { startServer } from "../src/processes.mjs"

const args = process.argv.slice(2)
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`)
  return i === -1 ? fallback : args[i + 1]
}

if (args[0] === "--child") {
  // One client, in this process: warm up, then the measured calls between two marks.
  const [, name, url, warmup, calls] = args
  const client = await (await loaders[name]()).connect(url, { getStream: false })
  const run = async (n) => {
    for (let i = 0; i < n; i++) {
      const result = await client.call("echo", { text: `m${i}` })
      if (result?.content?.[0]?.text !== `m${i}`) throw new Error(`${name}: wrong answer ${JSON.stringify(result)}`)
    }
  }
  await run(Number(warmup))
  console.log("GC-COST-START")
  const cpu0 = process.cpuUsage()
  await run(Number(calls))
  const cpu = process.cpuUsage(cpu0)
  console.log("GC-COST-END")
  console.log(`GC-COST-CPU ${(cpu.user + cpu.system) / Number(calls)}`)
  await client.close()
  process.exit(0)
}

const mode = args[0] === "json" ? "json" : "sse"
const names = option("clients", "floor,ours").split(",")
const calls = Number(option("calls", "10000"))
const warmup = Number(option("warmup", "3000"))
const variants = args.includes("--pretenuring-off") ? [[], ["--no-allocation-site-pretenuring"]] : [[]]

/** Runs one client in a child process and sums its collections between the marks. */
const measure = (name, url, flags) =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [
      "--trace-gc-nvp",
      ...flags,
      fileURLToPath(import.meta.url),
      "--child",
      name,
      url,
      String(warmup),
      String(calls)
    ], { stdio: ["ignore", "pipe", "inherit"] })
    let out = ""
    child.stdout.setEncoding("utf8")
    child.stdout.on("data", (chunk) => out += chunk)
    child.on("error", reject)
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`${name} exited with ${code}`))
      const lines = out.split("\n")
      const start = lines.indexOf("GC-COST-START")
      const end = lines.indexOf("GC-COST-END")
      const cpu = Number(lines.find((line) => line.startsWith("GC-COST-CPU "))?.slice(12))
      const sums = { scavenges: 0, survived: 0, promoted: 0, pause: 0, full: 0 }
      for (const line of lines.slice(start + 1, end)) {
        const gc = / gc=(\w+) /.exec(line)?.[1]
        if (gc === undefined) continue
        if (gc !== "s") {
          sums.full++
          continue
        }
        const field = (key) => Number(new RegExp(` ${key}=([\\d.]+)`).exec(line)?.[1] ?? 0)
        sums.scavenges++
        sums.survived += field("new_space_survived")
        sums.promoted += field("promoted")
        sums.pause += field("pause")
      }
      resolve({ ...sums, cpu })
    })
  })

const server = await startServer(mode)
try {
  console.log(
    `gc per call, ${mode}, ${calls} sequential calls after ${warmup}; load ${
      loadavg().map((l) => l.toFixed(2)).join(" ")
    }`
  )
  for (const flags of variants) {
    for (const name of names) {
      const r = await measure(name, server.url, flags)
      const per = (v) => (r.scavenges === 0 ? 0 : v / r.scavenges / 1024).toFixed(0)
      console.log(
        `${(name + (flags.length > 0 ? " (pretenuring off)" : "")).padEnd(26)} scavenges/10k ${
          (r.scavenges * 10_000 / calls).toFixed(0).padStart(3)
        }  survived ${per(r.survived).padStart(4)} KiB  promoted ${per(r.promoted).padStart(4)} KiB/scavenge, ${
          (r.promoted / calls).toFixed(0).padStart(4)
        } B/call  scavenge pause ${(r.pause * 1000 / calls).toFixed(1).padStart(5)} µs/call  full GCs ${r.full}  CPU ${
          r.cpu.toFixed(0)
        } µs/call`
      )
    }
  }
  console.log(`load ${loadavg().map((l) => l.toFixed(2)).join(" ")}`)
} finally {
  await server.stop()
}

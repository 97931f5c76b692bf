#!/usr/bin/env node
// Where a cold start goes: fresh Node processes that only load modules and exit, interleaved,
// timed from spawn to exit (median and min–max of N each). Separates the cost of loading `effect`
// (its Schema module imports fast-check) from the client's own modules.
//
//   node packages/bench/tools/cold-imports.mjs [--repeats 7]
import { spawnSync } from "node:child_process"
import { performance } from "node:perf_hooks"
import { fileURLToPath } from "node:url"
import { median } from "../src/stats.mjs"

const args = process.argv.slice(2)
const at = args.indexOf("--repeats")
const repeats = at === -1 ? 7 : Number(args[at + 1])
const cwd = fileURLToPath(new URL("..", import.meta.url))

const steps = [
  ["node, nothing loaded", ""],
  ["undici (the floor's modules)", "await import('undici')"],
  ["+ effect/Effect", "await import('undici'); await import('effect/Effect')"],
  [
    "+ effect/Schema (fast-check)",
    "await import('undici'); await import('effect/Effect'); await import('effect/Schema')"
  ],
  ["@mcp-effect/core", "await import('undici'); await import('@mcp-effect/core')"],
  ["@mcp-effect/core + node", "await import('@mcp-effect/core'); await import('@mcp-effect/node')"]
]

const times = steps.map(() => [])
for (let r = 0; r < repeats; r++) {
  steps.forEach(([, code], i) => {
    const t = performance.now()
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", code], { cwd, stdio: "inherit" })
    if (run.status !== 0) throw new Error(`${steps[i][0]}: exit ${run.status}`)
    times[i].push(performance.now() - t)
  })
}
const base = median(times[1])
console.log(`spawn → exit, ms (median, min–max of ${repeats}); ratio to the floor's modules`)
steps.forEach(([name], i) => {
  const m = median(times[i])
  console.log(
    `${name.padEnd(32)}${m.toFixed(0).padStart(6)} (${Math.min(...times[i]).toFixed(0)}–${
      Math.max(...times[i]).toFixed(0)
    })  ${(m / base).toFixed(2)}×`
  )
})

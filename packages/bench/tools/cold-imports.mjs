#!/usr/bin/env node
// Where a cold start goes: fresh Node processes that only load modules and exit, interleaved,
// timed from spawn to exit (median and min–max of N each), with the CPU each child used (user +
// system, from its own process.cpuUsage(): steadier than wall time on a loaded machine) and the
// ES modules it loaded (counted by a loader hook in one more process per step: deterministic).
// Separates the cost of loading `effect` (its Schema module imports fast-check) from the
// client's own modules, and the README's imports from what a stdio or auth user adds.
//
//   node packages/bench/tools/cold-imports.mjs [--repeats 7]
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
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
  // The README's imports: what NodeMcpClient.layer + callTool loads before it runs.
  ["@mcp-effect/core + node", "await import('@mcp-effect/core'); await import('@mcp-effect/node')"],
  // What a stdio client loads on first use (NodeMcpStdio.make imports it then; needs `pnpm build`).
  [
    "+ the stdio transport",
    "await import('@mcp-effect/core'); await import('@mcp-effect/node'); " +
    "await import('../node/dist/esm/internal/stdio/transport.js'); " +
    "await import('@effect/platform-node/NodeCommandExecutor'); await import('@effect/platform-node/NodeFileSystem')"
  ]
]

// The child's own CPU, printed at exit after everything it loaded ran.
const cpuAtExit = ";process.on('exit', () => { const u = process.cpuUsage(); " +
  "process.stdout.write('\\ncpu ' + (u.user + u.system) / 1000) })"
const run = (name, code, execArgv = [], env = process.env) => {
  const child = spawnSync(process.execPath, [...execArgv, "--input-type=module", "-e", code + cpuAtExit], {
    cwd,
    env,
    stdio: ["inherit", "pipe", "inherit"]
  })
  if (child.status !== 0) throw new Error(`${name}: exit ${child.status}`)
  return Number(/cpu (\S+)/.exec(child.stdout.toString())[1])
}

// One line per module the loader loads, appended from the hooks thread as it loads it.
const countHook = "data:text/javascript," + encodeURIComponent(
  "import { appendFileSync } from 'node:fs'\n" +
    "export async function load(url, context, next) {\n" +
    "  appendFileSync(process.env.COLD_IMPORTS_LOG, url + '\\n'); return next(url, context) }"
)
const dir = mkdtempSync(join(tmpdir(), "cold-imports-"))
const modules = steps.map(([name, code], i) => {
  const log = join(dir, `${i}.log`)
  const register = `import { register } from 'node:module'; register(${JSON.stringify(countHook)})`
  run(name, code, ["--import", `data:text/javascript,${encodeURIComponent(register)}`], {
    ...process.env,
    COLD_IMPORTS_LOG: log
  })
  try {
    return new Set(readFileSync(log, "utf8").split("\n").filter((url) => url !== "" && !url.startsWith("data:"))).size
  } catch {
    return 0
  }
})
rmSync(dir, { recursive: true, force: true })

const load = () => loadavg().map((x) => x.toFixed(2)).join(" ")
const loadBefore = load()
const times = steps.map(() => [])
const cpu = steps.map(() => [])
for (let r = 0; r < repeats; r++) {
  steps.forEach(([name, code], i) => {
    const t = performance.now()
    cpu[i].push(run(name, code))
    times[i].push(performance.now() - t)
  })
}
const base = median(times[1])
const baseCpu = median(cpu[1])
console.log(`load average ${loadBefore} before, ${load()} after; ${repeats} processes per step, interleaved`)
console.log(
  `${"".padEnd(32)}${"spawn → exit, ms (min–max)".padStart(26)}${"ratio".padStart(7)}` +
    `${"child CPU, ms".padStart(15)}${"ratio".padStart(7)}${"ES modules".padStart(12)}`
)
steps.forEach(([name], i) => {
  const m = median(times[i])
  const c = median(cpu[i])
  console.log(
    `${name.padEnd(32)}${
      `${m.toFixed(0)} (${Math.min(...times[i]).toFixed(0)}–${Math.max(...times[i]).toFixed(0)})`.padStart(26)
    }${`${(m / base).toFixed(2)}×`.padStart(7)}${c.toFixed(0).padStart(15)}${
      `${(c / baseCpu).toFixed(2)}×`.padStart(7)
    }${String(modules[i]).padStart(12)}`
  )
})
console.log("ratios: to the floor's modules (undici); ES modules only (undici's CommonJS files are not counted)")

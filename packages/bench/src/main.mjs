#!/usr/bin/env node
// `pnpm bench`: @mcp-effect/node beside the official SDK clients and a raw undici floor, against
// the official SDK server, in one run. See docs/performance.md.
//
//   pnpm bench [--smoke] [--repeats N] [--clients floor,ours,sdk,sdk-v2,baseline] [--only unit,unit]
//              [--out DIR] [--cpu-prof] [--scale N] [--scale-defaults]
//
// --smoke     every scenario, tiny, one process per client: proves the suite works (seconds).
// --repeats   process repeats per figure (default and minimum 3; cold start at least 5).
// --only      units: throughput-sse, throughput-json, events-sse, events-prerendered, heap, heap-recipe,
//             recovery, scale, cold.
// --cpu-prof  runs the workers with --cpu-prof; profiles go to DIR/profiles.
// --scale N   the scale scenario with N clients instead of 10,000 (while iterating).
// --scale-defaults  the scale scenario with ours on its default deadlines (no raised timeouts).
// ours-auto   (a client) ours with era "auto" (one probe per endpoint and process); on request.
// baseline    (a client) another checkout's build, MCP_EFFECT_BASELINE=<its dir>: two versions
//             side by side in one run.
// Results: DIR/bench-<time>.{json,md} and DIR/latest.{json,md} (DIR defaults to <repo>/bench-results).
// Exit status 1 if any client process failed (a wrong answer is a failure).
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs"
import { cpus, loadavg } from "node:os"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { clientNames } from "./clients/index.mjs"
import { fullUnits, smokeUnits } from "./plan.mjs"
import { pinning, runWorker, startServer } from "./processes.mjs"
import { aggregate, renderMarkdown } from "./report.mjs"

const root = fileURLToPath(new URL("../../../", import.meta.url))

const parseArgs = (argv) => {
  const options = {
    smoke: false,
    repeats: 3,
    // `baseline` (another build, MCP_EFFECT_BASELINE) only when asked for.
    clients: clientNames.filter((name) => name !== "baseline" && name !== "ours-auto"),
    only: undefined,
    out: join(root, "bench-results"),
    cpuProf: false,
    scale: undefined,
    scaleDefaults: false
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const value = () => {
      const next = argv[++i]
      if (next === undefined) throw new Error(`${arg} needs a value`)
      return next
    }
    switch (arg) {
      case "--":
        break
      case "--smoke":
        options.smoke = true
        break
      case "--repeats":
        options.repeats = Math.max(3, Number.parseInt(value(), 10) || 3)
        break
      case "--clients":
        options.clients = value().split(",")
        break
      case "--only":
        options.only = value().split(",")
        break
      case "--out":
        options.out = resolve(value())
        break
      case "--cpu-prof":
        options.cpuProf = true
        break
      case "--scale":
        options.scale = Number.parseInt(value(), 10)
        if (!(options.scale > 0)) throw new Error("--scale needs a positive number of clients")
        break
      case "--scale-defaults":
        options.scaleDefaults = true
        break
      default:
        throw new Error(`unknown argument ${arg}`)
    }
  }
  for (const client of options.clients) {
    if (!clientNames.includes(client)) throw new Error(`unknown client ${client} (known: ${clientNames.join(", ")})`)
  }
  if (!options.clients.includes("floor")) options.clients = ["floor", ...options.clients]
  if (options.smoke) options.repeats = 1
  return options
}

/** The clients run the BUILT packages: refuse a missing build, warn about (or refuse) a stale one. */
const checkBuild = (strict) => {
  const newest = (dir) => {
    let latest = 0
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs)
    }
    return latest
  }
  for (const pkg of ["core", "node"]) {
    const built = join(root, "packages", pkg, "dist", "esm", "index.js")
    if (!existsSync(built)) throw new Error(`packages/${pkg} is not built: run \`pnpm build\` first`)
    if (newest(join(root, "packages", pkg, "src")) > statSync(built).mtimeMs) {
      const message = `packages/${pkg}/src is newer than its dist: run \`pnpm build\` (the benchmark runs the build)`
      if (strict) throw new Error(message)
      process.stderr.write(`warning: ${message}\n`)
    }
  }
}

const gitCommit = () => {
  try {
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" }).trim()
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "packages/core/src", "packages/node/src"], {
      cwd: root,
      encoding: "utf8"
    }).trim() !== ""
    return dirty ? `${head} + uncommitted changes in core/node src` : head
  } catch {
    return "unknown"
  }
}

/** Units share a smoke server when they ask for the same kind with the same options. */
const serverKey = (unit) =>
  unit.serverOptions === undefined ? unit.server : `${unit.server} ${JSON.stringify(unit.serverOptions)}`

/** A unit may name the clients it is for (a variant of one client's construction, beside the floor). */
const runsFor = (unit, client) => unit.clients === undefined || unit.clients.includes(client)

/** The scale unit as asked: another number of clients, or ours on its default deadlines. */
const scaleSized = (unit, options) => {
  const params = { ...unit.params }
  if (options.scale !== undefined) params.clients = options.scale
  if (options.scaleDefaults) params.options = { ours: { replayTools: params.options?.ours?.replayTools } }
  return { ...unit, params }
}

const rotate = (list, n) => list.map((_, i) => list[(i + n) % list.length])

const log = (line) => process.stderr.write(`${line}\n`)

const main = async () => {
  const options = parseArgs(process.argv.slice(2))
  checkBuild(!options.smoke)
  const units = (options.smoke ? smokeUnits : fullUnits).filter((u) =>
    options.only === undefined || options.only.includes(u.id)
  ).map((u) => u.scenario === "scale" ? scaleSized(u, options) : u)
  const started = Date.now()
  const meta = {
    date: new Date().toISOString(),
    mode: options.smoke ? "smoke" : "full",
    node: process.version,
    cpu: `${cpus().length} × ${cpus()[0]?.model ?? "unknown"}`,
    loadBefore: loadavg().map((l) => Number(l.toFixed(2))),
    pinning: pinning.enabled
      ? `server on CPU ${pinning.server}, clients on CPU ${pinning.client} (taskset)`
      : `off (${pinning.reason})`,
    commit: gitCommit(),
    repeats: options.repeats,
    clients: options.clients,
    command: `pnpm bench ${process.argv.slice(2).join(" ")}`.trim()
  }
  log(`bench: ${meta.mode}, ${meta.node}, ${meta.cpu}, load ${meta.loadBefore.join(" ")}, pinning ${meta.pinning}`)

  const nodeArgsOf = (unit) => {
    const args = [...(unit.nodeArgs ?? [])]
    if (options.cpuProf) {
      const dir = join(options.out, "profiles")
      mkdirSync(dir, { recursive: true })
      args.push("--cpu-prof", `--cpu-prof-dir=${dir}`)
    }
    return args
  }

  /** runs[unit][client] = [{ value, wallMs }] */
  const runs = {}
  const errors = []
  const record = (unit, client, value, wallMs) => {
    ;((runs[unit] ??= {})[client] ??= []).push({ value, wallMs })
  }
  const attempt = async (label, action) => {
    try {
      await action()
    } catch (error) {
      errors.push(`${label}: ${error instanceof Error ? error.message : String(error)}`)
      log(`  FAILED ${label}: ${error instanceof Error ? error.message : String(error)}`)
    }
  }

  const cold = units.find((u) => u.scenario === "cold")
  const measured = units.filter((u) => u.scenario !== "cold")

  if (options.smoke) {
    // Shared servers, one process per client running every step.
    const servers = {}
    for (const unit of measured) servers[serverKey(unit)] ??= await startServer(unit.server, unit.serverOptions)
    try {
      for (const client of options.clients) {
        await attempt(`smoke ${client}`, async () => {
          const mine = measured.filter((u) => runsFor(u, client))
          const steps = mine.map((u) => ({
            scenario: u.scenario,
            server: serverKey(u),
            url: servers[serverKey(u)].url,
            params: u.params
          }))
          const { results } = await runWorker({ client, steps }, {
            servers,
            nodeArgs: ["--expose-gc", ...nodeArgsOf({})],
            timeoutMs: 60_000
          })
          results.forEach((result, i) => record(mine[i].id, client, result.value, undefined))
          log(`  ${client}: ${results.length} steps ok`)
        })
      }
    } finally {
      await Promise.all(Object.values(servers).map((s) => s.stop()))
    }
  } else {
    const total = measured.reduce((n, u) => n + options.clients.filter((c) => runsFor(u, c)).length, 0) *
      options.repeats
    let done = 0
    for (let repeat = 0; repeat < options.repeats; repeat++) {
      for (const unit of measured) {
        for (const client of rotate(options.clients, repeat).filter((c) => runsFor(unit, c))) {
          done++
          await attempt(`${unit.id} ${client} #${repeat + 1}`, async () => {
            // A fresh server per client process: no client inherits another's sessions or garbage.
            const server = await startServer(unit.server, unit.serverOptions)
            try {
              const step = { scenario: unit.scenario, server: unit.server, url: server.url, params: unit.params }
              const { results, wallMs } = await runWorker({ client, steps: [step] }, {
                servers: { [unit.server]: server },
                nodeArgs: nodeArgsOf(unit),
                timeoutMs: unit.workerTimeoutMs ?? 300_000
              })
              record(unit.id, client, results[0].value, wallMs)
              log(`  [${done}/${total}] ${unit.id} ${client} #${repeat + 1}: ${brief(results[0].value)}`)
            } finally {
              await server.stop()
            }
          })
        }
      }
    }
  }

  if (cold !== undefined) {
    // One warm server; every process is one repeat, timed from spawn to exit.
    const server = await startServer(cold.server)
    try {
      const coldRun = (client) =>
        runWorker({ client, steps: [{ scenario: "cold", server: cold.server, url: server.url }] }, {
          servers: { [cold.server]: server },
          nodeArgs: nodeArgsOf(cold),
          timeoutMs: 60_000
        })
      await attempt("cold warm-up", async () => {
        for (let i = 0; i < 2; i++) await coldRun("floor")
      })
      const repeats = Math.max(options.repeats, cold.minRepeats ?? 1)
      for (let repeat = 0; repeat < repeats; repeat++) {
        for (const client of rotate(options.clients, repeat)) {
          await attempt(`cold ${client} #${repeat + 1}`, async () => {
            const { results, wallMs } = await coldRun(client)
            record(cold.id, client, results[0].value, wallMs)
          })
        }
      }
      log(`  cold start: ${options.clients.length} clients × ${repeats} processes`)
    } finally {
      await server.stop()
    }
  }

  meta.loadAfter = loadavg().map((l) => Number(l.toFixed(2)))
  meta.seconds = Math.round((Date.now() - started) / 1000)
  const report = aggregate(runs, meta, options.clients)
  report.errors = errors
  const markdown = renderMarkdown(report)
  mkdirSync(options.out, { recursive: true })
  const stamp = meta.date.replace(/[:.]/g, "-")
  const prefix = options.smoke ? "smoke" : "bench"
  for (const name of [`${prefix}-${stamp}`, `${prefix}-latest`]) {
    writeFileSync(join(options.out, `${name}.json`), `${JSON.stringify({ ...report, runs }, null, 2)}\n`)
    writeFileSync(join(options.out, `${name}.md`), markdown)
  }
  process.stdout.write(markdown)
  log(`bench: ${meta.seconds} s; results in ${join(options.out, `${prefix}-latest.{json,md}`)}`)
  if (errors.length > 0) {
    log(`bench: ${errors.length} failure(s):\n  ${errors.join("\n  ")}`)
    process.exitCode = 1
  }
}

const brief = (value) =>
  Object.entries(value)
    .filter(([, v]) => typeof v === "number")
    .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(2)}`)
    .join(" ")

main().catch((error) => {
  log(`bench: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
})

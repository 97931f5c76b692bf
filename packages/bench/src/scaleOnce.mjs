#!/usr/bin/env node
// One process of the scale scenario for one client, against a fresh pre-rendered server: the
// bench's worker, scenario and server (processes.mjs, scenarios.mjs `scale`), without the three
// repeats per client of `pnpm bench --only scale` (at 10,000 clients a process takes ~5-15 minutes
// on a shared 2-core machine, the SDK clients up to ~16). Prints one JSON line with the load before and after.
//
//   node packages/bench/src/scaleOnce.mjs <client> [clients=10000] [--defaults] [--hold MS]
//
// --defaults: ours with its default deadlines (else raised to 10 minutes, as plan.mjs does).
import { execFileSync } from "node:child_process"
import { loadavg } from "node:os"
import { fileURLToPath } from "node:url"
import { runWorker, startServer } from "./processes.mjs"

const args = process.argv.slice(2)
const flag = (name) => args.includes(name)
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback)
const positional = args.filter((arg, i) => !arg.startsWith("--") && !args[i - 1]?.startsWith("--hold"))
const [client = "ours", clients = "10000"] = positional
const params = {
  clients: Number(clients),
  concurrency: 100,
  holdMs: Number(option("--hold", "10000")),
  timeoutMs: 600_000,
  options: {
    ours: flag("--defaults")
      ? { replayTools: ["echo"] }
      : { replayTools: ["echo"], requestTimeout: "10 minutes", connectTimeout: "10 minutes" }
  }
}
const load = () => loadavg().map((l) => Number(l.toFixed(1)))
const root = fileURLToPath(new URL("../../../", import.meta.url))
const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" }).trim()
const server = await startServer("prerendered", { getStreams: true })
const before = load()
try {
  const { results, wallMs } = await runWorker(
    { client, steps: [{ scenario: "scale", server: "prerendered", url: server.url, params }] },
    { servers: { prerendered: server }, nodeArgs: ["--expose-gc"], timeoutMs: 2_400_000 }
  )
  process.stdout.write(
    `${
      JSON.stringify({ client, commit, params, loadBefore: before, loadAfter: load(), wallMs, ...results[0].value })
    }\n`
  )
} catch (error) {
  process.stdout.write(
    `${JSON.stringify({ client, commit, params, loadBefore: before, error: String(error).slice(0, 1000) })}\n`
  )
  process.exitCode = 1
} finally {
  await server.stop()
}

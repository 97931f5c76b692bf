#!/usr/bin/env node
// What one more open session is made of: heap snapshots before and after opening `n` more clients
// (each with its GET stream, against the SDK server in a child process), the objects new in the
// second one grouped by kind and constructor, per session. The tool behind the heap figures of
// docs/performance.md.
//
//   node --expose-gc packages/bench/tools/session-heap.mjs [client] [--shared] [--closures] [--n 100] [--top 40]
//
// --closures: closures grouped by the line their function is written on.
// client: floor, ours (default), sdk, sdk-v2 (as in `pnpm bench`); --shared: ours made with
// McpClient.make on one shared NodeMcpHttp (the docs' recipe) instead of NodeMcpClient.layer.
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { Session } from "node:inspector/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { writeHeapSnapshot } from "node:v8"
import { clients } from "../src/clients/index.mjs"
import { startServer } from "../src/processes.mjs"

const args = process.argv.slice(2)
const flag = (name, fallback) => {
  const i = args.indexOf(name)
  return i === -1 ? fallback : Number(args[i + 1])
}
const name =
  args.find((a, i) => !a.startsWith("--") && !args[i - 1]?.startsWith("--n") && !args[i - 1]?.startsWith("--top")) ??
    "ours"
const shared = args.includes("--shared")
const n = flag("--n", 100)
const top = flag("--top", 40)
const byLine = args.includes("--closures")
if (typeof globalThis.gc !== "function") throw new Error("run with node --expose-gc")

const gc = async () => {
  for (let i = 0; i < 4; i++) {
    globalThis.gc()
    await sleep(20)
  }
}

/** Script ids to URLs, so that a closure is named by where its function is written. */
const scripts = new Map()
const inspector = new Session()
inspector.connect()
inspector.on("Debugger.scriptParsed", ({ params }) => scripts.set(params.scriptId, params.url))
await inspector.post("Debugger.enable")

const short = (url) =>
  url.replace(/^file:\/\//, "").replace(/^.*\/node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?/, "").replace(
    /^.*\/packages\//,
    ""
  )

/** The snapshot's nodes: id → { type, name, size, where } (where: a closure's source line). */
const read = (file) => {
  const snapshot = JSON.parse(readFileSync(file, "utf8"))
  const { location_fields: locationFields, node_fields: fields, node_types: [types] } = snapshot.snapshot.meta
  const width = fields.length
  const at = (field) => fields.indexOf(field)
  const [iType, iName, iId, iSize] = [at("type"), at("name"), at("id"), at("self_size")]
  const where = new Map()
  const lw = locationFields.length
  for (let i = 0; i < snapshot.locations.length; i += lw) {
    const [node, script, line] = snapshot.locations.slice(i, i + 3)
    where.set(node, `${short(scripts.get(String(script)) ?? `script ${script}`)}:${line + 1}`)
  }
  const nodes = new Map()
  const { nodes: flat, strings } = snapshot
  for (let i = 0; i < flat.length; i += width) {
    nodes.set(flat[i + iId], {
      type: types[flat[i + iType]],
      name: strings[flat[i + iName]],
      size: flat[i + iSize],
      where: where.get(i)
    })
  }
  return nodes
}

const client = await clients[name]()
const server = await startServer("sse")
const connections = []
const dir = mkdtempSync(join(tmpdir(), "session-heap-"))
try {
  const open = async (count) => {
    for (let i = 0; i < count; i++) connections.push(await client.connect(server.url, { shared }))
    // Every GET stream open on the server (initialize, initialized, GET per session).
    await sleep(500)
  }
  await open(10)
  await gc()
  const before = process.memoryUsage().heapUsed
  const a = writeHeapSnapshot(join(dir, "a.heapsnapshot"))
  await open(n)
  await gc()
  const after = process.memoryUsage().heapUsed
  const b = writeHeapSnapshot(join(dir, "b.heapsnapshot"))
  const old = read(a)
  const groups = new Map()
  for (const [id, node] of read(b)) {
    if (old.has(id)) continue
    const key = byLine && node.type === "closure"
      ? `closure ${node.name} @ ${node.where}`
      : `${node.type} ${node.type === "string" || node.type === "number" ? "" : node.name}`.trim()
    const group = groups.get(key) ?? { count: 0, size: 0 }
    group.count++
    group.size += node.size
    groups.set(key, group)
  }
  const rows = [...groups].sort((x, y) => y[1].size - x[1].size)
  const total = rows.reduce((s, [, g]) => s + g.size, 0)
  console.log(
    `${name}${shared ? " (shared)" : ""}: heapUsed +${
      ((after - before) / n / 1024).toFixed(1)
    } KiB per session; new objects ${(total / n / 1024).toFixed(1)} KiB, ${
      (rows.reduce((s, [, g]) => s + g.count, 0) / n).toFixed(0)
    } per session`
  )
  console.log("per session: count  bytes  kind")
  for (const [key, g] of rows.slice(0, top)) {
    console.log(`${(g.count / n).toFixed(1).padStart(8)} ${(g.size / n).toFixed(0).padStart(7)}  ${key.slice(0, 140)}`)
  }
} finally {
  for (const c of connections) await c.close().catch(() => {})
  await server.stop()
  rmSync(dir, { recursive: true, force: true })
}
process.exit(0)

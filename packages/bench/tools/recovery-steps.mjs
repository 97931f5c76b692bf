#!/usr/bin/env node
// What a recovery costs on the SDK server whatever the client: the least a client that follows the
// spec must do after a 404 — the call that meets it, initialize, notifications/initialized, the
// call again — timed step by step with raw undici, against a plain call.
//
//   node packages/bench/tools/recovery-steps.mjs [--rounds N]
//
// Prints the median of each step over N recoveries (default 60) and their sum as a multiple of a
// plain call: the floor under any client's "recovery ÷ plain call".
import { performance } from "node:perf_hooks"
import { Agent } from "undici"
import { startServer } from "../src/processes.mjs"
import { median } from "../src/stats.mjs"

const roundsArg = process.argv.indexOf("--rounds")
const rounds = roundsArg === -1 ? 60 : Number(process.argv[roundsArg + 1])

const server = await startServer("sse")
const target = new URL(server.url)
const agent = new Agent()
const base = { "content-type": "application/json", accept: "application/json, text/event-stream" }
let sessionId
let nextId = 0

const post = async (message, withSession = true) => {
  const headers = withSession && sessionId !== undefined
    ? { ...base, "mcp-session-id": sessionId, "mcp-protocol-version": "2025-11-25" }
    : base
  const response = await agent.request({
    origin: target.origin,
    path: target.pathname,
    method: "POST",
    headers,
    body: JSON.stringify(message)
  })
  await response.body.text()
  return response
}
const initialize = async () => {
  const response = await post({
    jsonrpc: "2.0",
    id: nextId++,
    method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "recovery-steps", version: "1" } }
  }, false)
  sessionId = response.headers["mcp-session-id"]
}
const initialized = () => post({ jsonrpc: "2.0", method: "notifications/initialized" })
const call = () =>
  post({ jsonrpc: "2.0", id: nextId++, method: "tools/call", params: { name: "echo", arguments: { text: "hi" } } })
const timed = async (f) => {
  const start = performance.now()
  const result = await f()
  return [performance.now() - start, result]
}

await initialize()
await initialized()
for (let i = 0; i < 2_000; i++) await call()

const steps = { plain: [], notFound: [], initialize: [], initialized: [], again: [] }
for (let round = 0; round < rounds; round++) {
  for (let i = 0; i < 20; i++) steps.plain.push((await timed(call))[0])
  await server.command("expire-all")
  const [notFound, response] = await timed(call)
  if (response.statusCode !== 404) throw new Error(`expected 404 after expiry, got ${response.statusCode}`)
  steps.notFound.push(notFound)
  steps.initialize.push((await timed(initialize))[0])
  steps.initialized.push((await timed(initialized))[0])
  steps.again.push((await timed(call))[0])
}
const m = Object.fromEntries(Object.entries(steps).map(([step, times]) => [step, median(times)]))
const total = m.notFound + m.initialize + m.initialized + m.again
console.log(
  `plain call ${m.plain.toFixed(3)} ms | call → 404 ${m.notFound.toFixed(3)} ms | initialize ${
    m.initialize.toFixed(3)
  } ms | notifications/initialized ${m.initialized.toFixed(3)} ms | the call again ${m.again.toFixed(3)} ms`
)
console.log(
  `recovery, the least a client can do: ${total.toFixed(2)} ms = ${(total / m.plain).toFixed(1)}× a plain call`
)
await agent.close()
await server.stop()

#!/usr/bin/env node
// The client's own cost per call, without a network: @mcp-effect/core over an McpHttp that
// answers at once (initialize, then tools/call echo, as SSE or JSON), driven like the benchmark
// drives it (one Effect.runPromise per call). What is left is the client and Effect's runtime.
//
//   node packages/bench/tools/client-cost.mjs [sse|json]
//
// Prints CPU µs per call (min and median of 10 rounds of 5,000 calls, after 20,000 to warm up),
// the run-loop instructions per call (counted by wrapping FiberRuntime's instruction handlers),
// and the bytes allocated per call (V8's sampling heap profiler, collected objects included).
// Run it pinned for steadier numbers: taskset -c 1 node packages/bench/tools/client-cost.mjs
import { McpClient, McpHttp } from "@mcp-effect/core"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import { Session } from "node:inspector/promises"

const mode = process.argv[2] ?? "sse"
if (mode !== "sse" && mode !== "json") throw new Error("usage: client-cost.mjs [sse|json]")

/** A response whose body is `body`, in one piece. */
const response = (status, headers, body) => {
  let done = body === ""
  return {
    status,
    headers,
    read: Effect.sync(() => {
      if (done) return undefined
      done = true
      return body
    }),
    discard: Effect.void
  }
}

const http = {
  execute: (request) =>
    Effect.suspend(() => {
      if (request.method !== "POST") return Effect.succeed(response(405, {}, ""))
      const message = JSON.parse(request.body)
      if (message.id === undefined) return Effect.succeed(response(202, {}, ""))
      // Era detection's probe (the default `era: "auto"`): answered as a session-era server does.
      if (message.method === "server/discover") {
        return Effect.succeed(response(
          200,
          { "content-type": "application/json" },
          JSON.stringify({ jsonrpc: "2.0", id: message.id, error: { code: -32601, message: "Method not found" } })
        ))
      }
      if (message.method === "initialize") {
        return Effect.succeed(response(
          200,
          { "content-type": "application/json", "mcp-session-id": "session-1" },
          JSON.stringify({
            jsonrpc: "2.0",
            id: message.id,
            result: {
              protocolVersion: "2025-11-25",
              capabilities: { tools: {} },
              serverInfo: { name: "fake", version: "1" }
            }
          })
        ))
      }
      const answer = JSON.stringify({
        jsonrpc: "2.0",
        id: message.id,
        result: { content: [{ type: "text", text: message.params.arguments.text }] }
      })
      return Effect.succeed(
        mode === "sse"
          ? response(200, { "content-type": "text/event-stream" }, `event: message\ndata: ${answer}\n\n`)
          : response(200, { "content-type": "application/json" }, answer)
      )
    })
}

const scope = Effect.runSync(Scope.make())
const client = await Effect.runPromise(
  McpClient.make({ url: "http://in-memory/mcp", getStream: false }).pipe(
    Effect.provideService(McpHttp.McpHttp, http),
    Scope.extend(scope)
  )
)
const ECHO = { text: "hello, benchmark" }
const calls = async (n) => {
  for (let i = 0; i < n; i++) {
    const result = await Effect.runPromise(client.callTool("echo", ECHO))
    if (result.content[0].text !== ECHO.text) throw new Error(`echo answered ${JSON.stringify(result)}`)
  }
}

await calls(20_000)

// CPU per call.
const rounds = []
for (let round = 0; round < 10; round++) {
  const start = process.cpuUsage()
  await calls(5_000)
  const used = process.cpuUsage(start)
  rounds.push((used.user + used.system) / 5_000)
}
rounds.sort((a, b) => a - b)

// Run-loop instructions per call: effect's FiberRuntime (not exported: found beside its entry point).
const { FiberRuntime } = await import(new URL("./internal/fiberRuntime.js", import.meta.resolve("effect")).href)
let instructions = 0
const wrapped = []
for (const op of Object.getOwnPropertyNames(FiberRuntime.prototype)) {
  if (!/^[A-Z]/.test(op) || typeof FiberRuntime.prototype[op] !== "function") continue
  const original = FiberRuntime.prototype[op]
  FiberRuntime.prototype[op] = function(...args) {
    instructions++
    return original.apply(this, args)
  }
  wrapped.push([op, original])
}
await calls(1_000)
const perCall = instructions / 1_000
for (const [op, original] of wrapped) FiberRuntime.prototype[op] = original

// Bytes allocated per call.
const session = new Session()
session.connect()
await session.post("HeapProfiler.startSampling", {
  samplingInterval: 256,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true
})
await calls(5_000)
const { profile } = await session.post("HeapProfiler.stopSampling")
let allocated = 0
const walk = (node) => {
  allocated += node.selfSize
  for (const child of node.children) walk(child)
}
walk(profile.head)

console.log(
  `client cost (${mode}, in memory): ${rounds[0].toFixed(1)} µs CPU per call (median ${rounds[5].toFixed(1)}), ` +
    `${perCall.toFixed(0)} run-loop instructions, ${(allocated / 5_000 / 1024).toFixed(1)} KiB allocated`
)
await Effect.runPromise(Scope.close(scope, Exit.void))

#!/usr/bin/env node
// What a hostile (or just careless) server costs the client: one huge answer, as SSE and as JSON,
// over real HTTP on 127.0.0.1 (a plain node:http server, the built @mcp-effect/node client).
//
//   node packages/bench/tools/hostile-edges.mjs [--memory] [scenario ...]
//
// --memory: the answer comes from an McpHttp in memory (the same 64 KiB pieces) instead of a
// server: the client's own cost, without the kernel's and the server's (steadier on a busy machine).
//
// Scenarios (each in a process of its own, so that its peak RSS is its own):
//   sse-30mib         a tools/call answered by one 30 MiB SSE event (maxMessageSize raised to 64 MiB)
//   json-30mib        the same payload as an application/json body
//   sse-reject-64mib  one 64 MiB SSE event at the default 4 MiB limit: time until the typed error
//   json-reject-64mib the same as a JSON body
//   error-3mib        a JSON-RPC error whose message is 3 MiB: the size of the error the caller gets
// Prints, per scenario, the median of 3 runs (and each run): the CPU time and wall time of the call
// (CPU time is the steadier on a busy machine), heap used after it (result still held) and the
// process's peak RSS (the server's strings included). The body comes in 64 KiB pieces, as from a network.
import { spawnSync } from "node:child_process"
import { createServer } from "node:http"
import { performance } from "node:perf_hooks"
import { fileURLToPath } from "node:url"

const MiB = 1024 * 1024
const scenarios = {
  "sse-30mib": { size: 30 * MiB, sse: true, limit: 64 * MiB },
  "json-30mib": { size: 30 * MiB, sse: false, limit: 64 * MiB },
  "sse-reject-64mib": { size: 64 * MiB, sse: true, limit: undefined },
  "json-reject-64mib": { size: 64 * MiB, sse: false, limit: undefined },
  "error-3mib": { size: 3 * MiB, sse: false, limit: undefined, error: true }
}

const PIECE = 64 * 1024
const block = "x".repeat(PIECE)

/**
 * The answer's text in pieces of at most 64 KiB, as a network delivers it: made as they are read
 * (the same block again and again), so that making the payload costs next to nothing in the figures.
 */
function* answerPieces(scenario, id, tool) {
  if (tool === "warm") {
    // The call before the measured one (the first call of a process pays for compiling its code).
    const answer = `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":{"content":[{"type":"text","text":"ok"}]}}`
    yield scenario.sse ? `event: message\ndata: ${answer}\n\n` : answer
    return
  }
  const head = scenario.error ?
    `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"error":{"code":-32000,"message":"` :
    `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":{"content":[{"type":"text","text":"`
  const tail = scenario.error ? `"}}` : `"}]}}`
  yield scenario.sse ? `event: message\ndata: ${head}` : head
  for (let i = 0; i < scenario.size / PIECE; i++) yield block
  yield scenario.sse ? `${tail}\n\n` : tail
}

/** Writes the pieces, waiting for drain: a server streaming a big answer. */
const writePieces = async (res, pieces) => {
  for (const piece of pieces) {
    if (res.destroyed) return
    if (!res.write(piece)) {
      await new Promise((resolve) => {
        res.once("drain", resolve)
        res.once("close", resolve)
      })
    }
  }
  res.end()
}

const INITIALIZE_RESULT = {
  protocolVersion: "2025-11-25",
  capabilities: { tools: {} },
  serverInfo: { name: "big", version: "1" }
}

/** An McpHttp in memory answering like `serve`. */
const memoryHttp = (Effect, scenario) => {
  const response = (status, headers, pieces) => {
    const iterator = pieces[Symbol.iterator]()
    return {
      status,
      headers,
      read: Effect.sync(() => iterator.next().value),
      discard: Effect.sync(() => iterator.return?.())
    }
  }
  return {
    execute: (request) =>
      Effect.sync(() => {
        if (request.method !== "POST") return response(405, {}, [])
        const message = JSON.parse(request.body)
        if (message.id === undefined) return response(202, {}, [])
        if (message.method === "initialize") {
          return response(200, { "content-type": "application/json", "mcp-session-id": "s1" }, [
            JSON.stringify({ jsonrpc: "2.0", id: message.id, result: INITIALIZE_RESULT })
          ])
        }
        const type = scenario.sse ? "text/event-stream" : "application/json"
        return response(200, { "content-type": type }, answerPieces(scenario, message.id, message.params?.name))
      })
  }
}

const serve = (scenario) =>
  createServer((req, res) => {
    let body = ""
    req.on("data", (c) => (body += c))
    req.on("end", () => {
      if (req.method !== "POST") return res.writeHead(405).end()
      const message = JSON.parse(body)
      if (message.id === undefined) return res.writeHead(202).end()
      if (message.method === "initialize") {
        return res.writeHead(200, { "content-type": "application/json", "mcp-session-id": "s1" }).end(
          JSON.stringify({ jsonrpc: "2.0", id: message.id, result: INITIALIZE_RESULT })
        )
      }
      res.writeHead(200, { "content-type": scenario.sse ? "text/event-stream" : "application/json" })
      void writePieces(res, answerPieces(scenario, message.id, message.params?.name))
    })
  })

const runOne = async (name, memory) => {
  const scenario = scenarios[name]
  const { McpClient, McpHttp } = await import("@mcp-effect/core")
  const { NodeMcpClient } = await import("@mcp-effect/node")
  const Effect = await import("effect/Effect")
  const server = memory ? undefined : serve(scenario)
  if (server !== undefined) await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve))
  const url = server === undefined ? "http://in-memory/mcp" : `http://127.0.0.1:${server.address().port}/mcp`
  const options = {
    url,
    getStream: false,
    // Long enough to see what a slow parse costs instead of a RequestTimeout.
    requestTimeout: "300 seconds",
    ...(scenario.limit === undefined ? {} : { maxMessageSize: scenario.limit })
  }
  const program = Effect.gen(function*() {
    const client = yield* McpClient.McpClient
    yield* client.callTool("warm", {})
    const start = performance.now()
    const cpuStart = process.cpuUsage()
    const exit = yield* Effect.exit(client.callTool("big", {}))
    const millis = performance.now() - start
    const cpuUsed = process.cpuUsage(cpuStart)
    const cpu = (cpuUsed.user + cpuUsed.system) / 1000
    let outcome
    if (exit._tag === "Success") {
      outcome = `ok, text ${(exit.value.content[0].text.length / MiB).toFixed(1)} MiB`
    } else {
      const error = exit.cause._tag === "Fail" ? exit.cause.error : undefined
      outcome = error === undefined ? "defect" : `${error._tag}${error.violation ? `/${error.violation}` : ""}`
      if (error?._tag === "JsonRpcError") outcome += `, message ${error.message.length} chars`
    }
    globalThis.gc?.()
    const heap = process.memoryUsage().heapUsed
    return { millis, cpu, outcome, heap, keep: exit }
  })
  const run = server === undefined ?
    Effect.scoped(program).pipe(
      Effect.provide(McpClient.layer(options)),
      Effect.provideService(McpHttp.McpHttp, memoryHttp(Effect, scenario))
    ) :
    Effect.scoped(program).pipe(Effect.provide(NodeMcpClient.layer(options)))
  const result = await Effect.runPromise(run)
  server?.close()
  server?.closeAllConnections()
  const rss = process.resourceUsage().maxRSS * 1024
  process.stdout.write(
    JSON.stringify({ millis: result.millis, cpu: result.cpu, outcome: result.outcome, heap: result.heap, rss })
  )
}

const mb = (bytes) => `${(bytes / MiB).toFixed(0)} MB`
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

if (process.argv[2] === "--one") {
  await runOne(process.argv[3], process.argv[4] === "--memory")
} else {
  const memory = process.argv[2] === "--memory"
  const repeats = Number(process.env.REPEATS ?? 3)
  const args = process.argv.slice(memory ? 3 : 2)
  const names = args.length > 0 ? args : Object.keys(scenarios)
  console.log(memory ? "answers from an McpHttp in memory" : "answers over HTTP on 127.0.0.1")
  const self = fileURLToPath(import.meta.url)
  console.log("| scenario | outcome | CPU (ms) | wall (ms) | heap after (MB) | peak RSS (MB) |")
  console.log("| --- | --- | ---: | ---: | ---: | ---: |")
  for (const name of names) {
    if (!(name in scenarios)) throw new Error(`unknown scenario ${name} (known: ${Object.keys(scenarios).join(", ")})`)
    const runs = []
    for (let i = 0; i < repeats; i++) {
      const child = spawnSync(process.execPath, ["--expose-gc", self, "--one", name, ...(memory ? ["--memory"] : [])], {
        encoding: "utf8",
        maxBuffer: 16 * MiB
      })
      if (child.status !== 0) throw new Error(`${name} failed: ${child.stderr}`)
      runs.push(JSON.parse(child.stdout))
    }
    const cell = (key) =>
      `${median(runs.map((r) => r[key])).toFixed(0)} (${runs.map((r) => r[key].toFixed(0)).join(", ")})`
    console.log(
      `| ${name} | ${runs[0].outcome} | ${cell("cpu")} | ${cell("millis")} | ${mb(median(runs.map((r) => r.heap)))} | ${
        mb(median(runs.map((r) => r.rss)))
      } |`
    )
  }
}

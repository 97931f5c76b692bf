/**
 * The `mcp-effect` CLI, run as a process (the bin launcher and the built
 * dist/esm/cli/main.js, as users run it) against the test server over real
 * HTTP, and against the official SDK's server where real servers differ.
 * (cliHarness.ts builds the CLI when its dist/ is stale.)
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { McpTestServer } from "@mcp-effect/core/testing"
import { NodeMcpTestServer } from "@mcp-effect/node/testing"
import * as Effect from "effect/Effect"
import { execFileSync, spawnSync } from "node:child_process"
import { cpSync, mkdtempSync, rmSync } from "node:fs"
import * as Http from "node:http"
import { tmpdir } from "node:os"
import { basename, join } from "node:path"
import { pathToFileURL } from "node:url"
import { vi } from "vitest"
import { ensureBuilt, root, run, start } from "./cliHarness.js"
import { startSdkServer } from "./support/sdkServer.mjs"
import type { SdkServer } from "./support/sdkServer.mjs"

// Each test starts the CLI as a process (a second or two of Node start-up, far more on a busy machine).
vi.setConfig({ testTimeout: 120_000, hookTimeout: 300_000 })

/** A tool that logs before it answers (its log travels on the call's SSE stream, before the result). */
const chatty: McpTestServer.Tool = {
  name: "chatty",
  description: "Logs a message, then answers",
  inputSchema: { type: "object" },
  handler: (_args, context) =>
    Effect.zipRight(
      context.log("info", "warming up", "chatty"),
      Effect.succeed({ content: [{ type: "text", text: "chatted" }] })
    )
}

const portOf = (http: Http.Server): number => {
  const address = http.address()
  if (address === null || typeof address === "string") throw new Error("not listening on a TCP port")
  return address.port
}

/** Answers roots/list's result as its text: what the client told the server. */
const roots: McpTestServer.Tool = {
  name: "roots",
  description: "Returns the client's roots",
  inputSchema: { type: "object" },
  handler: (_args, context) =>
    Effect.map(context.request("roots/list", {}), (result) => ({
      content: [{ type: "text", text: JSON.stringify(result) }]
    }))
}

let server: NodeMcpTestServer.Started
let plain: Http.Server
let plainOrigin: string
let closedPort: number

beforeAll(async () => {
  await ensureBuilt()
  server = await NodeMcpTestServer.startNodeMcpTestServer({
    // Answers as SSE streams: progress and logs arrive before the result, in order.
    answers: "sse",
    // Two per page: inspect must follow nextCursor to list all five default tools (and chatty).
    pageSize: 2,
    tools: [...McpTestServer.defaultTools, chatty, roots]
  })
  // Not MCP: a web page at /, 404 elsewhere.
  plain = Http.createServer((req, res) => {
    if (req.url === "/") {
      res.writeHead(200, { "content-type": "text/html" })
      res.end("<!doctype html><html><body>Welcome</body></html>")
    } else {
      res.writeHead(404, { "content-type": "text/plain" })
      res.end("Not Found")
    }
  })
  await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve))
  plainOrigin = `http://127.0.0.1:${portOf(plain)}`
  // A port that was free a moment ago and has nobody listening now.
  const probe = Http.createServer()
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve))
  closedPort = portOf(probe)
  await new Promise<void>((resolve) => probe.close(() => resolve()))
}, 300_000)

afterAll(async () => {
  await server?.close()
  await new Promise<void>((resolve) => plain ? plain.close(() => resolve()) : resolve())
})

describe("mcp-effect inspect", () => {
  it("shows the server, its protocol version, capabilities and every page of tools, resources, prompts", async () => {
    const r = await run("inspect", server.url)
    assert.strictEqual(r.code, 0, r.stderr)
    for (
      const text of [
        "mcp-effect-test-server",
        "2025-11-25",
        "tools (listChanged)",
        "resources (subscribe, listChanged)",
        "Tools (7)",
        "echo",
        "elicit",
        "chatty",
        "args { a: number, b: number }",
        "returns { sum: number }",
        "[read-only]",
        "test://hello",
        "test://greeting/{name}",
        "Prompts (1)",
        "greet"
      ]
    ) assert.include(r.stdout, text)
  })

  it("--json prints one JSON document with the whole catalogue", async () => {
    const r = await run("inspect", "--json", server.url)
    assert.strictEqual(r.code, 0, r.stderr)
    const report = JSON.parse(r.stdout)
    assert.strictEqual(report.protocolVersion, "2025-11-25")
    assert.strictEqual(report.serverInfo.name, "mcp-effect-test-server")
    assert.match(report.sessionId, /^session-/)
    assert.deepStrictEqual(
      report.tools.map((t: { name: string }) => t.name),
      ["echo", "add", "slow", "fail", "elicit", "chatty", "roots"]
    )
    assert.deepStrictEqual(report.resources.map((x: { uri: string }) => x.uri), ["test://hello"])
    assert.deepStrictEqual(report.prompts.map((p: { name: string }) => p.name), ["greet"])
  })

  it("sends --header on every request", async () => {
    await server.clearLog()
    const r = await run("inspect", "--header", "Authorization: Bearer sekret", "-H", "X-Trace: 42", server.url)
    assert.strictEqual(r.code, 0, r.stderr)
    const posts = (await server.log()).filter((e) => e.httpMethod === "POST")
    assert.isAbove(posts.length, 2)
    for (const entry of posts) {
      assert.strictEqual(entry.headers["authorization"], "Bearer sekret")
      assert.strictEqual(entry.headers["x-trace"], "42")
    }
  })
})

describe("mcp-effect call", () => {
  it("prints the text and the structured content", async () => {
    const r = await run("call", server.url, "add", `{"a": 2, "b": 3}`)
    assert.strictEqual(r.code, 0, r.stderr)
    assert.include(r.stdout, "5\n")
    assert.include(r.stdout, "structured content:")
    assert.include(r.stdout, `"sum": 5`)
  })

  it("--json prints the CallToolResult", async () => {
    const r = await run("call", "--json", server.url, "add", `{"a": 20, "b": 22}`)
    assert.strictEqual(r.code, 0, r.stderr)
    const result = JSON.parse(r.stdout)
    assert.deepStrictEqual(result.structuredContent, { sum: 42 })
    assert.deepStrictEqual(result.content, [{ type: "text", text: "42" }])
  })

  it("streams progress and log notifications on stderr while the tool runs", async () => {
    const r = await run("call", server.url, "slow", `{"steps": 3, "delayMillis": 20}`)
    assert.strictEqual(r.code, 0, r.stderr)
    assert.strictEqual(r.stdout, "done after 3 steps\n")
    assert.include(r.stderr, "progress 1/3 step 1 of 3\nprogress 2/3 step 2 of 3\nprogress 3/3 step 3 of 3\n")

    const logged = await run("call", server.url, "chatty")
    assert.strictEqual(logged.code, 0, logged.stderr)
    assert.strictEqual(logged.stdout, "chatted\n")
    assert.include(logged.stderr, "[info] chatty: warming up")
  })

  it("exits 1 when the tool reports an error, after printing its result", async () => {
    const r = await run("call", server.url, "fail")
    assert.strictEqual(r.code, 1)
    assert.include(r.stdout, "failure requested")
    assert.include(r.stderr, "tool fail reported an error")
  })

  it("exits 6 for an unknown tool answered with JSON-RPC -32602 (--json: the error as JSON)", async () => {
    const r = await run("call", "--json", server.url, "nope")
    assert.strictEqual(r.code, 6)
    assert.include(r.stderr, "the server rejected tools/call")
    const { error } = JSON.parse(r.stdout)
    assert.strictEqual(error.tag, "JsonRpcError")
    assert.strictEqual(error.exitCode, 6)
    assert.strictEqual(error.method, "tools/call")
  })

  it("exits 2 for arguments that are not a JSON object", async () => {
    for (const bad of ["{oops", "[1, 2]"]) {
      const r = await run("call", server.url, "echo", bad)
      assert.strictEqual(r.code, 2, bad)
      assert.include(r.stderr, "the tool's arguments must be a JSON object")
    }
  })

  it("exits 7 when no answer comes within --timeout", async () => {
    // Only the call hangs; the timeout (which also bounds initialize) leaves room for a busy machine.
    // The same call answered, for what start-up and connecting cost on this machine right now.
    const baselineStarted = Date.now()
    assert.strictEqual((await run("call", server.url, "echo", `{"text": "hi"}`)).code, 0)
    const baseline = Date.now() - baselineStarted
    await server.inject(McpTestServer.Fault.Hang(), { rpcMethod: "tools/call" })
    const started = Date.now()
    const r = await run("call", "--timeout", "2", server.url, "echo", `{"text": "hi"}`)
    assert.strictEqual(r.code, 7, r.stderr)
    assert.include(r.stderr, "no answer to tools/call within 2 s")
    // 2 s of waiting and slack; the default (30 s) would be far past this.
    assert.isBelow(Date.now() - started, baseline + 12_000)
    assert.strictEqual(await Effect.runPromise(server.server.pendingFaults), 0)
  })
})

describe("mcp-effect watch", () => {
  it("keeps calling through a server restart and prints the expiry and the recovery", async () => {
    const watch = start(["watch", "--duration", "3", "--interval", "0.1", server.url])
    await watch.waitFor("session started")
    await watch.waitFor("\n") // the session line is complete
    await server.restart()
    const r = await watch.done
    assert.strictEqual(r.code, 0, r.stdout + r.stderr)
    assert.match(r.stdout, /session expired\s+session-\S+ \(HTTP 404 on (ping|the GET stream)\)/)
    assert.match(r.stdout, /session recovered\s+session-\S+ → session-\S+ in \d+ ms/)
    assert.match(r.stdout, /summary\s+\d+\.\d s, \d+ calls \(\d+ ok, 0 failed\), 1 expiry, 1 recovery/)
  })

  it("--json prints one event per line, the recovery with the old and the new session id", async () => {
    const watch = start(["watch", "--json", "--duration", "3", "--interval", "0.1", server.url])
    await watch.waitFor(`"event":"started"`)
    await server.restart()
    const r = await watch.done
    assert.strictEqual(r.code, 0, r.stdout + r.stderr)
    const events = r.stdout.trim().split("\n").map((line) => JSON.parse(line))
    const started = events.find((e) => e.event === "started")
    const recovered = events.find((e) => e.event === "recovered")
    const summary = events.at(-1)
    assert.strictEqual(recovered.previousSessionId, started.sessionId)
    assert.notStrictEqual(recovered.sessionId, started.sessionId)
    assert.isAtLeast(recovered.waiters, 0)
    assert.strictEqual(summary.type, "summary")
    assert.strictEqual(summary.failed, 0)
    assert.isAbove(summary.calls, 5)
    assert.strictEqual(summary.recoveries, 1)
  })
})

describe("mcp-effect errors", () => {
  it("exits 2 for a bad URL", async () => {
    for (const url of ["not a url", "ftp://example.com/mcp"]) {
      const r = await run("inspect", url)
      assert.strictEqual(r.code, 2, url)
      assert.include(r.stderr, `bad URL "${url}"`)
    }
  })

  it("exits 3 for a refused connection", async () => {
    const url = `http://127.0.0.1:${closedPort}/mcp`
    const r = await run("inspect", "--json", url)
    assert.strictEqual(r.code, 3, r.stderr)
    assert.include(r.stderr, `cannot reach ${url}: connection refused`)
    assert.strictEqual(JSON.parse(r.stdout).error.tag, "TransportError")
  })

  it("exits 5 for a web page that is not an MCP endpoint", async () => {
    const r = await run("inspect", `${plainOrigin}/`)
    assert.strictEqual(r.code, 5, r.stderr)
    assert.include(r.stderr, `${plainOrigin}/ is not an MCP endpoint`)
    assert.include(r.stderr, "text/html")
  })

  it("exits 4 for a path that answers 404", async () => {
    const r = await run("inspect", `${plainOrigin}/mcp`)
    assert.strictEqual(r.code, 4, r.stderr)
    assert.include(r.stderr, `${plainOrigin}/mcp is not an MCP endpoint: it answered HTTP 404 to initialize`)
  })

  it("exits 2 for a bad command line, and --help documents the exit codes", async () => {
    const missing = await run("call", server.url)
    assert.strictEqual(missing.code, 2)
    assert.include(missing.stderr + missing.stdout, "Missing argument <tool>")
    const header = await run("inspect", "--header", "no colon here", server.url)
    assert.strictEqual(header.code, 2)
    assert.include(header.stderr, `bad header "no colon here"`)

    const help = await run("--help")
    assert.strictEqual(help.code, 0)
    for (
      const text of ["Exit codes", "TransportError", "RequestLost", "AuthorizationRequired", "inspect", "call", "watch"]
    ) {
      assert.include(help.stdout, text)
    }
  })
})

describe("mcp-effect usage lines", () => {
  it("show optional and repeatable options in brackets", async () => {
    const r = await run("watch", "--help")
    assert.strictEqual(r.code, 0, r.stderr)
    const usage = r.stdout.split("\n").find((line) => line.startsWith("$ watch")) ?? ""
    for (
      const option of ["[(-H, --header text)...]", "[--subscribe text...]", "[--expired-status text...]", "[--duration"]
    ) {
      assert.include(usage, option)
    }
    assert.notMatch(usage, /(^|[^[])--subscribe/)
  })
})

describe("mcp-effect as real servers answer", () => {
  let sdk: SdkServer
  beforeAll(async () => {
    sdk = await startSdkServer()
  })
  afterAll(async () => {
    await sdk?.close()
  })

  it("exits 6 for an unknown tool answered with isError, as the official SDK's server does", async () => {
    const r = await run("call", sdk.url, "nope")
    assert.strictEqual(r.code, 6, r.stderr)
    assert.include(r.stdout, "nope") // the server's own error text is still shown
    assert.match(r.stderr, /unknown tool nope: the server does not list it \(it has [^)]*echo[^)]*\)/)

    const json = await run("call", "--json", sdk.url, "nope")
    assert.strictEqual(json.code, 6, json.stderr)
    assert.strictEqual(JSON.parse(json.stdout).isError, true) // stdout: the one result, as the server sent it
  })

  it("exits 1, not 6, for a listed tool that fails with isError", async () => {
    const r = await run("call", sdk.url, "add", `{"a": "not a number", "b": 1}`)
    assert.strictEqual(r.code, 1, r.stderr)
    assert.include(r.stderr, "tool add reported an error")
  })
})

// (A 400 whose body says the session is unknown is recognised without a flag; these use 410.)
describe("mcp-effect with servers that say \"unknown session\" with 410", () => {
  let server410: NodeMcpTestServer.Started
  beforeAll(async () => {
    server410 = await NodeMcpTestServer.startNodeMcpTestServer({ unknownSessionStatus: 410 })
  })
  afterAll(async () => {
    await server410?.close()
  })

  const watchThroughRestart = async (args: ReadonlyArray<string>, env: Readonly<Record<string, string>> = {}) => {
    const watch = start(["watch", "--json", "--duration", "3", "--interval", "0.1", ...args, server410.url], { env })
    await watch.waitFor(`"event":"started"`)
    await server410.restart()
    const r = await watch.done
    const events = r.stdout.trim().split("\n").map((line) => JSON.parse(line))
    return { r, events, summary: events.at(-1) }
  }

  it("recovers with --expired-status 410", async () => {
    const { events, r, summary } = await watchThroughRestart(["--expired-status", "410"])
    assert.strictEqual(r.code, 0, r.stdout + r.stderr)
    assert.isTrue(events.some((e) => e.event === "expired" && e.status === 410), r.stdout)
    assert.strictEqual(summary.recoveries, 1)
    assert.strictEqual(summary.failed, 0)
  })

  it("recovers with MCP_EXPIRED_STATUSES=400,410 in the environment", async () => {
    const { r, summary } = await watchThroughRestart([], { MCP_EXPIRED_STATUSES: "400,410" })
    assert.strictEqual(r.code, 0, r.stdout + r.stderr)
    assert.strictEqual(summary.recoveries, 1)
    assert.strictEqual(summary.failed, 0)
  })

  it("without either, the calls after the restart fail (so the two above are what made it recover)", async () => {
    const { r, summary } = await watchThroughRestart([])
    assert.strictEqual(r.code, 1, r.stdout + r.stderr)
    assert.strictEqual(summary.recoveries, 0)
    assert.isAbove(summary.failed, 0)
  })

  it("exits 2 for a status that cannot mean an unknown session, from the flag or the variable", async () => {
    const flag = await run("ping", "--expired-status", "200", server410.url)
    assert.strictEqual(flag.code, 2)
    assert.include(flag.stderr, `--expired-status: "200" cannot mean "unknown session"`)
    const variable = await start(["ping", server410.url], { env: { MCP_EXPIRED_STATUSES: "400,soon" } }).done
    assert.strictEqual(variable.code, 2)
    assert.include(variable.stderr, `MCP_EXPIRED_STATUSES: "soon" cannot mean "unknown session"`)
  })
})

describe("mcp-effect roots", () => {
  it("answers roots/list with each --root (paths made absolute, URIs as given)", async () => {
    const r = await run("call", "--root", "/srv/data", "--root", "https://example.com/repo", server.url, "roots")
    assert.strictEqual(r.code, 0, r.stderr)
    assert.deepStrictEqual(JSON.parse(r.stdout), {
      roots: [{ uri: "file:///srv/data", name: "data" }, { uri: "https://example.com/repo" }]
    })
  })

  it("answers the working directory without --root", async () => {
    const r = await run("call", server.url, "roots")
    assert.strictEqual(r.code, 0, r.stderr)
    assert.deepStrictEqual(JSON.parse(r.stdout).roots, [{ uri: pathToFileURL(root).href, name: basename(root) }])
  })
})

describe("the mcp-effect command", () => {
  it("is linked into the repository's node_modules/.bin (what pnpm exec runs)", () => {
    const out = execFileSync(join(root, "node_modules/.bin/mcp-effect"), ["--version"], { encoding: "utf8" })
    assert.include(out, "0.1.0")
  })

  it("says how to build it when dist/ is missing", () => {
    const dir = mkdtempSync(join(tmpdir(), "mcp-effect-bin-"))
    try {
      cpSync(join(root, "packages/node/bin"), join(dir, "bin"), { recursive: true })
      const r = spawnSync(process.execPath, [join(dir, "bin/mcp-effect.js"), "--help"], { encoding: "utf8" })
      assert.strictEqual(r.status, 1)
      assert.include(r.stderr, "the CLI is not built yet")
      assert.strictEqual(r.stdout, "")
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

/**
 * The `mcp-effect` CLI, run as a process (the built dist/esm/cli/main.js, as
 * users run it) against the test server over real HTTP.
 *
 * The build is reused when it is newer than every source it comes from (as
 * after `npm test`'s build stage); otherwise beforeAll builds core and node.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { McpTestServer } from "@mcp-effect/core/testing"
import { NodeMcpTestServer } from "@mcp-effect/node/testing"
import * as Effect from "effect/Effect"
import { execFileSync, spawn } from "node:child_process"
import { existsSync, readdirSync, statSync } from "node:fs"
import * as Http from "node:http"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = resolve(fileURLToPath(new URL("../../..", import.meta.url)))
const cli = join(root, "packages/node/dist/esm/cli/main.js")

// The newest modification time of the files a package's build reads.
const newestInput = (dir: string): number => {
  let newest = 0
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name)
      if (entry.isDirectory()) walk(full)
      else newest = Math.max(newest, statSync(full).mtimeMs)
    }
  }
  walk(join(dir, "src"))
  for (const file of ["package.json", "tsconfig.build.json"]) {
    if (existsSync(join(dir, file))) newest = Math.max(newest, statSync(join(dir, file)).mtimeMs)
  }
  return newest
}

// build-package.mjs writes dist/cjs/package.json last: its time is the end of the build.
const isStale = (pkg: string): boolean => {
  const dir = join(root, "packages", pkg)
  const marker = join(dir, "dist/cjs/package.json")
  return !existsSync(marker) || statSync(marker).mtimeMs < newestInput(dir)
}

const ensureBuilt = () => {
  if (!isStale("core") && !isStale("node") && existsSync(cli)) return
  process.stderr.write("cli.test: dist is older than the sources: building @mcp-effect/core and @mcp-effect/node\n")
  try {
    execFileSync("sh", [join(root, "scripts/pnpm.sh"), "-r", "--filter", "@mcp-effect/node...", "build"], {
      cwd: root,
      stdio: "pipe",
      timeout: 240_000
    })
  } catch (error) {
    const output = error instanceof Error && "stdout" in error ? String(error.stdout) : String(error)
    throw new Error(
      `cli.test: building @mcp-effect/core and @mcp-effect/node failed; the CLI cannot be tested:\n${output}`
    )
  }
  if (!existsSync(cli)) throw new Error(`cli.test: the build did not produce ${cli}`)
}

interface Result {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

interface Running {
  /** Resolves once stdout contains `text`. */
  readonly waitFor: (text: string) => Promise<void>
  readonly done: Promise<Result>
}

const start = (args: ReadonlyArray<string>, timeoutMillis = 20_000): Running => {
  const child = spawn(process.execPath, [cli, ...args], {
    cwd: root,
    env: { ...process.env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let stdout = ""
  let stderr = ""
  const waiters: Array<{ text: string; resolve: () => void }> = []
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk
    for (const w of waiters.filter((w) => stdout.includes(w.text))) w.resolve()
  })
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMillis)
  const done = new Promise<Result>((resolve) =>
    child.on("close", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  )
  return {
    done,
    waitFor: (text) =>
      stdout.includes(text) ? Promise.resolve() : Promise.race([
        new Promise<void>((resolve) => waiters.push({ text, resolve })),
        done.then((r) => {
          throw new Error(`the CLI exited (${r.code}) before printing "${text}":\n${r.stdout}\n${r.stderr}`)
        })
      ])
  }
}

const run = (...args: ReadonlyArray<string>): Promise<Result> => start(args).done

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

let server: NodeMcpTestServer.Started
let plain: Http.Server
let plainOrigin: string
let closedPort: number

beforeAll(async () => {
  ensureBuilt()
  server = await NodeMcpTestServer.startNodeMcpTestServer({
    // Answers as SSE streams: progress and logs arrive before the result, in order.
    answers: "sse",
    // Two per page: inspect must follow nextCursor to list all five default tools (and chatty).
    pageSize: 2,
    tools: [...McpTestServer.defaultTools, chatty]
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
        "Tools (6)",
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
      ["echo", "add", "slow", "fail", "elicit", "chatty"]
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

  it("exits 6 with the server's message for an unknown tool (--json: the error as JSON)", async () => {
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
    await server.inject(McpTestServer.Fault.Hang(), { rpcMethod: "tools/call" })
    const started = Date.now()
    const r = await run("call", "--timeout", "2", server.url, "echo", `{"text": "hi"}`)
    assert.strictEqual(r.code, 7, r.stderr)
    assert.include(r.stderr, "no answer to tools/call within 2 s")
    assert.isBelow(Date.now() - started, 15_000)
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
    for (const text of ["Exit codes", "TransportError", "RequestLost", "inspect", "call", "watch"]) {
      assert.include(help.stdout, text)
    }
  })
})

/**
 * `mcp-effect login` / `logout`, run as a process (the built
 * dist/esm/cli/main.js) against a protected server over real HTTP on
 * 127.0.0.1: the test authorization server of `McpTestAuth` in front of the
 * in-memory test MCP server, served by node:http. The test plays the
 * browser: it opens the URL the CLI prints, and follows the approval
 * redirect to the CLI's loopback listener.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { McpError, McpHttp } from "@mcp-effect/core"
import { McpTestAuth, McpTestServer } from "@mcp-effect/core/testing"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs"
import * as Http from "node:http"
import * as os from "node:os"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = resolve(fileURLToPath(new URL("../../..", import.meta.url)))
const cli = join(root, "packages/node/dist/esm/cli/main.js")
const dir = mkdtempSync(join(os.tmpdir(), "mcp-cli-auth-"))
const authFile = join(dir, "auth.json")

let httpServer: Http.Server
let url = ""
let handle: McpTestAuth.ServerHandle
const scope = Effect.runSync(Scope.make())

/** Serves an `McpHttp.Service` over node:http (bodies are small here: read whole). */
const serve = (service: () => McpHttp.Service) =>
  Http.createServer((req, res) => {
    let body = ""
    req.setEncoding("utf8").on("data", (chunk: string) => (body += chunk)).on("end", () => {
      const headers: Record<string, string> = {}
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === "string") headers[name] = value
      }
      const method = req.method === "POST" || req.method === "DELETE" ? req.method : "GET"
      Effect.runPromise(Effect.gen(function*() {
        const response = yield* service().execute({
          method,
          url: new URL(req.url ?? "/", url).href,
          headers,
          body: method === "POST" ? body : undefined,
          tracerPropagation: false
        })
        res.writeHead(response.status, response.headers)
        // An accepted notification or a DELETE has no body to read (the in-memory client refuses to stream one).
        if (response.status === 202 || response.status === 204 || method === "DELETE") yield* response.discard
        else {for (;;) {
            const piece = yield* response.read
            if (piece === undefined) break
            res.write(piece)
          }}
        res.end()
      })).catch((error) => {
        process.stderr.write(`cliAuth.test server: ${String(error)}\n`)
        res.destroy()
      })
    })
  })

beforeAll(async () => {
  if (!existsSync(cli) || statSync(cli).mtimeMs < statSync(join(root, "packages/node/src/cli/login.ts")).mtimeMs) {
    throw new Error("cliAuth.test: build first (sh scripts/pnpm.sh build): the CLI is tested as users run it")
  }
  let service: McpHttp.Service = {
    execute: () => Effect.fail(new McpError.HttpFailure({ description: "not ready" }))
  }
  httpServer = serve(() => service)
  await new Promise<void>((done) => httpServer.listen(0, "127.0.0.1", () => done()))
  const address = httpServer.address()
  url = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`
  const mcp = await Effect.runPromise(Scope.extend(McpTestServer.make(), scope))
  handle = await Effect.runPromise(McpTestAuth.makeServer({ issuer: `${url}/as`, resource: `${url}/mcp` }))
  service = handle.wrap(McpHttp.fromHttpClient(McpTestServer.httpClient(mcp)))
})

afterAll(async () => {
  await new Promise<void>((done) => httpServer.close(() => done()))
  httpServer.closeAllConnections()
  await Effect.runPromise(Scope.close(scope, Exit.void))
  rmSync(dir, { recursive: true, force: true })
})

interface Result {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs the CLI; `onStderr` sees its stderr as it comes (the login URL). */
const run = (args: ReadonlyArray<string>, onStderr?: (text: string) => void): Promise<Result> =>
  new Promise((done) => {
    const child = spawn(process.execPath, [cli, ...args], {
      env: { ...process.env, NO_COLOR: "1", MCP_EFFECT_AUTH_FILE: authFile },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk
      onStderr?.(stderr)
    })
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000)
    child.on("close", (code) => {
      clearTimeout(timer)
      done({ code, stdout, stderr })
    })
  })

/** The browser: opens the authorization URL, follows the approval redirect to the loopback listener. */
const approve = async (authorizationUrl: string) => {
  const approval = await fetch(authorizationUrl, { redirect: "manual" })
  await approval.text()
  const location = approval.headers.get("location")
  assert.match(location ?? "", /^http:\/\/127\.0\.0\.1:\d+\/callback\?/)
  const callback = await fetch(location ?? "")
  await callback.text()
  assert.strictEqual(callback.status, 200)
}

describe("mcp-effect login / logout", () => {
  it("without a token, inspect says authorization is required and how to log in: exit code 13", async () => {
    const result = await run(["inspect", `${url}/mcp`])
    assert.strictEqual(result.code, 13, result.stderr)
    assert.include(result.stderr, `${url}/mcp: authorization required: run \`mcp-effect login ${url}/mcp\``)
    const json = await run(["inspect", "--json", `${url}/mcp`])
    assert.strictEqual(json.code, 13, json.stderr)
    const error = JSON.parse(json.stdout).error
    assert.deepInclude(error, { tag: "AuthorizationRequired", exitCode: 13, resource: `${url}/mcp` })
    assert.isString(error.method) // the request that met it: the handshake's
  }, 90_000)

  it("an authorization that fails (metadata naming another issuer): exit code 14, with the step", async () => {
    await Effect.runPromise(handle.inject({ _tag: "WrongIssuer" }))
    try {
      const result = await run(["inspect", `${url}/mcp`])
      assert.strictEqual(result.code, 14, result.stderr)
      assert.match(result.stderr, /authorization failed at discovery: /)
    } finally {
      await Effect.runPromise(handle.clearFaults)
    }
  }, 90_000)

  it(
    "login authorizes through the loopback redirect; inspect then uses the stored token; logout revokes the tokens at the server and forgets them",
    async () => {
      let opened = false
      const login = await run(["login", `${url}/mcp`], (stderr) => {
        const match = /(http:\/\/127\.0\.0\.1:\d+\/as\/authorize\?\S+)/.exec(stderr)
        if (match !== null && !opened) {
          opened = true
          void approve(match[1])
        }
      })
      assert.strictEqual(login.code, 0, login.stderr)
      assert.match(login.stdout, /Logged in to/)
      assert.strictEqual(statSync(authFile).mode & 0o777, 0o600)
      assert.include(readFileSync(authFile, "utf8"), "access_token")

      const inspect = await run(["inspect", `${url}/mcp`])
      assert.strictEqual(inspect.code, 0, inspect.stderr)
      assert.include(inspect.stdout, "echo")
      const stats = await Effect.runPromise(handle.stats)
      assert.strictEqual(stats.authorizations, 1)

      const token = /"access_token\\?":\\?"([^"\\]+)/.exec(readFileSync(authFile, "utf8"))?.[1] ?? ""
      assert.notStrictEqual(token, "")
      const logout = await run(["logout", `${url}/mcp`])
      assert.strictEqual(logout.code, 0, logout.stderr)
      assert.match(logout.stdout, /Logged out of .* \(revoked at the server: refresh_token, access_token\)/)
      assert.notInclude(readFileSync(authFile, "utf8"), "access_token")
      // Revoked at the server (RFC 7009), not only forgotten: the old token is refused.
      assert.strictEqual((await Effect.runPromise(handle.stats)).revocations, 2)
      const replay = await fetch(`${url}/mcp`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" })
      })
      await replay.text()
      assert.strictEqual(replay.status, 401)
    },
    120_000
  )
})

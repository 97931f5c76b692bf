/**
 * The `mcp-effect` CLI on local servers (`--stdio -- <command>`), run as a
 * process as users run it, against real stdio servers we did not write: the
 * official SDK's `StdioServerTransport` server (support/sdkStdioServer.mjs)
 * and `@modelcontextprotocol/server-everything` in stdio mode. Every command,
 * `--json`, the flags of a local server, a server killed under `watch`, and
 * servers that cannot start.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { vi } from "vitest"
import { ensureBuilt, run, start } from "./cliHarness.js"
import { everythingServer, exists, pidOf, sdkStdioServer, serverLog } from "./support/stdio.js"

// Each test starts the CLI and a server as processes (seconds each on a busy machine).
vi.setConfig({ testTimeout: 120_000, hookTimeout: 300_000 })

/** `--stdio -- node <the SDK's stdio server> [args]`. */
const sdk = (...args: ReadonlyArray<string>) => ["--stdio", "--", process.execPath, sdkStdioServer, ...args]
const everything = ["--stdio", "--", process.execPath, everythingServer, "stdio"]

let scratch: string

beforeAll(async () => {
  await ensureBuilt()
  scratch = mkdtempSync(join(tmpdir(), "mcp-effect-cli-stdio-"))
})

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true })
})

describe("mcp-effect <command> --stdio", () => {
  it("inspect: the server, its command line in place of the URL, its tools, resources, prompts", async () => {
    const r = await run("inspect", ...sdk())
    assert.strictEqual(r.code, 0, r.stderr)
    assert.match(r.stdout, /^server {8}sdk-test-server 1\.0\.0\n/)
    assert.include(r.stdout, `\ncommand       ${process.execPath} ${sdkStdioServer}\n`)
    assert.match(r.stdout, /\nsession {7}stdio-\d+-1\n/)
    assert.match(r.stdout, /\nTools \(10\)\n {2}echo +Returns its text \[read-only\]\n/)
    assert.include(r.stdout, "\nResources (1)\n  test://hello  hello · text/plain · A greeting\n")
    assert.include(r.stdout, "\nPrompts (1)\n  greet  Greets someone\n         args name\n")
    assert.strictEqual(r.stderr, "")
  })

  it("inspect --json: url null, the command line, the lists as the server sent them", async () => {
    const r = await run("inspect", "--json", ...sdk())
    assert.strictEqual(r.code, 0, r.stderr)
    const report = JSON.parse(r.stdout)
    assert.strictEqual(report.url, null)
    assert.strictEqual(report.command, `${process.execPath} ${sdkStdioServer}`)
    assert.strictEqual(report.serverInfo.name, "sdk-test-server")
    assert.match(report.sessionId, /^stdio-\d+-1$/)
    assert.strictEqual(report.tools.length, 10)
    assert.deepStrictEqual(report.resources.map((r: { uri: string }) => r.uri), ["test://hello"])
  })

  it("call: the result, progress on stderr, exit 1 for isError and 6 for an unknown tool", async () => {
    const add = await run("call", "add", `{"a": 2, "b": 3}`, ...sdk())
    assert.strictEqual(add.code, 0, add.stderr)
    assert.strictEqual(add.stdout, `5\n\nstructured content:\n{\n  "sum": 5\n}\n`)

    const progress = await run("call", "progress", `{"count": 2}`, ...sdk())
    assert.strictEqual(progress.code, 0, progress.stderr)
    assert.strictEqual(progress.stdout, "done 2\n")
    assert.strictEqual(progress.stderr, "progress 1/2 1/2\nprogress 2/2 2/2\n")

    const json = await run("call", "--json", "echo", `{"text": "hi"}`, ...sdk())
    assert.strictEqual(json.code, 0, json.stderr)
    assert.deepStrictEqual(JSON.parse(json.stdout).content, [{ type: "text", text: "hi" }])

    const invalid = await run("call", "add", `{"a": "two"}`, ...sdk())
    assert.strictEqual(invalid.code, 1, invalid.stdout + invalid.stderr)
    assert.include(invalid.stderr, "error: tool add reported an error (isError: true)")

    const unknown = await run("call", "nope", ...sdk())
    assert.strictEqual(unknown.code, 6, unknown.stdout + unknown.stderr)
    assert.include(unknown.stderr, "error: unknown tool nope: the server does not list it (it has echo, add,")
  })

  it("call: the server asks for roots (answered) and for input (refused without a terminal)", async () => {
    const roots = await run("call", "--root", scratch, "roots", ...sdk())
    assert.strictEqual(roots.code, 0, roots.stderr)
    assert.strictEqual(roots.stdout, `file://${scratch}\n`)

    const elicit = await run("call", "elicit", ...sdk())
    assert.include(
      elicit.stderr,
      "the server asked for input (elicitation) and was refused, no terminal: Please answer"
    )
  })

  it("read, prompt, log-level, ping: each over stdio, in text and in JSON", async () => {
    const read = await run("read", "test://hello", ...sdk())
    assert.strictEqual(read.code, 0, read.stderr)
    assert.strictEqual(read.stdout, "Hello, world!\n")

    const readJson = await run("read", "--json", "test://hello", ...sdk())
    assert.deepStrictEqual(JSON.parse(readJson.stdout), {
      contents: [{ uri: "test://hello", mimeType: "text/plain", text: "Hello, world!" }]
    })

    const missing = await run("read", "test://nothing", ...sdk())
    assert.strictEqual(missing.code, 6, missing.stdout + missing.stderr)

    const prompt = await run("prompt", "greet", `{"name": "Ada"}`, ...sdk())
    assert.strictEqual(prompt.code, 0, prompt.stderr)
    assert.strictEqual(prompt.stdout, "user: Hello, Ada!\n")

    const level = await run("log-level", "warning", ...sdk())
    assert.strictEqual(level.code, 0, level.stderr)
    assert.match(level.stdout, /^sdk-test-server accepted log level warning/)

    const ping = await run("ping", "--count", "2", ...sdk())
    assert.strictEqual(ping.code, 0, ping.stderr)
    assert.match(ping.stdout, /^pong from sdk-test-server in [\d.]+ ms\npong from sdk-test-server in [\d.]+ ms\n$/)

    const pingJson = await run("ping", "--json", ...sdk())
    const pong = JSON.parse(pingJson.stdout)
    assert.match(pong.sessionId, /^stdio-\d+-1$/)
    assert.strictEqual(pong.millis.length, 1)
  })

  it("complete: against server-everything (completions), and exit 6 from a server without them", async () => {
    const r = await run("complete", "--prompt", "completable-prompt", "department", "S", ...everything)
    assert.strictEqual(r.code, 0, r.stderr)
    assert.strictEqual(r.stdout, "Sales\nSupport\n")

    const withContext = await run(
      "complete",
      "--json",
      "--prompt",
      "completable-prompt",
      "--context",
      `{"department": "Engineering"}`,
      "name",
      "",
      ...everything
    )
    assert.strictEqual(withContext.code, 0, withContext.stderr)
    assert.deepStrictEqual(JSON.parse(withContext.stdout).completion.values, ["Alice", "Bob", "Charlie"])

    const refused = await run("complete", "--prompt", "greet", "name", "A", ...sdk())
    assert.strictEqual(refused.code, 6, refused.stdout + refused.stderr)
    assert.include(refused.stderr, "error: the server rejected completion/complete")
  })
})

describe("the flags of a local server", () => {
  it("--help lists them, with <url>'s alternative", async () => {
    const r = await run("call", "--help")
    assert.strictEqual(r.code, 0, r.stderr)
    for (const text of ["--stdio", "--env", "--cwd", "--stderr quiet | show", "--stdio -- node server.js"]) {
      assert.include(r.stdout, text)
    }
    const top = await run("--help")
    assert.include(top.stdout, "12  ServerNotStarted")
  })

  it("--env adds to a minimal environment: nothing else of ours reaches the server", async () => {
    const r = await start(["call", "env", "--env", "GREETING=hello=world", ...sdk()], {
      env: { SECRET_OF_THE_CLI: "do-not-pass" }
    }).done
    assert.strictEqual(r.code, 0, r.stderr)
    const names = r.stdout.trim().split(",")
    assert.include(names, "GREETING")
    assert.include(names, "PATH")
    assert.notInclude(names, "SECRET_OF_THE_CLI")
    for (const name of names) assert.include(["GREETING", "HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER"], name)
  })

  it("--cwd runs the server there (a relative script is found from it); a missing one is exit 2", async () => {
    const support = join(sdkStdioServer, "..")
    const r = await run("ping", "--cwd", support, "--stdio", "--", process.execPath, "sdkStdioServer.mjs")
    assert.strictEqual(r.code, 0, r.stderr)
    assert.match(r.stdout, /^pong from sdk-test-server/)

    const bad = await run("ping", "--cwd", join(scratch, "nowhere"), ...sdk())
    assert.strictEqual(bad.code, 2, bad.stdout + bad.stderr)
    assert.include(bad.stderr, `error: --cwd (or MCP_CWD): ${join(scratch, "nowhere")} is not a directory`)
  })

  it("the server's arguments are its own: a --help after -- reaches the server, not the CLI", async () => {
    const log = join(scratch, "help.log")
    const r = await start(["ping", "--env", `MCP_TEST_LOG=${log}`, ...sdk("--help", "--json")]).done
    assert.strictEqual(r.code, 0, r.stdout + r.stderr)
    assert.match(r.stdout, /^pong from sdk-test-server/)
    assert.strictEqual(serverLog(log).start, 1)
  })

  it("--stderr show prints the server's stderr lines; by default they are quiet", async () => {
    const shown = await run("ping", "--stderr", "show", ...everything)
    assert.strictEqual(shown.code, 0, shown.stderr)
    assert.match(shown.stderr, /^\[stderr\] .*Starting/m)

    // (Its notifications are still shown, as for every server.)
    const quiet = await run("ping", ...everything)
    assert.strictEqual(quiet.code, 0, quiet.stderr)
    assert.notInclude(quiet.stderr, "[stderr]")
    assert.notInclude(quiet.stderr, "Starting")

    const fromEnv = await start(["ping", ...everything], { env: { MCP_STDERR: "show" } }).done
    assert.match(fromEnv.stderr, /^\[stderr\] /m)
  })

  it("MCP_COMMAND and MCP_ARGS name the server when nothing follows --stdio", async () => {
    const r = await start(["ping", "--stdio"], {
      env: { MCP_COMMAND: process.execPath, MCP_ARGS: sdkStdioServer }
    }).done
    assert.strictEqual(r.code, 0, r.stderr)
    assert.match(r.stdout, /^pong from sdk-test-server/)
  })

  it("usage errors (exit 2): no command, HTTP-only flags with --stdio, --env without it, a bad --env", async () => {
    const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string]> = [
      [["ping", "--stdio"], "--stdio needs the server's command after --"],
      [["ping", "--header", "X-A: b", ...sdk()], "--header is for HTTP servers: with --stdio, use --env"],
      [["ping", "--expired-status", "400", ...sdk()], "--expired-status is for HTTP servers, not --stdio"],
      [["ping", "--env", "A=b", "http://127.0.0.1:1/mcp"], "--env is for local servers: add --stdio -- <command>"],
      [["ping", "--env", "NOEQUALS", ...sdk()], `bad --env "NOEQUALS": expected KEY=VALUE`]
    ]
    for (const [args, message] of cases) {
      const r = await run(...args)
      assert.strictEqual(r.code, 2, `${args.join(" ")}: ${r.stdout}${r.stderr}`)
      assert.include(r.stderr, message)
    }
  })

  it("login and logout refuse --stdio (no OAuth over stdio), exit 2", async () => {
    for (const command of ["login", "logout"]) {
      const r = await run(command, ...sdk())
      assert.strictEqual(r.code, 2, r.stdout + r.stderr)
      assert.include(
        r.stderr,
        `error: ${command} is for HTTP servers that use OAuth; a --stdio server has no authorization to log in to`
      )
    }
  })
})

describe("a local server that does not start, or dies", () => {
  it("a command that does not exist: exit 12, naming it", async () => {
    const r = await run("ping", "--stdio", "--", "/nonexistent/mcp-effect-test-server", "--flag")
    assert.strictEqual(r.code, 12, r.stdout + r.stderr)
    assert.strictEqual(r.stdout, "")
    assert.include(
      r.stderr,
      "error: the server (/nonexistent/mcp-effect-test-server --flag) could not be started: no such command"
    )

    const json = await run("inspect", "--json", "--stdio", "--", "/nonexistent/mcp-effect-test-server")
    assert.strictEqual(json.code, 12)
    assert.deepInclude(JSON.parse(json.stdout).error, {
      tag: "ServerNotStarted",
      exitCode: 12,
      command: "/nonexistent/mcp-effect-test-server"
    })
  })

  it("a server that exits at start-up: exit 12, its exit code and its last stderr lines", async () => {
    const r = await run("inspect", ...sdk("--exit-at-start"))
    assert.strictEqual(r.code, 12, r.stdout + r.stderr)
    assert.include(
      r.stderr,
      `error: the server (${process.execPath} ${sdkStdioServer} --exit-at-start) exited with code 3 before it ` +
        `answered initialize; its last lines on stderr:\n       fatal: cannot start (test)\n`
    )

    const json = await run("ping", "--json", ...sdk("--exit-at-start"))
    assert.strictEqual(json.code, 12)
    const error = JSON.parse(json.stdout).error
    assert.strictEqual(error.code, 3)
    assert.deepStrictEqual(error.stderr, ["fatal: cannot start (test)"])
  })

  it("watch goes on across a SIGKILL of the server: the end, the respawn, no call lost", async () => {
    const log = join(scratch, "watch.log")
    const watch = start(
      ["watch", "--interval", "0.1", "--status-every", "0", "--env", `MCP_TEST_LOG=${log}`, ...sdk()],
      { timeoutMillis: 100_000 }
    )
    await watch.waitFor("session started")
    await watch.waitFor("\n")
    const first = serverLog(log)
    assert.strictEqual(first.start, 1)
    const pid = pidOf(/stdio-\d+-1/.exec(watch.stdout())?.[0])
    process.kill(pid, "SIGKILL")
    await watch.waitFor("session recovered")
    await watch.waitFor(" waited)")
    watch.signal("SIGINT")
    const r = await watch.done
    assert.strictEqual(r.code, 130, r.stdout + r.stderr)
    assert.match(r.stdout, new RegExp(`server exited\\s+stdio-${pid}-1: the process was ended by SIGKILL\\n`))
    const recovered = /session recovered\s+stdio-(\d+)-1 → stdio-(\d+)-2 in \d+ ms/.exec(r.stdout)
    assert.isNotNull(recovered, r.stdout)
    assert.strictEqual(Number(recovered?.[1]), pid)
    const respawned = Number(recovered?.[2])
    assert.notStrictEqual(respawned, pid)
    assert.match(r.stdout, /summary\s+\d+\.\d s, \d+ calls? \(\d+ ok, 0 failed\), 1 expiry, 1 recovery/, r.stdout)
    assert.strictEqual(serverLog(log).start, 2)
    // Ctrl-C shut the respawned server down with the CLI: no orphan.
    assert.isFalse(exists(respawned))
    assert.isFalse(exists(pid))
  })

  it("watch --json: the expired event carries how the process ended", async () => {
    const watch = start(["watch", "--json", "--interval", "0.1", "--status-every", "0", ...sdk()], {
      timeoutMillis: 100_000
    })
    await watch.waitFor(`"event":"started"`)
    const started = JSON.parse(watch.stdout().split("\n")[0] ?? "")
    const pid = pidOf(started.sessionId)
    process.kill(pid, "SIGKILL")
    await watch.waitFor(`"event":"recovered"`)
    watch.signal("SIGINT")
    const r = await watch.done
    assert.strictEqual(r.code, 130, r.stdout + r.stderr)
    const events = r.stdout.trim().split("\n").map((line) => JSON.parse(line))
    const expired = events.find((e) => e.event === "expired")
    assert.deepInclude(expired, { sessionId: started.sessionId, status: 0 })
    assert.deepInclude(expired.exit, { signal: "SIGKILL", description: "was ended by SIGKILL", stderr: [] })
    const recovered = events.find((e) => e.event === "recovered")
    assert.strictEqual(recovered.previousSessionId, started.sessionId)
    assert.match(recovered.sessionId, /^stdio-\d+-2$/)
    const summary = events.find((e) => e.type === "summary")
    assert.deepInclude(summary, { failed: 0, expiries: 1, recoveries: 1 })
  })
})

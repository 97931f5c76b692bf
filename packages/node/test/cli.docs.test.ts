/**
 * Every example of docs/cli.md (and of README.md's "Command line" section)
 * run as written, through a shell with the repository's node_modules/.bin on
 * PATH (where `pnpm install` links `mcp-effect`), against the test server over
 * real HTTP, or (`--stdio`) real stdio servers: the official SDK's
 * (test/support/sdkStdioServer.mjs) and server-everything (its
 * `mcp-server-everything` bin, from packages/node/node_modules/.bin, also on
 * PATH); output and exit code compared with what the page shows.
 *
 * An example is a ```console block: `$ command` lines, each followed by what
 * the terminal shows (stdout and stderr, interleaved as they may be), then
 * optionally `$ echo $?` and the exit code (0 when absent). A `...` line
 * stands for any lines. Values that change from run to run (session ids,
 * times, durations, call counts) are compared by shape.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { McpTestServer } from "@mcp-effect/core/testing"
import { NodeMcpTestServer } from "@mcp-effect/node/testing"
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import * as Http from "node:http"
import { join } from "node:path"
import { vi } from "vitest"
import { cleanEnv, ensureBuilt, type Result, root } from "./cliHarness.js"
import { finished } from "./support/build.js"

// Each example starts the CLI as a process (a second or two of Node start-up, far more on a busy machine).
vi.setConfig({ testTimeout: 120_000, hookTimeout: 300_000 })

/** The URLs the pages use, replaced by the real ones when an example runs. */
const docUrl = "http://127.0.0.1:3000/mcp"
const refusedDocUrl = "http://127.0.0.1:1/mcp"

interface Example {
  readonly file: string
  readonly line: number
  readonly command: string
  readonly expected: ReadonlyArray<string>
  readonly exitCode: number
}

const examplesOf = (file: string, text: string): Array<Example> => {
  const examples: Array<Example> = []
  const lines = text.split("\n")
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]?.trim() !== "```console") continue
    // A block inside a list item is indented: its lines are read without that indentation.
    const indent = (lines[i] ?? "").indexOf("```")
    let current: { file: string; line: number; command: string; expected: Array<string>; exitCode: number } | undefined
    for (i++; i < lines.length && lines[i]?.trim() !== "```"; i++) {
      const line = (lines[i] ?? "").slice(indent)
      if (line === "$ echo $?") {
        if (current === undefined) throw new Error(`${file}:${i + 1}: echo $? before any command`)
        current.exitCode = Number(lines[++i])
      } else if (line.startsWith("$ ")) {
        if (current !== undefined) examples.push(current)
        current = { file, line: i + 1, command: line.slice(2), expected: [], exitCode: 0 }
      } else if (current === undefined) {
        throw new Error(`${file}:${i + 1}: output before any command`)
      } else {
        current.expected.push(line)
      }
    }
    if (current !== undefined) examples.push(current)
  }
  return examples
}

const docs = examplesOf("docs/cli.md", readFileSync(join(root, "docs/cli.md"), "utf8"))
const readme = readFileSync(join(root, "README.md"), "utf8")
const readmeSection = readme.slice(
  readme.indexOf("## Command line"),
  readme.indexOf("\n## ", readme.indexOf("## Command line") + 1)
)
const readmeExamples = examplesOf("README.md", readmeSection)

/** Run-to-run values, compared by shape. */
const normalize = (line: string): string =>
  line.trimEnd()
    .replace(/session-[0-9a-f-]+/g, "session-…")
    .replace(/stdio-\d+-\d+/g, "stdio-…")
    .replace(/\b\d\d:\d\d:\d\d\.\d{3}\b/g, "HH:MM:SS.mmm")
    .replace(/\b\d+(\.\d+)? ms\b/g, "N ms")
    .replace(/\b\d+\.\d s\b/g, "N s")
    .replace(/\b\d+ calls? \(\d+ ok/g, "N calls (N ok")
    .replace(/"requestId": \d+/g, `"requestId": N`)

const trimmed = (lines: ReadonlyArray<string>): Array<string> => {
  const result = lines.map(normalize)
  while (result.length > 0 && result.at(-1) === "") result.pop()
  return result
}
const linesOf = (text: string): Array<string> => trimmed(text.split("\n"))

/** Whether `expected` is stdout's and stderr's lines interleaved, `...` standing for any lines. */
const matches = (expected: ReadonlyArray<string>, out: ReadonlyArray<string>, err: ReadonlyArray<string>) => {
  const failed = new Set<string>()
  const go = (i: number, j: number, k: number): boolean => {
    const key = `${i},${j},${k}`
    if (failed.has(key)) return false
    const ok = i === expected.length ?
      j === out.length && k === err.length :
      expected[i] === "..." ?
      go(i + 1, j, k) || (j < out.length && go(i, j + 1, k)) || (k < err.length && go(i, j, k + 1)) :
      (j < out.length && out[j] === expected[i] && go(i + 1, j + 1, k)) ||
      (k < err.length && err[k] === expected[i] && go(i + 1, j, k + 1))
    if (!ok) failed.add(key)
    return ok
  }
  return go(0, 0, 0)
}

/** A tool that logs at two levels (for --logs), and one that shows the roots the client declares. */
const chatty: McpTestServer.Tool = {
  name: "chatty",
  description: "Logs a debug and an info message, then answers",
  inputSchema: { type: "object" },
  handler: (_args, context) =>
    Effect.zipRight(
      Effect.zipRight(context.log("debug", "cache is cold", "chatty"), context.log("info", "warming up", "chatty")),
      Effect.succeed({ content: [{ type: "text", text: "chatted" }] })
    )
}
const roots: McpTestServer.Tool = {
  name: "roots",
  description: "Returns the roots the client declared (roots/list)",
  inputSchema: { type: "object" },
  handler: (_args, context) =>
    Effect.map(context.request("roots/list", {}), (result) => ({
      content: [{ type: "text", text: JSON.stringify(result) }]
    }))
}

let server: NodeMcpTestServer.Started
let refusedUrl: string

beforeAll(async () => {
  await ensureBuilt()
  server = await NodeMcpTestServer.startNodeMcpTestServer({
    answers: "sse",
    tools: [...McpTestServer.defaultTools, chatty, roots]
  })
  // A port that was free a moment ago and has nobody listening now.
  const probe = Http.createServer()
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve))
  const address = probe.address()
  if (address === null || typeof address === "string") throw new Error("no TCP port")
  refusedUrl = `http://127.0.0.1:${address.port}/mcp`
  await new Promise<void>((resolve) => probe.close(() => resolve()))
})

afterAll(async () => {
  await server?.close()
})

const shell = (command: string): Promise<Result> =>
  finished(
    spawn("sh", ["-c", command], {
      cwd: root,
      env: cleanEnv({
        PATH: [join(root, "node_modules/.bin"), join(root, "packages/node/node_modules/.bin"), process.env.PATH ?? ""]
          .join(":")
      }),
      stdio: ["ignore", "pipe", "pipe"]
    }),
    100_000
  )

describe("docs/cli.md", () => {
  it("has examples of every command", () => {
    for (const command of ["inspect", "call", "read", "prompt", "complete", "log-level", "ping", "watch"]) {
      assert.isTrue(docs.some((e) => e.command.includes(`mcp-effect ${command} `)), command)
      assert.isTrue(
        docs.some((e) => e.command.includes(`mcp-effect ${command} `) && e.command.includes(" --stdio -- ")),
        `${command} --stdio`
      )
    }
    assert.isAtLeast(readmeExamples.length, 1)
  })

  it.each([...docs, ...readmeExamples].map((e) => [`${e.file}:${e.line} ${e.command}`, e] as const))(
    "%s",
    async (_name, example) => {
      const command = example.command.replaceAll(docUrl, server.url).replaceAll(refusedDocUrl, refusedUrl)
      const r = await shell(command)
      const back = (text: string) =>
        text.replaceAll(server.url, docUrl).replaceAll(refusedUrl, refusedDocUrl).replaceAll(
          new URL(refusedUrl).host,
          new URL(refusedDocUrl).host
        )
      const shown = `--- stdout\n${r.stdout}--- stderr\n${r.stderr}`
      assert.strictEqual(r.code, example.exitCode, shown)
      assert.isTrue(
        matches(trimmed(example.expected), linesOf(back(r.stdout)), linesOf(back(r.stderr))),
        `the output differs from ${example.file}:${example.line}:\n${example.expected.join("\n")}\n${back(shown)}`
      )
    }
  )
})

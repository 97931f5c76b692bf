/**
 * The `mcp-effect` CLI on a pseudo-terminal, as a person runs it: answering
 * the server's elicitation with the keyboard, and output that fits the
 * terminal's width. Against the test server over real HTTP.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { McpTestServer } from "@mcp-effect/core/testing"
import { NodeMcpTestServer } from "@mcp-effect/node/testing"
import * as Effect from "effect/Effect"
import { vi } from "vitest"
import { ensureBuilt, plain, run, startOnTerminal } from "./cliHarness.js"

// Each test starts the CLI as a process (a second or two of Node start-up, far more on a busy machine).
vi.setConfig({ testTimeout: 120_000, hookTimeout: 300_000 })

/** A tool whose description, and a resource whose URI, are longer than a narrow terminal. */
const wordy: McpTestServer.Tool = {
  name: "wordy",
  description: "A tool with a description long enough to need several lines on a narrow terminal, " +
    "which must wrap under its own column instead of running past the edge",
  inputSchema: { type: "object" },
  handler: () => Effect.succeed({ content: [{ type: "text", text: "ok" }] })
}
const longUri = "test://a/resource/with/a/rather/long/uri/indeed"

let server: NodeMcpTestServer.Started

beforeAll(async () => {
  await ensureBuilt()
  server = await NodeMcpTestServer.startNodeMcpTestServer({
    // Answers as SSE streams: the elicitation request travels on the call's own stream.
    answers: "sse",
    tools: [...McpTestServer.defaultTools, wordy],
    resources: [...McpTestServer.defaultResources, { uri: longUri, name: "long", description: "", text: "x" }]
  })
}, 300_000)

afterAll(async () => {
  await server?.close()
})

describe("mcp-effect on a terminal", () => {
  it("asks the user the server's question and sends back what was typed", async () => {
    const cli = startOnTerminal(["call", server.url, "elicit", `{"message": "Who is there?"}`])
    await cli.waitFor("The server asks: Who is there?")
    cli.write("\r") // the first choice: answer
    await cli.waitFor("name")
    cli.write("Alice\r")
    const r = await cli.done
    const screen = plain(r.stdout)
    assert.strictEqual(r.code, 0, screen)
    // The tool returns what the server received.
    assert.include(screen, `{"action":"accept","content":{"name":"Alice"}}`)
  })

  it("sends decline when the user declines", async () => {
    const cli = startOnTerminal(["call", "--json", server.url, "elicit"])
    await cli.waitFor("The server asks: Your name?")
    cli.write("\x1b[B\r") // arrow down to "decline", Enter
    const r = await cli.done
    const screen = plain(r.stdout)
    assert.strictEqual(r.code, 0, screen)
    // The tool's text is the ElicitResult the server received, exactly: a decline carries no content.
    assert.include(screen, String.raw`"text": "{\"action\":\"decline\"}"`)
  })

  it("sends cancel when the user presses Ctrl-C at the question", async () => {
    const cli = startOnTerminal(["call", "--json", server.url, "elicit"])
    await cli.waitFor("The server asks: Your name?")
    cli.write("\x03")
    const r = await cli.done
    const screen = plain(r.stdout)
    assert.strictEqual(r.code, 0, screen)
    assert.include(screen, String.raw`"text": "{\"action\":\"cancel\"}"`)
  })

  it("without a terminal, refuses with an error the server sees and the user reads", async () => {
    const r = await run("call", server.url, "elicit")
    // The test server turns the client's JSON-RPC error into the call's error.
    assert.strictEqual(r.code, 6, r.stderr)
    assert.include(r.stderr, "the server asked for input (elicitation) and was refused, no terminal: Your name?")
    assert.include(r.stderr, "mcp-effect cannot ask for input: it is not running in a terminal")
    assert.include(r.stderr, "(JSON-RPC error -32000)")
  })

  it("inspect fits a 60-column terminal: wrapped details, long URIs on their own line", async () => {
    const r = await startOnTerminal(["inspect", server.url], { columns: 60 }).done
    const screen = plain(r.stdout).replace(/\r\n/g, "\n")
    assert.strictEqual(r.code, 0, screen)
    const lines = screen.split("\n")
    for (const line of lines) assert.isAtMost(line.length, 60, `too wide: "${line}"`)
    // The description wraps under its own column.
    const at = lines.findIndex((line) => line.startsWith("  wordy "))
    const column = (lines[at] ?? "").indexOf("A tool with a description")
    assert.isAbove(column, "  wordy".length, screen)
    assert.strictEqual((lines[at + 1] ?? "").search(/\S/), column, screen)
    // The long URI is alone on its line, its details under the column; no separator dangles.
    const uri = lines.findIndex((line) => line.trim() === longUri)
    assert.isAtLeast(uri, 0, screen)
    assert.strictEqual(lines[uri + 1]?.trim(), "long")
    assert.notMatch(screen, /·\s*$/m)
  })
})

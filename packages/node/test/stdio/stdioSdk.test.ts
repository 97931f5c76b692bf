// The client over real stdio against the OFFICIAL SDK's StdioServerTransport server, a process per
// session: every kind of round trip, both directions.
import { describe, expect, it } from "@effect/vitest"
import type { McpSchema } from "@mcp-effect/core"
import { McpClient } from "@mcp-effect/core"
import { NodeMcpStdio } from "@mcp-effect/node"
import * as Effect from "effect/Effect"
import { existsSync, mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { vi } from "vitest"
import { bounded } from "../support/live.js"
import { connectStdio, exists, pidOf, sdkStdioServer, textOf } from "../support/stdio.js"

vi.setConfig({ testTimeout: 30_000 })

describe("stdio: the official SDK server", () => {
  it.live("tools, resources, prompts, ping, progress", () =>
    Effect.gen(function*() {
      const client = yield* connectStdio({ command: process.execPath, args: [sdkStdioServer] })
      const session = yield* client.session
      expect(session.serverInfo).toMatchObject({ name: "sdk-test-server", version: "1.0.0" })
      expect(session.protocolVersion).toBe("2025-11-25")
      expect(exists(pidOf(session.sessionId))).toBe(true)

      const tools = yield* client.listAllTools()
      expect(tools.map((tool) => tool.name)).toContain("echo")
      expect((yield* client.callTool("echo", { text: "hello" })).content).toEqual([{ type: "text", text: "hello" }])
      expect((yield* client.callTool("add", { a: 2, b: 40 })).structuredContent).toEqual({ sum: 42 })

      const read = yield* client.readResource("test://hello")
      expect(read.contents).toEqual([{ uri: "test://hello", mimeType: "text/plain", text: "Hello, world!" }])
      const prompt = yield* client.getPrompt("greet", { name: "Ada" })
      expect(prompt.messages).toEqual([{ role: "user", content: { type: "text", text: "Hello, Ada!" } }])
      yield* client.ping()

      const seen: Array<McpSchema.ProgressNotificationParams> = []
      const progress = yield* client.callTool("progress", { count: 5 }, { onProgress: (p) => seen.push(p) })
      expect(textOf(progress)).toBe("done 5")
      expect(seen.map((p) => p.progress)).toEqual([1, 2, 3, 4, 5])
    }).pipe(Effect.scoped, bounded("the session")))

  it.live("elicitation, sampling and roots: the server asks, the application's handlers answer", () =>
    Effect.gen(function*() {
      const client = yield* connectStdio({
        command: process.execPath,
        args: [sdkStdioServer],
        handlers: {
          elicitation: () => Effect.succeed({ action: "accept", content: { answer: "forty-two" } }),
          sampling: (params) =>
            Effect.succeed({
              role: "assistant",
              model: "test-model",
              content: { type: "text", text: `sampled: ${JSON.stringify(params.messages[0]?.content)}` }
            }),
          roots: Effect.succeed({ roots: [{ uri: "file:///work", name: "work" }] })
        }
      })
      const elicited = yield* client.callTool("elicit", { message: "What?" })
      expect(elicited.structuredContent).toEqual({ action: "accept", content: { answer: "forty-two" } })
      const sampled = yield* client.callTool("sample", { prompt: "hi" })
      expect(textOf(sampled)).toBe(`sampled: {"type":"text","text":"hi"}`)
      const roots = yield* client.callTool("roots", {})
      expect(textOf(roots)).toBe("file:///work")
    }).pipe(Effect.scoped, bounded("server requests")))

  it.live("the child sees a minimal environment plus what the application passes", () =>
    Effect.gen(function*() {
      process.env.MCP_EFFECT_TEST_SECRET = "must-not-leak"
      const client = yield* connectStdio({
        command: process.execPath,
        args: [sdkStdioServer],
        env: { MCP_EFFECT_TEST_GIVEN: "yes" }
      }).pipe(Effect.ensuring(Effect.sync(() => delete process.env.MCP_EFFECT_TEST_SECRET)))
      const names = textOf(yield* client.callTool("env", {})).split(",")
      expect(names).toContain("MCP_EFFECT_TEST_GIVEN")
      expect(names).toContain("PATH")
      expect(names).not.toContain("MCP_EFFECT_TEST_SECRET")
      const allowed = new Set(["HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER", "MCP_EFFECT_TEST_GIVEN"])
      // Node itself may add nothing: what the child sees is exactly what it was given.
      expect(names.filter((name) => !allowed.has(name))).toEqual([])
    }).pipe(Effect.scoped, bounded("env")))

  it.live("arguments are never interpreted by a shell", () =>
    Effect.gen(function*() {
      const marker = join(mkdtempSync(join(tmpdir(), "mcp-stdio-")), "shell-ran")
      const client = yield* connectStdio({
        command: process.execPath,
        args: [sdkStdioServer, `$(touch ${marker})`, `; touch ${marker}`, `\`touch ${marker}\``]
      })
      yield* client.ping()
      expect(existsSync(marker)).toBe(false)
    }).pipe(Effect.scoped, bounded("no shell")))

  it.live("closing the scope ends the process (stdin closed: the SDK server exits by itself)", () =>
    Effect.gen(function*() {
      const pid = yield* Effect.scoped(
        Effect.flatMap(
          connectStdio({ command: process.execPath, args: [sdkStdioServer] }),
          (client) => Effect.map(client.session, (session) => pidOf(session.sessionId))
        )
      )
      expect(exists(pid)).toBe(false)
    }).pipe(bounded("shutdown")))

  it.live("the client is the McpClient service", () =>
    Effect.gen(function*() {
      const client = yield* McpClient.McpClient
      expect(textOf(yield* client.callTool("echo", { text: "layer" }))).toBe("layer")
    }).pipe(
      Effect.provide(NodeMcpStdio.layer({ command: process.execPath, args: [sdkStdioServer], stderr: "Debug" })),
      bounded("layer")
    ))
})

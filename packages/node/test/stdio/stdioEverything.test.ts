// The client over real stdio against `@modelcontextprotocol/server-everything` (the reference
// servers' test server, which we did not write), in its stdio mode: tools, resources, prompts,
// progress, and the server asking the client (sampling, elicitation, roots).
import { describe, expect, it } from "@effect/vitest"
import type { McpSchema } from "@mcp-effect/core"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import { vi } from "vitest"
import { bounded } from "../support/live.js"
import { connectStdio, everythingServer, textOf } from "../support/stdio.js"

vi.setConfig({ testTimeout: 60_000 })

const allText = (result: McpSchema.CallToolResult): string =>
  result.content.map((c) => c.type === "text" && "text" in c && typeof c.text === "string" ? c.text : "").join("\n")

describe("stdio: @modelcontextprotocol/server-everything", () => {
  it.live("tools, resources, prompts, progress, sampling, elicitation, roots", () =>
    Effect.gen(function*() {
      const client = yield* connectStdio({
        command: process.execPath,
        args: [everythingServer, "stdio"],
        handlers: {
          sampling: () =>
            Effect.succeed({
              role: "assistant",
              model: "test-model",
              content: { type: "text", text: "sampled-reply" }
            }),
          elicitation: () => Effect.succeed({ action: "accept", content: { name: "Ada Lovelace" } }),
          roots: Effect.succeed({ roots: [{ uri: "file:///work/project", name: "project" }] })
        }
      })
      expect((yield* client.session).serverInfo.name).toMatch(/everything/)

      // The tools that depend on the client's capabilities are registered once it is initialized.
      const tools = yield* client.listAllTools().pipe(
        Effect.map((tools) => tools.map((tool) => tool.name)),
        Effect.filterOrFail((names) => names.includes("trigger-sampling-request"), () => "not yet"),
        Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.intersect(Schedule.recurs(100)))),
        Effect.orDie
      )
      expect(tools).toEqual(expect.arrayContaining(["echo", "get-sum", "trigger-long-running-operation"]))

      expect(textOf(yield* client.callTool("echo", { message: "hi" }))).toBe("Echo: hi")
      expect(allText(yield* client.callTool("get-sum", { a: 2, b: 40 }))).toContain("42")

      const progress: Array<number> = []
      yield* client.callTool("trigger-long-running-operation", { duration: 0.3, steps: 3 }, {
        onProgress: (p) => progress.push(p.progress)
      })
      expect(progress).toEqual([1, 2, 3])

      const resources = yield* client.listResources()
      expect(resources.resources.length).toBeGreaterThan(0)
      const first = resources.resources[0]
      const read = yield* client.readResource(first.uri)
      expect(read.contents[0]?.uri).toBe(first.uri)

      const prompts = yield* client.listAllPrompts()
      expect(prompts.map((p) => p.name)).toContain("simple-prompt")
      expect((yield* client.getPrompt("simple-prompt")).messages.length).toBeGreaterThan(0)

      expect(allText(yield* client.callTool("trigger-sampling-request", { prompt: "hello", maxTokens: 5 })))
        .toContain("sampled-reply")
      expect(allText(yield* client.callTool("trigger-elicitation-request", {}))).toContain("Ada Lovelace")
      expect(allText(yield* client.callTool("get-roots-list", {}))).toContain("file:///work/project")
    }).pipe(Effect.scoped, bounded("server-everything", "50 seconds")))
})

// The client over real HTTP (undici) against the OFFICIAL @modelcontextprotocol/sdk server, in all
// four of its modes: stateful or stateless, JSON or SSE answers.
import { describe, expect, it } from "@effect/vitest"
import type { McpSchema } from "@mcp-effect/core"
import * as Effect from "effect/Effect"
import { vi } from "vitest"
import { bounded, connect, connectClosable, sdkServer } from "../support/live.js"

// Real HTTP on a shared machine: generous for vitest; `bounded` reports a hang first, and says what hung.
vi.setConfig({ testTimeout: 30_000 })

const modes = [
  { name: "stateful, SSE", stateful: true, json: false },
  { name: "stateful, JSON", stateful: true, json: true },
  { name: "stateless, SSE", stateful: false, json: false },
  { name: "stateless, JSON", stateful: false, json: true }
] as const

const textOf = (result: McpSchema.CallToolResult): string => {
  const first = result.content[0]
  return first !== undefined && first.type === "text" && "text" in first && typeof first.text === "string"
    ? first.text
    : ""
}

describe.each(modes)("official SDK server ($name)", ({ json, stateful }) => {
  it.live("connects, lists and calls tools (structuredContent), reads the resource, gets the prompt", () =>
    Effect.gen(function*() {
      const server = yield* sdkServer({ stateful, json })
      const client = yield* connect({ url: server.url })
      const session = yield* client.session
      expect(session.serverInfo).toMatchObject({ name: "sdk-test-server", version: "1.0.0" })
      expect(session.protocolVersion).toBe("2025-11-25")
      if (stateful) expect(session.sessionId).toMatch(/^[\x21-\x7e]+$/)
      else expect(session.sessionId).toBeUndefined()

      const tools = yield* client.listAllTools()
      expect(tools.map((tool) => tool.name).sort()).toEqual(["add", "close_stream", "echo", "elicit", "progress"])
      expect(tools.find((tool) => tool.name === "add")?.outputSchema).toMatchObject({ type: "object" })

      const echo = yield* client.callTool("echo", { text: "hello" })
      expect(echo.content).toEqual([{ type: "text", text: "hello" }])
      const add = yield* client.callTool("add", { a: 2, b: 40 })
      expect(add.structuredContent).toEqual({ sum: 42 })
      expect(textOf(add)).toBe("42")

      const resources = yield* client.listAllResources()
      expect(resources.map((resource) => resource.uri)).toEqual(["test://hello"])
      const read = yield* client.readResource("test://hello")
      expect(read.contents).toEqual([{ uri: "test://hello", mimeType: "text/plain", text: "Hello, world!" }])

      const prompts = yield* client.listAllPrompts()
      expect(prompts.map((prompt) => prompt.name)).toEqual(["greet"])
      const prompt = yield* client.getPrompt("greet", { name: "Ada" })
      expect(prompt.messages).toEqual([{ role: "user", content: { type: "text", text: "Hello, Ada!" } }])

      yield* client.ping()
      // A tool error from the SDK (bad arguments) is a result with isError, not a transport failure.
      const invalid = yield* client.callTool("add", { a: "x" })
      expect(invalid.isError).toBe(true)
      expect(server.initializeCount()).toBe(1)
    }).pipe(Effect.scoped, bounded("the session")))

  it.live("progress: every notification reaches onProgress before the result", () =>
    Effect.gen(function*() {
      const server = yield* sdkServer({ stateful, json })
      const client = yield* connect({ url: server.url })
      const seen: Array<McpSchema.ProgressNotificationParams> = []
      const result = yield* client.callTool("progress", { count: 5 }, { onProgress: (p) => seen.push(p) })
      expect(textOf(result)).toBe("done 5")
      if (json) {
        // In JSON mode the SDK drops notifications related to a request (it has no stream to put them
        // on before the one JSON body): the call still completes, without progress.
        expect(seen).toEqual([])
      } else {
        expect(seen.map((p) => p.progress)).toEqual([1, 2, 3, 4, 5])
        expect(seen.every((p) => p.total === 5)).toBe(true)
      }
    }).pipe(Effect.scoped, bounded("progress")))

  it.live("closing the client DELETEs the session (stateful) or sends nothing (stateless)", () =>
    Effect.gen(function*() {
      const server = yield* sdkServer({ stateful, json })
      const { client, close } = yield* connectClosable({ url: server.url })
      const sessionId = (yield* client.session).sessionId
      yield* client.ping()
      yield* close
      const deletes = server.requests().filter((r) => r.method === "DELETE")
      if (stateful) {
        expect(deletes).toEqual([
          { method: "DELETE", sessionId, lastEventId: undefined, rpcMethod: undefined, status: 200 }
        ])
        expect(server.sessionIds()).toEqual([])
      } else {
        expect(deletes).toEqual([])
      }
    }).pipe(Effect.scoped, bounded("close")))
})

describe.each([
  { name: "stateful, SSE", stateful: true }
])("official SDK server ($name): elicitation", ({ stateful }) => {
  it.live("elicitation/create on the call's stream is answered by the handler", () =>
    Effect.gen(function*() {
      const server = yield* sdkServer({ stateful, json: false })
      const asked: Array<McpSchema.ElicitRequestParams> = []
      const client = yield* connect({
        url: server.url,
        handlers: {
          elicitation: (params) =>
            Effect.sync(() => {
              asked.push(params)
              return { action: "accept" as const, content: { answer: "Ada" } }
            })
        }
      })
      const result = yield* client.callTool("elicit", { message: "Name?" })
      expect(result.structuredContent).toEqual({ action: "accept", content: { answer: "Ada" } })
      expect(asked).toHaveLength(1)
      expect(asked[0]).toMatchObject({ mode: "form", message: "Name?" })
    }).pipe(Effect.scoped, bounded("elicitation")))
})

import { describe, expect, it } from "@effect/vitest"
import { McpPrompt, McpResource } from "@mcp-effect/ai"
import { McpClient, McpHttp } from "@mcp-effect/core"
import { McpTestServer } from "@mcp-effect/core/testing"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

const TestLive = McpClient.layer({ url: McpTestServer.inMemoryUrl }).pipe(
  Layer.provide(McpHttp.layerHttpClient),
  Layer.provideMerge(McpTestServer.layerInMemory({
    prompts: [...McpTestServer.defaultPrompts, {
      name: "review",
      messages: () => [
        { role: "user", content: { type: "text", text: "Review this diagram." } },
        { role: "user", content: { type: "image", data: "aGVsbG8=", mimeType: "image/png" } },
        { role: "assistant", content: { type: "resource_link", uri: "test://hello", name: "hello" } },
        { role: "user", content: { type: "resource", resource: { uri: "test://a", text: "embedded" } } }
      ]
    }]
  }))
)

/** A message as role and parts, without the parts' symbols and empty options. */
const plain = (prompt: { readonly content: ReadonlyArray<{ readonly role: string; readonly content: unknown }> }) =>
  prompt.content.map((message) => ({
    role: message.role,
    parts: Array.isArray(message.content)
      ? message.content.map((part: { readonly type: string; readonly text?: string; readonly mediaType?: string }) =>
        part.type === "text" ? part.text : `${part.type} ${part.mediaType}`
      )
      : message.content
  }))

describe("McpPrompt", () => {
  it.scoped("get: a server's prompt, filled in, as an @effect/ai Prompt", () =>
    Effect.gen(function*() {
      const prompt = yield* McpPrompt.get("greet", { name: "Ada" })
      expect(plain(prompt)).toEqual([{ role: "user", parts: ["Please greet Ada."] }])
    }).pipe(Effect.provide(TestLive)))

  it.scoped("every kind of content becomes a part a model takes; roles are kept", () =>
    Effect.gen(function*() {
      const prompt = yield* McpPrompt.get("review")
      expect(plain(prompt)).toEqual([
        { role: "user", parts: ["Review this diagram."] },
        { role: "user", parts: ["file image/png"] },
        { role: "assistant", parts: ["Resource hello (test://hello)"] },
        { role: "user", parts: ["embedded"] }
      ])
      const image = prompt.content[1].content[0]
      expect(image).toMatchObject({ type: "file", mediaType: "image/png", data: "aGVsbG8=" })
    }).pipe(Effect.provide(TestLive)))
})

describe("McpResource", () => {
  it.scoped("read: a resource as a user message", () =>
    Effect.gen(function*() {
      expect(plain(yield* McpResource.read("test://hello"))).toEqual([{ role: "user", parts: ["Hello, world!"] }])
      expect(plain(yield* McpResource.read("test://greeting/Ada"))).toEqual([
        { role: "user", parts: ["Hello, Ada!"] }
      ])
    }).pipe(Effect.provide(TestLive)))

  it("toParts: text as text, a blob as a file (octet-stream without a MIME type)", () => {
    const parts = McpResource.toParts({
      contents: [
        { uri: "test://a", text: "a" },
        { uri: "test://b", blob: "AAE=", mimeType: "application/pdf" },
        { uri: "test://c", blob: "AAE=" }
      ]
    })
    expect(parts.map((p) => p.type === "text" ? p.text : [p.mediaType, p.data])).toEqual([
      "a",
      ["application/pdf", "AAE="],
      ["application/octet-stream", "AAE="]
    ])
  })
})

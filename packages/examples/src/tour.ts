/**
 * The client's everyday surface (docs/getting-started.md). It needs an
 * `McpClient` and nothing else: the test runs it against the in-memory test
 * server, an application provides `NodeMcpClient.layer`.
 */
import { McpClient, McpSchema } from "@mcp-effect/core"
import * as Effect from "effect/Effect"

export const tour = Effect.gen(function*() {
  const client = yield* McpClient.McpClient

  // What `initialize` negotiated. It belongs to the session: after a recovery the
  // new session may report another protocol version or other capabilities.
  const session = yield* client.session

  // Every page of the tool list, then a call. A tool that fails says so in its
  // result (`isError: true`); the Effect fails only with an `McpError`.
  const tools = yield* client.listAllTools()
  const sum = yield* client.callTool("add", { a: 2, b: 3 })

  // Resources, resource templates, prompts, completions.
  const hello = yield* client.readResource("test://hello")
  const greeting = yield* client.readResource("test://greeting/Ada")
  const prompt = yield* client.getPrompt("greet", { name: "Ada" })
  const completion = yield* client.complete({
    ref: { type: "ref/prompt", name: "greet" },
    argument: { name: "name", value: "A" }
  })

  // Progress: `onProgress` asks the server for progress notifications, and each
  // one restarts the request's idle timeout (here 10 seconds instead of 60).
  const progress: Array<string> = []
  yield* client.callTool("slow", { steps: 3 }, {
    timeout: "10 seconds",
    onProgress: (p) => progress.push(`${p.progress}/${p.total}`)
  })

  return {
    server: `${session.serverInfo.name} (protocol ${session.protocolVersion})`,
    tools: tools.map((tool) => tool.name),
    sum: sum.content.filter(McpSchema.isTextContent).map((block) => block.text).join(""),
    resources: [...hello.contents, ...greeting.contents].flatMap((c) => "text" in c ? [c.text] : []),
    prompt: prompt.messages.map((m) => McpSchema.isTextContent(m.content) ? m.content.text : "").join(""),
    completions: completion.completion.values,
    progress
  }
})

import { McpClient } from "@mcp-effect/core"
import { NodeMcpClient } from "@mcp-effect/node"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"

// Lists the server's tools, then calls one. Should the server forget the session in between
// (idle TTL, restart, another replica), the call meets a 404, the client starts a new session
// and the call still succeeds.
const program = Effect.gen(function*() {
  const client = yield* McpClient.McpClient
  const tools = yield* client.listAllTools()
  yield* Console.log(`tools: ${tools.map((tool) => tool.name).join(", ")}`)
  const result = yield* client.callTool("echo", { text: "hello" })
  yield* Console.log(result.content)
})

// Effect.runPromise(main("http://127.0.0.1:3000/mcp"))
export const main = (url: string) => program.pipe(Effect.provide(NodeMcpClient.layer({ url })))

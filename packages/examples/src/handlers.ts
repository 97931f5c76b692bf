/**
 * Answering the server's own requests (docs/getting-started.md): elicitation,
 * roots and sampling. Declaring a handler also declares the capability in
 * `initialize`.
 */
import type { McpClient } from "@mcp-effect/core"
import { McpError } from "@mcp-effect/core"
import { NodeMcpClient } from "@mcp-effect/node"
import * as Effect from "effect/Effect"

export const handlers: McpClient.Handlers = {
  // The server asks the user for input. A real application shows a form for
  // `params.requestedSchema`; this one always answers "Ada".
  elicitation: (params) =>
    Effect.succeed(
      params.mode === "url"
        ? { action: "decline" as const }
        : { action: "accept" as const, content: { name: "Ada" } }
    ),
  // The directories the server may work in.
  roots: Effect.succeed({ roots: [{ uri: "file:///workspace", name: "workspace" }] }),
  // No model here: answer the request with a JSON-RPC error of our choosing.
  sampling: () => Effect.fail(new McpError.RequestRejected({ code: -1, message: "sampling is not available" }))
}

export const ClientLive = (url: string) => NodeMcpClient.layer({ url, handlers })

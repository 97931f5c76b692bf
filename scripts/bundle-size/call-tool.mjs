// The smallest useful app on @mcp-effect/browser: one callTool, nothing else. Bundled by
// scripts/bundle-size.mjs beside its twin on the official SDK (call-tool-sdk.mjs), and checked by
// packages/bench/test/bundle.test.ts: its bundle must hold none of the test kit, the CLI or
// node-only code (tree-shaking works through the packages' namespace exports).
/* global document, location */
import * as BrowserMcpClient from "@mcp-effect/browser/BrowserMcpClient"
import * as McpClient from "@mcp-effect/core/McpClient"
import * as Effect from "effect/Effect"

const url = document.documentElement.dataset.mcpUrl ?? new URL("/mcp", location.href).href

Effect.flatMap(McpClient.McpClient, (client) => client.callTool("echo", { text: "hello" })).pipe(
  Effect.provide(BrowserMcpClient.layer({ url })),
  Effect.runPromise
).then(
  (result) => (document.body.textContent = JSON.stringify(result.content)),
  (error) => (document.body.textContent = `failed: ${String(error)}`)
)

// mcp-effect.mjs with the packages' index imports (`import { McpClient } from "@mcp-effect/core"`)
// instead of each module's entry point: measured beside it by scripts/bundle-size.mjs, since esbuild
// keeps every export of a namespace that a package index re-exports.
/* global document, location */
import { BrowserMcpClient } from "@mcp-effect/browser"
import { McpClient } from "@mcp-effect/core"
import * as Effect from "effect/Effect"

// The endpoint: from <html data-mcp-url="..."> (the browser test sets it), else /mcp beside the page.
const url = document.documentElement.dataset.mcpUrl ?? new URL("/mcp", location.href).href

const program = Effect.gen(function*() {
  const client = yield* McpClient.McpClient
  const tools = yield* client.listAllTools()
  const result = yield* client.callTool("echo", { text: "hello" })
  document.body.textContent = `${tools.length} tools; echo: ${JSON.stringify(result.content)}`
})

program.pipe(Effect.provide(BrowserMcpClient.layer({ url })), Effect.runPromise).catch((error) => {
  document.body.textContent = `failed: ${String(error)}`
})

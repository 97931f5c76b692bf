// A minimal browser app on @mcp-effect/browser: connect, list the tools, call one, print the result,
// end the session. Its twin on the official SDK is sdk.mjs; both do the same and print the same.
// (JavaScript, so the root type check, which has no DOM, leaves it alone: esbuild strips types anyway.)
// Each module from its own entry point, as `effect/Effect` is: esbuild keeps every export of a
// namespace re-exported by a package index (`import { McpClient } from "@mcp-effect/core"`), so the
// index costs this app ~10 KB gzip (mcp-effect-barrel.mjs, measured beside it).
/* global document, location */
import * as BrowserMcpClient from "@mcp-effect/browser/BrowserMcpClient"
import * as McpClient from "@mcp-effect/core/McpClient"
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

// call-tool.mjs on the official MCP TypeScript SDK (@modelcontextprotocol/sdk): one callTool.
/* global document, location */
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"

const url = new URL(document.documentElement.dataset.mcpUrl ?? "/mcp", location.href)

const main = async () => {
  const client = new Client({ name: "bundle-size", version: "0.0.0" })
  const transport = new StreamableHTTPClientTransport(url)
  await client.connect(transport)
  try {
    const result = await client.callTool({ name: "echo", arguments: { text: "hello" } })
    document.body.textContent = JSON.stringify(result.content)
  } finally {
    await client.close()
  }
}

main().catch((error) => {
  document.body.textContent = `failed: ${String(error)}`
})

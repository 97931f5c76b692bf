// The official TypeScript SDK client, v2 line: @modelcontextprotocol/client Client +
// StreamableHTTPClientTransport (global fetch), with its defaults.
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client"

export const label = "@modelcontextprotocol/client (v2)"

/** It does not recover expired sessions: the benchmark wraps it (see recovery.mjs). */
export const recoversItself = false

export const isSessionGone = (error) =>
  error?.code === 404 || error?.status === 404 || error?.data?.status === 404 || /\b404\b/.test(String(error?.message))

export async function connect(url) {
  const client = new Client({ name: "bench-sdk-v2", version: "1.0.0" })
  const transport = new StreamableHTTPClientTransport(new URL(url))
  client.onerror = () => {}
  await client.connect(transport)
  return {
    call: (name, args, onProgress) =>
      client.callTool({ name, arguments: args }, onProgress === undefined ? undefined : { onprogress: onProgress }),
    close: async () => {
      await transport.terminateSession().catch(() => {})
      await client.close()
    }
  }
}

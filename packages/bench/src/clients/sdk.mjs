// The official TypeScript SDK client, v1 line: @modelcontextprotocol/sdk Client +
// StreamableHTTPClientTransport (global fetch), with its defaults.
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"

export const label = "@modelcontextprotocol/sdk"

/** It does not recover expired sessions: the benchmark wraps it (see recovery.mjs). */
export const recoversItself = false

/** The transport throws StreamableHTTPError with `code` 404 for an unknown session. */
export const isSessionGone = (error) => error?.code === 404

export async function connect(url) {
  const client = new Client({ name: "bench-sdk", version: "1.0.0" })
  const transport = new StreamableHTTPClientTransport(new URL(url))
  // A broken GET stream after a session ends is reported here; the calls report their own errors.
  client.onerror = () => {}
  await client.connect(transport)
  return {
    call: (name, args, onProgress) =>
      client.callTool(
        { name, arguments: args },
        undefined,
        onProgress === undefined ? undefined : { onprogress: onProgress }
      ),
    close: async () => {
      await transport.terminateSession().catch(() => {})
      await client.close()
    }
  }
}

/**
 * The MCP client on Node.js, over undici.
 *
 * Why undici and not Node's global `fetch`: `fetch` kills a response body that
 * stays silent for 300 s, and an idle SSE stream is silent for hours by design.
 * `NodeHttpClient.layerUndici` brings its own undici Agent without that timeout.
 *
 * @since 0.1.0
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { McpClient } from "@mcp-effect/core"
import type { McpError } from "@mcp-effect/core"
import type * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Layer from "effect/Layer"

/**
 * The client, connected to `options.url`, over undici.
 *
 * @example
 * ```ts
 * import { McpClient } from "@mcp-effect/core"
 * import { NodeMcpClient } from "@mcp-effect/node"
 * import { Effect } from "effect"
 *
 * Effect.gen(function*() {
 *   const client = yield* McpClient.McpClient
 *   yield* client.callTool("echo", { text: "hi" })
 * }).pipe(Effect.provide(NodeMcpClient.layer({ url: "http://127.0.0.1:3000/mcp" })), Effect.runPromise)
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: McpClient.Options): Layer.Layer<McpClient.McpClient, McpError.McpError> =>
  McpClient.layer(options).pipe(Layer.provide(NodeHttpClient.layerUndici))

/**
 * The client configured from `Config` (see `McpClient.config` for the keys).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config?: Config.Config<McpClient.Options>,
  options?: Omit<McpClient.Options, "url">
): Layer.Layer<McpClient.McpClient, McpError.McpError | ConfigError.ConfigError> =>
  McpClient.layerConfig(config, options).pipe(Layer.provide(NodeHttpClient.layerUndici))

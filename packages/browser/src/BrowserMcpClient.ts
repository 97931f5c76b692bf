/**
 * The MCP client in the browser, over streaming `fetch`.
 *
 * Why `fetch` and not XMLHttpRequest: XHR keeps the whole body in memory and
 * delivers it at the end, which breaks SSE streams. Why no trace headers by
 * default: `traceparent`/`b3` make every request a CORS preflight that real MCP
 * servers do not allow.
 *
 * @since 0.1.0
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { McpClient } from "@mcp-effect/core"
import type { McpError } from "@mcp-effect/core"
import type * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Layer from "effect/Layer"

/**
 * The client, connected to `options.url`, over `fetch`. Trace propagation is
 * off unless `tracerPropagation: true`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: McpClient.Options): Layer.Layer<McpClient.McpClient, McpError.McpError> =>
  McpClient.layer({ tracerPropagation: false, ...options }).pipe(Layer.provide(FetchHttpClient.layer))

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
  McpClient.layerConfig(config, { tracerPropagation: false, ...options }).pipe(Layer.provide(FetchHttpClient.layer))

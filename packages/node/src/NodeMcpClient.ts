/**
 * The MCP client on Node.js, over undici (`NodeMcpHttp`: undici's dispatcher
 * directly, on one Agent shared by the process's clients, with no body
 * timeout, so idle SSE streams live).
 *
 * To run it on an `HttpClient` of your own instead (middleware, a mock), use
 * `McpClient.layer` and provide `McpHttp.layerHttpClient` over that
 * `HttpClient`; for a dispatcher of yours (a shared `Agent`, a proxy),
 * provide `NodeMcpHttp.layerDispatcher` (see `docs/configuration.md`); for
 * an Agent of the client's own, `NodeMcpHttp.layerPrivate`.
 *
 * @since 0.1.0
 */
import * as McpClient from "@mcp-effect/core/McpClient"
import type * as McpError from "@mcp-effect/core/McpError"
import * as McpHttp from "@mcp-effect/core/McpHttp"
import type * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as NodeMcpHttp from "./NodeMcpHttp.js"

/**
 * The client, connected to `options.url`, over undici.
 *
 * @example
 * ```ts
 * import { McpClient, McpHttp } from "@mcp-effect/core"
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
  // Built when the layer is: Effect's memo map keeps the layer (and so its effect) for the
  // client's life, and a suspended effect is one primitive where the built one is a tree.
  Layer.scoped(McpClient.McpClient, Effect.suspend(() => onNodeHttp(McpClient.make(options))))

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
  McpClient.layerConfig(config, options).pipe(Layer.provide(NodeMcpHttp.layer))

/**
 * The client's `McpHttp` provided to its constructor directly, not as a
 * layer under it: an application may build a client per user, and a layer
 * graph (`Layer.provide`) costs its own memo map, scopes and bookkeeping per
 * build, ~20 KiB a client (`docs/performance.md`).
 */
const onNodeHttp = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, Exclude<R, McpHttp.McpHttp>> =>
  Effect.provideServiceEffect(
    effect,
    McpHttp.McpHttp,
    Effect.sync(NodeMcpHttp.shared)
  )

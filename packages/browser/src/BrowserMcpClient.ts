/**
 * The MCP client in the browser, over streaming `fetch`.
 *
 * Why `fetch` and not XMLHttpRequest: XHR accumulates the whole body in
 * `responseText` for as long as the response lives, so a long-lived SSE
 * stream (the GET stream) grows in memory without bound; `fetch` hands the
 * body over chunk by chunk. Why no trace headers by default: `traceparent` and
 * `b3` are not CORS-safelisted, so the preflight asks for them, and real MCP
 * servers do not allow them.
 *
 * A server on another origin must answer with CORS headers that allow the MCP
 * headers and expose `Mcp-Session-Id` (see `docs/browser.md`). Without
 * `Access-Control-Expose-Headers: Mcp-Session-Id` the page cannot read the
 * session id, and connecting fails with a `ProtocolError` whose violation is
 * `"SessionHeaderHidden"`. A request to another origin that fails without any
 * response (how a refused preflight looks to the page) is a `TransportError`
 * with `crossOrigin`, whose message names CORS as the likely cause and the
 * headers the server must allow.
 *
 * @example
 * ```ts
 * import { BrowserMcpClient } from "@mcp-effect/browser"
 * import { McpClient, McpConfig, McpHttp } from "@mcp-effect/core"
 * import * as Effect from "effect/Effect"
 * import * as ManagedRuntime from "effect/ManagedRuntime"
 *
 * const runtime = ManagedRuntime.make(BrowserMcpClient.layer({ url: "https://mcp.example.com/mcp" }))
 * const tools = await runtime.runPromise(Effect.flatMap(McpClient.McpClient, (client) => client.listAllTools()))
 * // Later (e.g. when the component that owns it unmounts): DELETE the session.
 * await runtime.dispose()
 * ```
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as McpClient from "@mcp-effect/core/McpClient"
import * as McpConfig from "@mcp-effect/core/McpConfig"
import type * as McpError from "@mcp-effect/core/McpError"
import * as McpHttp from "@mcp-effect/core/McpHttp"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as CrossOrigin from "./internal/crossOrigin.js"
import * as FetchMcpHttp from "./internal/fetchMcpHttp.js"
import * as PageHide from "./internal/pageHide.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options extends McpClient.Options {
  /**
   * When the page is unloaded (a `pagehide` that does not keep it in the
   * back/forward cache), end the session with a `keepalive` DELETE sent
   * right away from the event listener. Default: true.
   */
  readonly endSessionOnPageHide?: boolean | undefined
}

/**
 * An `HttpClient` for the browser: `fetch` (`FetchHttpClient`) with
 * `cache: "no-store"` (Chromium otherwise caches the GET stream and may send a
 * DELETE of the same URL twice), DELETE sent as `keepalive` and, unless
 * `endSessionOnPageHide: false`, a `pagehide` listener that ends the session
 * (see {@link Options}). For `McpClient.layer` / `McpClient.make` with options
 * of your own, under `McpHttp.layerHttpClient` ({@link layerMcpHttp}, which
 * the client's layers use, does the same on `fetch` without an `HttpClient`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerHttpClient = (
  options?: { readonly endSessionOnPageHide?: boolean | undefined }
): Layer.Layer<HttpClient.HttpClient> => PageHide.layer(options?.endSessionOnPageHide ?? true)

/**
 * The `McpHttp` the browser client runs on: `fetch` itself, without an
 * `HttpClient` between (which spares the bundle `@effect/platform`'s HTTP
 * client), with what {@link layerHttpClient} does: no HTTP cache, DELETE as
 * `keepalive`, and unless `endSessionOnPageHide: false` the session ended
 * when the page goes away. A request to another origin that fails at the
 * network level (`fetch`'s "Failed to fetch", which is also what a CORS
 * refusal looks like to the page) is marked `HttpFailure.crossOrigin`, with
 * the headers the preflight asked the server for. The client's
 * `TransportError` then names CORS as the likely cause and the remedy, and a
 * handshake whose `notifications/initialized` fails this way is not repeated.
 * For `McpClient.layer` / `McpClient.make` with options of your own.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerMcpHttp = (
  options?: { readonly endSessionOnPageHide?: boolean | undefined }
): Layer.Layer<McpHttp.McpHttp> =>
  Layer.scoped(
    McpHttp.McpHttp,
    Effect.map(PageHide.listen(options?.endSessionOnPageHide ?? true), (note) =>
      CrossOrigin.mark(FetchMcpHttp.make(note)))
  )

/**
 * The client, connected to `options.url`, over `fetch`. Trace propagation is
 * off unless `tracerPropagation: true`. Closing the layer's scope (e.g.
 * `ManagedRuntime.dispose`) ends the session with DELETE; so does unloading
 * the page, unless `endSessionOnPageHide: false`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<McpClient.McpClient, McpError.McpError> => {
  const { endSessionOnPageHide, ...clientOptions } = options
  return McpClient.layer({ tracerPropagation: false, ...clientOptions }).pipe(
    Layer.provide(layerMcpHttp({ endSessionOnPageHide }))
  )
}

/**
 * The options read from `Config`: those of `McpClient.config` and
 * `END_SESSION_ON_PAGE_HIDE` (boolean), only the keys that are set.
 *
 * @since 0.2.0
 * @category config
 */
export const config: Config.Config<Options> = /*#__PURE__*/ (() =>
  // A pure call: a bundle that never reads this config leaves it (and effect's Config) out.
  Config.all({
    client: McpClient.config,
    endSessionOnPageHide: McpConfig.optional(Config.boolean("END_SESSION_ON_PAGE_HIDE"))
  }).pipe(Config.map(({ client, endSessionOnPageHide }) => McpConfig.defined({ ...client, endSessionOnPageHide }))))()

/**
 * The client configured from `Config` (see {@link config} for the keys);
 * `options` adds what `Config` cannot hold, and defaults for the keys: a key
 * that is set wins (`McpConfig.merge`). Trace propagation stays off unless
 * `TRACER_PROPAGATION` or `options` turn it on.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  configs: Config.Config<Options> = config,
  options?: Omit<Options, "url">
): Layer.Layer<McpClient.McpClient, McpError.McpError | ConfigError.ConfigError> =>
  Layer.unwrapEffect(Effect.map(configs, (fromConfig) => layer(McpConfig.merge(options, fromConfig))))

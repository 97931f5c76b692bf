/**
 * The MCP client service for the Streamable HTTP transport.
 *
 * One `McpClient` holds one MCP session at a time and keeps it alive: when the
 * server forgets the session (TTL, restart, a load balancer) and answers 404,
 * the client starts a new session and carries on (see `Recovery` and
 * `docs/session-recovery.md`).
 *
 * @example
 * ```ts
 * import { McpClient } from "@mcp-effect/core"
 * import { NodeMcpClient } from "@mcp-effect/node"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const client = yield* McpClient.McpClient
 *   const tools = yield* client.listAllTools()
 *   const result = yield* client.callTool("echo", { text: "hi" })
 * })
 *
 * program.pipe(Effect.provide(NodeMcpClient.layer({ url: "http://127.0.0.1:3000/mcp" })), Effect.runPromise)
 * ```
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as HashMap from "effect/HashMap"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import * as internal from "./internal/client.js"
import type * as JsonRpc from "./JsonRpc.js"
import * as McpConfig from "./McpConfig.js"
import type * as McpError from "./McpError.js"
import type * as McpHttp from "./McpHttp.js"
import type * as McpSchema from "./McpSchema.js"
import type * as Recovery from "./Recovery.js"
import type * as Session from "./Session.js"

/**
 * Handlers for requests the server sends to the client. A request without a
 * handler is answered with JSON-RPC -32601 (method not found); `ping` is
 * always answered. Declaring a handler also declares the capability in
 * `initialize` (unless `capabilities` is given explicitly).
 *
 * @since 0.1.0
 * @category models
 */
export interface Handlers {
  readonly roots?: Effect.Effect<McpSchema.ListRootsResult, McpError.RequestRejected> | undefined
  readonly sampling?:
    | ((
      params: McpSchema.CreateMessageRequestParams
    ) => Effect.Effect<McpSchema.CreateMessageResult, McpError.RequestRejected>)
    | undefined
  readonly elicitation?:
    | ((params: McpSchema.ElicitRequestParams) => Effect.Effect<McpSchema.ElicitResult, McpError.RequestRejected>)
    | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The MCP endpoint (any path), e.g. `http://127.0.0.1:3000/mcp`. */
  readonly url: string | URL
  /** Sent in `initialize`. Default: `{ name: "mcp-effect", version }`. */
  readonly clientInfo?: McpSchema.Implementation | undefined
  /** Declared in `initialize`. Default: derived from `handlers`. */
  readonly capabilities?: McpSchema.ClientCapabilities | undefined
  /** The version asked for in `initialize`. Default: the latest (`McpSchema.LATEST_PROTOCOL_VERSION`). */
  readonly protocolVersion?: string | undefined
  /**
   * Extra HTTP headers for every request to the endpoint: static, or an Effect
   * evaluated per request (e.g. a bearer token that rotates).
   */
  readonly headers?: Readonly<Record<string, string>> | Effect.Effect<Readonly<Record<string, string>>> | undefined
  readonly handlers?: Handlers | undefined
  /** Idle timeout of a request; reset by progress notifications. Default: 60 seconds. */
  readonly requestTimeout?: Duration.DurationInput | undefined
  /** Absolute bound of a request, whatever progress says. Default: 10 minutes. */
  readonly maxRequestTimeout?: Duration.DurationInput | undefined
  /**
   * Bound of a whole handshake, its retries included (the first connect and
   * every recovery): then `RequestTimeout` with reason "connect", the attempts
   * and the last failure. Default: 30 seconds.
   *
   * @since 0.2.0
   */
  readonly connectTimeout?: Duration.DurationInput | undefined
  /** Open the optional GET stream for server-initiated messages. Default: true. */
  readonly getStream?: boolean | undefined
  /**
   * How a broken SSE stream is reconnected when the server sent no `retry:`
   * (and how many times in a row). Default: exponential from 500 ms, 6 attempts.
   */
  readonly reconnect?: Schedule.Schedule<unknown> | undefined
  /** Session recovery: schedule, replay policy, extra "unknown session" statuses. */
  readonly recovery?: Recovery.Options | undefined
  /** The largest JSON body or SSE event accepted, in characters. Default: 4 MiB. */
  readonly maxMessageSize?: number | undefined
  /** How much of an unexpected response body is kept in `UnexpectedStatus`. Default: 1024. */
  readonly maxBodyExcerpt?: number | undefined
  /**
   * The protocol generation to speak (see `Session.Era` and
   * docs/protocol-generations.md): `"auto"` (the default) detects it at each
   * handshake, remembered per endpoint in the `EraCache`; against a
   * session-era server that costs one extra request per endpoint and process
   * (the probe). Pin the generation you know to skip detection.
   *
   * @since 0.2.0
   */
  readonly era?: Session.Era | "auto" | undefined
  /**
   * Send W3C / B3 trace headers. Default: true. Turn off for servers whose
   * CORS policy does not allow them (the browser layer does).
   */
  readonly tracerPropagation?: boolean | undefined
}

/**
 * Per-request options.
 *
 * @since 0.1.0
 * @category models
 */
export interface RequestOptions {
  /** Overrides the client's idle timeout for this request. */
  readonly timeout?: Duration.DurationInput | undefined
  /** Overrides the client's maximum for this request. */
  readonly maxTimeout?: Duration.DurationInput | undefined
  /**
   * Asks the server for progress (a `progressToken` is sent) and receives it.
   * Each progress notification restarts the idle timeout.
   */
  readonly onProgress?: ((progress: McpSchema.ProgressNotificationParams) => void) | undefined
}

/**
 * The client. Every method recovers from an expired session by itself;
 * failures are the typed errors of `McpError`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** Any request, by method name; the result is not decoded. */
  readonly request: (
    method: string,
    params?: JsonRpc.Params,
    options?: RequestOptions
  ) => Effect.Effect<unknown, McpError.McpError>
  /** Any notification, by method name. */
  readonly notify: (method: string, params?: JsonRpc.Params) => Effect.Effect<void, McpError.McpError>
  readonly ping: (options?: RequestOptions) => Effect.Effect<void, McpError.McpError>
  /** One page of tools. */
  readonly listTools: (
    cursor?: string,
    options?: RequestOptions
  ) => Effect.Effect<McpSchema.ListToolsResult, McpError.McpError>
  /** Every tool, following `nextCursor`. */
  readonly listAllTools: (options?: RequestOptions) => Effect.Effect<ReadonlyArray<McpSchema.Tool>, McpError.McpError>
  readonly callTool: (
    name: string,
    args?: Readonly<Record<string, unknown>>,
    options?: RequestOptions
  ) => Effect.Effect<McpSchema.CallToolResult, McpError.McpError>
  readonly listResources: (
    cursor?: string,
    options?: RequestOptions
  ) => Effect.Effect<McpSchema.ListResourcesResult, McpError.McpError>
  readonly listAllResources: (
    options?: RequestOptions
  ) => Effect.Effect<ReadonlyArray<McpSchema.Resource>, McpError.McpError>
  readonly listResourceTemplates: (
    cursor?: string,
    options?: RequestOptions
  ) => Effect.Effect<McpSchema.ListResourceTemplatesResult, McpError.McpError>
  readonly listAllResourceTemplates: (
    options?: RequestOptions
  ) => Effect.Effect<ReadonlyArray<McpSchema.ResourceTemplate>, McpError.McpError>
  readonly readResource: (
    uri: string,
    options?: RequestOptions
  ) => Effect.Effect<McpSchema.ReadResourceResult, McpError.McpError>
  /** Subscribes to updates of a resource; re-subscribed on every new session. */
  readonly subscribeResource: (uri: string, options?: RequestOptions) => Effect.Effect<void, McpError.McpError>
  readonly unsubscribeResource: (uri: string, options?: RequestOptions) => Effect.Effect<void, McpError.McpError>
  readonly listPrompts: (
    cursor?: string,
    options?: RequestOptions
  ) => Effect.Effect<McpSchema.ListPromptsResult, McpError.McpError>
  readonly listAllPrompts: (
    options?: RequestOptions
  ) => Effect.Effect<ReadonlyArray<McpSchema.Prompt>, McpError.McpError>
  readonly getPrompt: (
    name: string,
    args?: Readonly<Record<string, string>>,
    options?: RequestOptions
  ) => Effect.Effect<McpSchema.GetPromptResult, McpError.McpError>
  readonly complete: (
    params: McpSchema.CompleteRequestParams,
    options?: RequestOptions
  ) => Effect.Effect<McpSchema.CompleteResult, McpError.McpError>
  /** Sets the server's log level; re-applied on every new session. */
  readonly setLoggingLevel: (
    level: McpSchema.LoggingLevel,
    options?: RequestOptions
  ) => Effect.Effect<void, McpError.McpError>
  /** Notifications from the server (any stream), from the moment of subscription. */
  readonly notifications: Stream.Stream<McpSchema.ServerNotification>
  /**
   * Session lifecycle events: first `Started` with the session current when
   * you subscribe, then every `Expired` / `Recovered` / `RecoveryFailed` /
   * `Closed` from that moment on.
   */
  readonly sessionEvents: Stream.Stream<Session.SessionEvent>
  /** The current session (waits while a recovery is in flight). */
  readonly session: Effect.Effect<Session.SessionInfo>
  /** The current session, then every session that replaces it. */
  readonly sessionChanges: Stream.Stream<Session.SessionInfo>
}

/**
 * The service tag.
 *
 * @since 0.1.0
 * @category tags
 */
export class McpClient extends Context.Tag("@mcp-effect/core/McpClient")<McpClient, Service>() {}

/**
 * Connects (initialize + initialized) and returns the client. Closing the
 * scope deletes the session and ends every fiber the client started.
 *
 * The HTTP underneath is the `McpHttp` service: `NodeMcpHttp.layer` (undici)
 * on Node, `McpHttp.layerHttpClient` over any `@effect/platform` `HttpClient`
 * (the browser's `fetch`, a test server in memory, an `HttpClient` with
 * middleware of yours), or an `McpHttp` of your own. `NodeMcpClient` and
 * `BrowserMcpClient` provide it for you.
 *
 * @example
 * ```ts
 * import { McpClient, McpHttp } from "@mcp-effect/core"
 * import { FetchHttpClient } from "@effect/platform"
 * import { Effect, Layer } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const client = yield* McpClient.make({ url: "http://127.0.0.1:3000/mcp" })
 *   return yield* client.listAllTools()
 * })
 *
 * program.pipe(
 *   Effect.scoped,
 *   Effect.provide(McpHttp.layerHttpClient.pipe(Layer.provide(FetchHttpClient.layer))),
 *   Effect.runPromise
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (
  options: Options
) => Effect.Effect<Service, McpError.McpError, McpHttp.McpHttp | Scope.Scope> = internal.make

/**
 * The client as a layer (see {@link make}); it needs an `McpHttp`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<McpClient, McpError.McpError, McpHttp.McpHttp> =>
  Layer.scoped(McpClient, make(options))

/**
 * The options read from `Config`, only the keys that are set. Keys (under an
 * optional prefix, see `Config.nested`; every key with its type and default in
 * `docs/configuration.md`): `URL` (required), `HEADERS` (a record of redacted
 * values: `HEADERS_AUTHORIZATION`...), `MAX_MESSAGE_SIZE`, `MAX_BODY_EXCERPT`,
 * `TRACER_PROPAGATION`, `RECONNECT_MAX_ATTEMPTS`, `RECONNECT_BACKOFF`,
 * `RECONNECT_MAX_DELAY`, `EXPIRED_STATUSES` (comma-separated), and the keys of
 * any transport (`McpConfig.client`): `CLIENT_NAME`, `CLIENT_VERSION`,
 * `CLIENT_TITLE`, `PROTOCOL_VERSION`, `REQUEST_TIMEOUT`,
 * `MAX_REQUEST_TIMEOUT`, `CONNECT_TIMEOUT`, `GET_STREAM`, `ERA`, `RECOVERY_*`.
 *
 * @since 0.1.0
 * @category config
 */
export const config: Config.Config<Options> = /*#__PURE__*/ (() =>
  // A pure call: a bundle that never reads this config leaves it (and effect's Config) out.
  Config.all({
    url: Config.string("URL"),
    client: McpConfig.client,
    headers: Config.hashMap(Config.redacted(), "HEADERS"),
    maxMessageSize: McpConfig.optional(McpConfig.positive("MAX_MESSAGE_SIZE")),
    maxBodyExcerpt: McpConfig.optional(McpConfig.count("MAX_BODY_EXCERPT")),
    tracerPropagation: McpConfig.optional(Config.boolean("TRACER_PROPAGATION")),
    reconnect: McpConfig.backoffConfig("RECONNECT", { attempts: 6, base: "500 millis" }, { attempts: "recurrences" }),
    expiredStatuses: McpConfig.optional(Config.array(Config.integer(), "EXPIRED_STATUSES"))
  }).pipe(Config.map(({ client, expiredStatuses, headers, url, ...http }): Options =>
    // Only the keys that are set: `layerConfig` spreads these over its `options`.
    McpConfig.defined({
      url,
      ...client,
      ...http,
      headers: HashMap.size(headers) === 0 ? undefined : Object.fromEntries(
        Array.from(headers, ([name, value]) => [name.toLowerCase(), Redacted.value(value)])
      ),
      recovery: expiredStatuses === undefined ? client.recovery : { ...client.recovery, expiredStatuses }
    })
  )))()

/**
 * The client configured from `Config` (see {@link config} for the keys);
 * `options` adds what `Config` cannot hold (handlers, custom schedules and
 * policies, headers computed per request) and defaults for the keys: a key
 * that is set wins, `recovery` is merged key by key, `HEADERS` are added to
 * `options.headers` (see `McpConfig.merge`).
 *
 * @example
 * ```ts
 * // MCP_URL=http://127.0.0.1:3000/mcp MCP_REQUEST_TIMEOUT="30 seconds"
 * McpClient.layerConfig(Config.nested(McpClient.config, "MCP"))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  configs: Config.Config<Options> = config,
  options?: Omit<Options, "url">
): Layer.Layer<McpClient, McpError.McpError | ConfigError.ConfigError, McpHttp.McpHttp> =>
  Layer.scoped(McpClient, Effect.flatMap(configs, (fromConfig) => make(McpConfig.merge(options, fromConfig))))

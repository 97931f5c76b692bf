/**
 * Configuring the client (docs/configuration.md).
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { McpToolkit } from "@mcp-effect/ai"
import { EraCache, McpAuth, McpClient, McpHttp, Recovery } from "@mcp-effect/core"
import { NodeMcpClient, NodeMcpHttp } from "@mcp-effect/node"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Schedule from "effect/Schedule"
import type { Dispatcher } from "undici"

// #region layer-config
// From the environment: MCP_URL (required), MCP_REQUEST_TIMEOUT="30 seconds",
// MCP_HEADERS_AUTHORIZATION="Bearer …", MCP_RECOVERY_MAX_ATTEMPTS=2, MCP_ERA=auto,
// MCP_EXPIRED_STATUSES="400,410", … (every key: docs/configuration.md#config-keys).
// The options hold what an environment variable cannot, and defaults: a key that is set wins.
export const ClientFromEnv = NodeMcpClient.layerConfig(Config.nested(McpClient.config, "MCP"), {
  clientInfo: { name: "notes-app", version: "1.0.0" },
  requestTimeout: "30 seconds", // unless MCP_REQUEST_TIMEOUT says otherwise
  recovery: { replay: Recovery.replay({ tools: { "add-note": false } }) }
})
// #endregion

// #region every-layer
// Every layer from the environment, each under a prefix of its own, e.g.
//   MCP_URL=https://notes.example/mcp  MCP_ERA=auto  MCP_CLIENT_NAME=notes-app  MCP_CLIENT_VERSION=1.0.0
//   MCP_AUTH_CLIENT_ID=notes  MCP_AUTH_CLIENT_SECRET=…  MCP_AUTH_SCOPE="notes:read"
//   MCP_ERA_CACHE_SEED="https://notes.example/mcp=sessions"  (known: no probe)
//   MCP_TOOLKIT_PREFIX=notes_  MCP_TOOLKIT_TOOLS=search,read
export const ToolkitFromEnv = McpToolkit.layerConfig(Config.nested(McpToolkit.config, "MCP_TOOLKIT")).pipe(
  Layer.provideMerge(McpClient.layerConfig(Config.nested(McpClient.config, "MCP"))),
  Layer.provide(McpAuth.layerConfig(Config.nested(McpAuth.config, "MCP_AUTH"))),
  Layer.provide(NodeMcpHttp.layer),
  Layer.provide(EraCache.layerConfig(Config.nested(EraCache.config, "MCP_ERA_CACHE")))
)
// #endregion

// #region every-option
// Every option, set to its default (except `url`, `clientInfo` and `headers`).
export const everyOption = (url: string, token: Effect.Effect<string>): McpClient.Options => ({
  url,
  clientInfo: { name: "notes-app", version: "1.0.0" }, // default { name: "mcp-effect", version: "0.1.0" }
  capabilities: undefined, // derived from `handlers`
  protocolVersion: "2025-11-25",
  // Evaluated for every HTTP request: a token that rotates is read each time.
  headers: Effect.map(token, (t) => ({ authorization: `Bearer ${t}` })),
  handlers: {},
  requestTimeout: "60 seconds",
  maxRequestTimeout: "10 minutes",
  getStream: true,
  reconnect: Schedule.exponential("500 millis", 2).pipe(Schedule.jittered, Schedule.intersect(Schedule.recurs(6))),
  recovery: {
    enabled: true,
    schedule: Recovery.defaultSchedule,
    replay: Recovery.defaultReplay,
    expiredStatuses: []
  },
  maxMessageSize: 4 * 1024 * 1024,
  maxBodyExcerpt: 1024,
  tracerPropagation: true
})
// #endregion

// #region shared-agent
// Many clients (a client per user, say) on one undici Agent that you own: closing a client's
// scope ends its session; the Agent stays open for the others until you close it.
export const clientOn = (agent: Dispatcher, url: string) =>
  McpClient.layer({ url }).pipe(Layer.provide(NodeMcpHttp.layerDispatcher(agent)))
// #endregion

// #region http-client
// On any @effect/platform HttpClient (fetch here; middleware of yours, a mock...):
// `McpHttp.layerHttpClient` makes the HttpClient of the context the client's HTTP.
export const clientOnFetch = (url: string) =>
  McpClient.layer({ url }).pipe(Layer.provide(McpHttp.layerHttpClient), Layer.provide(FetchHttpClient.layer))
// #endregion

// #region custom-http
// An McpHttp of your own: any `execute` that keeps the contract in McpHttp's module comment.
// This one wraps the McpHttp under it (NodeMcpHttp here) and counts the exchanges.
export const exchanges = Metric.counter("notes_app_mcp_http_exchanges")

export const countingHttp = Layer.effect(
  McpHttp.McpHttp,
  Effect.map(McpHttp.McpHttp, (http): McpHttp.Service => ({
    execute: (request) => Effect.zipRight(Metric.increment(exchanges), http.execute(request))
  }))
)

export const clientCounting = (url: string) =>
  McpClient.layer({ url }).pipe(Layer.provide(countingHttp), Layer.provide(NodeMcpHttp.layer))
// #endregion

/**
 * The 2026-07-28 era behind the transport seam: no session, no `initialize`,
 * no GET stream. Every request carries the protocol version, the client's
 * capabilities and info (and its log level) in `params._meta`, and the
 * headers `MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`, `Mcp-Param-*`.
 *
 * What the seam's other eras do, this one maps:
 * - `initialize` → `server/discover`, whose result is handed up as an
 *   initialize result (the handshake stays one for every era);
 * - `notifications/initialized`, `notifications/cancelled` → nothing (a
 *   request is cancelled by closing its answer stream: the client aborts it);
 * - `logging/setLevel` → remembered, sent in every request's `_meta`;
 * - `ping` → `server/discover`;
 * - nothing is ever "gone": there is no session to lose.
 *
 * Answers to `-32022` (version renegotiation, once), `-32020` on `tools/call`
 * (the tool's headers are stale: re-list, retry once) and `input_required`
 * (MRTR, bounded rounds) are handled here; `-32021` is the request's
 * `JsonRpcError` with its `data.requiredCapabilities`.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as JsonRpc from "../../../JsonRpc.js"
import type * as McpError from "../../../McpError.js"
import type * as McpSchema from "../../../McpSchema.js"
import * as Errors from "../../errors.js"
import * as Schedules from "../../schedule.js"
import type * as Transport from "../../transport.js"
import * as Exchange from "../exchange.js"
import * as Core from "./core.js"
import * as Discover from "./discover.js"
import * as Headers from "./headers.js"
import * as Listen from "./listen.js"

/** The stateless transport, and the probe era detection runs with it. @internal */
export interface Stateless extends Transport.Transport {
  /** `server/discover`, classified: a modern server's answer, or a legacy verdict. */
  readonly probe: (ctx: Transport.Context) => Effect.Effect<Discover.Probed, McpError.McpError>
  /** What `initialize` opens, from a modern probe's result; its listen streams live in `scope`. */
  readonly opened: (
    ctx: Transport.Context,
    result: McpSchema.InitializeResult,
    scope: Scope.Scope
  ) => Transport.Opened
}

/** @internal */
export const make = (config: Core.Config, inbox: Transport.Inbox): Stateless => {
  const self: Core.Self = {
    config,
    exchange: Exchange.make(config),
    inbox,
    version: config.version ?? Core.MODERN_PROTOCOL_VERSIONS[0],
    logLevel: undefined,
    mirrors: new Map()
  }
  const probe = (ctx: Transport.Context) => Discover.probe(self, ctx)
  // subscriptions/listen: made by `opened`, the one place that knows the session's scope.
  let listener: { readonly listener: Listen.Listener; readonly capabilities: unknown } | undefined = undefined
  const opened = (
    ctx: Transport.Context,
    result: McpSchema.InitializeResult,
    scope: Scope.Scope
  ): Transport.Opened => {
    const target: Transport.Target = { sessionId: undefined, protocolVersion: self.version }
    listener = {
      listener: Listen.make(self, target, scope, config.reconnect ?? Schedules.defaultReconnect),
      capabilities: result.capabilities
    }
    return { response: JsonRpc.success(ctx.requestId ?? 0, result), target, era: "stateless" }
  }
  const subscription = (
    ctx: Transport.Context,
    id: JsonRpc.RequestId,
    method: "subscribe" | "unsubscribe",
    params: Core.Params
  ): Effect.Effect<JsonRpc.JsonRpcResponse, McpError.McpError> => {
    if (listener === undefined || typeof params.uri !== "string") {
      return Effect.succeed(JsonRpc.failure(id, JsonRpc.ErrorCode.InvalidParams, "a uri is required"))
    }
    return Effect.as(listener.listener[method]({ ...ctx, requestId: id }, params.uri), JsonRpc.success(id, {}))
  }
  /** The server must be a modern one: this transport was chosen (pinned, or cached) for it. */
  const modern = (ctx: Transport.Context) =>
    Effect.flatMap(
      probe(ctx),
      (probed): Effect.Effect<McpSchema.InitializeResult, McpError.McpError> =>
        probed._tag === "Modern"
          ? Effect.succeed(probed.result)
          : Effect.fail(
            Errors.protocolError(
              { method: "server/discover" },
              { sessionId: undefined, protocolVersion: self.version },
              "InvalidResult",
              `not a 2026-07-28 server: ${probed.reason}`
            )
          )
    )
  return {
    probe,
    opened,
    initialize: (ctx, _body, _version, scope) => Effect.map(modern(ctx), (result) => opened(ctx, result, scope)),
    request: (ctx, body, target) => {
      const message = Core.parseOwn(body)
      const params = Core.isRecord(message.params) ? message.params : {}
      switch (message.method) {
        case "logging/setLevel":
          self.logLevel = typeof params.level === "string" ? params.level : undefined
          return Effect.succeed(JsonRpc.success(message.id, {}))
        case "ping":
          return Effect.as(modern(ctx), JsonRpc.success(message.id, {}))
        // The era has no such methods: the listen stream's filter carries the subscriptions.
        case "resources/subscribe":
          return subscription(ctx, message.id, "subscribe", params)
        case "resources/unsubscribe":
          return subscription(ctx, message.id, "unsubscribe", params)
        default:
          return Core.call(self, ctx, target, message.method ?? ctx.method, params, message.id)
      }
    },
    send: (ctx, body, target) => {
      const message = Core.parseOwn(body)
      // Neither exists in this era; a response to the server has no request to answer.
      if (message.method === undefined || ignored.has(message.method)) return Effect.void
      const params = Core.isRecord(message.params) ? message.params : undefined
      return Effect.asVoid(
        self.exchange.post(
          ctx,
          JSON.stringify(Core.withMeta(self, { method: message.method, params })),
          target,
          false,
          { ...Headers.forRequest(message.method, params, undefined), "mcp-protocol-version": self.version }
        )
      )
    },
    listen: () => listener === undefined ? Effect.void : listener.listener.lists(listener.capabilities),
    end: () => Effect.void
  }
}

const ignored: ReadonlySet<string> = new Set(["notifications/initialized", "notifications/cancelled"])

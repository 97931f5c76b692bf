/**
 * The server's options with their defaults filled in, read once at start.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import type { JsonObject, Options } from "../../McpTestServer.js"

export interface ServerConfig {
  /** The protocol generation served (see `Options.era`). */
  readonly era: "sessions" | "stateless" | "http-sse"
  readonly sessions: boolean
  /** The idle TTL; `undefined`: sessions never expire on their own. */
  readonly ttlMillis: number | undefined
  readonly answers: "json" | "sse"
  readonly getStream: boolean
  readonly allowDelete: boolean
  /** Forced into every `InitializeResult` when set. */
  readonly protocolVersion: string | undefined
  readonly strictVersionHeader: boolean
  readonly unknownSessionStatus: number
  readonly resumable: boolean
  readonly retryMillis: number | undefined
  readonly pageSize: number | undefined
  readonly serverInfo: NonNullable<Options["serverInfo"]>
  readonly capabilities: JsonObject
  readonly instructions: string | undefined
  /** The headers added to every answer; `undefined`: no CORS (OPTIONS → 405). */
  readonly cors: Readonly<Record<string, string>> | undefined
}

const corsHeaders = (exposeSessionHeader: boolean): Record<string, string> => ({
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, POST, DELETE, OPTIONS",
  "access-control-allow-headers":
    "Content-Type, Accept, Authorization, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID, traceparent, tracestate, b3",
  ...(exposeSessionHeader ? { "access-control-expose-headers": "Mcp-Session-Id" } : {})
})

export const make = (options: Options): ServerConfig => ({
  era: options.era ?? "sessions",
  // The modern mode has no sessions: its requests run in the one implicit session.
  sessions: options.era === "stateless" ? false : options.sessions ?? true,
  ttlMillis: options.sessionTtl === undefined ? undefined : Duration.toMillis(options.sessionTtl),
  answers: options.answers ?? "json",
  getStream: options.getStream ?? true,
  allowDelete: options.allowDelete ?? true,
  protocolVersion: options.protocolVersion,
  strictVersionHeader: options.strictProtocolVersionHeader ?? true,
  unknownSessionStatus: options.unknownSessionStatus ?? 404,
  resumable: options.resumable ?? false,
  retryMillis: options.retryMillis,
  pageSize: options.pageSize,
  serverInfo: options.serverInfo ?? { name: "mcp-effect-test-server", version: "0.1.0" },
  capabilities: options.capabilities ?? {
    tools: { listChanged: true },
    resources: { subscribe: true, listChanged: true },
    prompts: { listChanged: true },
    logging: {},
    completions: {}
  },
  instructions: options.instructions,
  cors: options.cors === undefined || options.cors === false ?
    undefined :
    corsHeaders(options.cors === true || options.cors.exposeSessionHeader !== false)
})

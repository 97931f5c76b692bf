/**
 * What the client knows about the current MCP session, and the events it
 * publishes when sessions start, expire, recover and close.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as internal from "./internal/metrics.js"
import type * as McpError from "./McpError.js"
import type * as McpSchema from "./McpSchema.js"

/**
 * The protocol generation a session speaks (see docs/protocol-generations.md):
 * - `"stateless"`: 2026-07-28 and later; no session, every request carries
 *   its version and capabilities, the server asks for input with
 *   `input_required`. Nothing to recover: there is no session to lose.
 * - `"sessions"`: Streamable HTTP, 2025-03-26 … 2025-11-25; `initialize`
 *   makes a session (`Mcp-Session-Id`), which the client recovers when lost.
 * - `"http-sse"`: the deprecated 2024-11-05 HTTP+SSE transport; the SSE
 *   stream is the session, its loss is recovered like a lost session.
 *
 * @since 0.2.0
 * @category models
 */
export type Era = "stateless" | "sessions" | "http-sse"

/**
 * The current session, as negotiated by its `initialize`. Everything here is
 * per session: a recovered session may report a different protocol version
 * or capabilities.
 *
 * @since 0.1.0
 * @category models
 */
export interface SessionInfo {
  /** Counts sessions of this client: 0 for the first, +1 for each recovery. */
  readonly generation: number
  /** The `Mcp-Session-Id`, or undefined for a stateless server. */
  readonly sessionId: string | undefined
  readonly protocolVersion: string
  readonly serverInfo: McpSchema.Implementation
  readonly capabilities: McpSchema.ServerCapabilities
  readonly instructions: string | undefined
  /** When the session was started, in epoch milliseconds (from `Clock`). */
  readonly startedAt: number
  /**
   * The protocol generation in use.
   *
   * @since 0.2.0
   */
  readonly era: Era
}

/**
 * Something happened to the session.
 *
 * - `Started`: the session a subscriber sees first — the one current when it
 *   subscribed (initialize + initialized done). Every later session arrives as
 *   `Recovered`.
 * - `Expired`: a request carrying `sessionId` was answered 404 (or a configured
 *   status), or the server process ended (`exit`); the client is about to
 *   re-initialize. Published once per dead id.
 * - `Recovered`: a new session replaced the dead one; `waiters` counts the
 *   requests that waited for it, `durationMillis` the time the handshake took.
 * - `RecoveryFailed`: the re-initialize failed within the recovery policy.
 * - `Closed`: the client's scope closed; the session was deleted.
 * - `EraDecided` (since 0.2.0): the client chose the protocol generation of
 *   `endpoint`: from the `EraCache` (`cached`), or by probing (first contact,
 *   or the cached one failed: `reason` says why).
 *
 * @since 0.1.0
 * @category models
 */
export type SessionEvent = Data.TaggedEnum<{
  Started: { readonly session: SessionInfo }
  Expired: {
    readonly sessionId: string
    readonly status: number
    readonly method: string
    /** How the server process ended, when the session was a process (stdio). @since 0.2.0 */
    readonly exit?: McpError.ProcessExit | undefined
  }
  Recovered: {
    readonly previousSessionId: string
    readonly session: SessionInfo
    readonly durationMillis: number
    readonly waiters: number
  }
  RecoveryFailed: { readonly sessionId: string; readonly error: unknown }
  Closed: { readonly sessionId: string | undefined }
  EraDecided: {
    readonly endpoint: string
    readonly era: Era
    readonly cached: boolean
    readonly reason: string
  }
}>

/**
 * Constructors and matchers for {@link SessionEvent}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const SessionEvent = Data.taggedEnum<SessionEvent>()

/**
 * The client's metrics (shared by every client in the process):
 * `mcp_client_session_expirations_total`, `mcp_client_session_recoveries_total`,
 * `mcp_client_session_recovery_failures_total` (counters) and
 * `mcp_client_session_recovery_duration` (a timer histogram, milliseconds).
 * Recoveries are also traced as `McpClient.recoverSession` spans, each
 * handshake as `McpClient.initialize`.
 *
 * @since 0.1.0
 * @category observability
 */
export const metrics = internal.metrics

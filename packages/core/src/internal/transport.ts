/**
 * The transport seam: the one interface between the client and a wire.
 *
 * The client above it (request bookkeeping, dispatch, the handshake, the
 * recovery) knows nothing of HTTP, SSE or child processes; a transport below
 * it knows nothing of sessions being replaced. A transport sends what it is
 * given on the session it is given, hands every message the server sends to
 * the client's {@link Inbox}, and reports what went wrong in its own terms, as
 * one of these failures (all `McpError`s):
 *
 * | what the transport saw | it fails with | what the client does |
 * | --- | --- | --- |
 * | the session is gone: HTTP 404 to a request that carried its id (or a status the user named); a server process that ended | `SessionExpired` for the id the request carried; `accepted` says whether the server had taken the request | `recovery.ts` replaces the session; the request is re-sent, or lost per the replay policy |
 * | the connection failed, or broke while the answer was read | `TransportError` (`phase` "request" or "response") | the request fails |
 * | the answer ended without the response and could not be resumed | `ProtocolError` "StreamEnded" | the request fails |
 * | the server broke the protocol | `ProtocolError` | the request fails |
 * | the server refused at the transport level | `UnexpectedStatus` | the request fails |
 *
 * A transport has two kinds of work: what one request brings (its answer, and
 * whatever the server sends on the way), and what the server pushes on its own
 * for the life of a session (`listen`). Both end in the `Inbox`.
 *
 * Transports, and what each makes of this interface:
 * - Streamable HTTP, the session era (`http/`): a POST per message, answers as
 *   JSON or SSE (resumed with GET + Last-Event-ID), the GET stream as `listen`,
 *   DELETE as `end`.
 * - stdio (`@mcp-effect/node`, `internal/stdio/`, on the public `McpTransport`):
 *   one child process per session, `initialize` spawns it in the session's
 *   scope and reads its stdout from then on (`listen` has nothing left to do),
 *   its end is "gone" (`SessionExpired` with `status` 0 and `exit`, also
 *   reported through `Inbox.gone`), closing the scope stops it.
 * - HTTP+SSE 2024-11-05 (`legacySse/`): `initialize` opens the SSE stream and
 *   waits for its `endpoint` event; answers arrive on that stream; its loss is
 *   "gone".
 * - the stateless 2026-07-28 era (`http/stateless/`): no session id, nothing
 *   is ever "gone"; per-request metadata travels with each message, `listen`
 *   is `subscriptions/listen`, and a broken answer stream is a `TransportError`
 *   ("response") that the replay policy decides on.
 *
 * @internal
 */
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type * as JsonRpc from "../JsonRpc.js"
import type * as McpError from "../McpError.js"
import type * as McpHttp from "../McpHttp.js"
import type * as Session from "../Session.js"
import type * as Deadline from "./deadline.js"

/**
 * The session a message is sent on, as the transport needs it. A transport
 * without session ids of its own names its sessions itself (recovery judges a
 * `SessionExpired` against the id the failed request carried).
 *
 * @internal
 */
export interface Target {
  readonly sessionId: string | undefined
  readonly protocolVersion: string | undefined
}

/** Where a failure is reported: the JSON-RPC method and id the message carried. @internal */
export interface Context {
  readonly method: string
  readonly requestId?: JsonRpc.RequestId | undefined
  /** The deadline of the request this exchange serves, if it has one. */
  readonly deadline?: Deadline.Deadline | undefined
}

/** What `initialize` opened: the server's response and the session to send on next. @internal */
export interface Opened {
  readonly response: JsonRpc.JsonRpcResponse
  /** The session the transport made of the answer; its version is the one asked for until the client checks the result. */
  readonly target: Target
  /**
   * The protocol generation the transport speaks (default: the session era).
   * A stateless transport has checked the version itself (it is not one
   * `initialize` may negotiate).
   */
  readonly era?: Session.Era | undefined
}

/**
 * Where a transport hands what the server sends: the client's dispatch.
 *
 * @internal
 */
export interface Inbox {
  /**
   * A message from the server, on `target`. Responses fill their pending
   * request, requests are answered, notifications published. Returns false
   * for a response nobody waits for.
   */
  readonly deliver: (target: Target, message: JsonRpc.JsonRpcMessage) => Effect.Effect<boolean>
  /** The response of request `id`, once delivered. */
  readonly responseOf: (id: JsonRpc.RequestId) => JsonRpc.JsonRpcResponse | undefined
  /** The session is gone, seen outside any request (the GET stream met a 404; a process exited). */
  readonly gone: (error: McpError.SessionExpired) => Effect.Effect<void>
  /** A request id of the client's sequence, for a transport's own requests (a probe). */
  readonly nextId: () => number
}

/** @internal */
export interface Transport {
  /**
   * Sends `initialize` (never on a session) and waits for its response. What
   * the transport opens for the new session (a stream, a process) belongs to
   * `scope`, which the client closes when the session ends.
   */
  readonly initialize: (
    ctx: Context,
    body: string,
    requestedVersion: string,
    scope: Scope.Scope
  ) => Effect.Effect<Opened, McpError.McpError>
  /**
   * Sends a request on `target` and succeeds with its response; everything
   * else the server sends on the way is delivered to the inbox.
   */
  readonly request: (
    ctx: Context,
    body: string,
    target: Target
  ) => Effect.Effect<JsonRpc.JsonRpcResponse, McpError.McpError>
  /** Sends a notification or a response: nothing comes back but an acknowledgement. */
  readonly send: (ctx: Context, body: string, target: Target) => Effect.Effect<void, McpError.McpError>
  /**
   * Receives what the server pushes on its own for the life of the session,
   * until the session ends (the client runs it in the session's scope, which
   * it is also given: what listens on by callbacks after the effect is done
   * ends with it). A session found gone is reported with `inbox.gone`.
   */
  readonly listen: (target: Target) => Effect.Effect<void, never, Scope.Scope>
  /**
   * Ends the session on the server. Fails when the server did not end it
   * (it refused, or could not be reached); callers bound how long they wait.
   */
  readonly end: (target: Target) => Effect.Effect<void, McpError.McpError>
  /** The bound on handshakes at once that the HTTP underneath shares between its clients (`McpHttp.handshakes`). */
  readonly handshakes?: McpHttp.Permits | undefined
}

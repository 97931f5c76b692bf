import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js"
import type { EventId, EventStore, StreamId } from "@modelcontextprotocol/sdk/server/streamableHttp.js"
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js"

/** The path the MCP endpoint is served on: `/mcp`. */
export declare const MCP_PATH: "/mcp"

export interface SdkServerOptions {
  /**
   * true (default): one StreamableHTTPServerTransport + McpServer per session, ids from randomUUID.
   * false: a new server + transport per POST, no session ids, GET and DELETE answer 405.
   */
  readonly stateful?: boolean
  /** `enableJsonResponse`: answer requests with one application/json body instead of SSE. Default false. */
  readonly json?: boolean
  /**
   * Resumability: a MemoryEventStore per session; POST streams start with a priming event (protocol
   * >= 2025-11-25) and a GET with `Last-Event-ID` replays what followed. Default false.
   */
  readonly eventStore?: boolean
  /** `retry:` in ms sent with priming events (only with eventStore). */
  readonly retryInterval?: number
  /** Port on 127.0.0.1; default 0 (any free port). */
  readonly port?: number
}

export interface RequestLogEntry {
  /** HTTP method. */
  readonly method: string
  /** The `Mcp-Session-Id` header the request carried. */
  readonly sessionId: string | undefined
  /** The `Last-Event-ID` header the request carried. */
  readonly lastEventId: string | undefined
  /** `method` of a single JSON-RPC request or notification in a POST body (undefined for responses and batches). */
  readonly rpcMethod: string | undefined
  /** HTTP status, set when the response head was written (undefined before). */
  readonly status: number | undefined
}

export interface ExpireOptions {
  /**
   * Also destroy the sockets of the session's requests still open (in-flight POSTs, GET streams). Without
   * it the SDK ends open SSE streams cleanly but leaves pending JSON-mode (`json: true`) requests
   * unanswered: they hang until the client gives up. Default false.
   */
  readonly dropInFlight?: boolean
}

export interface RestartOptions extends ExpireOptions {
  /**
   * Also destroy every open socket (`closeAllConnections`), idle keep-alive ones included, like a real
   * process restart. A client that reuses a pooled socket right afterwards may see a connection reset
   * instead of a 404. Default false.
   */
  readonly dropConnections?: boolean
}

export interface SdkServer {
  /** `http://127.0.0.1:PORT/mcp` */
  readonly url: string
  readonly port: number
  readonly options: {
    readonly stateful: boolean
    readonly json: boolean
    readonly eventStore: boolean
    readonly retryInterval?: number
  }
  /** Closes that session's transport (its SSE streams end) and forgets it: later requests get 404. false if unknown. */
  expireSession(id: string, options?: ExpireOptions): Promise<boolean>
  /** expireSession for every live session; resolves to how many there were. */
  expireAll(options?: ExpireOptions): Promise<number>
  /** Forgets every session (as expireAll), keeping the port and the counters. */
  restart(options?: RestartOptions): Promise<void>
  /** Live session ids, in creation order. */
  sessionIds(): ReadonlyArray<string>
  /** Initialize requests that created a session (stateless: initialize POSTs handled), since start. */
  initializeCount(): number
  /** Snapshot of every HTTP request received, in arrival order. */
  requests(): ReadonlyArray<RequestLogEntry>
  clearRequests(): void
  /** Expires all sessions and stops listening (open sockets are destroyed). Idempotent. */
  close(): Promise<void>
}

/**
 * Starts the official SDK MCP server on 127.0.0.1.
 *
 * Tools: `echo {text}`, `add {a,b}` (structuredContent `{sum}`, outputSchema), `progress {count, delayMs?}`
 * (`count` notifications/progress when the call has a progressToken), `elicit {message?}` (elicitation/create,
 * form mode, schema `{answer?: string}`; returns `{action, content?}` as text JSON and structuredContent; SSE mode
 * only: with `json: true` the SDK drops the server request and the call never completes),
 * `close_stream {delayMs?}` (closes its own SSE stream, SEP-1699). Resource `test://hello`, prompt `greet {name}`.
 */
export declare function startSdkServer(options?: SdkServerOptions): Promise<SdkServer>

/** The McpServer every session gets (exposed for in-process use). */
export declare function createSdkMcpServer(): McpServer

/** In-memory EventStore: ids unique across stores, replay in storage order, priming events skipped. */
export declare class MemoryEventStore implements EventStore {
  storeEvent(streamId: StreamId, message: JSONRPCMessage): Promise<EventId>
  getStreamIdForEventId(eventId: EventId): Promise<StreamId | undefined>
  replayEventsAfter(
    lastEventId: EventId,
    options: { send: (eventId: EventId, message: JSONRPCMessage) => Promise<void> }
  ): Promise<StreamId>
}

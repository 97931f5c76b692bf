/**
 * A real, stateful MCP server (Streamable HTTP, protocol 2025-11-25; also
 * answers 2025-06-18 and 2025-03-26) written as an `HttpApp`, for testing MCP
 * clients: sessions with an idle TTL, JSON or SSE answers, the GET stream,
 * SEP-1699 resumability, injectable faults, and a log of every HTTP request.
 *
 * Run it in memory with {@link httpClient} (no sockets), or over real HTTP with
 * `@mcp-effect/node/testing`.
 *
 * Time is read from `Clock` only when a request arrives (and by open SSE
 * streams, which sleep until the session's expiry), so under `TestClock` a
 * `TestClock.adjust` past the TTL expires sessions deterministically.
 *
 * @since 0.1.0
 */
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as defaults from "./internal/defaults.js"
import * as InMemoryHttp from "./internal/inMemoryHttp.js"
import type { RpcError } from "./internal/rpcError.js"
import * as internal from "./internal/server/make.js"
import * as Protocol from "./internal/server/protocol.js"

/**
 * The protocol versions the server accepts, newest first.
 *
 * @since 0.1.0
 * @category constants
 */
export const supportedProtocolVersions: ReadonlyArray<string> = Protocol.supportedVersions

/**
 * @since 0.1.0
 * @category constants
 */
export const latestProtocolVersion = Protocol.latestVersion

/**
 * A URL to give a client that talks to the server in memory (any URL works:
 * the in-memory client ignores the host, and the server every path).
 *
 * @since 0.1.0
 * @category constants
 */
export const inMemoryUrl = "http://mcp.test/mcp"

/**
 * A JSON-RPC request id.
 *
 * @since 0.1.0
 * @category models
 */
export type RequestId = string | number

/**
 * A JSON object (tool arguments, results, schemas).
 *
 * @since 0.1.0
 * @category models
 */
export type JsonObject = { readonly [key: string]: unknown }

export {
  /**
   * A JSON-RPC error. Handlers fail with it to answer with a JSON-RPC error;
   * `ToolContext.request` fails with it when the client answered with one.
   *
   * @since 0.1.0
   * @category errors
   */
  RpcError
} from "./internal/rpcError.js"

/**
 * MCP logging levels, least severe first.
 *
 * @since 0.1.0
 * @category models
 */
export type LoggingLevel = "debug" | "info" | "notice" | "warning" | "error" | "critical" | "alert" | "emergency"

/**
 * What a tool handler can do while it runs. In SSE mode (`answers: "sse"`)
 * its messages go on the request's own SSE stream, before the response; in
 * JSON mode they go on the session's GET stream.
 *
 * @since 0.1.0
 * @category models
 */
export interface ToolContext {
  /** The session the call belongs to (`undefined` when `sessions: false`). */
  readonly sessionId: string | undefined
  readonly requestId: RequestId
  /** `params._meta.progressToken` of the call, if the client sent one. */
  readonly progressToken: string | number | undefined
  /** `params._meta` of the call. */
  readonly meta: JsonObject | undefined
  /** Sends `notifications/progress`; does nothing when the call had no progress token. */
  readonly progress: (progress: number, total?: number, message?: string) => Effect.Effect<void>
  /** Sends any notification. */
  readonly notify: (method: string, params?: unknown) => Effect.Effect<void>
  /**
   * Sends a server→client request (e.g. `elicitation/create`) and waits for
   * the client's POSTed response: its `result`, or an `RpcError`.
   */
  readonly request: (method: string, params?: unknown) => Effect.Effect<unknown, RpcError>
  /** Sends `notifications/message` if `level` passes the session's `logging/setLevel` (all pass by default). */
  readonly log: (level: LoggingLevel, data: unknown, logger?: string) => Effect.Effect<void>
}

/**
 * A tool result (`CallToolResult`).
 *
 * @since 0.1.0
 * @category models
 */
export interface ToolResult {
  readonly content: ReadonlyArray<unknown>
  readonly structuredContent?: unknown
  readonly isError?: boolean
  readonly [key: string]: unknown
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ToolAnnotations {
  readonly title?: string
  readonly readOnlyHint?: boolean
  readonly destructiveHint?: boolean
  readonly idempotentHint?: boolean
  readonly openWorldHint?: boolean
}

/**
 * A tool: its description for `tools/list` and its handler for `tools/call`.
 * A handler that fails with `RpcError` answers with that JSON-RPC error; a
 * defect answers with -32603.
 *
 * @since 0.1.0
 * @category models
 */
export interface Tool {
  readonly name: string
  readonly title?: string
  readonly description?: string
  /** Defaults to `{ type: "object" }`. */
  readonly inputSchema?: JsonObject
  readonly outputSchema?: JsonObject
  readonly annotations?: ToolAnnotations
  readonly handler: (args: JsonObject, context: ToolContext) => Effect.Effect<ToolResult, RpcError>
}

/**
 * A resource with text contents.
 *
 * @since 0.1.0
 * @category models
 */
export interface Resource {
  readonly uri: string
  readonly name: string
  readonly title?: string
  readonly description?: string
  readonly mimeType?: string
  readonly text: string
}

/**
 * A resource template. `uriTemplate` supports simple `{name}` variables
 * (each matches one path segment).
 *
 * @since 0.1.0
 * @category models
 */
export interface ResourceTemplate {
  readonly uriTemplate: string
  readonly name: string
  readonly title?: string
  readonly description?: string
  readonly mimeType?: string
  /** The text of a matching resource; defaults to the variables as JSON. */
  readonly read?: (variables: Readonly<Record<string, string>>, uri: string) => string
  /** Values `completion/complete` offers for each variable (filtered by prefix). */
  readonly completions?: Readonly<Record<string, ReadonlyArray<string>>>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface PromptArgument {
  readonly name: string
  readonly description?: string
  readonly required?: boolean
  /** Values `completion/complete` offers for this argument (filtered by prefix). */
  readonly completions?: ReadonlyArray<string>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Prompt {
  readonly name: string
  readonly title?: string
  readonly description?: string
  readonly arguments?: ReadonlyArray<PromptArgument>
  /** The `messages` of `prompts/get`. */
  readonly messages: (args: Readonly<Record<string, string>>) => ReadonlyArray<unknown>
}

/**
 * CORS for browser tests: `Access-Control-Allow-Origin: *`, the MCP headers
 * allowed, `Mcp-Session-Id` exposed unless `exposeSessionHeader: false`
 * (to test a client in a browser that cannot read it). OPTIONS → 204.
 *
 * @since 0.1.0
 * @category models
 */
export interface CorsOptions {
  readonly exposeSessionHeader?: boolean | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * The protocol generation the server speaks, to test an application against
   * each (see docs/protocol-generations.md):
   *
   * - `"sessions"` (default): Streamable HTTP, 2025-03-26 … 2025-11-25, as described here.
   * - `"stateless"`: 2026-07-28. POST only, no session; every request must carry
   *   its version and capabilities in `_meta` and the matching headers (else
   *   400 with `-32022`, `-32020` or `-32602`); `server/discover`; a handler's
   *   `ToolContext.request` becomes an `input_required` result (the handler
   *   runs again from the start with the answers so far); `subscriptions/listen`
   *   streams carry `updateResource` and the list changes. Answers are SSE when
   *   the handler sent notifications (or `answers: "sse"`). A `CloseStream`
   *   fault cuts an answer after `afterEvents` notifications, before the
   *   response (the handler has run), or a listen stream after its
   *   acknowledgement and `afterEvents` notifications.
   * - `"http-sse"`: the deprecated 2024-11-05 HTTP+SSE transport. A GET opens a
   *   session's stream, whose `endpoint` event names `<path>?sessionId=…` for
   *   its POSTs; every answer is a `message` event on that stream; a POST
   *   without a session is 405. The session ends with its stream.
   *
   * @since 0.2.0
   */
  readonly era?: "sessions" | "stateless" | "http-sse" | undefined
  /** Stateful sessions with `Mcp-Session-Id` (default true); false: stateless, no ids. */
  readonly sessions?: boolean | undefined
  /** Idle TTL: a session not used by any request for this long is gone (404). */
  readonly sessionTtl?: Duration.DurationInput | undefined
  /** How request answers are sent: one JSON body (default) or an SSE stream. */
  readonly answers?: "json" | "sse" | undefined
  /** Whether GET opens the session's stream (default true); false → 405. */
  readonly getStream?: boolean | undefined
  /** Whether DELETE ends a session (default true); false → 405. */
  readonly allowDelete?: boolean | undefined
  /** Forces the protocol version of every `InitializeResult` (to test unsupported versions). */
  readonly protocolVersion?: string | undefined
  /**
   * Reject (400) a request without `MCP-Protocol-Version` in a session that
   * negotiated 2025-06-18 or later (default true). A header that is present
   * but unsupported or not the negotiated version is always a 400.
   */
  readonly strictProtocolVersionHeader?: boolean | undefined
  /** The status for an unknown or expired session id (default 404; some servers use 400 or 410). */
  readonly unknownSessionStatus?: number | undefined
  /** SEP-1699: SSE events get ids, streams start with a priming event, GET + `Last-Event-ID` resumes (default false). */
  readonly resumable?: boolean | undefined
  /** `retry:` (milliseconds) sent with the priming event of every SSE stream. */
  readonly retryMillis?: number | undefined
  /** Replaces the default tools (see `defaultTools`). */
  readonly tools?: ReadonlyArray<Tool> | undefined
  /** Replaces the default resources. */
  readonly resources?: ReadonlyArray<Resource> | undefined
  /** Replaces the default resource templates. */
  readonly resourceTemplates?: ReadonlyArray<ResourceTemplate> | undefined
  /** Replaces the default prompts. */
  readonly prompts?: ReadonlyArray<Prompt> | undefined
  /** Page size of every list method (`nextCursor` pagination); unset: one page. */
  readonly pageSize?: number | undefined
  /** `serverInfo` of the `InitializeResult`. */
  readonly serverInfo?: { readonly name: string; readonly version: string; readonly [key: string]: unknown } | undefined
  /** Replaces the `capabilities` of the `InitializeResult`. */
  readonly capabilities?: JsonObject | undefined
  readonly instructions?: string | undefined
  readonly cors?: boolean | CorsOptions | undefined
}

/**
 * A fault, injected with `Handle.inject`, changes the answer to a matching
 * request:
 *
 * - `Status`: answer `status` (e.g. 503, 404, 401) with `body` (default: a
 *   JSON-RPC error) without processing the request.
 * - `ContentType`: process normally, but label the answer `contentType`.
 * - `MalformedJson`: answer 200 `application/json` with a broken body, unprocessed.
 * - `MalformedSse`: answer 200 `text/event-stream` with `body` (default: an
 *   event whose data is broken JSON), unprocessed.
 * - `OversizedSseEvent`: process as SSE, sending first a valid
 *   `notifications/message` whose event is about `bytes` long.
 * - `InvalidSessionId`: `initialize` answers with this session id (default
 *   "bad session id", with a space).
 * - `WrongResponseId`: the JSON-RPC response carries `id` (default: a different id).
 * - `CloseStream`: process as SSE; the answer's stream closes right after the
 *   priming event (`afterEvents: 0`, the default) or after `afterEvents`
 *   message events, with `retryMillis` as `retry:`. The request keeps running:
 *   its events stay available to a GET with `Last-Event-ID` (when `resumable`).
 *   On a GET, the GET stream closes that way.
 * - `Hang`: never answer (until the client gives up).
 * - `ExpireSession`: the request's session ends now, and the request is
 *   answered as an unknown session with `status` (default `unknownSessionStatus`).
 *
 * @since 0.1.0
 * @category faults
 */
export type Fault = Data.TaggedEnum<{
  Status: {
    readonly status: number
    readonly body?: string | undefined
    readonly contentType?: string | undefined
    readonly headers?: Readonly<Record<string, string>> | undefined
  }
  ContentType: { readonly contentType: string }
  MalformedJson: { readonly body?: string | undefined }
  MalformedSse: { readonly body?: string | undefined }
  OversizedSseEvent: { readonly bytes: number }
  InvalidSessionId: { readonly sessionId?: string | undefined }
  WrongResponseId: { readonly id?: RequestId | undefined }
  CloseStream: { readonly afterEvents?: number | undefined; readonly retryMillis?: number | undefined }
  Hang: Record<never, never>
  ExpireSession: { readonly status?: number | undefined }
}>

/**
 * Constructors: `Fault.Status({ status: 503 })`, `Fault.CloseStream({ afterEvents: 1 })`, `Fault.Hang()`…
 *
 * @since 0.1.0
 * @category faults
 */
export const Fault = Data.taggedEnum<Fault>()

/**
 * Which requests a fault applies to, and how many times (default once).
 * Unset fields match anything.
 *
 * @since 0.1.0
 * @category faults
 */
export interface FaultMatch {
  readonly httpMethod?: "GET" | "POST" | "DELETE" | undefined
  /** The JSON-RPC method of the POSTed message (e.g. "initialize", "tools/call"). */
  readonly rpcMethod?: string | undefined
  /** Only for requests carrying this `Mcp-Session-Id`. */
  readonly sessionId?: string | undefined
  readonly times?: number | undefined
}

/**
 * One HTTP request the server received.
 *
 * @since 0.1.0
 * @category models
 */
export interface LogEntry {
  /** Position in the log since the server started (not reset by `clearLog`). */
  readonly seq: number
  /** `Clock.currentTimeMillis` when the request arrived. */
  readonly timestamp: number
  readonly httpMethod: string
  readonly url: string
  /** All request headers, lower-cased names. */
  readonly headers: Readonly<Record<string, string>>
  readonly sessionId: string | undefined
  readonly protocolVersion: string | undefined
  readonly lastEventId: string | undefined
  /** The kind of the POSTed JSON-RPC message (`"invalid"` if it was none). */
  readonly kind: "request" | "notification" | "response" | "error" | "invalid" | undefined
  /** The JSON-RPC method of the POSTed request or notification. */
  readonly rpcMethod: string | undefined
  /** The JSON-RPC id of the POSTed request or response. */
  readonly requestId: RequestId | undefined
  /** The parsed body (the raw text when it was no JSON; `undefined` without a body). */
  readonly message: unknown
  /** The HTTP status answered; `undefined` while pending or never answered (`Hang`). */
  readonly status: number | undefined
  /** The tag of the fault applied to this request. */
  readonly fault: Fault["_tag"] | undefined
}

/**
 * An SSE stream currently open (a response body being read).
 *
 * @since 0.1.0
 * @category models
 */
export interface OpenStream {
  readonly sessionId: string | undefined
  /**
   * `"get"`: the session's GET stream; `"request"`: the answer to a POSTed
   * request; `"listen"` (@since 0.2.0): a `subscriptions/listen` stream (`era: "stateless"`).
   */
  readonly kind: "get" | "request" | "listen"
  /** The stream's id (the part of event ids before `:`). */
  readonly streamId: string
  /** Whether this connection is a GET with `Last-Event-ID`. */
  readonly resumed: boolean
  /** The JSON-RPC id of the request, for `"request"` streams. */
  readonly requestId: RequestId | undefined
}

/**
 * What the server knows about one session.
 *
 * @since 0.1.0
 * @category models
 */
export interface SessionInfo {
  readonly sessionId: string | undefined
  readonly protocolVersion: string | undefined
  /** Whether the client sent `notifications/initialized`. */
  readonly initialized: boolean
  readonly clientInfo: unknown
  readonly clientCapabilities: unknown
  readonly logLevel: LoggingLevel | undefined
  readonly subscriptions: ReadonlyArray<string>
  /** JSON-RPC ids of requests being handled now. */
  readonly inflight: ReadonlyArray<RequestId>
  /** JSON-RPC ids of requests the client cancelled (`notifications/cancelled`). */
  readonly cancelled: ReadonlyArray<RequestId>
}

/**
 * The running server: its `app` and the controls tests use.
 *
 * Methods taking an optional `sessionId` apply to every live session when it
 * is omitted (`request` and `sessionInfo`: to the newest one); with
 * `sessions: false` there is one implicit session.
 *
 * @since 0.1.0
 * @category models
 */
export interface Handle {
  /** The server, to run in memory (`httpClient`) or to serve over HTTP. */
  readonly app: HttpApp.Default
  /** Live session ids, oldest first (expired ones are dropped). */
  readonly sessions: Effect.Effect<ReadonlyArray<string>>
  readonly sessionInfo: (sessionId?: string) => Effect.Effect<Option.Option<SessionInfo>>
  /**
   * Forgets every session, like a deploy: their streams end, their requests
   * stop (`era: "stateless"`: listen streams end with their final result).
   */
  readonly restart: Effect.Effect<void>
  /** Expires one session (or all) now. */
  readonly expire: (sessionId?: string) => Effect.Effect<void>
  /** Every HTTP request received since the start or the last `clearLog`. */
  readonly log: Effect.Effect<ReadonlyArray<LogEntry>>
  readonly clearLog: Effect.Effect<void>
  /** Pushes a notification on the GET stream of a session (or of all). */
  readonly notify: (method: string, params?: unknown, sessionId?: string) => Effect.Effect<void>
  /** Sends a server→client request on a session's GET stream, awaiting the client's answer. */
  readonly request: (method: string, params?: unknown, sessionId?: string) => Effect.Effect<unknown, RpcError>
  /** Sends `notifications/resources/updated` to the sessions subscribed to `uri`. */
  readonly updateResource: (uri: string) => Effect.Effect<void>
  /** Replaces the tools and sends `notifications/tools/list_changed` to every session. */
  readonly setTools: (tools: ReadonlyArray<Tool>) => Effect.Effect<void>
  /** Replaces the resources and sends `notifications/resources/list_changed` to every session. */
  readonly setResources: (resources: ReadonlyArray<Resource>) => Effect.Effect<void>
  /** Replaces the prompts and sends `notifications/prompts/list_changed` to every session. */
  readonly setPrompts: (prompts: ReadonlyArray<Prompt>) => Effect.Effect<void>
  /** Queues a fault for the next matching request(s). */
  readonly inject: (fault: Fault, match?: FaultMatch) => Effect.Effect<void>
  /** How many injected fault applications are still pending. */
  readonly pendingFaults: Effect.Effect<number>
  /** How many `initialize` requests were answered with an `InitializeResult`. */
  readonly initializeCount: Effect.Effect<number>
  /** The SSE streams open now. */
  readonly openStreams: Effect.Effect<ReadonlyArray<OpenStream>>
  /** Waits until a GET stream is open (for the session, or for any session). */
  readonly awaitGetStream: (sessionId?: string) => Effect.Effect<void>
  /** Waits until the open SSE streams satisfy `predicate` (e.g. `(s) => s.length === 0`: no leak). */
  readonly awaitStreams: (predicate: (streams: ReadonlyArray<OpenStream>) => boolean) => Effect.Effect<void>
}

/**
 * Starts a server. Its sessions (their streams and running handlers) end when
 * the scope closes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (options?: Options) => Effect.Effect<Handle, never, Scope.Scope> = internal.make

/**
 * The server as a service.
 *
 * @since 0.1.0
 * @category tags
 */
export class McpTestServer extends Context.Tag("@mcp-effect/core/testing/McpTestServer")<McpTestServer, Handle>() {
  /**
   * @since 0.1.0
   */
  static readonly layer = (options?: Options): Layer.Layer<McpTestServer> => Layer.scoped(McpTestServer, make(options))
}

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: (options?: Options) => Layer.Layer<McpTestServer> = McpTestServer.layer

/**
 * An `HttpClient` that runs `app` in memory, in the calling fiber: streamed
 * bodies (SSE) reach the client as the app produces them, and interrupting
 * the read of a body interrupts the app's stream.
 *
 * @since 0.1.0
 * @category in memory
 */
export const httpClientFromApp: <E>(app: HttpApp.Default<E, Scope.Scope>) => HttpClient.HttpClient =
  InMemoryHttp.fromApp

/**
 * An `HttpClient` talking to `server` in memory (see {@link httpClientFromApp}).
 *
 * @since 0.1.0
 * @category in memory
 */
export const httpClient = (server: Handle): HttpClient.HttpClient => InMemoryHttp.fromApp(server.app)

/**
 * Provides `HttpClient.HttpClient` talking in memory to the `McpTestServer` service.
 *
 * @since 0.1.0
 * @category in memory
 */
export const layerHttpClient: Layer.Layer<HttpClient.HttpClient, never, McpTestServer> = Layer.effect(
  HttpClient.HttpClient,
  Effect.map(McpTestServer, httpClient)
)

/**
 * A server and an in-memory `HttpClient` talking to it.
 *
 * @since 0.1.0
 * @category in memory
 */
export const layerInMemory = (options?: Options): Layer.Layer<McpTestServer | HttpClient.HttpClient> =>
  Layer.provideMerge(layerHttpClient, layer(options))

/**
 * The default tools:
 *
 * - `echo {text}` → the text.
 * - `add {a, b}` → the sum as text and `structuredContent: { sum }`.
 * - `slow {steps, delayMillis?}` → one progress notification per step
 *   (needs a progress token), sleeping `delayMillis` (default 0) before each.
 * - `fail` → a result with `isError: true`.
 * - `elicit {message?}` → sends `elicitation/create` and returns the client's
 *   result as JSON text.
 *
 * @since 0.1.0
 * @category defaults
 */
export const defaultTools: ReadonlyArray<Tool> = defaults.tools

/**
 * The default resource: `test://hello` ("Hello, world!").
 *
 * @since 0.1.0
 * @category defaults
 */
export const defaultResources: ReadonlyArray<Resource> = defaults.resources

/**
 * The default template: `test://greeting/{name}` → "Hello, {name}!".
 *
 * @since 0.1.0
 * @category defaults
 */
export const defaultResourceTemplates: ReadonlyArray<ResourceTemplate> = defaults.resourceTemplates

/**
 * The default prompt: `greet {name}` → one user message "Please greet {name}.".
 *
 * @since 0.1.0
 * @category defaults
 */
export const defaultPrompts: ReadonlyArray<Prompt> = defaults.prompts

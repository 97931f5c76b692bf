/**
 * Every failure the client can produce, as `Schema.TaggedError` classes.
 *
 * Each error carries the context a caller needs to act on it: the JSON-RPC
 * `method`, the `requestId` the client used, the `sessionId` the request
 * carried (if any) and, where HTTP is involved, the `status`. Network input
 * never becomes a defect: it becomes one of these.
 *
 * @since 0.1.0
 */
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"

/**
 * The id a JSON-RPC request carried (MCP allows strings and integers).
 *
 * @since 0.1.0
 * @category schemas
 */
export const RequestId = Schema.Union(Schema.String, Schema.Number)

/**
 * @since 0.1.0
 * @category models
 */
export type RequestId = typeof RequestId.Type

const context = {
  /** The JSON-RPC method of the request or notification that failed. */
  method: Schema.String,
  /** The JSON-RPC id the client used for that request (absent for notifications and GET streams). */
  requestId: Schema.optional(RequestId),
  /** The `Mcp-Session-Id` the failing HTTP request carried (absent when it carried none). */
  sessionId: Schema.optional(Schema.String)
}

/**
 * The HTTP exchange itself failed: connection refused or reset, DNS failure,
 * the body stream broke mid-way, the request could not be encoded.
 *
 * @since 0.1.0
 * @category errors
 */
export class TransportError extends Schema.TaggedError<TransportError>("@mcp-effect/core/TransportError")(
  "TransportError",
  {
    ...context,
    /** What the client was doing: "request" (sending) or "response" (reading the body). */
    phase: Schema.Literal("request", "response"),
    description: Schema.String,
    cause: Schema.optional(Schema.Defect)
  }
) {
  override get message(): string {
    return `${this.method}: HTTP ${this.phase} failed: ${this.description}`
  }
}

/**
 * The server answered with a status the protocol does not expect here
 * (e.g. 400, 401, 403, 5xx, or a 404 to a request that carried no session id).
 *
 * @since 0.1.0
 * @category errors
 */
export class UnexpectedStatus extends Schema.TaggedError<UnexpectedStatus>("@mcp-effect/core/UnexpectedStatus")(
  "UnexpectedStatus",
  {
    ...context,
    status: Schema.Number,
    /** The start of the response body (at most `maxBodyExcerpt` characters). */
    body: Schema.String
  }
) {
  override get message(): string {
    return `${this.method}: unexpected HTTP status ${this.status}${this.body.length > 0 ? `: ${this.body}` : ""}`
  }
}

/**
 * What kind of protocol violation was seen.
 *
 * @since 0.1.0
 * @category models
 */
export const ProtocolViolation = Schema.Literal(
  /** The body or an SSE `data` field is not JSON, or not a JSON-RPC 2.0 message. */
  "MalformedJson",
  /** The SSE stream could not be parsed (e.g. invalid UTF-8). */
  "MalformedSse",
  /** An SSE event, or a JSON body, exceeded the configured maximum size. */
  "MessageTooLarge",
  /** The response `Content-Type` is neither `application/json` nor `text/event-stream`. */
  "ContentType",
  /** `Mcp-Session-Id` is not visible ASCII (0x21–0x7E). */
  "InvalidSessionId",
  /** A response arrived whose id matches no request the client is waiting for. */
  "ResponseIdMismatch",
  /** The result did not match the schema of the method's result. */
  "InvalidResult",
  /** The answer stream ended before the response to the request arrived, and could not be resumed. */
  "StreamEnded",
  /** The server sent no session header although the browser hides it (missing CORS expose header). */
  "SessionHeaderHidden"
)

/**
 * @since 0.1.0
 * @category models
 */
export type ProtocolViolation = typeof ProtocolViolation.Type

/**
 * The server broke the Streamable HTTP transport or JSON-RPC rules.
 *
 * @since 0.1.0
 * @category errors
 */
export class ProtocolError extends Schema.TaggedError<ProtocolError>("@mcp-effect/core/ProtocolError")(
  "ProtocolError",
  {
    ...context,
    violation: ProtocolViolation,
    description: Schema.String,
    cause: Schema.optional(Schema.Defect)
  }
) {
  override get message(): string {
    return `${this.method}: protocol violation (${this.violation}): ${this.description}`
  }
}

/**
 * The server answered the request with a JSON-RPC error object.
 *
 * @since 0.1.0
 * @category errors
 */
export class JsonRpcError extends Schema.TaggedError<JsonRpcError>("@mcp-effect/core/JsonRpcError")(
  "JsonRpcError",
  {
    ...context,
    code: Schema.Number,
    description: Schema.String,
    data: Schema.optional(Schema.Unknown)
  }
) {
  override get message(): string {
    return `${this.method}: JSON-RPC error ${this.code}: ${this.description}`
  }
}

/**
 * No response arrived in time. `reason` says which bound was hit: the idle
 * timeout (reset by progress notifications) or the absolute maximum.
 *
 * @since 0.1.0
 * @category errors
 */
export class RequestTimeout extends Schema.TaggedError<RequestTimeout>("@mcp-effect/core/RequestTimeout")(
  "RequestTimeout",
  {
    ...context,
    reason: Schema.Literal("idle", "maximum"),
    /** The bound that was exceeded, in milliseconds. */
    timeoutMillis: Schema.Number
  }
) {
  override get message(): string {
    return `${this.method}: no response within ${this.timeoutMillis} ms (${this.reason} timeout)`
  }
}

/**
 * The server negotiated a protocol version this client does not speak.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnsupportedProtocolVersion
  extends Schema.TaggedError<UnsupportedProtocolVersion>("@mcp-effect/core/UnsupportedProtocolVersion")(
    "UnsupportedProtocolVersion",
    {
      ...context,
      requested: Schema.String,
      received: Schema.String,
      supported: Schema.Array(Schema.String)
    }
  )
{
  override get message(): string {
    return `server negotiated protocol version ${this.received}; supported: ${this.supported.join(", ")}`
  }
}

/**
 * The server answered 404 (or one of the user's configured "unknown session"
 * statuses) to a request that carried `sessionId`: that session is gone.
 *
 * The client recovers from this by itself; a caller sees it only when
 * recovery is disabled.
 *
 * @since 0.1.0
 * @category errors
 */
export class SessionExpired extends Schema.TaggedError<SessionExpired>("@mcp-effect/core/SessionExpired")(
  "SessionExpired",
  {
    method: Schema.String,
    requestId: Schema.optional(RequestId),
    /** The session id the failing request carried (never the current one by assumption). */
    sessionId: Schema.String,
    status: Schema.Number,
    /**
     * Whether the old session had already accepted the request (its POST got a 2xx and
     * the answer stream died with the session). Such a request may have had side effects.
     */
    accepted: Schema.Boolean
  }
) {
  override get message(): string {
    return `${this.method}: session ${this.sessionId} expired (HTTP ${this.status})`
  }
}

/**
 * The session could not be recovered within the recovery policy: the
 * re-initialize kept failing, or the new sessions kept expiring. `cause` is the
 * last failure.
 *
 * @since 0.1.0
 * @category errors
 */
export class RecoveryFailed extends Schema.TaggedError<RecoveryFailed>("@mcp-effect/core/RecoveryFailed")(
  "RecoveryFailed",
  {
    ...context,
    /** How many times the request was attempted. */
    attempts: Schema.Number,
    cause: Schema.Defect
  }
) {
  override get message(): string {
    return `${this.method}: session recovery failed after ${this.attempts} attempt(s)`
  }
}

/**
 * The old session had accepted the request before it died, and the replay
 * policy does not allow re-sending it (it may have had side effects). The new
 * session is in place; the caller decides whether to try again.
 *
 * @since 0.1.0
 * @category errors
 */
export class RequestLost extends Schema.TaggedError<RequestLost>("@mcp-effect/core/RequestLost")(
  "RequestLost",
  {
    method: Schema.String,
    requestId: Schema.optional(RequestId),
    sessionId: Schema.String,
    /** For `tools/call`: the tool's name. */
    tool: Schema.optional(Schema.String)
  }
) {
  override get message(): string {
    return `${this.method}${
      this.tool === undefined ? "" : ` (${this.tool})`
    }: the session ${this.sessionId} died after accepting the request; the replay policy forbids re-sending it`
  }
}

/**
 * The union of every error the client can fail with.
 *
 * @since 0.1.0
 * @category models
 */
export type McpError =
  | TransportError
  | UnexpectedStatus
  | ProtocolError
  | JsonRpcError
  | RequestTimeout
  | UnsupportedProtocolVersion
  | SessionExpired
  | RecoveryFailed
  | RequestLost

/**
 * @since 0.1.0
 * @category schemas
 */
export const McpError: Schema.Union<[
  typeof TransportError,
  typeof UnexpectedStatus,
  typeof ProtocolError,
  typeof JsonRpcError,
  typeof RequestTimeout,
  typeof UnsupportedProtocolVersion,
  typeof SessionExpired,
  typeof RecoveryFailed,
  typeof RequestLost
]> = Schema.Union(
  TransportError,
  UnexpectedStatus,
  ProtocolError,
  JsonRpcError,
  RequestTimeout,
  UnsupportedProtocolVersion,
  SessionExpired,
  RecoveryFailed,
  RequestLost
)

const tags: ReadonlySet<string> = new Set([
  "TransportError",
  "UnexpectedStatus",
  "ProtocolError",
  "JsonRpcError",
  "RequestTimeout",
  "UnsupportedProtocolVersion",
  "SessionExpired",
  "RecoveryFailed",
  "RequestLost"
])

/**
 * @since 0.1.0
 * @category refinements
 */
export const isMcpError = (u: unknown): u is McpError =>
  Predicate.hasProperty(u, "_tag") && typeof u._tag === "string" && tags.has(u._tag) && u instanceof Error

// ---------------------------------------------------------------------------
// Authorization (McpAuth). Not in the `McpError` union: they reach a caller as
// the `cause` of a `TransportError` (the McpHttp seam carries only
// `HttpFailure`), and `McpAuth.surface` turns them back into themselves.
// ---------------------------------------------------------------------------

/**
 * Which step of authorization failed.
 *
 * @since 0.2.0
 * @category models
 */
export const AuthorizationStep = Schema.Literal(
  /** Protected resource or authorization server metadata (RFC 9728, RFC 8414). */
  "discovery",
  /** Identifying the client: pre-registered, metadata document, or dynamic registration (RFC 7591). */
  "registration",
  /** The authorization request and its redirect back (code, `state`, `iss`). */
  "authorization",
  /** The token request (any grant). */
  "token",
  /** Refreshing an access token. */
  "refresh",
  /** A 403 `insufficient_scope` that re-authorizing did not cure. */
  "step-up"
)

/**
 * @since 0.2.0
 * @category models
 */
export type AuthorizationStep = typeof AuthorizationStep.Type

/**
 * The server wants authorization and this client has no way to obtain it
 * here (no interactive step for the authorization code grant, no
 * authorization server to ask).
 *
 * @since 0.2.0
 * @category errors
 */
export class AuthorizationRequired
  extends Schema.TaggedError<AuthorizationRequired>("@mcp-effect/core/AuthorizationRequired")(
    "AuthorizationRequired",
    {
      /** The protected resource (the MCP endpoint). */
      resource: Schema.String,
      description: Schema.String
    }
  )
{
  override get message(): string {
    return `${this.resource}: authorization required: ${this.description}`
  }
}

/**
 * Authorization was attempted and failed at `step`. `error` and
 * `errorDescription` are the authorization server's own words (RFC 6749
 * §5.2), when it said any; never a token or secret.
 *
 * @since 0.2.0
 * @category errors
 */
export class AuthorizationFailed
  extends Schema.TaggedError<AuthorizationFailed>("@mcp-effect/core/AuthorizationFailed")(
    "AuthorizationFailed",
    {
      /** The protected resource (the MCP endpoint). */
      resource: Schema.String,
      step: AuthorizationStep,
      description: Schema.String,
      /** The OAuth `error` code the server answered (`invalid_grant`, `access_denied`...). */
      error: Schema.optional(Schema.String),
      error_description: Schema.optional(Schema.String),
      /** The HTTP status of the failing exchange, if it got that far. */
      status: Schema.optional(Schema.Number)
    }
  )
{
  override get message(): string {
    const server = this.error === undefined
      ? ""
      : ` (${this.error}${this.error_description === undefined ? "" : `: ${this.error_description}`})`
    return `${this.resource}: authorization failed at ${this.step}: ${this.description}${server}`
  }
}

/**
 * @since 0.2.0
 * @category models
 */
export type AuthorizationError = AuthorizationRequired | AuthorizationFailed

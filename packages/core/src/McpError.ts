/**
 * Every failure of the client, as `Schema.TaggedError` classes.
 *
 * Each error a client method fails with ({@link McpError}) carries the
 * context a caller needs to act on it: the JSON-RPC `method`, the `requestId`
 * the client used, the `sessionId` the request carried (if any) and, where
 * HTTP is involved, the `status`. Network input never becomes a defect: it
 * becomes one of these. The authorization errors ({@link AuthorizationRequired},
 * {@link AuthorizationFailed}) are among them, with the same context when a
 * client request met them (`method` is then set).
 *
 * Two more live here that the client's methods never fail with, because the
 * client is their receiver: {@link HttpFailure}, how an `McpHttp` reports a
 * broken exchange (the client turns it into {@link TransportError}, or into
 * the authorization error it carries as `cause`), and
 * {@link RequestRejected}, how a handler of a server→client request answers
 * with a JSON-RPC error.
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
  sessionId: Schema.optional(Schema.String),
  /**
   * A session this failure left open on the server: a handshake failed after
   * the server had made the session, and the client could not end it.
   */
  leftOpen: Schema.optional(Schema.String)
}

/** What a message says of a session left open, if any. */
const leftOpenNote = (error: { readonly leftOpen?: string | undefined }): string =>
  error.leftOpen === undefined ? "" : ` (the half-made session ${error.leftOpen} could not be ended on the server)`

/**
 * What a browser's HTTP layer knows of a request that failed at the network
 * level (`fetch`'s "Failed to fetch") and went to another origin: CORS may
 * have refused it. The browser never says whether it did (only its console
 * does), so this is a likely cause, not a certainty.
 *
 * @since 0.2.0
 * @category models
 */
export const CrossOrigin = Schema.Struct({
  /** The origin of the page (or worker) that sent the request. */
  origin: Schema.String,
  /**
   * The headers of the request that need the server's permission (not
   * CORS-safelisted), lower case: the preflight asked for exactly these.
   */
  headers: Schema.Array(Schema.String)
})

/**
 * @since 0.2.0
 * @category models
 */
export type CrossOrigin = typeof CrossOrigin.Type

/** The headers the client sends that a server on another origin must allow. */
const clientHeaders = ["mcp-session-id", "mcp-protocol-version", "last-event-id"]

/** What a message says of a cross-origin network failure: the likely cause and the remedy. */
const crossOriginNote = (crossOrigin: CrossOrigin | undefined): string => {
  if (crossOrigin === undefined) return ""
  const carried = crossOrigin.headers.length === 0 ? "none" : crossOrigin.headers.join(", ")
  const more = clientHeaders.filter((name) => !crossOrigin.headers.includes(name))
  return ` (a cross-origin request from ${crossOrigin.origin} that failed without a response: ` +
    `the browser does not say why, but this is most likely CORS. The server's Access-Control-Allow-Headers ` +
    `must allow the headers this request carried (${carried})` +
    (more.length === 0 ? "" : ` and the others the client sends (${more.join(", ")})`) +
    `, and its Access-Control-Expose-Headers must include Mcp-Session-Id; ` +
    `the browser's console names what it refused. See docs/browser.md)`
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
    /**
     * Where it failed: "connect" (no connection could be made: nothing reached
     * the server, the client sends it again by itself), "request" (sending: the
     * server may have seen it), "response" (reading the answer).
     */
    phase: Schema.Literal("connect", "request", "response"),
    description: Schema.String,
    cause: Schema.optional(Schema.Defect),
    /**
     * The request went to another origin and failed at the network level in a
     * browser: most likely refused by CORS (see {@link CrossOrigin}).
     *
     * @since 0.2.0
     */
    crossOrigin: Schema.optional(CrossOrigin)
  }
) {
  override get message(): string {
    const what = this.phase === "connect" ? "could not connect" : `HTTP ${this.phase} failed`
    return `${this.method}: ${what}: ${this.description}` + crossOriginNote(this.crossOrigin) + leftOpenNote(this)
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
    body: Schema.String,
    /**
     * The `Retry-After` header as the server sent it (seconds or an HTTP date), e.g. with 429 or 503.
     *
     * @since 0.2.0
     */
    retryAfter: Schema.optional(Schema.String),
    /**
     * The `Location` header as the server sent it, e.g. with a redirect.
     *
     * @since 0.2.0
     */
    location: Schema.optional(Schema.String),
    /**
     * A 307/308 the client did not follow, and why: `Location` points to
     * another origin (the session id and credentials are never sent there),
     * the chain was longer than 5 hops, or `Location` is missing or no URL.
     *
     * @since 0.2.0
     */
    redirect: Schema.optional(Schema.Literal("crossOrigin", "tooManyRedirects", "invalidLocation"))
  }
) {
  override get message(): string {
    return `${this.method}: unexpected HTTP status ${this.status}${this.body.length > 0 ? `: ${this.body}` : ""}` +
      redirectNote(this) + leftOpenNote(this)
  }
}

const redirectNote = (error: UnexpectedStatus): string => {
  const to = error.location ?? "(no Location)"
  switch (error.redirect) {
    case undefined:
      return ""
    case "crossOrigin":
      return ` (a redirect to ${to}, another origin: not followed, so the session and credentials stay with this server)`
    case "tooManyRedirects":
      return ` (a redirect to ${to}: not followed, more than 5 redirects in a row)`
    case "invalidLocation":
      return ` (a redirect to ${to}: not followed, the Location is no URL)`
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
  "SessionHeaderHidden",
  /** A request was answered with 204 No Content (or 205): no answer at all. @since 0.2.0 */
  "NoContent",
  /** The body came compressed (`Content-Encoding`) although the client asked for `identity`, and was not decoded. @since 0.2.0 */
  "ContentEncoding"
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
    return `${this.method}: protocol violation (${this.violation}): ${this.description}` + leftOpenNote(this)
  }
}

/**
 * The server answered the request with a JSON-RPC error object.
 *
 * The server's `message` (as `description`) and `data` are kept up to a
 * limit (4,096 characters of message, 16,384 of data as JSON text): a
 * longer one is cut, and its full length is recorded in
 * `descriptionLength` / `dataLength`.
 *
 * @since 0.1.0
 * @category errors
 */
export class JsonRpcError extends Schema.TaggedError<JsonRpcError>("@mcp-effect/core/JsonRpcError")(
  "JsonRpcError",
  {
    ...context,
    code: Schema.Number,
    /** The server's `message`, or its start when it was longer than the limit. */
    description: Schema.String,
    /** The server's `data`; when its JSON text was longer than the limit, the start of that text. */
    data: Schema.optional(Schema.Unknown),
    /**
     * The length of the server's `message` when `description` holds only its start.
     *
     * @since 0.2.0
     */
    descriptionLength: Schema.optional(Schema.Number),
    /**
     * The length of the server's `data` as JSON text when `data` holds only its start.
     *
     * @since 0.2.0
     */
    dataLength: Schema.optional(Schema.Number)
  }
) {
  override get message(): string {
    const cut = this.descriptionLength === undefined ? "" : ` (cut; ${this.descriptionLength} characters in all)`
    return `${this.method}: JSON-RPC error ${this.code}: ${this.description}${cut}` + leftOpenNote(this)
  }
}

/**
 * No response arrived in time. `reason` says which bound was hit: the idle
 * timeout (reset by progress notifications), the absolute maximum, or the
 * connect timeout (a handshake, retries included: then `attempts` and the
 * last attempt's failure, `cause`, say what happened).
 *
 * @since 0.1.0
 * @category errors
 */
export class RequestTimeout extends Schema.TaggedError<RequestTimeout>("@mcp-effect/core/RequestTimeout")(
  "RequestTimeout",
  {
    ...context,
    reason: Schema.Literal("idle", "maximum", "connect"),
    /** The bound that was exceeded, in milliseconds. */
    timeoutMillis: Schema.Number,
    /** For a connect timeout: the handshakes attempted. */
    attempts: Schema.optional(Schema.Number),
    /** For a connect timeout: why the last attempt failed, if one had failed. */
    cause: Schema.optional(Schema.Defect)
  }
) {
  override get message(): string {
    if (this.reason === "connect") {
      const last = this.cause instanceof Error ? `; last failure: ${this.cause.message}` : ""
      return `${this.method}: could not connect within ${this.timeoutMillis} ms (${
        this.attempts ?? 1
      } attempt(s)${last})` +
        leftOpenNote(this)
    }
    return `${this.method}: no response within ${this.timeoutMillis} ms (${this.reason} timeout)` + leftOpenNote(this)
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
    return `server negotiated protocol version ${this.received}; supported: ${this.supported.join(", ")}` +
      leftOpenNote(this)
  }
}

/**
 * How a server process (a stdio session) ended: its exit code or the signal
 * that ended it, and the last lines it wrote to stderr (bounded), for error
 * reports.
 *
 * @since 0.2.0
 * @category models
 */
export const ProcessExit = Schema.Struct({
  /** The exit code, when the process exited by itself. */
  code: Schema.optional(Schema.Number),
  /** The signal that ended the process (e.g. "SIGKILL"). */
  signal: Schema.optional(Schema.String),
  /** What happened, in words (e.g. "exited with code 1", "stopped answering pings"). */
  description: Schema.String,
  /** The last lines of its stderr, oldest first. */
  stderr: Schema.Array(Schema.String)
})

/**
 * @since 0.2.0
 * @category models
 */
export type ProcessExit = typeof ProcessExit.Type

/**
 * The server answered 404 (or one of the user's configured "unknown session"
 * statuses) to a request that carried `sessionId`, or the server process of a
 * stdio session ended: that session is gone.
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
    /** The HTTP status that said so; 0 when no HTTP was involved (a server process ended: see `exit`). */
    status: Schema.Number,
    /**
     * Whether the old session had already accepted the request (its POST got a 2xx and
     * the answer stream died with the session; on stdio, it was written to the process).
     * Such a request may have had side effects.
     */
    accepted: Schema.Boolean,
    /**
     * How the server process ended, when the session was a process (stdio).
     *
     * @since 0.2.0
     */
    exit: Schema.optional(ProcessExit)
  }
) {
  override get message(): string {
    const exit = this.exit
    if (exit === undefined) return `${this.method}: session ${this.sessionId} expired (HTTP ${this.status})`
    const tail = exit.stderr.length > 0 ? `; stderr: ${exit.stderr.join(" | ")}` : ""
    return `${this.method}: session ${this.sessionId} ended: the server process ${exit.description}${tail}`
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
    /** The last failure: the handshake's error, or the last `SessionExpired` when new sessions kept expiring. */
    cause: Schema.suspend((): Schema.Schema<McpError, McpErrorEncoded> => McpError)
  }
) {
  override get message(): string {
    return `${this.method}: session recovery failed after ${this.attempts} attempt(s)`
  }
}

/**
 * The server may have run the request, and the replay policy does not allow
 * re-sending it (it may have had side effects): either the old session had
 * accepted it before it died (the new session is in place), or the connection
 * was cut while the request was on its way or its answer was read (`cause`:
 * the transport's failure). The caller decides whether to try again.
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
    tool: Schema.optional(Schema.String),
    /** For a request cut off in flight: the transport's failure. */
    cause: Schema.optional(Schema.Defect)
  }
) {
  override get message(): string {
    const what = this.cause === undefined
      ? `the session ${this.sessionId} died after accepting the request`
      : `the connection was cut after the request may have reached the server`
    return `${this.method}${
      this.tool === undefined ? "" : ` (${this.tool})`
    }: ${what}; the replay policy forbids re-sending it`
  }
}

// ---------------------------------------------------------------------------
// Authorization (McpAuth). In the `McpError` union: the client delivers them
// as themselves on the request they concern (the `McpHttp` seam carries them
// as the `cause` of an `HttpFailure`, which the client unwraps).
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
  "step-up",
  /** Revoking tokens at the authorization server (RFC 7009), on logout. @since 0.2.0 */
  "revocation"
)

/**
 * @since 0.2.0
 * @category models
 */
export type AuthorizationStep = typeof AuthorizationStep.Type

/**
 * The request context of an authorization error: known when a client request
 * met it (the client fills it in), absent when the authorization layer's own
 * operations (`revoke`, an `Authorizer`, a browser callback) fail.
 */
const authorizationContext = {
  /** The JSON-RPC method of the request that needed authorization. */
  method: Schema.optional(Schema.String),
  requestId: Schema.optional(RequestId),
  sessionId: Schema.optional(Schema.String),
  leftOpen: Schema.optional(Schema.String),
  /** The protected resource (the MCP endpoint). */
  resource: Schema.String
}

/** "tools/call: " when the method is known. */
const methodPrefix = (error: { readonly method?: string | undefined }): string =>
  error.method === undefined ? "" : `${error.method}: `

/**
 * The server wants authorization and this client has no way to obtain it
 * here (no interactive step for the authorization code grant, no
 * authorization server to ask). Not retried: a new authorization (a login)
 * is needed.
 *
 * @since 0.2.0
 * @category errors
 */
export class AuthorizationRequired
  extends Schema.TaggedError<AuthorizationRequired>("@mcp-effect/core/AuthorizationRequired")(
    "AuthorizationRequired",
    {
      ...authorizationContext,
      description: Schema.String
    }
  )
{
  override get message(): string {
    return `${methodPrefix(this)}${this.resource}: authorization required: ${this.description}` + leftOpenNote(this)
  }
}

/**
 * Authorization was attempted and failed at `step`. `error` and
 * `error_description` are the authorization server's own words (RFC 6749
 * §5.2), when it said any; never a token or secret. Not retried by the
 * client: the authorization layer has bounds of its own (`failureCooldown`).
 *
 * @since 0.2.0
 * @category errors
 */
export class AuthorizationFailed
  extends Schema.TaggedError<AuthorizationFailed>("@mcp-effect/core/AuthorizationFailed")(
    "AuthorizationFailed",
    {
      ...authorizationContext,
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
    return `${methodPrefix(this)}${this.resource}: authorization failed at ${this.step}: ${this.description}${server}` +
      leftOpenNote(this)
  }
}

/**
 * @since 0.2.0
 * @category models
 */
export type AuthorizationError = AuthorizationRequired | AuthorizationFailed

/**
 * @since 0.2.0
 * @category refinements
 */
export const isAuthorizationError = (u: unknown): u is AuthorizationError =>
  u instanceof AuthorizationRequired || u instanceof AuthorizationFailed

/**
 * The encoded form of {@link RecoveryFailed}, spelled out because its `cause`
 * refers back to the {@link McpError} union (a recursive schema needs its
 * encoded type written down).
 *
 * @since 0.2.0
 * @category models
 */
export interface RecoveryFailedEncoded {
  readonly _tag: "RecoveryFailed"
  readonly method: string
  readonly requestId?: RequestId | undefined
  readonly sessionId?: string | undefined
  readonly attempts: number
  readonly cause: McpErrorEncoded
}

/**
 * The encoded form of {@link McpError}.
 *
 * @since 0.2.0
 * @category models
 */
export type McpErrorEncoded =
  | Schema.Schema.Encoded<typeof TransportError>
  | Schema.Schema.Encoded<typeof UnexpectedStatus>
  | Schema.Schema.Encoded<typeof ProtocolError>
  | Schema.Schema.Encoded<typeof JsonRpcError>
  | Schema.Schema.Encoded<typeof RequestTimeout>
  | Schema.Schema.Encoded<typeof UnsupportedProtocolVersion>
  | Schema.Schema.Encoded<typeof SessionExpired>
  | RecoveryFailedEncoded
  | Schema.Schema.Encoded<typeof RequestLost>
  | Schema.Schema.Encoded<typeof AuthorizationRequired>
  | Schema.Schema.Encoded<typeof AuthorizationFailed>

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
  | AuthorizationRequired
  | AuthorizationFailed

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
  typeof RequestLost,
  typeof AuthorizationRequired,
  typeof AuthorizationFailed
]> = Schema.Union(
  TransportError,
  UnexpectedStatus,
  ProtocolError,
  JsonRpcError,
  RequestTimeout,
  UnsupportedProtocolVersion,
  SessionExpired,
  RecoveryFailed,
  RequestLost,
  AuthorizationRequired,
  AuthorizationFailed
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
  "RequestLost",
  "AuthorizationRequired",
  "AuthorizationFailed"
])

/**
 * @since 0.1.0
 * @category refinements
 */
export const isMcpError = (u: unknown): u is McpError =>
  Predicate.hasProperty(u, "_tag") && typeof u._tag === "string" && tags.has(u._tag) && u instanceof Error

/**
 * The network failed: no connection, a reset, a body cut short. What an
 * `McpHttp` fails with; the client reports it as {@link TransportError} on
 * the request it concerns. (Was `McpHttp.HttpFailure` in 0.1.)
 *
 * @since 0.2.0
 * @category errors
 */
export class HttpFailure extends Schema.TaggedError<HttpFailure>("@mcp-effect/core/HttpFailure")("HttpFailure", {
  description: Schema.String,
  cause: Schema.optional(Schema.Defect),
  /**
   * The connection could not be made (refused, no such host, no route): nothing
   * reached the server, so the request is always safe to send again. Backends
   * set it only when they know (see `McpHttp.isConnectFailure`); unset means
   * "may have been sent".
   */
  connect: Schema.optional(Schema.Boolean),
  /**
   * The request went to another origin and failed at the network level in a
   * browser (no response at all): most likely CORS. Set by browser backends;
   * the client reports it on the `TransportError` and does not repeat a
   * handshake for it.
   *
   * @since 0.2.0
   */
  crossOrigin: Schema.optional(CrossOrigin)
}) {
  /**
   * @since 0.2.0
   */
  override get message(): string {
    return this.description
  }
}

/**
 * A handler's way to answer a server→client request with a JSON-RPC error
 * (see `McpClient.Handlers`). (Was `McpClient.RequestRejected` in 0.1.)
 *
 * @since 0.2.0
 * @category errors
 */
export class RequestRejected extends Schema.TaggedError<RequestRejected>("@mcp-effect/core/RequestRejected")(
  "RequestRejected",
  {
    code: Schema.Number,
    message: Schema.String,
    data: Schema.optional(Schema.Unknown)
  }
) {}

/**
 * Authorization for tests: an `Authorizer` without a user, and an
 * authorization server with a protected MCP endpoint to run it against.
 *
 * {@link headless} opens the authorization URL itself with a GET, does not
 * follow the redirect, and answers the query parameters of its `Location`:
 * what a browser would have delivered to the redirect URI after an
 * authorization server that approves at once (the conformance suite's, or
 * a test server's). Nothing listens on the redirect URI.
 *
 * @since 0.2.0
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as McpAuth from "../McpAuth.js"
import * as McpError from "../McpError.js"
import * as McpHttp from "../McpHttp.js"
import * as internal from "./internal/authServer.js"

/**
 * @since 0.2.0
 * @category models
 */
export interface HeadlessOptions {
  /** Default: `http://localhost:3000/callback` (the conformance suite's reference client's). */
  readonly redirectUri?: string | undefined
}

const failed = (resource: string, description: string, status?: number) =>
  new McpError.AuthorizationFailed({
    resource,
    step: "authorization",
    description,
    ...(status === undefined ? {} : { status })
  })

/**
 * A headless `Authorizer` on an `McpHttp` that does not follow redirects
 * (`NodeMcpHttp`, or the in-memory test server's).
 *
 * @since 0.2.0
 * @category constructors
 */
export const headless = (http: McpHttp.Service, options: HeadlessOptions = {}): McpAuth.AuthorizerService => {
  const redirectUri = options.redirectUri ?? "http://localhost:3000/callback"
  return {
    redirectUri,
    authorize: (request) =>
      Effect.gen(function*() {
        const response = yield* http.execute({
          method: "GET",
          url: request.url,
          headers: {},
          body: undefined,
          tracerPropagation: false
        }).pipe(Effect.mapError((failure) => failed(request.resource, failure.description)))
        yield* response.discard
        const location = response.headers.location
        if (response.status < 300 || response.status >= 400 || location === undefined) {
          return yield* Effect.fail(
            failed(
              request.resource,
              `the authorization endpoint answered ${response.status}, not a redirect`,
              response.status
            )
          )
        }
        const target = new URL(location, request.url)
        const expected = new URL(redirectUri)
        if (target.origin !== expected.origin || target.pathname !== expected.pathname) {
          return yield* Effect.fail(
            failed(request.resource, `redirected to ${target.origin}${target.pathname}, not the redirect URI`)
          )
        }
        return Object.fromEntries(target.searchParams)
      })
  }
}

/**
 * The headless `Authorizer` on the `McpHttp` of the context.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerHeadless = (options: HeadlessOptions = {}): Layer.Layer<McpAuth.Authorizer, never, McpHttp.McpHttp> =>
  Layer.effect(McpAuth.Authorizer, Effect.map(McpHttp.McpHttp, (http) => headless(http, options)))

/**
 * @since 0.2.0
 * @category models
 */
export interface ServerOptions {
  /** Default: `https://auth.test`. */
  readonly issuer?: string | undefined
  /** The protected MCP endpoint. Default: `https://mcp.test/mcp`. */
  readonly resource?: string | undefined
  /** Access token lifetime, on the `Clock`. Default: 1 hour. */
  readonly tokenTtl?: Duration.DurationInput | undefined
  /** Issue refresh tokens (rotated: each works once). Default: true. */
  readonly refreshTokens?: boolean | undefined
  /** `scopes_supported` of both metadata documents. */
  readonly scopesSupported?: ReadonlyArray<string> | undefined
  /** The `scope` of the 401 challenge. */
  readonly challengeScope?: string | undefined
  /** Scopes a JSON-RPC method needs; a token without them gets 403 `insufficient_scope`. */
  readonly requiredScopes?: ((method: string | undefined) => ReadonlyArray<string>) | undefined
  /** The scopes the server grants at most (default: whatever is asked). */
  readonly grantableScopes?: ReadonlyArray<string> | undefined
  /** Dynamic registration. Default: true. */
  readonly registration?: boolean | undefined
  /**
   * DPoP (RFC 9449): advertise ES256, bind tokens requested with a proof,
   * and demand the `DPoP` scheme and a valid proof for them; `requireNonce`:
   * both the token endpoint and the MCP endpoint demand a server nonce.
   * Default: false.
   */
  readonly dpop?: boolean | { readonly requireNonce?: boolean | undefined } | undefined
  /**
   * Workload identity tokens the JWT bearer grant (RFC 7523 §2.1) accepts,
   * as if verified against their issuer's keys.
   */
  readonly workloadAssertions?: ReadonlyArray<string> | undefined
  /** Token revocation (RFC 7009) at `<issuer>/revoke`, advertised as `revocation_endpoint`. Default: true. @since 0.2.0 */
  readonly revocation?: boolean | undefined
  /** Pre-registered clients. */
  readonly clients?:
    | ReadonlyArray<{
      readonly clientId: string
      readonly clientSecret?: string | undefined
      readonly redirectUris?: ReadonlyArray<string> | undefined
    }>
    | undefined
}

/**
 * A fault, injected with `ServerHandle.inject`; each applies once, except
 * `RejectTokens`, which lasts until `clearFaults`.
 *
 * @since 0.2.0
 * @category models
 */
export type Fault =
  | { readonly _tag: "WrongIssuer" }
  | { readonly _tag: "BadTokenResponse" }
  | { readonly _tag: "TokenError"; readonly error: string }
  | { readonly _tag: "WrongState" }
  | { readonly _tag: "WrongIss" }
  | { readonly _tag: "RejectTokens" }

/**
 * @since 0.2.0
 * @category models
 */
export interface LoggedRequest {
  readonly method: string
  readonly url: string
  /** The `Authorization` header the request carried. */
  readonly authorization: string | undefined
  /** The `DPoP` proof header the request carried. */
  readonly dpop: string | undefined
}

/**
 * @since 0.2.0
 * @category models
 */
export interface Stats {
  readonly registrations: number
  readonly authorizations: number
  readonly codeGrants: number
  readonly refreshes: number
  readonly clientCredentials: number
  /** JWT bearer grants (workload identity). */
  readonly jwtBearer: number
  /** Requests to the MCP endpoint answered 401. */
  readonly rejected: number
  /** `use_dpop_nonce` answers, of the token endpoint and the MCP endpoint. */
  readonly dpopNonceChallenges: number
  /** Tokens revoked at the revocation endpoint (a token unknown or already revoked counts not). @since 0.2.0 */
  readonly revocations: number
}

/**
 * @since 0.2.0
 * @category models
 */
export interface ServerHandle {
  /** The current authorization server (see `migrate`). */
  readonly issuer: string
  readonly resource: string
  /**
   * The resource moves to another authorization server: its metadata names
   * `issuer` from now on, which knows none of the old server's clients or
   * tokens; the old server is gone.
   */
  readonly migrate: (issuer: string) => Effect.Effect<void>
  /** The authorization server and the guarded MCP endpoint in front of an MCP server's `McpHttp`. */
  readonly wrap: (mcp: McpHttp.Service) => McpHttp.Service
  readonly stats: Effect.Effect<Stats>
  /** Every request seen, with its `Authorization` header. */
  readonly requests: Effect.Effect<ReadonlyArray<LoggedRequest>>
  readonly inject: (fault: Fault) => Effect.Effect<void>
  readonly clearFaults: Effect.Effect<void>
  /** Revokes every access and refresh token. */
  readonly revokeAll: Effect.Effect<void>
}

/**
 * A test authorization server (metadata, registration, PKCE code grant,
 * refresh with rotation, client credentials, revocation, tokens expiring on
 * the `Clock`) guarding an MCP endpoint.
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeServer: (options?: ServerOptions) => Effect.Effect<ServerHandle> = internal.make

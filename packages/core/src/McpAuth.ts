/**
 * MCP authorization (OAuth 2.1, MCP 2025-11-25 with the 2026-07-28 checks):
 * a layer between the client and its HTTP.
 *
 * `McpAuth.layer` wraps the `McpHttp` service of the context: every request
 * to a protected MCP endpoint carries `Authorization: Bearer` (or `DPoP`
 * with a proof of possession, RFC 9449, when asked for); a 401 starts
 * discovery (RFC 9728, RFC 8414), client identification (pre-registered,
 * Client ID Metadata Document, RFC 7591), and the grant (authorization code
 * with PKCE, or client credentials), then the request goes again. Many
 * requests meeting a 401 or an expired token cause one refresh or one
 * authorization, which all of them wait for; every loop is bounded.
 *
 * The moving parts are services the application may replace: the
 * {@link Store} of tokens and registrations (in memory by default), and the
 * {@link Authorizer}, the interactive step of the authorization code grant
 * (a loopback listener on Node, a redirect in the browser, a headless one in
 * tests).
 *
 * A failed authorization reaches the caller of the client request it
 * stopped as itself, in the `McpError` union: `AuthorizationRequired` or
 * `AuthorizationFailed` (with the request's `method` and `requestId`), for
 * `Effect.catchTag`. The client never retries them.
 *
 * @example
 * ```ts
 * import { McpAuth, McpClient } from "@mcp-effect/core"
 * import { NodeMcpAuth, NodeMcpHttp } from "@mcp-effect/node"
 * import { Layer } from "effect"
 *
 * const ClientLive = McpClient.layer({ url: "https://mcp.example.com/mcp" }).pipe(
 *   Layer.provide(McpAuth.layer({ clientName: "my app" })),
 *   Layer.provide(NodeMcpAuth.layerLoopback()),
 *   Layer.provide(NodeMcpHttp.layer)
 * )
 * ```
 *
 * @since 0.2.0
 */
import type * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as PubSub from "effect/PubSub"
import type * as Queue from "effect/Queue"
import type * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as AuthConfig from "./internal/auth/config.js"
import * as internal from "./internal/auth/middleware.js"
import * as McpAuthEvent from "./McpAuthEvent.js"
import type * as McpAuthGrant from "./McpAuthGrant.js"
import type * as McpError from "./McpError.js"
import * as McpHttp from "./McpHttp.js"

/**
 * The client credentials grant (see {@link McpAuthGrant.ClientCredentials}).
 *
 * @since 0.2.0
 * @category models
 */
export type ClientCredentials = McpAuthGrant.ClientCredentials

/**
 * Enterprise-managed authorization (see {@link McpAuthGrant.IdentityAssertion}).
 *
 * @since 0.2.0
 * @category models
 */
export type IdentityAssertion = McpAuthGrant.IdentityAssertion

/**
 * Workload identity federation (see {@link McpAuthGrant.WorkloadIdentity}).
 *
 * @since 0.2.0
 * @category models
 */
export type WorkloadIdentity = McpAuthGrant.WorkloadIdentity

/**
 * DPoP-bound tokens (see {@link McpAuthGrant.Dpop}).
 *
 * @since 0.2.0
 * @category models
 */
export type Dpop = McpAuthGrant.Dpop

/**
 * A Web Crypto key pair for DPoP (see {@link McpAuthGrant.DpopKeyPair}).
 *
 * @since 0.2.0
 * @category models
 */
export type DpopKeyPair = McpAuthGrant.DpopKeyPair

/**
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** A pre-registered client id (used before any registration). */
  readonly clientId?: string | undefined
  readonly clientSecret?: string | undefined
  /**
   * The issuer of the authorization server the pre-registered client belongs
   * to. When the resource's metadata names another one, authorization fails
   * (step `registration`) rather than show it these credentials (MCP
   * 2026-07-28, Authorization Server Binding). Default: any issuer.
   */
  readonly clientIssuer?: string | undefined
  /** Force a token endpoint authentication method (else: what the server and registration say). */
  readonly tokenEndpointAuthMethod?: "none" | "client_secret_basic" | "client_secret_post" | undefined
  /**
   * The https URL of this client's Client ID Metadata Document, used as its
   * `client_id` where the authorization server accepts such documents.
   */
  readonly clientMetadataUrl?: string | undefined
  /** `client_name` for dynamic registration. Default: "mcp-effect". */
  readonly clientName?: string | undefined
  /** `application_type` for dynamic registration: "native" (CLI, desktop; the default) or "web". */
  readonly applicationType?: "native" | "web" | undefined
  /** A grant without a user. Default: the authorization code grant, through the `Authorizer`. */
  readonly grant?: ClientCredentials | IdentityAssertion | WorkloadIdentity | undefined
  /**
   * Ask for DPoP-bound tokens (RFC 9449) and prove possession on every
   * request. Proofs go to token endpoints unless their metadata lists DPoP
   * algorithms without ES256; a server without DPoP answers a Bearer token,
   * used as such. Default: false.
   */
  readonly dpop?: Dpop | undefined
  /**
   * Scopes always asked for, with those a challenge names. Default: the
   * challenge's `scope`, else the resource's `scopes_supported`, else none.
   */
  readonly scope?: string | undefined
  /** Ask for `offline_access` where the authorization server lists it (a refresh token). Default: true. */
  readonly offlineAccess?: boolean | undefined
  /** Re-authorizations for one request meeting 403 `insufficient_scope`. Default: 2. */
  readonly maxStepUps?: number | undefined
  /** Refresh a token this long before it expires. Default: 30 seconds. */
  readonly refreshSkew?: Duration.DurationInput | undefined
  /** Bound of each authorization HTTP exchange. Default: 30 seconds. */
  readonly timeout?: Duration.DurationInput | undefined
  /**
   * After a failed authorization, requests meeting 401 fail at once with the
   * same error for this long (the client's own retries must not re-run a
   * failed interactive flow). Default: 1 minute.
   */
  readonly failureCooldown?: Duration.DurationInput | undefined
  /** Fall back to the MCP server's origin as authorization server (2025-03-26 servers). Default: true. */
  readonly legacyDiscovery?: boolean | undefined
  /** Allow plain `http:` authorization URLs off loopback. Development only. Default: false. */
  readonly allowInsecureHttp?: boolean | undefined
}

/**
 * Where tokens and client registrations are kept: keys such as
 * `grant:<resource>` and `client:<issuer>`, values JSON text. Refresh tokens
 * and client secrets are in the values: store them where the application
 * means to keep secrets.
 *
 * @since 0.2.0
 * @category models
 */
export interface StoreService {
  readonly get: (key: string) => Effect.Effect<string | undefined>
  readonly set: (key: string, value: string) => Effect.Effect<void>
  readonly remove: (key: string) => Effect.Effect<void>
}

/**
 * The token and registration store. Default (absent from the context): in
 * memory, for the life of the layer.
 *
 * @since 0.2.0
 * @category tags
 */
export class Store extends Context.Tag("@mcp-effect/core/McpAuthStore")<Store, StoreService>() {}

/**
 * A store in memory.
 *
 * @since 0.2.0
 * @category constructors
 */
export const memoryStore = (): StoreService => {
  const map = new Map<string, string>()
  return {
    get: (key) => Effect.sync(() => map.get(key)),
    set: (key, value) => Effect.sync(() => void map.set(key, value)),
    remove: (key) => Effect.sync(() => void map.delete(key))
  }
}

/**
 * @since 0.2.0
 * @category layers
 */
export const layerMemoryStore: Layer.Layer<Store> = Layer.sync(Store, memoryStore)

/**
 * What the authorization request is about, for the {@link Authorizer}.
 *
 * @since 0.2.0
 * @category models
 */
export interface AuthorizationRequest {
  /** The authorization URL to open. */
  readonly url: string
  /** The `state` it carries: the answer must carry the same. */
  readonly state: string
  /** The MCP server being authorized. */
  readonly resource: string
  /**
   * The PKCE verifier of this request, for an Authorizer whose answer comes
   * back in another page load (a full-page redirect): it keeps the verifier
   * with `state` and hands both back through `resume`. Keep it only where the
   * page's own scripts can read it (`sessionStorage`).
   *
   * @since 0.2.0
   */
  readonly codeVerifier: Redacted.Redacted<string>
}

/**
 * An authorization answered in an earlier life of the page (see
 * {@link AuthorizerService.resume}): the request's `state` and PKCE verifier,
 * and the redirect's query parameters.
 *
 * @since 0.2.0
 * @category models
 */
export interface ResumedAuthorization {
  readonly state: string
  readonly codeVerifier: Redacted.Redacted<string>
  readonly params: Readonly<Record<string, string>>
}

/**
 * The interactive step of the authorization code grant: show the user the
 * authorization URL, wait for the redirect to `redirectUri`, answer the
 * redirect's query parameters (`code`, `state`, `iss`, or `error`...).
 * The checks on them (`state`, `iss`) are the layer's, not the Authorizer's.
 *
 * @since 0.2.0
 * @category models
 */
export interface AuthorizerService {
  readonly redirectUri: string
  readonly authorize: (
    request: AuthorizationRequest
  ) => Effect.Effect<Readonly<Record<string, string>>, McpError.AuthorizationFailed>
  /**
   * An authorization of `resource` that an earlier page answered (the
   * browser's full-page redirect: the page that asked is gone when the
   * answer arrives). Asked before a new authorization request is made; the
   * layer checks `state` and `iss` of the answer as always, and exchanges its
   * code with the kept verifier. Consumed: a second call finds nothing.
   *
   * @since 0.2.0
   */
  readonly resume?:
    | ((resource: string) => Effect.Effect<ResumedAuthorization | undefined>)
    | undefined
}

/**
 * The interactive step. Absent from the context, the authorization code
 * grant fails with `AuthorizationRequired`.
 *
 * @since 0.2.0
 * @category tags
 */
export class Authorizer extends Context.Tag("@mcp-effect/core/McpAuthAuthorizer")<Authorizer, AuthorizerService>() {}

/**
 * What the authorization layer did, per MCP endpoint (see {@link McpAuthEvent}).
 *
 * @since 0.2.0
 * @category models
 */
export type AuthEvent = McpAuthEvent.AuthEvent

/**
 * Constructors and matchers for {@link AuthEvent}.
 *
 * @since 0.2.0
 * @category constructors
 */
export const AuthEvent: typeof McpAuthEvent.AuthEvent = McpAuthEvent.AuthEvent

/**
 * @since 0.2.0
 * @category models
 */
export interface RevokeResult {
  /** Whether there were tokens for the endpoint. */
  readonly hadTokens: boolean
  /** The tokens the server confirmed revoked (none where it offers no `revocation_endpoint`). */
  readonly revoked: ReadonlyArray<"refresh_token" | "access_token">
}

/**
 * The authorization layer's own operations, beside the `McpHttp` it wraps.
 *
 * @since 0.2.0
 * @category models
 */
export interface McpAuthService {
  /**
   * Authorization events of every endpoint, from the moment the stream is
   * run. They are the layer's, not a client's: one layer may serve several
   * clients, and an authorization is per endpoint, not per session.
   */
  readonly events: Stream.Stream<AuthEvent>
  /** A subscription to {@link events} that starts now (no event missed between this and reading). */
  readonly subscribe: Effect.Effect<Queue.Dequeue<AuthEvent>, never, Scope.Scope>
  /**
   * Logout: revokes the endpoint's refresh and access token at the
   * authorization server (RFC 7009) where its metadata advertises a
   * `revocation_endpoint`, then forgets them (in memory and in the `Store`),
   * also when the server refused. The client registration is kept.
   */
  readonly revoke: (url: string) => Effect.Effect<RevokeResult, McpError.AuthorizationFailed>
}

/**
 * @since 0.2.0
 * @category tags
 */
export class McpAuth extends Context.Tag("@mcp-effect/core/McpAuth")<McpAuth, McpAuthService>() {}

/**
 * The authorization layer: wraps the `McpHttp` of the context, and provides
 * {@link McpAuth} (events, revocation). Uses the {@link Store} and
 * {@link Authorizer} of the context when present.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<McpHttp.McpHttp | McpAuth, never, McpHttp.McpHttp> =>
  Layer.scopedContext(
    Effect.gen(function*() {
      const http = yield* McpHttp.McpHttp
      const store = yield* Effect.serviceOption(Store)
      const authorizer = yield* Effect.serviceOption(Authorizer)
      const pubsub = yield* Effect.acquireRelease(PubSub.unbounded<AuthEvent>(), PubSub.shutdown)
      const middleware = yield* internal.make({
        http,
        store: store._tag === "Some" ? store.value : memoryStore(),
        authorizer: authorizer._tag === "Some" ? authorizer.value : undefined,
        options,
        publish: (event) => PubSub.publish(pubsub, event)
      })
      return Context.make(McpHttp.McpHttp, middleware.http).pipe(
        Context.add(McpAuth, {
          events: Stream.fromPubSub(pubsub),
          subscribe: PubSub.subscribe(pubsub),
          revoke: middleware.revoke
        })
      )
    })
  )

/**
 * The options read from `Config`, only the keys that are set (under an
 * optional prefix, see `Config.nested`; types and defaults in
 * `docs/configuration.md`): `CLIENT_ID`, `CLIENT_SECRET` (redacted),
 * `TOKEN_ENDPOINT_AUTH_METHOD`, `CLIENT_METADATA_URL`, `CLIENT_NAME`,
 * `APPLICATION_TYPE`, `GRANT` (`authorization_code` or `client_credentials`:
 * then `CLIENT_ID` with `CLIENT_SECRET`, or `PRIVATE_KEY` (redacted PEM) and
 * `PRIVATE_KEY_ALGORITHM`), `SCOPE`, `OFFLINE_ACCESS`, `MAX_STEP_UPS`,
 * `REFRESH_SKEW`, `TIMEOUT`, `FAILURE_COOLDOWN`, `LEGACY_DISCOVERY`,
 * `ALLOW_INSECURE_HTTP`. The identity assertion grant stays in code: its ID
 * token is the user's, obtained at run time.
 *
 * @since 0.2.0
 * @category config
 */
export const config: Config.Config<Options> = AuthConfig.config

/**
 * The authorization layer configured from `Config` (see {@link config}),
 * over `options`.
 *
 * @example
 * ```ts
 * // MCP_AUTH_CLIENT_ID=my-app MCP_AUTH_SCOPE="mcp:read"
 * McpAuth.layerConfig(Config.nested(McpAuth.config, "MCP_AUTH"))
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layerConfig = (
  configs: Config.Config<Options> = config,
  options: Options = {}
): Layer.Layer<McpHttp.McpHttp | McpAuth, ConfigError.ConfigError, McpHttp.McpHttp> =>
  Layer.unwrapEffect(Effect.map(configs, (fromConfig) => layer({ ...options, ...fromConfig })))

/**
 * MCP authorization (OAuth 2.1, MCP 2025-11-25 with the 2026-07-28 checks):
 * a layer between the client and its HTTP.
 *
 * `McpAuth.layer` wraps the `McpHttp` service of the context: every request
 * to a protected MCP endpoint carries `Authorization: Bearer`; a 401 starts
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
 * A failed authorization reaches the caller as the `cause` of the client's
 * `TransportError`; {@link surface} makes it the error itself, so that
 * `Effect.catchTag("AuthorizationFailed", ...)` works.
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
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Predicate from "effect/Predicate"
import * as Redacted from "effect/Redacted"
import * as internal from "./internal/auth/middleware.js"
import * as McpConfig from "./McpConfig.js"
import * as McpError from "./McpError.js"
import * as McpHttp from "./McpHttp.js"

/**
 * Machine-to-machine: the client credentials grant (the
 * `io.modelcontextprotocol/oauth-client-credentials` extension), with a
 * secret (`client_secret_basic` / `client_secret_post`) or a private key
 * (`private_key_jwt`, RFC 7523).
 *
 * @since 0.2.0
 * @category models
 */
export type ClientCredentials =
  | {
    readonly _tag: "ClientCredentials"
    readonly clientId: string
    readonly clientSecret: string
  }
  | {
    readonly _tag: "ClientCredentials"
    readonly clientId: string
    /** A PKCS#8 PEM private key. */
    readonly privateKeyPem: string
    /** Default: ES256. */
    readonly algorithm?: "ES256" | "ES384" | "RS256" | "PS256" | undefined
  }

/**
 * Enterprise-managed authorization (SEP-990, "cross-app access"): an ID
 * token from the enterprise identity provider is exchanged there (RFC 8693)
 * for an identity assertion grant (ID-JAG), which the MCP server's
 * authorization server turns into an access token (RFC 7523 JWT bearer
 * grant). No user interaction.
 *
 * @since 0.2.0
 * @category models
 */
export interface IdentityAssertion {
  readonly _tag: "IdentityAssertion"
  /** The identity provider's token endpoint. */
  readonly idpTokenEndpoint: string
  /** The user's ID token from that identity provider. */
  readonly idToken: string
  /** The client at the identity provider, if it wants one named. */
  readonly idpClientId?: string | undefined
  readonly idpClientSecret?: string | undefined
  /** The client at the MCP server's authorization server. */
  readonly clientId: string
  readonly clientSecret: string
}

/**
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** A pre-registered client id (used before any registration). */
  readonly clientId?: string | undefined
  readonly clientSecret?: string | undefined
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
  readonly grant?: ClientCredentials | IdentityAssertion | undefined
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
 * The authorization layer: wraps the `McpHttp` of the context. Uses the
 * {@link Store} and {@link Authorizer} of the context when present.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<McpHttp.McpHttp, never, McpHttp.McpHttp> =>
  Layer.scoped(
    McpHttp.McpHttp,
    Effect.gen(function*() {
      const http = yield* McpHttp.McpHttp
      const store = yield* Effect.serviceOption(Store)
      const authorizer = yield* Effect.serviceOption(Authorizer)
      return yield* internal.make({
        http,
        store: store._tag === "Some" ? store.value : memoryStore(),
        authorizer: authorizer._tag === "Some" ? authorizer.value : undefined,
        options
      })
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
export const config: Config.Config<Options> = Config.all({
  clientId: McpConfig.optional(Config.string("CLIENT_ID")),
  clientSecret: McpConfig.optional(Config.redacted("CLIENT_SECRET")),
  tokenEndpointAuthMethod: McpConfig.optional(
    Config.literal("none", "client_secret_basic", "client_secret_post")("TOKEN_ENDPOINT_AUTH_METHOD")
  ),
  clientMetadataUrl: McpConfig.optional(Config.string("CLIENT_METADATA_URL")),
  clientName: McpConfig.optional(Config.string("CLIENT_NAME")),
  applicationType: McpConfig.optional(Config.literal("native", "web")("APPLICATION_TYPE")),
  grant: McpConfig.optional(Config.literal("authorization_code", "client_credentials")("GRANT")),
  privateKey: McpConfig.optional(Config.redacted("PRIVATE_KEY")),
  algorithm: McpConfig.optional(Config.literal("ES256", "ES384", "RS256", "PS256")("PRIVATE_KEY_ALGORITHM")),
  scope: McpConfig.optional(Config.string("SCOPE")),
  offlineAccess: McpConfig.optional(Config.boolean("OFFLINE_ACCESS")),
  maxStepUps: McpConfig.optional(McpConfig.count("MAX_STEP_UPS")),
  refreshSkew: McpConfig.optional(Config.duration("REFRESH_SKEW")),
  timeout: McpConfig.optional(Config.duration("TIMEOUT")),
  failureCooldown: McpConfig.optional(Config.duration("FAILURE_COOLDOWN")),
  legacyDiscovery: McpConfig.optional(Config.boolean("LEGACY_DISCOVERY")),
  allowInsecureHttp: McpConfig.optional(Config.boolean("ALLOW_INSECURE_HTTP"))
}).pipe(Config.mapOrFail(({ algorithm, clientSecret, grant, privateKey, ...rest }): Either.Either<
  Options,
  ConfigError.ConfigError
> => {
  const secret = clientSecret === undefined ? undefined : Redacted.value(clientSecret)
  if (grant !== "client_credentials") {
    return Either.right(McpConfig.defined({ ...rest, clientSecret: secret }))
  }
  // The client credentials grant: the client is the grant's, not a pre-registration.
  const { clientId, ...others } = rest
  if (clientId === undefined) {
    return Either.left(ConfigError.MissingData(["CLIENT_ID"], "Expected CLIENT_ID with GRANT=client_credentials"))
  }
  const credentials: ClientCredentials | undefined = privateKey !== undefined
    ? {
      _tag: "ClientCredentials",
      clientId,
      privateKeyPem: Redacted.value(privateKey),
      ...McpConfig.defined({ algorithm })
    }
    : secret !== undefined
    ? { _tag: "ClientCredentials", clientId, clientSecret: secret }
    : undefined
  return credentials === undefined
    ? Either.left(
      ConfigError.MissingData(["CLIENT_SECRET"], "Expected CLIENT_SECRET or PRIVATE_KEY with GRANT=client_credentials")
    )
    : Either.right(McpConfig.defined({ ...others, grant: credentials }))
}))

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
): Layer.Layer<McpHttp.McpHttp, ConfigError.ConfigError, McpHttp.McpHttp> =>
  Layer.unwrapEffect(Effect.map(configs, (fromConfig) => layer({ ...options, ...fromConfig })))

/**
 * The authorization error inside a client error (its `cause`, at any depth),
 * if there is one.
 *
 * @since 0.2.0
 * @category utils
 */
export const authorizationError = (error: unknown): McpError.AuthorizationError | undefined => {
  let current: unknown = error
  for (let depth = 0; depth < 8 && Predicate.isObject(current); depth++) {
    if (current instanceof McpError.AuthorizationFailed || current instanceof McpError.AuthorizationRequired) {
      return current
    }
    current = Predicate.hasProperty(current, "cause") ? current.cause : undefined
  }
  return undefined
}

/**
 * Fails with the authorization error itself where a client error carries
 * one, so that it can be caught by its tag.
 *
 * @example
 * ```ts
 * client.listAllTools().pipe(
 *   McpAuth.surface,
 *   Effect.catchTag("AuthorizationRequired", () => Effect.succeed([]))
 * )
 * ```
 *
 * @since 0.2.0
 * @category utils
 */
export const surface = <A, E, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, E | McpError.AuthorizationError, R> =>
  Effect.mapError(effect, (error): E | McpError.AuthorizationError => authorizationError(error) ?? error)

/**
 * One authorization, start to finish: discovery, scope selection, client
 * identification and a grant (authorization code + PKCE, client
 * credentials, identity assertion), or one refresh. What comes out is a
 * `Grant`: the access token and what a refresh needs, stored as the
 * application's `Store` says. Nothing here is concurrent: the middleware
 * runs one of these at a time per resource.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type * as McpAuth from "../../McpAuth.js"
import * as McpError from "../../McpError.js"
import type { Bearer } from "./challenge.js"
import * as Crypto from "./crypto.js"
import * as Discovery from "./discovery.js"
import * as Dpop from "./dpop.js"
import * as Http from "./http.js"
import * as Machine from "./machine.js"
import * as Registration from "./registration.js"
import * as Token from "./token.js"
import * as Wif from "./wif.js"

/** An access token and what its refresh needs; what the store keeps per resource. @internal */
export const Grant = Schema.Struct({
  access_token: Schema.String,
  refresh_token: Schema.optional(Schema.String),
  /** Epoch milliseconds. */
  expires_at: Schema.optional(Schema.Number),
  /** The scope requested (the base of a step-up's union). */
  scope: Schema.optional(Schema.String),
  /** The `resource` parameter the token was issued for. */
  resource: Schema.String,
  /** `DPoP` for a token bound to the DPoP key (RFC 9449); absent: Bearer. */
  token_type: Schema.optional(Schema.Literal("DPoP")),
  server: Discovery.ServerMetadata
})

/** @internal */
export type Grant = typeof Grant.Type

/** @internal */
export interface Config {
  readonly http: Http.Context
  /** The MCP endpoint. */
  readonly endpoint: string
  readonly identity: Registration.Identity
  readonly grant: McpAuth.Options["grant"]
  readonly scope: string | undefined
  readonly offlineAccess: boolean
  readonly legacy: boolean
  readonly store: McpAuth.StoreService
  readonly authorizer: McpAuth.AuthorizerService | undefined
  /** DPoP (RFC 9449), when the application asks for it. */
  readonly dpop: Dpop.Context | undefined
}

/**
 * The DPoP context for token requests to `server`: proofs go unless the
 * server lists its algorithms without ES256 (one that lists none may still
 * bind; one without DPoP ignores the header, RFC 9449 §5).
 *
 * @internal
 */
export const dpopFor = (config: Config, server: Discovery.ServerMetadata): Dpop.Context | undefined => {
  const algorithms = server.dpop_signing_alg_values_supported
  return algorithms === undefined || algorithms.includes(Dpop.ALGORITHM) ? config.dpop : undefined
}

const decodeJson = <A, I>(schema: Schema.Schema<A, I>, text: string | undefined): A | undefined => {
  if (text === undefined) return undefined
  try {
    return Either.getOrUndefined(Schema.decodeUnknownEither(schema)(JSON.parse(text)))
  } catch {
    return undefined
  }
}

/** @internal */
export const grantKey = (endpoint: string) => `grant:${endpoint}`
const clientKey = (issuer: string) => `client:${issuer}`

/** The stored grant for the endpoint, if any (unreadable data counts as none). @internal */
export const loadGrant = (config: Config): Effect.Effect<Grant | undefined> =>
  Effect.map(config.store.get(grantKey(config.endpoint)), (text) => decodeJson(Grant, text))

const saveGrant = (config: Config, grant: Grant) => config.store.set(grantKey(config.endpoint), JSON.stringify(grant))

/** @internal */
export const forgetGrant = (config: Config) => config.store.remove(grantKey(config.endpoint))

const words = (scope: string | undefined): ReadonlyArray<string> =>
  scope === undefined ? [] : scope.split(" ").filter((w) => w !== "")

const union = (...scopes: ReadonlyArray<string | undefined>): string | undefined => {
  const all = [...new Set(scopes.flatMap(words))]
  return all.length === 0 ? undefined : all.join(" ")
}

/** Whether every scope of `wanted` is in `held`. @internal */
export const covers = (held: string | undefined, wanted: string | undefined): boolean => {
  const have = new Set(words(held))
  return words(wanted).every((w) => have.has(w))
}

/**
 * MCP §Scope Selection Strategy: the challenge's `scope`, else the
 * resource's `scopes_supported`, else none; plus the configured scopes, plus
 * the previous request's on a step-up (2026-07-28), plus `offline_access`
 * where the authorization server lists it.
 */
const selectScope = (
  config: Config,
  discovery: Discovery.Discovery,
  challenge: Bearer | undefined,
  previous: string | undefined
): string | undefined => {
  const base = challenge?.scope ?? config.scope ?? discovery.resourceMetadata?.scopes_supported?.join(" ")
  const scope = union(previous, config.scope, base)
  const offline = config.offlineAccess && scope !== undefined && config.grant === undefined &&
    discovery.server.scopes_supported?.includes("offline_access") === true
  return offline ? union(scope, "offline_access") : scope
}

const toGrant = (
  response: Token.TokenResponse,
  discovery: Pick<Discovery.Discovery, "resource" | "server">,
  scope: string | undefined,
  previousRefresh: string | undefined
): Effect.Effect<Grant> =>
  Effect.map(Clock.currentTimeMillis, (now) => {
    const refresh = response.refresh_token ?? previousRefresh
    return {
      access_token: response.access_token,
      ...(refresh === undefined ? {} : { refresh_token: refresh }),
      ...(response.expires_in === undefined ? {} : { expires_at: now + response.expires_in * 1000 }),
      ...(scope === undefined ? {} : { scope }),
      resource: discovery.resource,
      ...(response.token_type?.toLowerCase() === "dpop" ? { token_type: "DPoP" as const } : {}),
      server: discovery.server
    }
  })

/** The client's identity at `server`: configured, stored, metadata document, else a new registration. */
const identify = (
  config: Config,
  server: Discovery.ServerMetadata,
  redirectUri: string | undefined,
  scope: string | undefined
): Effect.Effect<Registration.ClientInfo, McpError.AuthorizationFailed> =>
  Effect.gen(function*() {
    const preRegistered = config.identity.clientId === undefined
      ? undefined
      : Registration.configured(server, config.identity)
    const boundTo = config.identity.clientIssuer
    if (preRegistered !== undefined && boundTo !== undefined && boundTo !== server.issuer) {
      // MCP 2026-07-28 §Authorization Server Binding: never show one server another's credentials.
      return yield* Effect.fail(
        Http.failed(
          config.http,
          "registration",
          `the resource now names authorization server ${server.issuer}; the configured client is registered with ${boundTo}`
        )
      )
    }
    if (preRegistered !== undefined) return preRegistered
    const stored = decodeJson(Registration.ClientInfo, yield* config.store.get(clientKey(server.issuer)))
    const now = yield* Clock.currentTimeMillis
    if (stored !== undefined && Registration.usable(stored, server.issuer, redirectUri, now)) return stored
    const document = Registration.configured(server, config.identity)
    if (document !== undefined) return document
    const registered = yield* Registration.register(config.http, server, config.identity, redirectUri, scope)
    yield* config.store.set(clientKey(server.issuer), JSON.stringify(registered))
    return registered
  })

/** The client of a grant, for its refresh: configured, else the stored registration. @internal */
export const clientOf = (config: Config, server: Discovery.ServerMetadata) =>
  Effect.gen(function*() {
    if (config.identity.clientId !== undefined) return Registration.configured(server, config.identity)
    if (config.identity.clientMetadataUrl !== undefined && server.client_id_metadata_document_supported === true) {
      return Registration.configured(server, config.identity)
    }
    return decodeJson(Registration.ClientInfo, yield* config.store.get(clientKey(server.issuer)))
  })

/** A client the server rejected is dropped, so that the next attempt registers anew. */
const dropRejectedClient = (config: Config, issuer: string) => (error: McpError.AuthorizationFailed) =>
  error.error === "invalid_client" || error.error === "unauthorized_client"
    ? Effect.zipRight(config.store.remove(clientKey(issuer)), Effect.fail(error))
    : Effect.fail(error)

/** The authorization code grant with PKCE, `state`, `resource` and the RFC 9207 `iss` check. */
const authorizationCode = (
  config: Config,
  discovery: Discovery.Discovery,
  scope: string | undefined
): Effect.Effect<Token.TokenResponse, McpError.AuthorizationError> =>
  Effect.gen(function*() {
    const authorizer = config.authorizer
    if (authorizer === undefined) {
      return yield* Effect.fail(
        new McpError.AuthorizationRequired({
          resource: config.endpoint,
          description: "the server requires authorization and no Authorizer (interactive step) is provided"
        })
      )
    }
    const server = discovery.server
    const methods = server.code_challenge_methods_supported
    if (discovery.fromMetadata && (methods === undefined || !methods.includes("S256"))) {
      return yield* Effect.fail(
        Http.failed(
          config.http,
          "authorization",
          `${server.issuer} does not advertise PKCE (S256): refusing to proceed`
        )
      )
    }
    if (server.authorization_endpoint === undefined) {
      return yield* Effect.fail(
        Http.failed(config.http, "authorization", `${server.issuer} has no authorization endpoint`)
      )
    }
    const endpoint = Http.checkUrl(config.http, server.authorization_endpoint)
    if (typeof endpoint === "string") return yield* Effect.fail(Http.failed(config.http, "authorization", endpoint))
    const client = yield* identify(config, server, authorizer.redirectUri, scope)
    // A redirect that left the page: the answer arrived in this page's life, with the verifier kept then.
    const resumed = authorizer.resume === undefined ? undefined : yield* authorizer.resume(config.endpoint)
    const pkce = resumed === undefined
      ? yield* Crypto.pkce
      : { verifier: Redacted.value(resumed.codeVerifier), state: resumed.state, challenge: "" }
    const answer = resumed !== undefined ? resumed.params : yield* Effect.suspend(() => {
      const url = new URL(endpoint.href)
      const params: Record<string, string | undefined> = {
        response_type: "code",
        client_id: client.client_id,
        redirect_uri: authorizer.redirectUri,
        code_challenge: pkce.challenge,
        code_challenge_method: "S256",
        state: pkce.state,
        scope,
        resource: discovery.resource
      }
      for (const [key, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(key, value)
      return authorizer.authorize({
        url: url.href,
        state: pkce.state,
        resource: config.endpoint,
        codeVerifier: Redacted.make(pkce.verifier)
      })
    })
    const fail = (description: string, withServerError = false) =>
      Effect.fail(Http.failed(config.http, "authorization", description, withServerError ? { json: answer } : {}))
    if (answer.state !== pkce.state) return yield* fail("the redirect's state does not match the request's")
    // RFC 9207, exact comparison, before anything in the answer is believed (its error included).
    if (
      answer.iss !== undefined
        ? answer.iss !== server.issuer
        : server.authorization_response_iss_parameter_supported
    ) {
      return yield* fail(`the redirect's issuer (${answer.iss ?? "missing"}) is not ${server.issuer}`)
    }
    if (answer.error !== undefined) return yield* fail("the authorization server refused", true)
    if (answer.code === undefined) return yield* fail("the redirect carries no code")
    return yield* Token.request(
      config.http,
      "token",
      server,
      { _tag: "Client", client },
      {
        grant_type: "authorization_code",
        code: answer.code,
        code_verifier: pkce.verifier,
        redirect_uri: authorizer.redirectUri,
        resource: discovery.resource
      },
      true,
      dpopFor(config, server)
    ).pipe(Effect.catchAll(dropRejectedClient(config, server.issuer)))
  })

/**
 * A full authorization for the endpoint: `challenge` is the 401/403's
 * Bearer challenge, `previous` the scope requested before (a step-up asks
 * for the union).
 *
 * @internal
 */
export const authorize = (
  config: Config,
  challenge: Bearer | undefined,
  previous: string | undefined
): Effect.Effect<Grant, McpError.AuthorizationError> =>
  Effect.gen(function*() {
    const discovery = yield* Discovery.discover(config.http, config.endpoint, challenge, config.legacy)
    const scope = selectScope(config, discovery, challenge, previous)
    const response = config.grant === undefined
      ? yield* authorizationCode(config, discovery, scope)
      : config.grant._tag === "WorkloadIdentity"
      ? yield* Wif.grant(config.http, config.grant, discovery, scope, dpopFor(config, discovery.server))
      : yield* Machine.grant(config.http, config.grant, discovery, scope, dpopFor(config, discovery.server))
    const grant = yield* toGrant(response, discovery, scope, undefined)
    yield* saveGrant(config, grant)
    return grant
  }).pipe(Effect.withSpan("McpAuth.authorize", { attributes: { "mcp.auth.resource": config.endpoint } }))

/**
 * Refreshes `grant` (RFC 6749 §6), keeping its refresh token when no new
 * one comes.
 *
 * @internal
 */
export const refresh = (config: Config, grant: Grant): Effect.Effect<Grant, McpError.AuthorizationFailed> =>
  Effect.gen(function*() {
    const client = yield* clientOf(config, grant.server)
    if (client === undefined || grant.refresh_token === undefined) {
      return yield* Effect.fail(Http.failed(config.http, "refresh", "nothing to refresh with"))
    }
    const response = yield* Token.request(
      config.http,
      "refresh",
      grant.server,
      { _tag: "Client", client },
      {
        grant_type: "refresh_token",
        refresh_token: grant.refresh_token,
        resource: grant.resource
      },
      true,
      dpopFor(config, grant.server)
    ).pipe(Effect.catchAll(dropRejectedClient(config, grant.server.issuer)))
    const next = yield* toGrant(response, grant, grant.scope, grant.refresh_token)
    yield* saveGrant(config, next)
    return next
  }).pipe(Effect.withSpan("McpAuth.refresh", { attributes: { "mcp.auth.resource": config.endpoint } }))

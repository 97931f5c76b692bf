/**
 * Where to authorize: Protected Resource Metadata (RFC 9728) and the
 * authorization server's metadata (RFC 8414 / OpenID Connect Discovery), in
 * the order MCP prescribes; the 2025-03-26 fallback (the MCP origin as the
 * authorization server) when a server publishes no resource metadata.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import type * as McpError from "../../McpError.js"
import type { Bearer } from "./challenge.js"
import * as Http from "./http.js"

const Strings = Schema.Array(Schema.String)

/** RFC 9728 §2, the fields used. @internal */
export const ResourceMetadata = Schema.Struct({
  resource: Schema.String,
  authorization_servers: Schema.optional(Strings),
  scopes_supported: Schema.optional(Strings)
})

/** @internal */
export type ResourceMetadata = typeof ResourceMetadata.Type

/** RFC 8414 §2, the fields used. @internal */
export const ServerMetadata = Schema.Struct({
  issuer: Schema.String,
  authorization_endpoint: Schema.optional(Schema.String),
  token_endpoint: Schema.optional(Schema.String),
  registration_endpoint: Schema.optional(Schema.String),
  revocation_endpoint: Schema.optional(Schema.String),
  scopes_supported: Schema.optional(Strings),
  response_types_supported: Schema.optional(Strings),
  grant_types_supported: Schema.optional(Strings),
  code_challenge_methods_supported: Schema.optional(Strings),
  token_endpoint_auth_methods_supported: Schema.optional(Strings),
  client_id_metadata_document_supported: Schema.optional(Schema.Boolean),
  authorization_response_iss_parameter_supported: Schema.optional(Schema.Boolean),
  /** RFC 9449 §5.1. */
  dpop_signing_alg_values_supported: Schema.optional(Strings)
})

/** @internal */
export type ServerMetadata = typeof ServerMetadata.Type

/** What discovery found. @internal */
export interface Discovery {
  /** The `resource` parameter (RFC 8707): the metadata's `resource` verbatim, else the endpoint URL. */
  readonly resource: string
  readonly resourceMetadata: ResourceMetadata | undefined
  /** The authorization server, with endpoints resolved to absolute URLs. */
  readonly server: ServerMetadata
  /** Whether `server` came from a metadata document (not the 2025-03-26 default endpoints). */
  readonly fromMetadata: boolean
}

/** The endpoint without fragment: what `resource` is when no metadata names it (RFC 8707 §2). @internal */
export const canonicalResource = (endpoint: string): string => {
  const url = new URL(endpoint)
  url.hash = ""
  return url.href
}

/**
 * Whether metadata for `resource` may be used for `endpoint`: same origin,
 * and the endpoint's path within the resource's (RFC 9728 §3.3; a resource
 * naming the origin covers every path on it).
 *
 * @internal
 */
export const resourceCovers = (resource: string, endpoint: string): boolean => {
  try {
    const r = new URL(resource)
    const e = new URL(endpoint)
    if (r.origin !== e.origin) return false
    const base = r.pathname.endsWith("/") ? r.pathname : `${r.pathname}/`
    return e.pathname === r.pathname || `${e.pathname}/`.startsWith(base)
  } catch {
    return false
  }
}

const decode = <A, I>(schema: Schema.Schema<A, I>, json: unknown): A | undefined =>
  Either.getOrUndefined(Schema.decodeUnknownEither(schema)(json))

/** The well-known URLs of RFC 9728 §3.1 for the endpoint: path-inserted first, then the root. */
const resourceMetadataUrls = (endpoint: URL): ReadonlyArray<string> => {
  const root = `${endpoint.origin}/.well-known/oauth-protected-resource`
  const path = endpoint.pathname.replace(/\/$/, "")
  return path === "" ? [root] : [`${root}${path}`, root]
}

const fetchResourceMetadata = (ctx: Http.Context, url: string) =>
  Effect.map(
    Http.exchange(ctx, "discovery", { method: "GET", url }),
    (reply) => reply.status >= 200 && reply.status < 300 ? decode(ResourceMetadata, reply.json) : undefined
  )

/**
 * RFC 9728: the URL the challenge names, else the well-known URLs in order.
 * None found is `undefined` (a 2025-03-26 server); metadata for another
 * resource is a failure.
 *
 * @internal
 */
export const resourceMetadata = (
  ctx: Http.Context,
  endpoint: string,
  challenge: Bearer | undefined
): Effect.Effect<ResourceMetadata | undefined, McpError.AuthorizationFailed> =>
  Effect.gen(function*() {
    const url = new URL(endpoint)
    const candidates = challenge?.resourceMetadata === undefined
      ? resourceMetadataUrls(url)
      : [new URL(challenge.resourceMetadata, url).href, ...resourceMetadataUrls(url)]
    for (const candidate of candidates) {
      const found = yield* fetchResourceMetadata(ctx, candidate)
      if (found === undefined) continue
      if (!resourceCovers(found.resource, endpoint)) {
        return yield* Effect.fail(
          Http.failed(ctx, "discovery", `the protected resource metadata is for ${found.resource}, not ${endpoint}`)
        )
      }
      return found
    }
    return undefined
  })

/**
 * The metadata URLs for an issuer (MCP 2025-11-25 §Authorization Server
 * Metadata Discovery): with a path, RFC 8414 path insertion, OIDC path
 * insertion, OIDC path appending; without, the two root documents.
 *
 * @internal
 */
export const serverMetadataUrls = (issuer: string): ReadonlyArray<string> => {
  const url = new URL(issuer)
  const path = url.pathname.replace(/\/$/, "")
  if (path === "") {
    return [`${url.origin}/.well-known/oauth-authorization-server`, `${url.origin}/.well-known/openid-configuration`]
  }
  return [
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    `${url.origin}/.well-known/openid-configuration${path}`,
    `${url.origin}${path}/.well-known/openid-configuration`
  ]
}

const absolute = (server: ServerMetadata, base: string): ServerMetadata => {
  const resolve = (value: string | undefined) => value === undefined ? undefined : new URL(value, base).href
  const endpoints = {
    authorization_endpoint: resolve(server.authorization_endpoint),
    token_endpoint: resolve(server.token_endpoint),
    registration_endpoint: resolve(server.registration_endpoint)
  }
  const defined = Object.fromEntries(Object.entries(endpoints).filter(([, v]) => v !== undefined))
  return { ...server, ...defined }
}

/**
 * The first metadata document found for `issuer`. A 4xx moves on to the next
 * URL; a 5xx or a network failure stops discovery. With `checkIssuer`, a
 * document whose `issuer` is not exactly `issuer` is not used (RFC 8414
 * §3.3; a mix-up defence).
 *
 * @internal
 */
export const serverMetadata = (
  ctx: Http.Context,
  issuer: string,
  checkIssuer: boolean
): Effect.Effect<ServerMetadata | undefined, McpError.AuthorizationFailed> =>
  Effect.gen(function*() {
    for (const url of serverMetadataUrls(issuer)) {
      const reply = yield* Http.exchange(ctx, "discovery", { method: "GET", url })
      if (reply.status >= 500) {
        return yield* Effect.fail(Http.failed(ctx, "discovery", `${url} answered ${reply.status}`, reply))
      }
      if (reply.status < 200 || reply.status >= 300) continue
      const found = decode(ServerMetadata, reply.json)
      if (found === undefined) continue
      if (checkIssuer && found.issuer !== issuer) {
        return yield* Effect.fail(
          Http.failed(ctx, "discovery", `the metadata at ${url} names issuer ${found.issuer}, not ${issuer}`)
        )
      }
      return absolute(found, url)
    }
    return undefined
  })

/**
 * The whole discovery. Of several authorization servers the first is used
 * (RFC 9728 §7.6 leaves the choice to the client).
 *
 * @internal
 */
export const discover = (
  ctx: Http.Context,
  endpoint: string,
  challenge: Bearer | undefined,
  legacy: boolean
): Effect.Effect<Discovery, McpError.AuthorizationFailed> =>
  Effect.gen(function*() {
    const prm = yield* resourceMetadata(ctx, endpoint, challenge)
    if (prm !== undefined) {
      const issuer = prm.authorization_servers?.[0]
      if (issuer === undefined) {
        return yield* Effect.fail(Http.failed(ctx, "discovery", "the protected resource names no authorization server"))
      }
      const checked = Http.checkUrl(ctx, issuer)
      if (typeof checked === "string") return yield* Effect.fail(Http.failed(ctx, "discovery", checked))
      const server = yield* serverMetadata(ctx, issuer, true)
      if (server === undefined) {
        return yield* Effect.fail(Http.failed(ctx, "discovery", `no authorization server metadata for ${issuer}`))
      }
      return { resource: prm.resource, resourceMetadata: prm, server, fromMetadata: true }
    }
    if (!legacy) {
      return yield* Effect.fail(Http.failed(ctx, "discovery", `no protected resource metadata for ${endpoint}`))
    }
    // 2025-03-26: the MCP server's origin is the authorization server.
    const origin = new URL(endpoint).origin
    const server = yield* serverMetadata(ctx, origin, false)
    const resource = canonicalResource(endpoint)
    if (server !== undefined) return { resource, resourceMetadata: undefined, server, fromMetadata: true }
    return {
      resource,
      resourceMetadata: undefined,
      server: {
        issuer: origin,
        authorization_endpoint: `${origin}/authorize`,
        token_endpoint: `${origin}/token`,
        registration_endpoint: `${origin}/register`
      },
      fromMetadata: false
    }
  })

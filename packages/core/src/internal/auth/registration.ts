/**
 * Who the client is at an authorization server, in MCP's order of
 * preference: pre-registered credentials, a stored registration for that
 * issuer, a Client ID Metadata Document (the AS fetches the client's
 * metadata from its `client_id` URL), Dynamic Client Registration
 * (RFC 7591). Registrations are stored per issuer and never shown to another
 * authorization server.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import type * as McpError from "../../McpError.js"
import type { ServerMetadata } from "./discovery.js"
import * as Http from "./http.js"

/** A client's identity at one authorization server. @internal */
export const ClientInfo = Schema.Struct({
  /** The authorization server this identity belongs to. */
  issuer: Schema.String,
  client_id: Schema.String,
  client_secret: Schema.optional(Schema.String),
  token_endpoint_auth_method: Schema.optional(Schema.String),
  redirect_uris: Schema.optional(Schema.Array(Schema.String)),
  /** Seconds since the epoch; 0 or absent: never. */
  client_secret_expires_at: Schema.optional(Schema.Number)
})

/** @internal */
export type ClientInfo = typeof ClientInfo.Type

/** What the application says about its identity (from `McpAuth.Options`). @internal */
export interface Identity {
  readonly clientId?: string | undefined
  readonly clientSecret?: string | undefined
  /** The issuer a pre-registered client belongs to, if the application said. */
  readonly clientIssuer?: string | undefined
  readonly tokenEndpointAuthMethod?: string | undefined
  readonly clientMetadataUrl?: string | undefined
  readonly clientName: string
  readonly applicationType: "native" | "web"
  readonly grantTypes: ReadonlyArray<string>
}

const RegistrationResponse = Schema.Struct({
  client_id: Schema.String,
  client_secret: Schema.optional(Schema.String),
  token_endpoint_auth_method: Schema.optional(Schema.String),
  redirect_uris: Schema.optional(Schema.Array(Schema.String)),
  client_secret_expires_at: Schema.optional(Schema.Number)
})

/** The method the AS is asked for at registration: a public client where it can be one. */
const requestedMethod = (server: ServerMetadata): string => {
  const supported = server.token_endpoint_auth_methods_supported
  if (supported === undefined || supported.includes("none")) return "none"
  return supported.includes("client_secret_basic") ? "client_secret_basic" : supported[0] ?? "none"
}

/**
 * RFC 7591 registration at the server's `registration_endpoint`.
 *
 * @internal
 */
export const register = (
  ctx: Http.Context,
  server: ServerMetadata,
  identity: Identity,
  redirectUri: string | undefined,
  scope: string | undefined
): Effect.Effect<ClientInfo, McpError.AuthorizationFailed> =>
  Effect.gen(function*() {
    const endpoint = server.registration_endpoint
    if (endpoint === undefined) {
      return yield* Effect.fail(
        Http.failed(
          ctx,
          "registration",
          `${server.issuer} supports neither client metadata documents nor dynamic registration: configure a client id`
        )
      )
    }
    const metadata = {
      client_name: identity.clientName,
      redirect_uris: redirectUri === undefined ? [] : [redirectUri],
      grant_types: identity.grantTypes,
      response_types: redirectUri === undefined ? [] : ["code"],
      token_endpoint_auth_method: identity.tokenEndpointAuthMethod ?? requestedMethod(server),
      application_type: identity.applicationType,
      ...(scope === undefined ? {} : { scope })
    }
    const reply = yield* Http.exchange(ctx, "registration", {
      method: "POST",
      url: endpoint,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(metadata)
    })
    if (reply.status < 200 || reply.status >= 300) {
      return yield* Effect.fail(Http.failed(ctx, "registration", `${endpoint} answered ${reply.status}`, reply))
    }
    const decoded = Schema.decodeUnknownEither(RegistrationResponse)(reply.json)
    if (Either.isLeft(decoded)) {
      return yield* Effect.fail(Http.failed(ctx, "registration", "the registration response has no client_id"))
    }
    return { issuer: server.issuer, ...decoded.right }
  })

/** Whether a stored registration is still usable for this flow. @internal */
export const usable = (client: ClientInfo, issuer: string, redirectUri: string | undefined, nowMillis: number) =>
  client.issuer === issuer &&
  (redirectUri === undefined || client.redirect_uris === undefined || client.redirect_uris.includes(redirectUri)) &&
  (client.client_secret_expires_at === undefined || client.client_secret_expires_at === 0 ||
    client.client_secret_expires_at * 1000 > nowMillis)

/**
 * The identity to use without contacting the server, if any: configured
 * credentials, else a Client ID Metadata Document when the server accepts
 * them.
 *
 * @internal
 */
export const configured = (server: ServerMetadata, identity: Identity): ClientInfo | undefined => {
  if (identity.clientId !== undefined) {
    return {
      issuer: server.issuer,
      client_id: identity.clientId,
      ...(identity.clientSecret === undefined ? {} : { client_secret: identity.clientSecret }),
      ...(identity.tokenEndpointAuthMethod === undefined
        ? {}
        : { token_endpoint_auth_method: identity.tokenEndpointAuthMethod })
    }
  }
  if (identity.clientMetadataUrl !== undefined && server.client_id_metadata_document_supported === true) {
    return { issuer: server.issuer, client_id: identity.clientMetadataUrl, token_endpoint_auth_method: "none" }
  }
  return undefined
}

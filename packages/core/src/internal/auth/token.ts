/**
 * Token requests (RFC 6749 §3.2, OAuth 2.1 §3.2): every grant posts a form
 * to the token endpoint with the client authenticated the way the server
 * supports (`none`, `client_secret_basic`, `client_secret_post`,
 * `private_key_jwt` of RFC 7523), and gets tokens or an OAuth error.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import type * as McpError from "../../McpError.js"
import * as Crypto from "./crypto.js"
import type { ServerMetadata } from "./discovery.js"
import * as Dpop from "./dpop.js"
import * as Http from "./http.js"
import type { ClientInfo } from "./registration.js"

/** RFC 6749 §5.1. @internal */
export const TokenResponse = Schema.Struct({
  access_token: Schema.String,
  token_type: Schema.optional(Schema.String),
  expires_in: Schema.optional(Schema.Number),
  refresh_token: Schema.optional(Schema.String),
  scope: Schema.optional(Schema.String)
})

/** @internal */
export type TokenResponse = typeof TokenResponse.Type

/** How the client proves itself at the token endpoint. @internal */
export type ClientAuth =
  | { readonly _tag: "Client"; readonly client: ClientInfo }
  /** No client authentication at all: the grant itself authenticates (a workload's JWT). */
  | { readonly _tag: "None" }
  | {
    readonly _tag: "PrivateKeyJwt"
    readonly clientId: string
    readonly privateKeyPem: string
    readonly algorithm: Crypto.SigningAlgorithm
  }

/**
 * The method for a client (RFC 8414 §2: a server that lists none supports
 * `client_secret_basic`): the one registered, if the server supports it;
 * with a secret, Basic then Post; else none.
 *
 * @internal
 */
export const authMethod = (client: ClientInfo, server: ServerMetadata): string => {
  const supported = server.token_endpoint_auth_methods_supported ?? ["client_secret_basic"]
  const registered = client.token_endpoint_auth_method
  if (registered !== undefined && (supported.includes(registered) || registered === "none")) {
    if (registered === "none" || client.client_secret !== undefined) return registered
  }
  if (client.client_secret === undefined) return "none"
  if (supported.includes("client_secret_basic")) return "client_secret_basic"
  if (supported.includes("client_secret_post")) return "client_secret_post"
  return "client_secret_basic"
}

/** RFC 6749 §2.3.1: id and secret form-urlencoded, then base64. @internal */
export const basic = (id: string, secret: string): string => {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, "+")
  return `Basic ${btoa(`${enc(id)}:${enc(secret)}`)}`
}

/** The client's proof for a form posted to `tokenEndpoint` (or the revocation endpoint). @internal */
export const authenticate = (
  ctx: Http.Context,
  step: McpError.AuthorizationStep,
  server: ServerMetadata,
  auth: ClientAuth,
  tokenEndpoint: string
): Effect.Effect<
  { readonly headers: Record<string, string>; readonly params: Record<string, string> },
  McpError.AuthorizationFailed
> => {
  if (auth._tag === "None") return Effect.succeed({ headers: {}, params: {} })
  if (auth._tag === "PrivateKeyJwt") {
    return Effect.flatMap(Clock.currentTimeMillis, (millis) => {
      const now = Math.floor(millis / 1000)
      const claims = {
        iss: auth.clientId,
        sub: auth.clientId,
        aud: server.issuer === "" ? tokenEndpoint : server.issuer,
        iat: now,
        exp: now + 300,
        jti: Crypto.randomToken(16)
      }
      return Crypto.signJwt(claims, auth.privateKeyPem, auth.algorithm).pipe(
        Effect.mapError((description) => Http.failed(ctx, step, description)),
        Effect.map((assertion) => ({
          headers: {},
          params: {
            client_id: auth.clientId,
            client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            client_assertion: assertion
          }
        }))
      )
    })
  }
  const client = auth.client
  switch (authMethod(client, server)) {
    case "client_secret_basic":
      return Effect.succeed({
        headers: { authorization: basic(client.client_id, client.client_secret ?? "") },
        params: {}
      })
    case "client_secret_post":
      return Effect.succeed({
        headers: {},
        params: { client_id: client.client_id, client_secret: client.client_secret ?? "" }
      })
    default:
      return Effect.succeed({ headers: {}, params: { client_id: client.client_id } })
  }
}

/** The answer of one POST to the token endpoint, with the `DPoP` proof when there is a DPoP context. */
const post = (
  ctx: Http.Context,
  step: McpError.AuthorizationStep,
  server: ServerMetadata,
  auth: ClientAuth,
  endpoint: string,
  params: Readonly<Record<string, string | undefined>>,
  dpop: Dpop.Context | undefined
) =>
  Effect.gen(function*() {
    // Fresh each time: a retry must not replay a client assertion's or a proof's `jti`.
    const client = yield* authenticate(ctx, step, server, auth, endpoint)
    const proof = dpop === undefined
      ? undefined
      : yield* Effect.mapError(
        Dpop.header(dpop, { method: "POST", url: endpoint }),
        (description) => Http.failed(ctx, step, description)
      )
    const reply = yield* Http.exchange(ctx, step, {
      method: "POST",
      url: endpoint,
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        ...client.headers,
        ...(proof === undefined ? {} : { dpop: proof })
      },
      body: Http.form({ ...params, ...client.params })
    })
    const fresh = dpop?.nonces.update(endpoint, reply.headers) === true
    return { reply, fresh }
  })

const oauthError = (reply: Http.Reply): string | undefined =>
  Predicate.isRecord(reply.json) && typeof reply.json.error === "string" ? reply.json.error : undefined

/**
 * One token request. An OAuth error answer fails with the server's `error`
 * and `error_description`; so does a success without an `access_token`.
 * With a DPoP context, the request carries a proof, and a `use_dpop_nonce`
 * answer with a new nonce is retried once with it (RFC 9449 §8).
 *
 * @internal
 */
export const request = (
  ctx: Http.Context,
  step: McpError.AuthorizationStep,
  server: ServerMetadata,
  auth: ClientAuth,
  params: Readonly<Record<string, string | undefined>>,
  /** Only an access token must be a Bearer token; an exchanged ID-JAG is `N_A` (RFC 8693 §2.2.1). */
  accessToken = true,
  dpop: Dpop.Context | undefined = undefined
): Effect.Effect<TokenResponse, McpError.AuthorizationFailed> =>
  Effect.gen(function*() {
    const endpoint = server.token_endpoint
    if (endpoint === undefined) {
      return yield* Effect.fail(Http.failed(ctx, step, `${server.issuer} has no token endpoint`))
    }
    const first = yield* post(ctx, step, server, auth, endpoint, params, dpop)
    const challenged = first.reply.status === 400 && oauthError(first.reply) === "use_dpop_nonce" && first.fresh
    const { reply } = challenged ? yield* post(ctx, step, server, auth, endpoint, params, dpop) : first
    if (reply.status < 200 || reply.status >= 300) {
      return yield* Effect.fail(Http.failed(ctx, step, `the token endpoint answered ${reply.status}`, reply))
    }
    const decoded = Schema.decodeUnknownEither(TokenResponse)(reply.json)
    if (Either.isLeft(decoded)) {
      return yield* Effect.fail(Http.failed(ctx, step, "the token response has no access_token", reply))
    }
    const type = decoded.right.token_type?.toLowerCase()
    // RFC 9449 §5: an authorization server without DPoP ignores the proof and issues a Bearer token.
    const accepted = type === undefined || type === "bearer" || (dpop !== undefined && type === "dpop")
    if (accessToken && !accepted) {
      return yield* Effect.fail(Http.failed(ctx, step, `unsupported token type ${decoded.right.token_type}`))
    }
    return decoded.right
  })

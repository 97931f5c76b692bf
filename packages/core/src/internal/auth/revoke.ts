/**
 * Token revocation (RFC 7009) at the authorization server that issued a
 * grant, where its metadata advertises a `revocation_endpoint`: the refresh
 * token first (revoking it may end the access tokens of the same grant),
 * then the access token, each authenticated as the token request was.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Predicate from "effect/Predicate"
import type * as McpError from "../../McpError.js"
import * as Flow from "./flow.js"
import * as Http from "./http.js"
import * as Token from "./token.js"

/** @internal */
export type TokenType = "refresh_token" | "access_token"

/** How the client authenticates, as for its grant: a machine grant's own credentials, else the registration. */
const clientAuth = (config: Flow.Config, grant: Flow.Grant): Effect.Effect<Token.ClientAuth | undefined> => {
  const machine = config.grant
  const issuer = grant.server.issuer
  if (machine?._tag === "IdentityAssertion") {
    return Effect.succeed({
      _tag: "Client",
      client: { issuer, client_id: machine.clientId, client_secret: machine.clientSecret }
    })
  }
  if (machine?._tag === "ClientCredentials") {
    return Effect.succeed(
      "clientSecret" in machine
        ? { _tag: "Client", client: { issuer, client_id: machine.clientId, client_secret: machine.clientSecret } }
        : {
          _tag: "PrivateKeyJwt",
          clientId: machine.clientId,
          privateKeyPem: machine.privateKeyPem,
          algorithm: machine.algorithm ?? "ES256"
        }
    )
  }
  return Effect.map(
    Flow.clientOf(config, grant.server),
    (client): Token.ClientAuth | undefined => client === undefined ? undefined : { _tag: "Client", client }
  )
}

/**
 * Revokes the grant's tokens; succeeds with those the server confirmed (none
 * when it advertises no revocation endpoint). A token type the server does
 * not revoke (`unsupported_token_type`) is skipped; any other refusal fails.
 *
 * @internal
 */
export const revoke = (
  config: Flow.Config,
  grant: Flow.Grant
): Effect.Effect<ReadonlyArray<TokenType>, McpError.AuthorizationFailed> =>
  Effect.gen(function*() {
    const endpoint = grant.server.revocation_endpoint
    if (endpoint === undefined) return []
    const auth = yield* clientAuth(config, grant)
    if (auth === undefined) {
      return yield* Effect.fail(
        Http.failed(config.http, "revocation", "no client registration to authenticate the revocation with")
      )
    }
    const tokens: ReadonlyArray<readonly [TokenType, string | undefined]> = [
      ["refresh_token", grant.refresh_token],
      ["access_token", grant.access_token]
    ]
    const revoked: Array<TokenType> = []
    for (const [hint, token] of tokens) {
      if (token === undefined) continue
      const client = yield* Token.authenticate(config.http, "revocation", grant.server, auth, endpoint)
      const reply = yield* Http.exchange(config.http, "revocation", {
        method: "POST",
        url: endpoint,
        headers: { "content-type": "application/x-www-form-urlencoded", ...client.headers },
        body: Http.form({ token, token_type_hint: hint, ...client.params })
      })
      // RFC 7009 §2.2: 200 also for a token that was already invalid.
      if (reply.status === 200) {
        revoked.push(hint)
        continue
      }
      const error = Predicate.isRecord(reply.json) ? reply.json.error : undefined
      if (error === "unsupported_token_type") continue
      return yield* Effect.fail(
        Http.failed(config.http, "revocation", `the revocation endpoint answered ${reply.status}`, reply)
      )
    }
    return revoked
  }).pipe(Effect.withSpan("McpAuth.revoke", { attributes: { "mcp.auth.resource": config.endpoint } }))

/**
 * Grants without a user: client credentials (the
 * `io.modelcontextprotocol/oauth-client-credentials` extension, with a
 * secret or `private_key_jwt`), and the SEP-990 identity assertion (an ID
 * token exchanged at the enterprise IdP, RFC 8693, then the JWT bearer grant).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as McpAuth from "../../McpAuth.js"
import type * as McpError from "../../McpError.js"
import type * as Discovery from "./discovery.js"
import type * as Dpop from "./dpop.js"
import type * as Http from "./http.js"
import * as Token from "./token.js"

/** @internal */
export const grant = (
  http: Http.Context,
  grant: McpAuth.ClientCredentials | McpAuth.IdentityAssertion,
  discovery: Discovery.Discovery,
  scope: string | undefined,
  dpop: Dpop.Context | undefined
): Effect.Effect<Token.TokenResponse, McpError.AuthorizationFailed> => {
  const server = discovery.server
  if (grant._tag === "IdentityAssertion") {
    return Effect.gen(function*() {
      const idp = { ...server, issuer: "", token_endpoint: grant.idpTokenEndpoint }
      const idpClient = grant.idpClientId === undefined
        ? undefined
        : {
          issuer: "",
          client_id: grant.idpClientId,
          ...(grant.idpClientSecret === undefined ? {} : { client_secret: grant.idpClientSecret })
        }
      const exchanged = yield* Token.request(
        http,
        "token",
        { ...idp, token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "none"] },
        { _tag: "Client", client: idpClient ?? { issuer: "", client_id: grant.clientId } },
        {
          grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
          requested_token_type: "urn:ietf:params:oauth:token-type:id-jag",
          subject_token: grant.idToken,
          subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
          audience: server.issuer,
          resource: discovery.resource,
          scope
        },
        false
      )
      const client = { issuer: server.issuer, client_id: grant.clientId, client_secret: grant.clientSecret }
      return yield* Token.request(
        http,
        "token",
        server,
        { _tag: "Client", client },
        {
          grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
          assertion: exchanged.access_token,
          resource: discovery.resource,
          scope
        },
        true,
        dpop
      )
    })
  }
  const auth: Token.ClientAuth = "clientSecret" in grant
    ? {
      _tag: "Client",
      client: { issuer: server.issuer, client_id: grant.clientId, client_secret: grant.clientSecret }
    }
    : {
      _tag: "PrivateKeyJwt",
      clientId: grant.clientId,
      privateKeyPem: grant.privateKeyPem,
      algorithm: grant.algorithm ?? "ES256"
    }
  return Token.request(
    http,
    "token",
    server,
    auth,
    {
      grant_type: "client_credentials",
      resource: discovery.resource,
      scope
    },
    true,
    dpop
  )
}

/**
 * What an authorization is obtained with, besides the interactive
 * authorization code grant: the grants without a user (client credentials,
 * enterprise-managed identity assertion, workload identity) and DPoP-bound
 * tokens. The models of `McpAuth.Options`' `grant` and `dpop` (also reachable
 * as `McpAuth.ClientCredentials`, ...).
 *
 * @since 0.2.0
 */
import type * as Effect from "effect/Effect"

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
 * Workload identity federation (SEP-1933): the JWT bearer grant (RFC 7523
 * §2.1) with a token the platform issued to this workload (a Kubernetes
 * service-account token, a SPIFFE JWT-SVID, a cloud identity token), whose
 * issuer the authorization server trusts. No client secret.
 *
 * @since 0.2.0
 * @category models
 */
export interface WorkloadIdentity {
  readonly _tag: "WorkloadIdentity"
  /**
   * The workload's JWT, or how to read it: an effect runs for every grant,
   * since platform tokens rotate (e.g. read a projected token file). Never
   * stored by the layer.
   */
  readonly assertion: string | Effect.Effect<string, unknown>
  /** A `client_id` to send along, when the authorization server wants one. */
  readonly clientId?: string | undefined
}

/**
 * DPoP (RFC 9449): tokens bound to a key the client holds, proven on every
 * request. `true`: a fresh ES256 key for the life of the layer (its private
 * key not extractable); or the application's Web Crypto ECDSA P-256 key pair,
 * so that stored DPoP-bound tokens stay usable across restarts.
 *
 * @since 0.2.0
 * @category models
 */
export type Dpop = boolean | { readonly keyPair: DpopKeyPair }

/**
 * A Web Crypto key pair (`crypto.subtle.generateKey({ name: "ECDSA",
 * namedCurve: "P-256" }, ...)`), typed without the DOM library.
 *
 * @since 0.2.0
 * @category models
 */
export interface DpopKeyPair {
  readonly privateKey: Parameters<typeof crypto.subtle.sign>[1]
  readonly publicKey: Parameters<typeof crypto.subtle.sign>[1]
}

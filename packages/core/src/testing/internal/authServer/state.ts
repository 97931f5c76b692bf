/**
 * The test authorization server's state, one record handed to the endpoint
 * functions (`issuer.ts`, `resource.ts`), and the answers they build.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Crypto from "../../../internal/auth/crypto.js"
import type * as McpHttp from "../../../McpHttp.js"
import type * as McpTestAuth from "../../McpTestAuth.js"

/** @internal */
export interface Client {
  readonly id: string
  readonly secret: string | undefined
  readonly method: string
  readonly redirectUris: ReadonlyArray<string>
}

/** @internal */
export interface Code {
  readonly client: string
  readonly challenge: string
  readonly redirectUri: string
  readonly scope: string
  readonly resource: string | undefined
}

/** @internal */
export interface Issued {
  readonly scope: string
  readonly expiresAt: number
  readonly client: string
  /** The DPoP key thumbprint the token is bound to (RFC 9449 §6). */
  readonly jkt: string | undefined
}

/** @internal */
export const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"

/** @internal */
export interface AuthState {
  readonly options: McpTestAuth.ServerOptions
  /** Changes when the test migrates to another authorization server. */
  issuer: string
  /** Authorization servers migrated away from: nothing they issued is good anywhere. */
  readonly retired: Array<string>
  readonly resource: string
  readonly resourceUrl: URL
  /** The protected resource metadata URL (RFC 9728 §3.1). */
  readonly prmUrl: string
  readonly dpop: { readonly requireNonce: boolean; readonly seen: Set<string> } | undefined
  /** Access token lifetime, in milliseconds. */
  readonly ttl: number
  readonly clients: Map<string, Client>
  readonly codes: Map<string, Code>
  readonly access: Map<string, Issued>
  readonly refresh: Map<string, Issued>
  readonly faults: Array<McpTestAuth.Fault>
  readonly stats: { -readonly [K in keyof McpTestAuth.Stats]: McpTestAuth.Stats[K] }
  readonly requests: Array<McpTestAuth.LoggedRequest>
  counter: number
  /** The DPoP nonces of the authorization server and of the resource. */
  readonly asNonce: string
  readonly rsNonce: string
}

/** @internal */
export const make = (options: McpTestAuth.ServerOptions): AuthState => {
  const resource = options.resource ?? "https://mcp.test/mcp"
  const resourceUrl = new URL(resource)
  const clients = new Map<string, Client>()
  for (const client of options.clients ?? []) {
    clients.set(client.clientId, {
      id: client.clientId,
      secret: client.clientSecret,
      method: client.clientSecret === undefined ? "none" : "client_secret_basic",
      redirectUris: client.redirectUris ?? []
    })
  }
  return {
    options,
    issuer: options.issuer ?? "https://auth.test",
    retired: [],
    resource,
    resourceUrl,
    prmUrl: `${resourceUrl.origin}/.well-known/oauth-protected-resource${resourceUrl.pathname}`,
    dpop: options.dpop === undefined || options.dpop === false
      ? undefined
      : { requireNonce: options.dpop !== true && options.dpop.requireNonce === true, seen: new Set<string>() },
    ttl: Duration.toMillis(Duration.decode(options.tokenTtl ?? "1 hour")),
    clients,
    codes: new Map(),
    access: new Map(),
    refresh: new Map(),
    faults: [],
    stats: {
      registrations: 0,
      authorizations: 0,
      codeGrants: 0,
      refreshes: 0,
      clientCredentials: 0,
      jwtBearer: 0,
      rejected: 0,
      dpopNonceChallenges: 0,
      revocations: 0
    },
    requests: [],
    // The two nonces are the first two ids `next` would have made.
    counter: 2,
    asNonce: `asn-1-${Crypto.randomToken(8)}`,
    rsNonce: `rsn-2-${Crypto.randomToken(8)}`
  }
}

/** A fresh identifier (client, secret, code, token), unique in this server. @internal */
export const next = (state: AuthState, prefix: string): string =>
  `${prefix}-${++state.counter}-${Crypto.randomToken(8)}`

/** Takes the first injected fault of this kind, which applies once. @internal */
export const takeFault = (state: AuthState, tag: McpTestAuth.Fault["_tag"]): McpTestAuth.Fault | undefined => {
  const index = state.faults.findIndex((f) => f._tag === tag)
  return index === -1 ? undefined : state.faults.splice(index, 1)[0]
}

/** @internal */
export const words = (scope: string | undefined): Array<string> => (scope ?? "").split(" ").filter((w) => w !== "")

/** What the server grants of a requested scope. @internal */
export const grantable = (state: AuthState, scope: string): string =>
  state.options.grantableScopes === undefined
    ? scope
    : words(scope).filter((w) => state.options.grantableScopes?.includes(w) === true).join(" ")

/** An answer whose body is read once. @internal */
export const respond = (
  status: number,
  headers: Readonly<Record<string, string>>,
  body: string
): McpHttp.Response => {
  let sent = body === ""
  return {
    status,
    headers: body === "" ? headers : { "content-type": "application/json", ...headers },
    read: Effect.sync(() => {
      if (sent) return undefined
      sent = true
      return body
    }),
    discard: Effect.sync(() => {
      sent = true
    })
  }
}

/** @internal */
export const json = (
  status: number,
  value: unknown,
  headers: Readonly<Record<string, string>> = {}
): McpHttp.Response => respond(status, headers, JSON.stringify(value))

/** @internal */
export const oauthError = (status: number, error: string, description?: string): McpHttp.Response =>
  json(status, { error, ...(description === undefined ? {} : { error_description: description }) })

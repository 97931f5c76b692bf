/**
 * The test authorization server's endpoints: RFC 8414 metadata, dynamic
 * registration (RFC 7591), an authorization endpoint that approves at once
 * (302 with `code`, `state`, `iss`), the token endpoint (authorization code
 * with PKCE S256, refresh with rotation, client credentials, JWT bearer;
 * DPoP proofs per RFC 9449) and revocation (RFC 7009).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Crypto from "../../../internal/auth/crypto.js"
import type * as McpHttp from "../../../McpHttp.js"
import * as DpopCheck from "../dpopCheck.js"
import type { AuthState, Client } from "./state.js"
import { grantable, json, JWT_BEARER, next, oauthError, respond, takeFault } from "./state.js"

type Headers = Readonly<Record<string, string>>

/** RFC 8414 §2. @internal */
export const metadata = (state: AuthState) => {
  const { issuer, options } = state
  return {
    issuer: takeFault(state, "WrongIssuer") === undefined ? issuer : `${issuer}/other`,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    ...(options.registration === false ? {} : { registration_endpoint: `${issuer}/register` }),
    ...(options.revocation === false ? {} : { revocation_endpoint: `${issuer}/revoke` }),
    response_types_supported: ["code"],
    grant_types_supported: [
      "authorization_code",
      "refresh_token",
      "client_credentials",
      ...(options.workloadAssertions === undefined ? [] : [JWT_BEARER])
    ],
    code_challenge_methods_supported: ["S256"],
    token_endpoint_auth_methods_supported: ["none", "client_secret_basic", "client_secret_post"],
    authorization_response_iss_parameter_supported: true,
    ...(state.dpop === undefined ? {} : { dpop_signing_alg_values_supported: ["ES256"] }),
    ...(options.scopesSupported === undefined ? {} : { scopes_supported: options.scopesSupported })
  }
}

const issue = (state: AuthState, client: string, scope: string, now: number, jkt: string | undefined) =>
  Effect.sync(() => {
    const token = next(state, "at")
    state.access.set(token, { scope, expiresAt: now + state.ttl, client, jkt })
    const body: Record<string, unknown> = {
      access_token: token,
      token_type: jkt === undefined ? "Bearer" : "DPoP",
      expires_in: Math.floor(state.ttl / 1000),
      ...(scope === "" ? {} : { scope })
    }
    if (state.options.refreshTokens !== false) {
      const refreshToken = next(state, "rt")
      state.refresh.set(refreshToken, { scope, expiresAt: Number.POSITIVE_INFINITY, client, jkt })
      body.refresh_token = refreshToken
    }
    if (takeFault(state, "BadTokenResponse") !== undefined) return respond(200, {}, "{\"token_type\":\"Bearer\"}")
    return json(200, body)
  })

const authenticate = (state: AuthState, headers: Headers, form: URLSearchParams): Client | undefined => {
  const header = headers.authorization
  if (header?.startsWith("Basic ") === true) {
    const [id, secret] = atob(header.slice(6)).split(":").map((s) => decodeURIComponent(s.replace(/\+/g, " ")))
    const client = state.clients.get(id)
    return client !== undefined && client.secret === secret ? client : undefined
  }
  const client = state.clients.get(form.get("client_id") ?? "")
  if (client === undefined) return undefined
  if (client.secret === undefined) return client
  return form.get("client_secret") === client.secret ? client : undefined
}

/** RFC 9449 §5: a token request's proof, if any: its key thumbprint, or the error answer. */
const tokenProof = (state: AuthState, headers: Headers, now: number) =>
  Effect.gen(function*() {
    const dpop = state.dpop
    if (dpop === undefined || headers.dpop === undefined) return { jkt: undefined }
    const verdict = yield* DpopCheck.check(headers.dpop, {
      method: "POST",
      url: `${state.issuer}/token`,
      now,
      nonce: dpop.requireNonce ? state.asNonce : undefined,
      seen: dpop.seen
    })
    if (verdict._tag === "Valid") return { jkt: verdict.jkt }
    if (verdict.error === "use_dpop_nonce") state.stats.dpopNonceChallenges++
    return {
      answer: json(400, { error: verdict.error, error_description: verdict.reason }, {
        ...(dpop.requireNonce ? { "dpop-nonce": state.asNonce } : {})
      })
    }
  })

/** The token endpoint: every grant the server knows. @internal */
export const token = (state: AuthState, headers: Headers, body: string, now: number) =>
  Effect.gen(function*() {
    const form = new URLSearchParams(body)
    const forced = takeFault(state, "TokenError")
    if (forced !== undefined && forced._tag === "TokenError") return oauthError(400, forced.error)
    const proof = yield* tokenProof(state, headers, now)
    if ("answer" in proof) return proof.answer
    const jkt = proof.jkt
    if (form.get("grant_type") === JWT_BEARER) {
      // Workload identity (RFC 7523 §2.1): the assertion authenticates; no client authentication.
      const assertion = form.get("assertion")
      if (assertion === null) return oauthError(400, "invalid_request", "no assertion")
      if (state.options.workloadAssertions?.includes(assertion) !== true) return oauthError(400, "invalid_grant")
      state.stats.jwtBearer++
      return yield* issue(state, "workload", grantable(state, form.get("scope") ?? ""), now, jkt)
    }
    const client = authenticate(state, headers, form)
    if (client === undefined) return oauthError(401, "invalid_client")
    switch (form.get("grant_type")) {
      case "authorization_code": {
        const code = state.codes.get(form.get("code") ?? "")
        state.codes.delete(form.get("code") ?? "")
        if (code === undefined || code.client !== client.id) return oauthError(400, "invalid_grant")
        if (code.redirectUri !== form.get("redirect_uri")) return oauthError(400, "invalid_grant", "redirect_uri")
        if (code.resource !== (form.get("resource") ?? undefined)) return oauthError(400, "invalid_target")
        const challenge = yield* Crypto.s256(form.get("code_verifier") ?? "")
        if (challenge !== code.challenge) return oauthError(400, "invalid_grant", "PKCE verification failed")
        state.stats.codeGrants++
        return yield* issue(state, client.id, code.scope, now, jkt)
      }
      case "refresh_token": {
        const held = state.refresh.get(form.get("refresh_token") ?? "")
        if (held === undefined || held.client !== client.id) return oauthError(400, "invalid_grant")
        // RFC 9449 §5: a public client's refresh token is bound to its DPoP key.
        if (held.jkt !== undefined && held.jkt !== jkt) return oauthError(400, "invalid_grant", "DPoP key")
        state.refresh.delete(form.get("refresh_token") ?? "") // rotation: a refresh token works once
        state.stats.refreshes++
        return yield* issue(state, client.id, held.scope, now, jkt)
      }
      case "client_credentials":
        state.stats.clientCredentials++
        return yield* issue(state, client.id, form.get("scope") ?? "", now, jkt)
      default:
        return oauthError(400, "unsupported_grant_type")
    }
  })

/** RFC 7009: the client's own token ends; 200 whether or not it was valid. @internal */
export const revoke = (state: AuthState, headers: Headers, body: string): McpHttp.Response => {
  const form = new URLSearchParams(body)
  const client = authenticate(state, headers, form)
  if (client === undefined) return oauthError(401, "invalid_client")
  const token = form.get("token") ?? ""
  for (const map of [state.refresh, state.access]) {
    const held = map.get(token)
    if (held !== undefined && held.client === client.id) {
      map.delete(token)
      state.stats.revocations++
    }
  }
  return respond(200, {}, "")
}

/** The authorization endpoint: approves at once, redirecting with a code (or an error). @internal */
export const authorize = (state: AuthState, url: URL): McpHttp.Response => {
  const q = url.searchParams
  const client = state.clients.get(q.get("client_id") ?? "")
  const redirectUri = q.get("redirect_uri") ?? ""
  if (client === undefined || !client.redirectUris.includes(redirectUri)) {
    return oauthError(400, "invalid_request", "unknown client or redirect_uri")
  }
  const target = new URL(redirectUri)
  const redirectState = q.get("state")
  const wrongState = takeFault(state, "WrongState") !== undefined
  if (redirectState !== null) target.searchParams.set("state", wrongState ? "forged" : redirectState)
  if (q.get("code_challenge_method") !== "S256" || q.get("code_challenge") === null) {
    target.searchParams.set("error", "invalid_request")
  } else {
    state.stats.authorizations++
    const code = next(state, "code")
    state.codes.set(code, {
      client: client.id,
      challenge: q.get("code_challenge") ?? "",
      redirectUri,
      scope: grantable(state, q.get("scope") ?? ""),
      resource: q.get("resource") ?? undefined
    })
    target.searchParams.set("code", code)
  }
  target.searchParams.set("iss", takeFault(state, "WrongIss") === undefined ? state.issuer : `${state.issuer}/evil`)
  return respond(302, { location: target.href }, "")
}

/** Dynamic client registration (RFC 7591). @internal */
export const register = (state: AuthState, body: string): McpHttp.Response => {
  let metadata: { redirect_uris?: ReadonlyArray<string>; token_endpoint_auth_method?: string }
  try {
    metadata = JSON.parse(body)
  } catch {
    return oauthError(400, "invalid_client_metadata")
  }
  state.stats.registrations++
  const method = metadata.token_endpoint_auth_method ?? "client_secret_basic"
  const client: Client = {
    id: next(state, "client"),
    secret: method === "none" ? undefined : next(state, "secret"),
    method,
    redirectUris: metadata.redirect_uris ?? []
  }
  state.clients.set(client.id, client)
  return json(201, {
    client_id: client.id,
    ...(client.secret === undefined ? {} : { client_secret: client.secret }),
    token_endpoint_auth_method: method,
    redirect_uris: client.redirectUris
  })
}

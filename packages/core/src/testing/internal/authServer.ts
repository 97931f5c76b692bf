/**
 * The test authorization server and protected resource, as an `McpHttp`
 * in front of an MCP server's `McpHttp`: RFC 9728 metadata, RFC 8414
 * metadata, dynamic registration, an authorization endpoint that approves at
 * once (302 with `code`, `state`, `iss`), a token endpoint (authorization
 * code with PKCE S256, refresh with rotation, client credentials), and the
 * MCP endpoint guarded by Bearer tokens that expire on the `Clock`.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Crypto from "../../internal/auth/crypto.js"
import type * as McpHttp from "../../McpHttp.js"
import type * as McpTestAuth from "../McpTestAuth.js"
import * as DpopCheck from "./dpopCheck.js"

interface Client {
  readonly id: string
  readonly secret: string | undefined
  readonly method: string
  readonly redirectUris: ReadonlyArray<string>
}

interface Code {
  readonly client: string
  readonly challenge: string
  readonly redirectUri: string
  readonly scope: string
  readonly resource: string | undefined
}

interface Issued {
  readonly scope: string
  readonly expiresAt: number
  readonly client: string
  /** The DPoP key thumbprint the token is bound to (RFC 9449 §6). */
  readonly jkt: string | undefined
}

const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"

const respond = (
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

const json = (status: number, value: unknown, headers: Readonly<Record<string, string>> = {}) =>
  respond(status, headers, JSON.stringify(value))

const oauthError = (status: number, error: string, description?: string) =>
  json(status, { error, ...(description === undefined ? {} : { error_description: description }) })

const words = (scope: string | undefined) => (scope ?? "").split(" ").filter((w) => w !== "")

/** @internal */
export const make = (options: McpTestAuth.ServerOptions = {}) =>
  Effect.sync(() => {
    let issuer = options.issuer ?? "https://auth.test"
    const retired: Array<string> = []
    const resource = options.resource ?? "https://mcp.test/mcp"
    const resourceUrl = new URL(resource)
    const issuerPath = () => new URL(issuer).pathname.replace(/\/$/, "")
    const dpop = options.dpop === undefined || options.dpop === false
      ? undefined
      : { requireNonce: options.dpop !== true && options.dpop.requireNonce === true, seen: new Set<string>() }
    const prmUrl = `${resourceUrl.origin}/.well-known/oauth-protected-resource${resourceUrl.pathname}`
    const ttl = Duration.toMillis(Duration.decode(options.tokenTtl ?? "1 hour"))
    const clients = new Map<string, Client>()
    for (const client of options.clients ?? []) {
      clients.set(client.clientId, {
        id: client.clientId,
        secret: client.clientSecret,
        method: client.clientSecret === undefined ? "none" : "client_secret_basic",
        redirectUris: client.redirectUris ?? []
      })
    }
    /** What the server grants of a requested scope. */
    const grantable = (scope: string) =>
      options.grantableScopes === undefined
        ? scope
        : words(scope).filter((w) => options.grantableScopes?.includes(w) === true).join(" ")
    const codes = new Map<string, Code>()
    const access = new Map<string, Issued>()
    const refresh = new Map<string, Issued>()
    const faults: Array<McpTestAuth.Fault> = []
    const stats = {
      registrations: 0,
      authorizations: 0,
      codeGrants: 0,
      refreshes: 0,
      clientCredentials: 0,
      jwtBearer: 0,
      rejected: 0,
      dpopNonceChallenges: 0,
      revocations: 0
    }
    const requests: Array<McpTestAuth.LoggedRequest> = []
    let counter = 0
    const next = (prefix: string) => `${prefix}-${++counter}-${Crypto.randomToken(8)}`
    const asNonce = next("asn")
    const rsNonce = next("rsn")
    const takeFault = (tag: McpTestAuth.Fault["_tag"]) => {
      const index = faults.findIndex((f) => f._tag === tag)
      return index === -1 ? undefined : faults.splice(index, 1)[0]
    }

    const metadata = () => ({
      issuer: takeFault("WrongIssuer") === undefined ? issuer : `${issuer}/other`,
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
      ...(dpop === undefined ? {} : { dpop_signing_alg_values_supported: ["ES256"] }),
      ...(options.scopesSupported === undefined ? {} : { scopes_supported: options.scopesSupported })
    })

    const issue = (client: string, scope: string, now: number, jkt: string | undefined) =>
      Effect.sync(() => {
        const token = next("at")
        access.set(token, { scope, expiresAt: now + ttl, client, jkt })
        const body: Record<string, unknown> = {
          access_token: token,
          token_type: jkt === undefined ? "Bearer" : "DPoP",
          expires_in: Math.floor(ttl / 1000),
          ...(scope === "" ? {} : { scope })
        }
        if (options.refreshTokens !== false) {
          const refreshToken = next("rt")
          refresh.set(refreshToken, { scope, expiresAt: Number.POSITIVE_INFINITY, client, jkt })
          body.refresh_token = refreshToken
        }
        if (takeFault("BadTokenResponse") !== undefined) return respond(200, {}, "{\"token_type\":\"Bearer\"}")
        return json(200, body)
      })

    const authenticate = (headers: Readonly<Record<string, string>>, form: URLSearchParams): Client | undefined => {
      const header = headers.authorization
      if (header?.startsWith("Basic ") === true) {
        const [id, secret] = atob(header.slice(6)).split(":").map((s) => decodeURIComponent(s.replace(/\+/g, " ")))
        const client = clients.get(id)
        return client !== undefined && client.secret === secret ? client : undefined
      }
      const client = clients.get(form.get("client_id") ?? "")
      if (client === undefined) return undefined
      if (client.secret === undefined) return client
      return form.get("client_secret") === client.secret ? client : undefined
    }

    /** RFC 9449 §5: a token request's proof, if any: its key thumbprint, or the error answer. */
    const tokenProof = (headers: Readonly<Record<string, string>>, now: number) =>
      Effect.gen(function*() {
        if (dpop === undefined || headers.dpop === undefined) return { jkt: undefined }
        const verdict = yield* DpopCheck.check(headers.dpop, {
          method: "POST",
          url: `${issuer}/token`,
          now,
          nonce: dpop.requireNonce ? asNonce : undefined,
          seen: dpop.seen
        })
        if (verdict._tag === "Valid") return { jkt: verdict.jkt }
        if (verdict.error === "use_dpop_nonce") stats.dpopNonceChallenges++
        return {
          answer: json(400, { error: verdict.error, error_description: verdict.reason }, {
            ...(dpop.requireNonce ? { "dpop-nonce": asNonce } : {})
          })
        }
      })

    const token = (headers: Readonly<Record<string, string>>, body: string, now: number) =>
      Effect.gen(function*() {
        const form = new URLSearchParams(body)
        const forced = takeFault("TokenError")
        if (forced !== undefined && forced._tag === "TokenError") return oauthError(400, forced.error)
        const proof = yield* tokenProof(headers, now)
        if ("answer" in proof) return proof.answer
        const jkt = proof.jkt
        if (form.get("grant_type") === JWT_BEARER) {
          // Workload identity (RFC 7523 §2.1): the assertion authenticates; no client authentication.
          const assertion = form.get("assertion")
          if (assertion === null) return oauthError(400, "invalid_request", "no assertion")
          if (options.workloadAssertions?.includes(assertion) !== true) return oauthError(400, "invalid_grant")
          stats.jwtBearer++
          return yield* issue("workload", grantable(form.get("scope") ?? ""), now, jkt)
        }
        const client = authenticate(headers, form)
        if (client === undefined) return oauthError(401, "invalid_client")
        switch (form.get("grant_type")) {
          case "authorization_code": {
            const code = codes.get(form.get("code") ?? "")
            codes.delete(form.get("code") ?? "")
            if (code === undefined || code.client !== client.id) return oauthError(400, "invalid_grant")
            if (code.redirectUri !== form.get("redirect_uri")) return oauthError(400, "invalid_grant", "redirect_uri")
            if (code.resource !== (form.get("resource") ?? undefined)) return oauthError(400, "invalid_target")
            const challenge = yield* Crypto.s256(form.get("code_verifier") ?? "")
            if (challenge !== code.challenge) return oauthError(400, "invalid_grant", "PKCE verification failed")
            stats.codeGrants++
            return yield* issue(client.id, code.scope, now, jkt)
          }
          case "refresh_token": {
            const held = refresh.get(form.get("refresh_token") ?? "")
            if (held === undefined || held.client !== client.id) return oauthError(400, "invalid_grant")
            // RFC 9449 §5: a public client's refresh token is bound to its DPoP key.
            if (held.jkt !== undefined && held.jkt !== jkt) return oauthError(400, "invalid_grant", "DPoP key")
            refresh.delete(form.get("refresh_token") ?? "") // rotation: a refresh token works once
            stats.refreshes++
            return yield* issue(client.id, held.scope, now, jkt)
          }
          case "client_credentials":
            stats.clientCredentials++
            return yield* issue(client.id, form.get("scope") ?? "", now, jkt)
          default:
            return oauthError(400, "unsupported_grant_type")
        }
      })

    /** RFC 7009: the client's own token ends; 200 whether or not it was valid. */
    const revoke = (headers: Readonly<Record<string, string>>, body: string) => {
      const form = new URLSearchParams(body)
      const client = authenticate(headers, form)
      if (client === undefined) return oauthError(401, "invalid_client")
      const token = form.get("token") ?? ""
      for (const map of [refresh, access]) {
        const held = map.get(token)
        if (held !== undefined && held.client === client.id) {
          map.delete(token)
          stats.revocations++
        }
      }
      return respond(200, {}, "")
    }

    const authorize = (url: URL) => {
      const q = url.searchParams
      const client = clients.get(q.get("client_id") ?? "")
      const redirectUri = q.get("redirect_uri") ?? ""
      if (client === undefined || !client.redirectUris.includes(redirectUri)) {
        return oauthError(400, "invalid_request", "unknown client or redirect_uri")
      }
      const target = new URL(redirectUri)
      const state = q.get("state")
      const wrongState = takeFault("WrongState") !== undefined
      if (state !== null) target.searchParams.set("state", wrongState ? "forged" : state)
      if (q.get("code_challenge_method") !== "S256" || q.get("code_challenge") === null) {
        target.searchParams.set("error", "invalid_request")
      } else {
        stats.authorizations++
        const code = next("code")
        codes.set(code, {
          client: client.id,
          challenge: q.get("code_challenge") ?? "",
          redirectUri,
          scope: grantable(q.get("scope") ?? ""),
          resource: q.get("resource") ?? undefined
        })
        target.searchParams.set("code", code)
      }
      target.searchParams.set("iss", takeFault("WrongIss") === undefined ? issuer : `${issuer}/evil`)
      return respond(302, { location: target.href }, "")
    }

    const register = (body: string) => {
      let metadata: { redirect_uris?: ReadonlyArray<string>; token_endpoint_auth_method?: string }
      try {
        metadata = JSON.parse(body)
      } catch {
        return oauthError(400, "invalid_client_metadata")
      }
      stats.registrations++
      const method = metadata.token_endpoint_auth_method ?? "client_secret_basic"
      const client: Client = {
        id: next("client"),
        secret: method === "none" ? undefined : next("secret"),
        method,
        redirectUris: metadata.redirect_uris ?? []
      }
      clients.set(client.id, client)
      return json(201, {
        client_id: client.id,
        ...(client.secret === undefined ? {} : { client_secret: client.secret }),
        token_endpoint_auth_method: method,
        redirect_uris: client.redirectUris
      })
    }

    const challenge = (error?: string, scope?: string) =>
      [
        `Bearer resource_metadata="${prmUrl}"`,
        ...(error === undefined ? [] : [`error="${error}"`]),
        ...(scope === undefined || scope === "" ? [] : [`scope="${scope}"`])
      ].join(", ")

    /** RFC 9449 §7: a bound token goes with the DPoP scheme and a proof of its key; else a 401 (with a nonce). */
    const dpopRejection = (request: McpHttp.Request, token: string, held: Issued, now: number) =>
      Effect.gen(function*() {
        if (held.jkt === undefined || dpop === undefined) return undefined
        const verdict = yield* DpopCheck.check(request.headers.dpop, {
          method: request.method,
          url: request.url,
          now,
          accessToken: token,
          nonce: dpop.requireNonce ? rsNonce : undefined,
          seen: dpop.seen
        })
        if (verdict._tag === "Valid" && verdict.jkt === held.jkt) return undefined
        const error = verdict._tag === "Valid" ? "invalid_token" : verdict.error
        if (error === "use_dpop_nonce") stats.dpopNonceChallenges++
        else stats.rejected++
        return json(401, { error }, {
          "www-authenticate": `DPoP error="${error}", algs="ES256", resource_metadata="${prmUrl}"`,
          ...(dpop.requireNonce ? { "dpop-nonce": rsNonce } : {})
        })
      })

    /** The token of the `Authorization` header, if its scheme is the one the token was issued for. */
    const presented = (header: string | undefined): { token: string; held: Issued | undefined } | undefined => {
      const match = header === undefined ? null : /^(Bearer|DPoP) (.+)$/.exec(header)
      if (match === null) return undefined
      const held = access.get(match[2])
      const bound = held?.jkt !== undefined
      return { token: match[2], held: bound === (match[1] === "DPoP") ? held : undefined }
    }

    const guard = (mcp: McpHttp.Service, request: McpHttp.Request, now: number) =>
      Effect.gen(function*() {
        const header = request.headers.authorization
        const found = presented(header)
        const held = found?.held
        const rejectAll = faults.some((f) => f._tag === "RejectTokens")
        if (held !== undefined && found !== undefined && held.expiresAt > now && !rejectAll) {
          const refused = yield* dpopRejection(request, found.token, held, now)
          if (refused !== undefined) return refused
        }
        return yield* admit(mcp, request, now, held, header, rejectAll)
      })

    const admit = (
      mcp: McpHttp.Service,
      request: McpHttp.Request,
      now: number,
      held: Issued | undefined,
      header: string | undefined,
      rejectAll: boolean
    ) => {
      if (held === undefined || held.expiresAt <= now || rejectAll) {
        stats.rejected++
        return Effect.succeed(
          json(401, { error: "invalid_token" }, {
            "www-authenticate": challenge(header === undefined ? undefined : "invalid_token", options.challengeScope)
          })
        )
      }
      const rpcMethod = request.body === undefined ? undefined : methodOf(request.body)
      const needed = options.requiredScopes?.(rpcMethod) ?? []
      const have = new Set(words(held.scope))
      if (!needed.every((s) => have.has(s))) {
        return Effect.succeed(
          json(403, { error: "insufficient_scope" }, {
            "www-authenticate": challenge("insufficient_scope", needed.join(" "))
          })
        )
      }
      const { authorization: _, dpop: __, ...rest } = request.headers
      return mcp.execute({ ...request, headers: rest })
    }

    const wrap = (mcp: McpHttp.Service): McpHttp.Service => ({
      execute: (request) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          const url = new URL(request.url)
          requests.push({
            method: request.method,
            url: request.url,
            authorization: request.headers.authorization,
            dpop: request.headers.dpop
          })
          const at = `${url.origin}${url.pathname}`
          if (at === prmUrl && request.method === "GET") {
            return Effect.succeed(json(200, {
              resource,
              authorization_servers: [issuer],
              ...(options.scopesSupported === undefined ? {} : { scopes_supported: options.scopesSupported })
            }))
          }
          if (at === `${resourceUrl.origin}${resourceUrl.pathname}`) return guard(mcp, request, now)
          if (url.origin === new URL(issuer).origin) {
            // RFC 8414 §3.1: the well-known segment goes between the host and the issuer's path.
            if (at === `${new URL(issuer).origin}/.well-known/oauth-authorization-server${issuerPath()}`) {
              return Effect.succeed(json(200, metadata()))
            }
            if (at === `${issuer}/authorize` && request.method === "GET") return Effect.succeed(authorize(url))
            if (at === `${issuer}/register` && request.method === "POST" && options.registration !== false) {
              return Effect.succeed(register(request.body ?? ""))
            }
            if (at === `${issuer}/revoke` && request.method === "POST" && options.revocation !== false) {
              return Effect.succeed(revoke(request.headers, request.body ?? ""))
            }
            if (at === `${issuer}/token` && request.method === "POST") {
              return token(request.headers, request.body ?? "", now)
            }
            return Effect.succeed(oauthError(404, "not_found"))
          }
          // A retired authorization server is gone: nothing it issued is good anywhere.
          if (retired.some((old) => new URL(old).origin === url.origin)) {
            return Effect.succeed(oauthError(404, "not_found"))
          }
          return mcp.execute(request)
        })
    })

    const handle: McpTestAuth.ServerHandle = {
      get issuer() {
        return issuer
      },
      resource,
      migrate: (to) =>
        Effect.sync(() => {
          // A new authorization server knows none of the old one's clients, codes or tokens.
          retired.push(issuer)
          issuer = to
          clients.clear()
          codes.clear()
          access.clear()
          refresh.clear()
        }),
      wrap,
      stats: Effect.sync(() => ({ ...stats })),
      requests: Effect.sync(() => [...requests]),
      inject: (fault) => Effect.sync(() => void faults.push(fault)),
      clearFaults: Effect.sync(() => void faults.splice(0)),
      revokeAll: Effect.sync(() => {
        access.clear()
        refresh.clear()
      })
    }
    return handle
  })

const methodOf = (body: string): string | undefined => {
  try {
    const message: unknown = JSON.parse(body)
    return typeof message === "object" && message !== null && "method" in message &&
        typeof message.method === "string"
      ? message.method
      : undefined
  } catch {
    return undefined
  }
}

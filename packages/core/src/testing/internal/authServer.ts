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
}

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
    const issuer = options.issuer ?? "https://auth.test"
    const resource = options.resource ?? "https://mcp.test/mcp"
    const resourceUrl = new URL(resource)
    const issuerPath = new URL(issuer).pathname.replace(/\/$/, "")
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
      rejected: 0,
      revocations: 0
    }
    const requests: Array<McpTestAuth.LoggedRequest> = []
    let counter = 0
    const next = (prefix: string) => `${prefix}-${++counter}-${Crypto.randomToken(8)}`
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
      grant_types_supported: ["authorization_code", "refresh_token", "client_credentials"],
      code_challenge_methods_supported: ["S256"],
      token_endpoint_auth_methods_supported: ["none", "client_secret_basic", "client_secret_post"],
      authorization_response_iss_parameter_supported: true,
      ...(options.scopesSupported === undefined ? {} : { scopes_supported: options.scopesSupported })
    })

    const issue = (client: string, scope: string, now: number) =>
      Effect.sync(() => {
        const token = next("at")
        access.set(token, { scope, expiresAt: now + ttl, client })
        const body: Record<string, unknown> = {
          access_token: token,
          token_type: "Bearer",
          expires_in: Math.floor(ttl / 1000),
          ...(scope === "" ? {} : { scope })
        }
        if (options.refreshTokens !== false) {
          const refreshToken = next("rt")
          refresh.set(refreshToken, { scope, expiresAt: Number.POSITIVE_INFINITY, client })
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

    const token = (headers: Readonly<Record<string, string>>, body: string, now: number) =>
      Effect.gen(function*() {
        const form = new URLSearchParams(body)
        const forced = takeFault("TokenError")
        if (forced !== undefined && forced._tag === "TokenError") return oauthError(400, forced.error)
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
            return yield* issue(client.id, code.scope, now)
          }
          case "refresh_token": {
            const held = refresh.get(form.get("refresh_token") ?? "")
            if (held === undefined || held.client !== client.id) return oauthError(400, "invalid_grant")
            refresh.delete(form.get("refresh_token") ?? "") // rotation: a refresh token works once
            stats.refreshes++
            return yield* issue(client.id, held.scope, now)
          }
          case "client_credentials":
            stats.clientCredentials++
            return yield* issue(client.id, form.get("scope") ?? "", now)
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

    const guard = (mcp: McpHttp.Service, request: McpHttp.Request, now: number) => {
      const header = request.headers.authorization
      const held = header?.startsWith("Bearer ") === true ? access.get(header.slice(7)) : undefined
      const rejectAll = faults.some((f) => f._tag === "RejectTokens")
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
      const { authorization: _, ...rest } = request.headers
      return mcp.execute({ ...request, headers: rest })
    }

    const wrap = (mcp: McpHttp.Service): McpHttp.Service => ({
      execute: (request) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          const url = new URL(request.url)
          requests.push({ method: request.method, url: request.url, authorization: request.headers.authorization })
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
            if (at === `${new URL(issuer).origin}/.well-known/oauth-authorization-server${issuerPath}`) {
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
          return mcp.execute(request)
        })
    })

    const handle: McpTestAuth.ServerHandle = {
      issuer,
      resource,
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

/**
 * The test authorization server and protected resource, as an `McpHttp`
 * in front of an MCP server's `McpHttp`: RFC 9728 metadata, RFC 8414
 * metadata, dynamic registration, an authorization endpoint that approves at
 * once (302 with `code`, `state`, `iss`), a token endpoint (authorization
 * code with PKCE S256, refresh with rotation, client credentials), and the
 * MCP endpoint guarded by Bearer tokens that expire on the `Clock`.
 *
 * One `AuthState` record (`authServer/state.ts`) handed to the authorization
 * server's endpoints (`authServer/issuer.ts`) and the protected resource's
 * guard (`authServer/resource.ts`); here, the routing and the handle.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type * as McpHttp from "../../McpHttp.js"
import type * as McpTestAuth from "../McpTestAuth.js"
import * as Issuer from "./authServer/issuer.js"
import * as Resource from "./authServer/resource.js"
import * as State from "./authServer/state.js"

/** Every request, routed: metadata, the authorization server's endpoints, the guarded MCP endpoint. */
const route = (state: State.AuthState, mcp: McpHttp.Service, request: McpHttp.Request, now: number) => {
  const url = new URL(request.url)
  state.requests.push({
    method: request.method,
    url: request.url,
    authorization: request.headers.authorization,
    dpop: request.headers.dpop
  })
  const at = `${url.origin}${url.pathname}`
  const { issuer, options, resourceUrl } = state
  if (at === state.prmUrl && request.method === "GET") {
    return Effect.succeed(State.json(200, {
      resource: state.resource,
      authorization_servers: [issuer],
      ...(options.scopesSupported === undefined ? {} : { scopes_supported: options.scopesSupported })
    }))
  }
  if (at === `${resourceUrl.origin}${resourceUrl.pathname}`) return Resource.guard(state, mcp, request, now)
  const issuerUrl = new URL(issuer)
  if (url.origin === issuerUrl.origin) {
    // RFC 8414 §3.1: the well-known segment goes between the host and the issuer's path.
    const issuerPath = issuerUrl.pathname.replace(/\/$/, "")
    if (at === `${issuerUrl.origin}/.well-known/oauth-authorization-server${issuerPath}`) {
      return Effect.succeed(State.json(200, Issuer.metadata(state)))
    }
    if (at === `${issuer}/authorize` && request.method === "GET") return Effect.succeed(Issuer.authorize(state, url))
    if (at === `${issuer}/register` && request.method === "POST" && options.registration !== false) {
      return Effect.succeed(Issuer.register(state, request.body ?? ""))
    }
    if (at === `${issuer}/revoke` && request.method === "POST" && options.revocation !== false) {
      return Effect.succeed(Issuer.revoke(state, request.headers, request.body ?? ""))
    }
    if (at === `${issuer}/token` && request.method === "POST") {
      return Issuer.token(state, request.headers, request.body ?? "", now)
    }
    return Effect.succeed(State.oauthError(404, "not_found"))
  }
  // A retired authorization server is gone: nothing it issued is good anywhere.
  if (state.retired.some((old) => new URL(old).origin === url.origin)) {
    return Effect.succeed(State.oauthError(404, "not_found"))
  }
  return mcp.execute(request)
}

/** @internal */
export const make = (options: McpTestAuth.ServerOptions = {}) =>
  Effect.sync((): McpTestAuth.ServerHandle => {
    const state = State.make(options)
    return {
      get issuer() {
        return state.issuer
      },
      resource: state.resource,
      migrate: (to) =>
        Effect.sync(() => {
          // A new authorization server knows none of the old one's clients, codes or tokens.
          state.retired.push(state.issuer)
          state.issuer = to
          state.clients.clear()
          state.codes.clear()
          state.access.clear()
          state.refresh.clear()
        }),
      wrap: (mcp) => ({
        execute: (request) => Effect.flatMap(Clock.currentTimeMillis, (now) => route(state, mcp, request, now))
      }),
      stats: Effect.sync(() => ({ ...state.stats })),
      requests: Effect.sync(() => [...state.requests]),
      inject: (fault) => Effect.sync(() => void state.faults.push(fault)),
      clearFaults: Effect.sync(() => void state.faults.splice(0)),
      revokeAll: Effect.sync(() => {
        state.access.clear()
        state.refresh.clear()
      })
    }
  })

/**
 * The protected resource: the MCP endpoint guarded by Bearer (or DPoP-bound)
 * tokens that expire on the `Clock`, the `WWW-Authenticate` challenges of
 * RFC 6750 / RFC 9728, and the scopes each MCP method needs.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as McpHttp from "../../../McpHttp.js"
import * as DpopCheck from "../dpopCheck.js"
import type { AuthState, Issued } from "./state.js"
import { json, words } from "./state.js"

const challenge = (state: AuthState, error?: string, scope?: string) =>
  [
    `Bearer resource_metadata="${state.prmUrl}"`,
    ...(error === undefined ? [] : [`error="${error}"`]),
    ...(scope === undefined || scope === "" ? [] : [`scope="${scope}"`])
  ].join(", ")

/** RFC 9449 §7: a bound token goes with the DPoP scheme and a proof of its key; else a 401 (with a nonce). */
const dpopRejection = (state: AuthState, request: McpHttp.Request, token: string, held: Issued, now: number) =>
  Effect.gen(function*() {
    const dpop = state.dpop
    if (held.jkt === undefined || dpop === undefined) return undefined
    const verdict = yield* DpopCheck.check(request.headers.dpop, {
      method: request.method,
      url: request.url,
      now,
      accessToken: token,
      nonce: dpop.requireNonce ? state.rsNonce : undefined,
      seen: dpop.seen
    })
    if (verdict._tag === "Valid" && verdict.jkt === held.jkt) return undefined
    const error = verdict._tag === "Valid" ? "invalid_token" : verdict.error
    if (error === "use_dpop_nonce") state.stats.dpopNonceChallenges++
    else state.stats.rejected++
    return json(401, { error }, {
      "www-authenticate": `DPoP error="${error}", algs="ES256", resource_metadata="${state.prmUrl}"`,
      ...(dpop.requireNonce ? { "dpop-nonce": state.rsNonce } : {})
    })
  })

/** The token of the `Authorization` header, if its scheme is the one the token was issued for. */
const presented = (
  state: AuthState,
  header: string | undefined
): { token: string; held: Issued | undefined } | undefined => {
  const match = header === undefined ? null : /^(Bearer|DPoP) (.+)$/.exec(header)
  if (match === null) return undefined
  const held = state.access.get(match[2])
  const bound = held?.jkt !== undefined
  return { token: match[2], held: bound === (match[1] === "DPoP") ? held : undefined }
}

/** A request to the MCP endpoint: passed on to `mcp` without its credentials, or refused. @internal */
export const guard = (state: AuthState, mcp: McpHttp.Service, request: McpHttp.Request, now: number) =>
  Effect.gen(function*() {
    const header = request.headers.authorization
    const found = presented(state, header)
    const held = found?.held
    const rejectAll = state.faults.some((f) => f._tag === "RejectTokens")
    if (held !== undefined && found !== undefined && held.expiresAt > now && !rejectAll) {
      const refused = yield* dpopRejection(state, request, found.token, held, now)
      if (refused !== undefined) return refused
    }
    return yield* admit(state, mcp, request, now, held, header, rejectAll)
  })

const admit = (
  state: AuthState,
  mcp: McpHttp.Service,
  request: McpHttp.Request,
  now: number,
  held: Issued | undefined,
  header: string | undefined,
  rejectAll: boolean
) => {
  if (held === undefined || held.expiresAt <= now || rejectAll) {
    state.stats.rejected++
    return Effect.succeed(
      json(401, { error: "invalid_token" }, {
        "www-authenticate": challenge(
          state,
          header === undefined ? undefined : "invalid_token",
          state.options.challengeScope
        )
      })
    )
  }
  const rpcMethod = request.body === undefined ? undefined : methodOf(request.body)
  const needed = state.options.requiredScopes?.(rpcMethod) ?? []
  const have = new Set(words(held.scope))
  if (!needed.every((s) => have.has(s))) {
    return Effect.succeed(
      json(403, { error: "insufficient_scope" }, {
        "www-authenticate": challenge(state, "insufficient_scope", needed.join(" "))
      })
    )
  }
  const { authorization: _, dpop: __, ...rest } = request.headers
  return mcp.execute({ ...request, headers: rest })
}

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

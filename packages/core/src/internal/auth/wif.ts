/**
 * Workload identity federation (SEP-1933): the RFC 7523 §2.1 JWT bearer
 * grant with a JWT the platform issued to the workload (a Kubernetes
 * service-account token, a SPIFFE JWT-SVID, a cloud identity token). The
 * authorization server trusts the JWT's issuer; the client holds no secret.
 *
 * The assertion is read afresh for every grant (platform tokens rotate and
 * are short-lived) and never stored. A rejected grant is final: the same
 * assertion would be rejected again, and no other grant is tried (the
 * extension asks clients not to fall back).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as McpAuth from "../../McpAuth.js"
import type * as McpError from "../../McpError.js"
import type * as Discovery from "./discovery.js"
import type * as Dpop from "./dpop.js"
import * as Http from "./http.js"
import * as Token from "./token.js"

/** RFC 7523 §2.1. @internal */
export const GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"

/** A JWT is three base64url segments; anything else is not sent. */
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/

/** Longer assertions are refused before they reach the network. */
const MAX_ASSERTION = 16 * 1024

/**
 * The grant: the workload's assertion, `resource` (RFC 8707), `scope`, and
 * `client_id` when the application names one (the `none` method: the
 * assertion authenticates the workload).
 *
 * @internal
 */
export const grant = (
  ctx: Http.Context,
  identity: McpAuth.WorkloadIdentity,
  discovery: Pick<Discovery.Discovery, "resource" | "server">,
  scope: string | undefined,
  dpop: Dpop.Context | undefined
): Effect.Effect<Token.TokenResponse, McpError.AuthorizationFailed> =>
  Effect.gen(function*() {
    const server = discovery.server
    const grants = server.grant_types_supported
    if (grants !== undefined && !grants.includes(GRANT_TYPE)) {
      return yield* Effect.fail(Http.failed(ctx, "token", `${server.issuer} does not accept the JWT bearer grant`))
    }
    const read = typeof identity.assertion === "string" ? Effect.succeed(identity.assertion) : identity.assertion
    const assertion = yield* Effect.mapError(
      read,
      () => Http.failed(ctx, "token", "the workload identity token could not be read")
    )
    const trimmed = assertion.trim()
    if (trimmed.length > MAX_ASSERTION || !JWT.test(trimmed)) {
      return yield* Effect.fail(Http.failed(ctx, "token", "the workload identity token is not a JWT"))
    }
    const client = { issuer: server.issuer, client_id: identity.clientId ?? "", token_endpoint_auth_method: "none" }
    const params = { grant_type: GRANT_TYPE, assertion: trimmed, resource: discovery.resource, scope }
    return yield* Token.request(
      ctx,
      "token",
      server,
      identity.clientId === undefined ? { _tag: "None" } : { _tag: "Client", client },
      params,
      true,
      dpop
    )
  })

/**
 * What the authorization layer (`McpAuth.layer`) did, per MCP endpoint
 * (`resource`), as a stream of events (`McpAuth.McpAuth`'s `events`). Never a
 * token, code, verifier or secret: only what a log or a UI may show.
 *
 * @since 0.2.0
 */
import * as Data from "effect/Data"
import type * as McpError from "./McpError.js"

/**
 * What the authorization layer did, per MCP endpoint (`resource`). Never a
 * token, code, verifier or secret: only what a log or a UI may show.
 *
 * - `Started`: a full authorization began, because the server answered 401
 *   (`unauthorized`) or refused the refresh token (`refresh-rejected`).
 * - `StepUp`: a re-authorization for the `scope` a 403 `insufficient_scope` named.
 * - `Authorized`: a `Started` or `StepUp` ended with a token from `issuer`.
 * - `Refreshed`: the token was refreshed (`expiresAt`: epoch milliseconds).
 * - `Failed`: a renewal (or a revocation) failed at `step`, with the server's
 *   OAuth `error` code and the HTTP `status` where there were any.
 * - `Revoked`: `McpAuth.McpAuthService.revoke` ended the tokens (those the server
 *   confirmed are in `revoked`) and forgot them.
 *
 * @since 0.2.0
 * @category models
 */
export type AuthEvent = Data.TaggedEnum<{
  Started: {
    readonly resource: string
    readonly trigger: "unauthorized" | "refresh-rejected"
    readonly grant: "authorization_code" | "client_credentials" | "identity_assertion"
  }
  StepUp: { readonly resource: string; readonly scope?: string | undefined }
  Authorized: { readonly resource: string; readonly issuer: string; readonly scope?: string | undefined }
  Refreshed: { readonly resource: string; readonly issuer: string; readonly expiresAt?: number | undefined }
  Failed: {
    readonly resource: string
    readonly step: McpError.AuthorizationStep
    readonly description: string
    readonly error?: string | undefined
    readonly status?: number | undefined
  }
  Revoked: { readonly resource: string; readonly revoked: ReadonlyArray<"refresh_token" | "access_token"> }
}>

/**
 * Constructors and matchers for {@link AuthEvent}.
 *
 * @since 0.2.0
 * @category constructors
 */
export const AuthEvent = Data.taggedEnum<AuthEvent>()

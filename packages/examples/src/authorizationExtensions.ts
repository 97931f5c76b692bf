/**
 * Authorization extensions (docs/authorization.md): DPoP-bound tokens
 * (RFC 9449) and workload identity federation (the RFC 7523 JWT bearer
 * grant with a platform-issued token).
 */
import { McpAuth } from "@mcp-effect/core"
import * as Effect from "effect/Effect"
import { readFile } from "node:fs/promises"

// #region dpop
/** Tokens bound to a key only this process holds (RFC 9449): a stolen token alone is useless. */
export const BoundAuthLive = McpAuth.layer({ clientName: "my app", dpop: true })
// #endregion

// #region workload
/** A Kubernetes workload: its projected service-account token is the grant, read afresh each time. */
export const WorkloadAuthLive = (tokenFile = "/var/run/secrets/tokens/mcp-token") =>
  McpAuth.layer({
    grant: { _tag: "WorkloadIdentity", assertion: Effect.tryPromise(() => readFile(tokenFile, "utf8")) }
  })
// #endregion

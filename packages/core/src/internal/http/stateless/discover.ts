/**
 * `server/discover` (VER L73), and the probe that tells a 2026-07-28 server
 * from an older one (VER L132–146, SH L650–668): try a modern request and
 * classify the answer. A recognised modern error means modern (retry or
 * correct); anything else identifies a legacy server; what is no evidence
 * (401/403, 5xx, the network) decides nothing.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as JsonRpc from "../../../JsonRpc.js"
import type * as McpError from "../../../McpError.js"
import * as McpSchema from "../../../McpSchema.js"
import * as Errors from "../../errors.js"
import type * as Transport from "../../transport.js"
import * as Core from "./core.js"

/**
 * What a probe's answer says about the server.
 *
 * @internal
 */
export type Verdict =
  /** A 2026-07-28 server (its `DiscoverResult`, or a modern error to correct). */
  | { readonly _tag: "Modern" }
  /** A modern server asking for another version (`-32022`): retry with it. */
  | { readonly _tag: "Renegotiate"; readonly version: string }
  /** A modern server that speaks no version of ours. */
  | { readonly _tag: "Incompatible"; readonly supported: ReadonlyArray<string> }
  /** An older server: `initialize`; `sseFallback` when HTTP+SSE may be tried should that fail too. */
  | { readonly _tag: "Legacy"; readonly sseFallback: boolean; readonly reason: string }
  /** No evidence either way (auth, server error): nothing is decided or cached. */
  | { readonly _tag: "Undecided"; readonly reason: string }

const modernCodes: ReadonlySet<number> = new Set([
  Core.ErrorCode.HeaderMismatch,
  Core.ErrorCode.MissingRequiredClientCapability,
  Core.ErrorCode.UnsupportedProtocolVersion
])

/**
 * The classification table (docs/protocol-generations.md has it as prose):
 * `status` of the probe's answer, and its JSON-RPC response if the body was
 * one (a 2xx answer is always one).
 *
 * @internal
 */
export const classify = (status: number, response: JsonRpc.JsonRpcResponse | undefined): Verdict => {
  if (response !== undefined && JsonRpc.isSuccess(response)) {
    const result = Core.isRecord(response.result) ? response.result : {}
    const versions = Array.isArray(result.supportedVersions) ? result.supportedVersions : undefined
    if (versions === undefined || !Core.isRecord(result.capabilities)) {
      return { _tag: "Legacy", sseFallback: false, reason: "a result that is not a DiscoverResult" }
    }
    if (Core.MODERN_PROTOCOL_VERSIONS.some((v) => versions.includes(v))) return { _tag: "Modern" }
    return McpSchema.SUPPORTED_PROTOCOL_VERSIONS.some((v) => versions.includes(v))
      ? { _tag: "Legacy", sseFallback: false, reason: "a DiscoverResult with only session-era versions" }
      : { _tag: "Incompatible", supported: versions.filter((v): v is string => typeof v === "string") }
  }
  if (status === 401 || status === 403) return { _tag: "Undecided", reason: `HTTP ${status}: authorize first` }
  if (status >= 500) return { _tag: "Undecided", reason: `HTTP ${status}` }
  const code = response?.error.code
  if (code !== undefined && modernCodes.has(code)) {
    if (code !== Core.ErrorCode.UnsupportedProtocolVersion) return { _tag: "Modern" }
    const version = Core.mutualVersion(response?.error.data)
    if (version !== undefined) return { _tag: "Renegotiate", version }
    const data = response?.error.data
    const supported = Core.isRecord(data) && Array.isArray(data.supported) ? data.supported : []
    return { _tag: "Incompatible", supported: supported.filter((v): v is string => typeof v === "string") }
  }
  if (status >= 200 && status < 300) {
    return { _tag: "Legacy", sseFallback: false, reason: `a JSON-RPC error ${String(code)}` }
  }
  if (status === 400 || status === 404 || status === 405) {
    // A 404 -32601 is a Streamable HTTP server without the method: never an HTTP+SSE one (SH L729–732).
    const sseFallback = !(status === 404 && code === JsonRpc.ErrorCode.MethodNotFound)
    return {
      _tag: "Legacy",
      sseFallback,
      reason: `HTTP ${status}${code === undefined ? "" : ` with JSON-RPC error ${code}`}`
    }
  }
  return { _tag: "Undecided", reason: `HTTP ${status}` }
}

/** The outcome of a probe: the modern server's `initialize`-shaped answer, or a legacy verdict. @internal */
export type Probed =
  | { readonly _tag: "Modern"; readonly result: McpSchema.InitializeResult }
  | { readonly _tag: "Legacy"; readonly sseFallback: boolean; readonly reason: string }

/**
 * Sends `server/discover` with full `_meta` and headers, classifies the
 * answer, renegotiates once on `-32022`. Fails when nothing can be decided
 * (with the error the server or the network gave) or the modern server
 * refuses.
 *
 * @internal
 */
export const probe = (self: Core.Self, ctx: Transport.Context): Effect.Effect<Probed, McpError.McpError> =>
  Effect.gen(function*() {
    const discoverCtx: Transport.Context = { method: "server/discover", deadline: ctx.deadline }
    let renegotiated = false
    while (true) {
      const target: Transport.Target = { sessionId: undefined, protocolVersion: self.version }
      const raw = yield* Core.roundRaw(self, discoverCtx, target, self.inbox.nextId(), "server/discover", {}).pipe(
        Effect.catchTag("ProtocolError", (error) =>
          // A 2xx that is no JSON-RPC answer at all (HTML, an empty body): not a modern server.
          error.violation === "MalformedJson" || error.violation === "ContentType"
            ? Effect.succeed({ _tag: "Legacy" as const, reason: error.description })
            : Effect.fail(error))
      )
      if (raw._tag === "Legacy") return { _tag: "Legacy", sseFallback: false, reason: raw.reason }
      const verdict = raw._tag === "Refused"
        ? classify(raw.error.status, undefined)
        : classify(raw.status, raw.response)
      switch (verdict._tag) {
        case "Legacy":
          return verdict
        case "Undecided":
          return yield* Effect.fail(
            raw._tag === "Refused" ? raw.error : failureOf(discoverCtx, target, raw.response, verdict.reason)
          )
        case "Incompatible":
          return yield* Effect.fail(Core.unsupported(self, discoverCtx, { supported: verdict.supported }))
        case "Renegotiate":
          if (renegotiated) {
            return yield* Effect.fail(Core.unsupported(self, discoverCtx, { supported: [verdict.version] }))
          }
          renegotiated = true
          self.version = verdict.version
          continue
        case "Modern": {
          if (raw._tag === "Refused" || !JsonRpc.isSuccess(raw.response)) {
            return yield* Effect.fail(
              failureOf(discoverCtx, target, raw._tag === "Refused" ? undefined : raw.response, "refused")
            )
          }
          return { _tag: "Modern", result: initializeResult(self, raw.response.result) }
        }
      }
    }
  })

const failureOf = (
  ctx: Transport.Context,
  target: Transport.Target,
  response: JsonRpc.JsonRpcResponse | undefined,
  reason: string
): McpError.McpError =>
  response !== undefined && JsonRpc.isFailure(response)
    ? Errors.jsonRpcError(ctx, target, response.error)
    : Errors.protocolError(ctx, target, "InvalidResult", reason)

/**
 * A `DiscoverResult` as the handshake's `initialize` result, leniently read
 * (`serverInfo` may be in `_meta`), at the newest mutual version.
 */
const initializeResult = (self: Core.Self, raw: unknown): McpSchema.InitializeResult => {
  const result = Core.isRecord(raw) ? raw : {}
  const versions = Array.isArray(result.supportedVersions) ? result.supportedVersions : []
  const version = versions.includes(self.version)
    ? self.version
    : Core.MODERN_PROTOCOL_VERSIONS.find((v) => versions.includes(v)) ?? self.version
  self.version = version
  const metaInfo = Core.isRecord(result._meta) ? result._meta["io.modelcontextprotocol/serverInfo"] : undefined
  const info = Core.isRecord(result.serverInfo) ? result.serverInfo : Core.isRecord(metaInfo) ? metaInfo : {}
  return {
    protocolVersion: version,
    capabilities: Core.isRecord(result.capabilities) ? result.capabilities : {},
    serverInfo: {
      ...info,
      name: typeof info.name === "string" ? info.name : "unknown",
      version: typeof info.version === "string" ? info.version : "unknown"
    },
    ...(typeof result.instructions === "string" ? { instructions: result.instructions } : {})
  }
}

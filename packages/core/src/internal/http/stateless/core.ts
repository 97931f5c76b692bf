/**
 * The machinery of the 2026-07-28 era's requests: `_meta`, headers, one
 * round per POST, and a request through all its rounds (renegotiation,
 * stale header mirrors re-listed, MRTR). See `transport.ts` for what the era
 * looks like behind the seam.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Schedule from "effect/Schedule"
import * as JsonRpc from "../../../JsonRpc.js"
import type * as McpClient from "../../../McpClient.js"
import * as McpError from "../../../McpError.js"
import type * as McpSchema from "../../../McpSchema.js"
import * as Errors from "../../errors.js"
import type * as Transport from "../../transport.js"
import type * as Exchange from "../exchange.js"
import * as Answer from "./answer.js"
import * as Headers from "./headers.js"
import * as Mrtr from "./mrtr.js"

/** The versions of the stateless era this client speaks, newest first. @internal */
export const MODERN_PROTOCOL_VERSIONS: ReadonlyArray<string> = ["2026-07-28"]

/** The modern error codes (IDX L109–144). @internal */
export const ErrorCode = {
  HeaderMismatch: -32020,
  MissingRequiredClientCapability: -32021,
  UnsupportedProtocolVersion: -32022
} as const

/** @internal */
export interface Config extends Exchange.Config {
  readonly clientInfo: McpSchema.Implementation
  readonly capabilities: McpSchema.ClientCapabilities
  readonly handlers: McpClient.Handlers
  /** The version to try first (a supported modern one). */
  readonly version?: string | undefined
  readonly maxRounds?: number | undefined
  /** Re-listening after a dropped `subscriptions/listen` stream (default: the SSE reconnect schedule). */
  readonly reconnect?: Schedule.Schedule<unknown> | undefined
}

/** What the transport keeps between requests: the version in use, the log level, the tools' header mirrors. */
export interface Self {
  readonly config: Config
  readonly exchange: Exchange.Exchange
  readonly inbox: Transport.Inbox
  version: string
  logLevel: string | undefined
  readonly mirrors: Map<string, ReadonlyArray<Headers.Mirror>>
}

export const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

export type Params = Readonly<Record<string, unknown>>

/** The `_meta` every request carries (IDX L365–392). */
const meta = (self: Self): Record<string, unknown> => ({
  "io.modelcontextprotocol/protocolVersion": self.version,
  "io.modelcontextprotocol/clientCapabilities": capabilities(self.config.capabilities),
  "io.modelcontextprotocol/clientInfo": self.config.clientInfo,
  ...(self.logLevel === undefined ? {} : { "io.modelcontextprotocol/logLevel": self.logLevel })
})

/** `roots` is `{}` in this era (no `listChanged`: there is no session to notify). */
const capabilities = (capabilities: McpSchema.ClientCapabilities): McpSchema.ClientCapabilities =>
  capabilities.roots === undefined ? capabilities : { ...capabilities, roots: {} }

/** A message with its `_meta`. @internal */
export const withMeta = (
  self: Self,
  message: { readonly id?: JsonRpc.RequestId; readonly method: string; readonly params: unknown }
) => {
  const params = isRecord(message.params) ? message.params : {}
  return {
    jsonrpc: "2.0",
    ...(message.id === undefined ? {} : { id: message.id }),
    method: message.method,
    params: { ...params, _meta: { ...(isRecord(params._meta) ? params._meta : {}), ...meta(self) } }
  }
}

/**
 * What one POST brought back: its status and the response (a 4xx whose body
 * is a JSON-RPC error is that error as the response: the modern errors
 * arrive so), or the status refused with no JSON-RPC body.
 *
 * @internal
 */
export type Raw =
  | { readonly _tag: "Response"; readonly status: number; readonly response: JsonRpc.JsonRpcResponse }
  | { readonly _tag: "Refused"; readonly error: McpError.UnexpectedStatus }

/** One POST of request `id`, as it came back. @internal */
export const roundRaw = (
  self: Self,
  ctx: Transport.Context,
  target: Transport.Target,
  id: JsonRpc.RequestId,
  method: string,
  params: Params
): Effect.Effect<Raw, McpError.McpError> => {
  const body = JSON.stringify(withMeta(self, { id, method, params }))
  const headers = {
    ...Headers.forRequest(method, params, method === "tools/call" ? mirrorsOf(self, params) : undefined),
    "mcp-protocol-version": self.version
  }
  const roundCtx: Transport.Context = { ...ctx, requestId: id }
  return self.exchange.post(roundCtx, body, target, true, headers).pipe(
    Effect.flatMap((answer) => Answer.read(self.inbox, target, roundCtx, id, answer)),
    Effect.map((response): Raw => ({ _tag: "Response", status: 200, response })),
    Effect.catchTag("UnexpectedStatus", (error) => {
      const failure = errorBody(error.body)
      return Effect.succeed<Raw>(
        failure === undefined
          ? { _tag: "Refused", error }
          : { _tag: "Response", status: error.status, response: failure }
      )
    })
  )
}

/** One POST of request `id` and its response. @internal */
export const round = (
  self: Self,
  ctx: Transport.Context,
  target: Transport.Target,
  id: JsonRpc.RequestId,
  method: string,
  params: Params
): Effect.Effect<JsonRpc.JsonRpcResponse, McpError.McpError> =>
  Effect.flatMap(
    roundRaw(self, ctx, target, id, method, params),
    (raw) => raw._tag === "Response" ? Effect.succeed(raw.response) : Effect.fail(raw.error)
  )

const mirrorsOf = (self: Self, params: Params) =>
  typeof params.name === "string" ? self.mirrors.get(params.name) : undefined

/** The JSON-RPC error a 4xx body carries, if it is one. @internal */
export const errorBody = (body: string): JsonRpc.JsonRpcFailure | undefined => {
  const parsed = JsonRpc.parseMessage(body)
  if (parsed._tag === "Left") return undefined
  const message = parsed.right
  return isSingle(message) && JsonRpc.isFailure(message) ? message : undefined
}

const isSingle = (
  u: JsonRpc.JsonRpcMessage | ReadonlyArray<JsonRpc.JsonRpcMessage>
): u is JsonRpc.JsonRpcMessage => !Array.isArray(u)

/** The versions a `-32022` names, intersected with ours: the newest mutual one. @internal */
export const mutualVersion = (data: unknown): string | undefined => {
  const supported = isRecord(data) && Array.isArray(data.supported) ? data.supported : []
  return MODERN_PROTOCOL_VERSIONS.find((v) => supported.includes(v))
}

/**
 * A request through every round it takes: renegotiation, re-listing stale
 * header mirrors, and MRTR. Each round has a new JSON-RPC id (the first uses
 * the id the client gave); nothing of one request's rounds reaches another.
 */
/** @internal */
export const call = (
  self: Self,
  ctx: Transport.Context,
  target: Transport.Target,
  method: string,
  original: Params,
  firstId: JsonRpc.RequestId
): Effect.Effect<JsonRpc.JsonRpcResponse, McpError.McpError> =>
  Effect.gen(function*() {
    const maxRounds = self.config.maxRounds ?? Mrtr.defaultMaxRounds
    let params = original
    let id = firstId
    let renegotiated = false
    let relisted = false
    let rounds = 0
    while (true) {
      const response = yield* round(self, ctx, target, id, method, params)
      id = self.inbox.nextId()
      if (JsonRpc.isFailure(response)) {
        const code = response.error.code
        if (code === ErrorCode.UnsupportedProtocolVersion && !renegotiated) {
          const version = mutualVersion(response.error.data)
          if (version === undefined) return yield* Effect.fail(unsupported(self, ctx, response.error.data))
          renegotiated = true
          self.version = version
          continue
        }
        if (code === ErrorCode.HeaderMismatch && method === "tools/call" && !relisted) {
          relisted = true
          yield* relist(self, ctx, target)
          continue
        }
        return response
      }
      const outcome = Mrtr.outcome(method, response.result)
      switch (outcome._tag) {
        case "Complete":
          return method === "tools/list" ? yield* filterTools(self, response) : response
        case "Invalid":
          return yield* Effect.fail(Errors.protocolError(ctx, target, "InvalidResult", outcome.description))
        case "InputRequired": {
          rounds++
          if (rounds > maxRounds) return yield* Effect.fail(Mrtr.tooManyRounds(ctx, target, maxRounds))
          const inputResponses = yield* Mrtr.answer(self.config.handlers, ctx, target, outcome.inputRequests)
          params = Mrtr.nextParams(original, inputResponses, outcome.requestState)
        }
      }
    }
  })

/** @internal */
export const unsupported = (self: Self, ctx: Transport.Context, data: unknown) => {
  const supported = isRecord(data) && Array.isArray(data.supported)
    ? data.supported.filter((v): v is string => typeof v === "string")
    : []
  return new McpError.UnsupportedProtocolVersion({
    method: ctx.method,
    ...(ctx.requestId === undefined ? {} : { requestId: ctx.requestId }),
    requested: self.version,
    received: supported.join(", ") || "none",
    supported: [...MODERN_PROTOCOL_VERSIONS]
  })
}

/**
 * Drops tools whose `x-mcp-header` annotations are invalid (SH L376–409: the
 * client MUST, and SHOULD warn), remembering the mirrors of the others.
 */
const filterTools = (
  self: Self,
  response: JsonRpc.JsonRpcSuccess
): Effect.Effect<JsonRpc.JsonRpcResponse> => {
  const result = response.result
  if (!isRecord(result) || !Array.isArray(result.tools)) return Effect.succeed(response)
  const kept: Array<unknown> = []
  const dropped: Array<string> = []
  for (const tool of result.tools) {
    const name = isRecord(tool) && typeof tool.name === "string" ? tool.name : undefined
    const validation = Headers.validate(isRecord(tool) ? tool.inputSchema : undefined)
    if (validation._tag === "Invalid") {
      dropped.push(`${name ?? "(unnamed)"}: ${validation.reason}`)
      continue
    }
    if (name !== undefined) self.mirrors.set(name, validation.mirrors)
    kept.push(tool)
  }
  if (dropped.length === 0) return Effect.succeed(response)
  return Effect.as(
    Effect.logWarning("tools with invalid x-mcp-header annotations were left out of tools/list").pipe(
      Effect.annotateLogs({ tools: dropped })
    ),
    JsonRpc.success(response.id, { ...result, tools: kept })
  )
}

/** Lists every tool again, for their current header mirrors (after `-32020`). */
/** @internal */
export const relist = (
  self: Self,
  ctx: Transport.Context,
  target: Transport.Target
): Effect.Effect<void, McpError.McpError> =>
  Effect.gen(function*() {
    let cursor: string | undefined = undefined
    let pages = 0
    do {
      const response = yield* call(
        self,
        { method: "tools/list", deadline: ctx.deadline },
        target,
        "tools/list",
        cursor === undefined ? {} : { cursor },
        self.inbox.nextId()
      )
      if (!JsonRpc.isSuccess(response)) return
      const next: unknown = isRecord(response.result) ? response.result.nextCursor : undefined
      cursor = typeof next === "string" ? next : undefined
    } while (cursor !== undefined && ++pages < 100)
  })

/** The transport parses only what the client itself encoded. @internal */
export const parseOwn = (body: string): {
  readonly id: JsonRpc.RequestId
  readonly method: string | undefined
  readonly params: unknown
} => {
  const parsed: unknown = JSON.parse(body)
  const id = isRecord(parsed) && (typeof parsed.id === "string" || typeof parsed.id === "number") ? parsed.id : 0
  const method = isRecord(parsed) && typeof parsed.method === "string" ? parsed.method : undefined
  return { id, method, params: isRecord(parsed) ? parsed.params : undefined }
}

/**
 * JSON-RPC 2.0 envelopes as MCP uses them.
 *
 * Two ways in: the `effect/Schema` values (for tests, tooling and anywhere a
 * `ParseError` is wanted) and a hand-written classifier, {@link decodeMessage},
 * for the hot path — every SSE event and JSON body goes through it, so it does
 * no copying and no Schema interpretation. Both accept exactly the same messages.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import { RequestId } from "./McpError.js"

export {
  /**
   * The id of a JSON-RPC request: a string or a number (MCP forbids `null`).
   *
   * @since 0.1.0
   * @category schemas
   */
  RequestId
}

// -----------------------------------------------------------------------------
// Error codes
// -----------------------------------------------------------------------------

/**
 * The JSON-RPC error codes the client produces or reacts to: the five standard
 * ones and the MCP-specific ones from the implementation-defined range.
 *
 * @since 0.1.0
 * @category constants
 */
export const ErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** MCP 2025-11-25: the server needs the user to complete a URL-mode elicitation first. */
  UrlElicitationRequired: -32042,
  /** MCP: `resources/read` (and friends) on a URI the server does not know. */
  ResourceNotFound: -32002
} as const

/**
 * @since 0.1.0
 * @category models
 */
export type ErrorCode = typeof ErrorCode[keyof typeof ErrorCode]

// -----------------------------------------------------------------------------
// Schemas
// -----------------------------------------------------------------------------

const Version = Schema.Literal("2.0")

/**
 * `params` of a request or notification: JSON-RPC allows an object or an array
 * (MCP only ever uses objects).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Params = Schema.Union(
  Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  Schema.Array(Schema.Unknown)
)

/**
 * @since 0.1.0
 * @category models
 */
export type Params = typeof Params.Type

// Keys a message of one kind must not carry, so that the union below accepts
// exactly what `decodeMessage` accepts (a key with `Never` must be absent).
const absent = Schema.optionalWith(Schema.Never, { exact: true })

/**
 * A request: expects a response with the same `id`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const JsonRpcRequest = Schema.Struct({
  jsonrpc: Version,
  id: RequestId,
  method: Schema.String,
  params: Schema.optionalWith(Params, { exact: true })
})

/**
 * @since 0.1.0
 * @category models
 */
export type JsonRpcRequest = typeof JsonRpcRequest.Type

/**
 * A notification: no `id`, no response.
 *
 * @since 0.1.0
 * @category schemas
 */
export const JsonRpcNotification = Schema.Struct({
  jsonrpc: Version,
  method: Schema.String,
  params: Schema.optionalWith(Params, { exact: true }),
  id: absent
})

/**
 * @since 0.1.0
 * @category models
 */
export type JsonRpcNotification = typeof JsonRpcNotification.Type

/**
 * A successful response.
 *
 * @since 0.1.0
 * @category schemas
 */
export const JsonRpcSuccess = Schema.Struct({
  jsonrpc: Version,
  id: RequestId,
  result: Schema.Unknown,
  error: absent,
  method: absent
}).annotations({
  // `result: Unknown` would otherwise accept a missing `result` as `undefined`.
  parseOptions: { exact: true }
})

/**
 * @since 0.1.0
 * @category models
 */
export type JsonRpcSuccess = typeof JsonRpcSuccess.Type

/**
 * The `error` member of a failed response.
 *
 * @since 0.1.0
 * @category schemas
 */
export const JsonRpcErrorObject = Schema.Struct({
  code: Schema.Int,
  message: Schema.String,
  data: Schema.optionalWith(Schema.Unknown, { exact: true })
})

/**
 * @since 0.1.0
 * @category models
 */
export type JsonRpcErrorObject = typeof JsonRpcErrorObject.Type

/**
 * A failed response. `id` is `null` when the server could not read the
 * request's id (e.g. a parse error).
 *
 * @since 0.1.0
 * @category schemas
 */
export const JsonRpcFailure = Schema.Struct({
  jsonrpc: Version,
  id: Schema.NullOr(RequestId),
  error: JsonRpcErrorObject,
  result: absent,
  method: absent
})

/**
 * @since 0.1.0
 * @category models
 */
export type JsonRpcFailure = typeof JsonRpcFailure.Type

/**
 * A response, successful or not.
 *
 * @since 0.1.0
 * @category models
 */
export type JsonRpcResponse = JsonRpcSuccess | JsonRpcFailure

/**
 * Any single JSON-RPC message.
 *
 * @since 0.1.0
 * @category schemas
 */
export const JsonRpcMessage = Schema.Union(JsonRpcRequest, JsonRpcNotification, JsonRpcSuccess, JsonRpcFailure)

/**
 * @since 0.1.0
 * @category models
 */
export type JsonRpcMessage = typeof JsonRpcMessage.Type

// -----------------------------------------------------------------------------
// Fast classifier
// -----------------------------------------------------------------------------

const isId = (u: unknown): boolean => typeof u === "string" || typeof u === "number"

const isParams = (u: unknown): boolean => typeof u === "object" && u !== null

// The single source of truth for what a valid message is: `undefined` when `u`
// is one, otherwise why not. Constant strings where possible so the failure
// path allocates little too.
const problemOf = (u: unknown): string | undefined => {
  if (!Predicate.isRecord(u)) {
    return Array.isArray(u) ? "expected a JSON-RPC message object, got an array" : "expected a JSON object"
  }
  if (u.jsonrpc !== "2.0") return "\"jsonrpc\" must be \"2.0\""
  if (u.method !== undefined) {
    if (typeof u.method !== "string") return "\"method\" must be a string"
    if (u.params !== undefined && !isParams(u.params)) return "\"params\" must be an object or an array"
    if (u.id !== undefined && !isId(u.id)) return "request \"id\" must be a string or a number"
    return undefined
  }
  const hasResult = u.result !== undefined
  const hasError = u.error !== undefined
  if (hasResult === hasError) {
    return hasResult ?
      "a response must not carry both \"result\" and \"error\"" :
      "not a request, notification or response (no \"method\", \"result\" or \"error\")"
  }
  if (hasResult) {
    return isId(u.id) ? undefined : "response \"id\" must be a string or a number"
  }
  if (u.id !== null && !isId(u.id)) return "error response \"id\" must be a string, a number or null"
  const error = u.error
  if (!Predicate.isRecord(error)) return "\"error\" must be an object"
  if (typeof error.code !== "number" || !Number.isInteger(error.code)) return "\"error.code\" must be an integer"
  if (typeof error.message !== "string") return "\"error.message\" must be a string"
  return undefined
}

/**
 * Whether `u` is a well-formed JSON-RPC 2.0 message (the same rules as
 * {@link decodeMessage}).
 *
 * @since 0.1.0
 * @category refinements
 */
export const isMessage = (u: unknown): u is JsonRpcMessage => problemOf(u) === undefined

/**
 * Classifies a parsed JSON value as a JSON-RPC message without copying it:
 * `Right` holds the very same object, `Left` a description of what is wrong.
 *
 * Checks only the envelope (`jsonrpc`, `id`, `method`, `params`, exactly one of
 * `result` / `error`, `error.code` / `error.message`); `params` and `result`
 * are validated later against the method's schema.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeMessage = (u: unknown): Either.Either<JsonRpcMessage, string> =>
  isMessage(u) ? Either.right(u) : Either.left(problemOf(u) ?? "invalid JSON-RPC message")

// `JSON.parse` turns a "__proto__" key into an own property; `effect/Schema`
// decoding then assigns it to its output object, which *replaces that object's
// prototype* — fields read through it were never validated (same class of bug as
// zod#2227). Such keys have no meaning in MCP, so they are dropped at parse time.
// A key can only spell "__proto__" literally or through a \u escape, so texts
// containing neither skip the (slower) reviver.
const mayHaveProtoKey = (text: string): boolean => text.includes("__proto__") || text.includes("\\u")

const dropProtoKey = (key: string, value: unknown): unknown => key === "__proto__" ? undefined : value

/**
 * Parses a JSON text holding one message or a batch (a non-empty array of
 * messages; servers on 2025-03-26 may send them). Never throws.
 *
 * Keys named `__proto__` are dropped (see the comment above): parse wire text
 * with this function rather than `JSON.parse` before decoding it with a schema.
 *
 * @since 0.1.0
 * @category decoding
 */
export const parseMessage = (
  text: string
): Either.Either<JsonRpcMessage | ReadonlyArray<JsonRpcMessage>, string> => {
  let u: unknown
  try {
    u = mayHaveProtoKey(text) ? JSON.parse(text, dropProtoKey) : JSON.parse(text)
  } catch (e) {
    return Either.left(`invalid JSON: ${e instanceof Error ? e.message : String(e)}`)
  }
  if (!Array.isArray(u)) return decodeMessage(u)
  const batch: ReadonlyArray<unknown> = u
  if (batch.length === 0) return Either.left("empty batch")
  if (batch.every(isMessage)) return Either.right(batch)
  const index = batch.findIndex((m) => !isMessage(m))
  return Either.left(`batch element ${index}: ${problemOf(batch[index]) ?? "invalid JSON-RPC message"}`)
}

/**
 * Serialises a message (or a batch) for the wire.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encode = (msg: JsonRpcMessage | ReadonlyArray<JsonRpcMessage>): string => JSON.stringify(msg)

// -----------------------------------------------------------------------------
// Constructors
// -----------------------------------------------------------------------------

/**
 * @since 0.1.0
 * @category constructors
 */
export const request = (id: RequestId, method: string, params?: Params): JsonRpcRequest =>
  params === undefined ? { jsonrpc: "2.0", id, method } : { jsonrpc: "2.0", id, method, params }

/**
 * @since 0.1.0
 * @category constructors
 */
export const notification = (method: string, params?: Params): JsonRpcNotification =>
  params === undefined ? { jsonrpc: "2.0", method } : { jsonrpc: "2.0", method, params }

/**
 * @since 0.1.0
 * @category constructors
 */
export const success = (id: RequestId, result: unknown): JsonRpcSuccess => ({ jsonrpc: "2.0", id, result })

/**
 * @since 0.1.0
 * @category constructors
 */
export const failure = (id: RequestId | null, code: number, message: string, data?: unknown): JsonRpcFailure => ({
  jsonrpc: "2.0",
  id,
  error: data === undefined ? { code, message } : { code, message, data }
})

// -----------------------------------------------------------------------------
// Guards
// -----------------------------------------------------------------------------

/**
 * @since 0.1.0
 * @category refinements
 */
export const isRequest = (m: JsonRpcMessage): m is JsonRpcRequest => m.method !== undefined && m.id !== undefined

/**
 * @since 0.1.0
 * @category refinements
 */
export const isNotification = (m: JsonRpcMessage): m is JsonRpcNotification =>
  m.method !== undefined && m.id === undefined

/**
 * @since 0.1.0
 * @category refinements
 */
export const isResponse = (m: JsonRpcMessage): m is JsonRpcResponse => m.method === undefined

/**
 * @since 0.1.0
 * @category refinements
 */
export const isSuccess = (m: JsonRpcMessage): m is JsonRpcSuccess => m.method === undefined && m.error === undefined

/**
 * @since 0.1.0
 * @category refinements
 */
export const isFailure = (m: JsonRpcMessage): m is JsonRpcFailure => m.method === undefined && m.error !== undefined

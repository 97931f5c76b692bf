/**
 * Just enough JSON-RPC 2.0 for the test server, in plain code: it is a peer of
 * the client, so it shares none of the client's codecs (a bug in those must
 * not hide itself by agreeing with the server).
 *
 * @internal
 */
import * as Predicate from "effect/Predicate"

export type Id = string | number

export type JsonObject = { readonly [key: string]: unknown }

export const ErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** MCP: the session in `Mcp-Session-Id` is unknown (the TypeScript SDK's code for it). */
  SessionNotFound: -32001,
  /** MCP: `resources/read` of an unknown URI. */
  ResourceNotFound: -32002,
  /** Used by this server for transport-level rejections (bad headers, injected faults). */
  ServerError: -32000
} as const

export type Message =
  | { readonly kind: "request"; readonly id: Id; readonly method: string; readonly params: JsonObject | undefined }
  | { readonly kind: "notification"; readonly method: string; readonly params: JsonObject | undefined }
  | { readonly kind: "response"; readonly id: Id; readonly result: unknown }
  | {
    readonly kind: "error"
    readonly id: Id | null
    readonly error: { readonly code: number; readonly message: string; readonly data?: unknown }
  }

export type Request = Extract<Message, { readonly kind: "request" }>

export type Notification = Extract<Message, { readonly kind: "notification" }>

const isId = (u: unknown): u is Id => typeof u === "string" || (typeof u === "number" && Number.isInteger(u))

/** Classifies one parsed JSON value; `undefined` when it is no valid JSON-RPC message. */
export const classify = (value: unknown): Message | undefined => {
  if (!Predicate.isRecord(value) || value.jsonrpc !== "2.0") return undefined
  const params = value.params
  if (params !== undefined && !Predicate.isRecord(params)) return undefined
  if (typeof value.method === "string") {
    if ("id" in value) {
      return isId(value.id) ? { kind: "request", id: value.id, method: value.method, params } : undefined
    }
    return { kind: "notification", method: value.method, params }
  }
  if ("result" in value && isId(value.id)) return { kind: "response", id: value.id, result: value.result }
  const error = value.error
  if (
    Predicate.isRecord(error) && typeof error.code === "number" && typeof error.message === "string" &&
    (value.id === null || isId(value.id))
  ) {
    return {
      kind: "error",
      id: value.id,
      error: { code: error.code, message: error.message, ...("data" in error ? { data: error.data } : {}) }
    }
  }
  return undefined
}

/** A key for maps indexed by JSON-RPC id (`1` and `"1"` are different ids). */
export const idKey = (id: Id): string => JSON.stringify(id)

export const success = (id: Id, result: unknown): JsonObject => ({ jsonrpc: "2.0", id, result })

export const failure = (id: Id | null, code: number, message: string, data?: unknown): JsonObject => ({
  jsonrpc: "2.0",
  id,
  error: data === undefined ? { code, message } : { code, message, data }
})

export const notification = (method: string, params?: unknown): JsonObject =>
  params === undefined ? { jsonrpc: "2.0", method } : { jsonrpc: "2.0", method, params }

export const request = (id: Id, method: string, params?: unknown): JsonObject =>
  params === undefined ? { jsonrpc: "2.0", id, method } : { jsonrpc: "2.0", id, method, params }

/** The string-valued entries of a JSON object (headers, prompt arguments); `{}` for anything else. */
export const stringEntries = (u: unknown): Readonly<Record<string, string>> => {
  const out: Record<string, string> = {}
  if (Predicate.isRecord(u)) {
    for (const [key, value] of Object.entries(u)) {
      if (typeof value === "string") out[key] = value
    }
  }
  return out
}

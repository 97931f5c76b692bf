/**
 * Multi-round-trip requests (SEP-2322, MRTR L184–257): what a 2026-07-28
 * result asks of the client. `resultType` absent means complete; an
 * `input_required` result is answered with the application's own handlers
 * (elicitation, sampling, roots: the ones the session era calls for
 * server→client requests), and the request goes again with `inputResponses`
 * and the `requestState` echoed as received, never parsed.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as JsonRpc from "../../../JsonRpc.js"
import type * as McpClient from "../../../McpClient.js"
import type * as McpError from "../../../McpError.js"
import * as Errors from "../../errors.js"
import * as ServerRequests from "../../serverRequests.js"
import type { Context, Target } from "../../transport.js"

/** The methods whose results may be `input_required` (MRTR L190). @internal */
export const mrtrMethods: ReadonlySet<string> = new Set(["tools/call", "prompts/get", "resources/read"])

/** How many `input_required` rounds one request may take before the client gives up. @internal */
export const defaultMaxRounds = 16

/** What a result says about the request. @internal */
export type Outcome =
  | { readonly _tag: "Complete" }
  | {
    readonly _tag: "InputRequired"
    readonly inputRequests: Readonly<Record<string, { readonly method: string; readonly params: unknown }>>
    /** Exactly as received; absent when the server sent none (then it is not sent back either). */
    readonly requestState: string | undefined
  }
  | { readonly _tag: "Invalid"; readonly description: string }

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/** Classifies a result by its `resultType` (IDX L81–85). @internal */
export const outcome = (method: string, result: unknown): Outcome => {
  const resultType = isRecord(result) ? result.resultType : undefined
  if (resultType === undefined || resultType === "complete") return { _tag: "Complete" }
  if (resultType !== "input_required") {
    return { _tag: "Invalid", description: `unknown resultType ${JSON.stringify(resultType)}` }
  }
  if (!mrtrMethods.has(method)) {
    return { _tag: "Invalid", description: `resultType "input_required" is not allowed for ${method}` }
  }
  const requests = isRecord(result) && isRecord(result.inputRequests) ? result.inputRequests : {}
  const inputRequests: Record<string, { readonly method: string; readonly params: unknown }> = {}
  for (const [key, request] of Object.entries(requests)) {
    if (!isRecord(request) || typeof request.method !== "string") {
      return { _tag: "Invalid", description: `input request ${JSON.stringify(key)} has no method` }
    }
    inputRequests[key] = { method: request.method, params: request.params }
  }
  const state = isRecord(result) ? result.requestState : undefined
  if (state !== undefined && typeof state !== "string") {
    return { _tag: "Invalid", description: "requestState must be a string" }
  }
  return { _tag: "InputRequired", inputRequests, requestState: state }
}

/**
 * Answers every input request with the application's handlers, in parallel
 * (each is independent); a handler's refusal fails the request as the
 * JSON-RPC error it chose.
 *
 * @internal
 */
export const answer = (
  handlers: McpClient.Handlers,
  ctx: Context,
  target: Target,
  inputRequests: Readonly<Record<string, { readonly method: string; readonly params: unknown }>>
): Effect.Effect<Record<string, unknown>, McpError.McpError> =>
  Effect.map(
    Effect.forEach(
      Object.entries(inputRequests),
      ([key, request]) =>
        Effect.flatMap(
          ServerRequests.respond(handlers, {
            jsonrpc: "2.0",
            id: key,
            method: request.method,
            ...(isRecord(request.params) ? { params: request.params } : {})
          }),
          (response): Effect.Effect<readonly [string, unknown], McpError.McpError> =>
            JsonRpc.isSuccess(response)
              ? Effect.succeed([key, response.result] as const)
              : Effect.fail(Errors.jsonRpcError(ctx, target, response.error))
        ),
      { concurrency: "unbounded" }
    ),
    Object.fromEntries
  )

/** The params of the next round: the original ones plus the answers and the state (MRTR L251–257). @internal */
export const nextParams = (
  original: Readonly<Record<string, unknown>>,
  inputResponses: Record<string, unknown>,
  requestState: string | undefined
): Record<string, unknown> => ({
  ...original,
  inputResponses,
  ...(requestState === undefined ? {} : { requestState })
})

/** More rounds than allowed: the server keeps asking. @internal */
export const tooManyRounds = (ctx: Context, target: Target, rounds: number): McpError.ProtocolError =>
  Errors.protocolError(ctx, target, "InvalidResult", `still input_required after ${rounds} rounds`)

/**
 * @internal
 */
import * as Data from "effect/Data"

/** A JSON-RPC error (see `McpTestServer.RpcError`). */
export class RpcError extends Data.TaggedError("RpcError")<{
  readonly code: number
  readonly message: string
  readonly data?: unknown
}> {}

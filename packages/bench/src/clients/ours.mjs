// @mcp-effect/node: NodeMcpClient.layer (undici), driven from Promise land the way a mixed
// application would: one scope per client, one `Effect.runPromise` per call.
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { McpClient } from "@mcp-effect/core"
import { NodeMcpClient } from "@mcp-effect/node"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"

export const label = "@mcp-effect/node"

/** It recovers expired sessions by itself: no wrapper. */
export const recoversItself = true

/**
 * Many clients in one process (the heap figure) share one undici Agent, as the SDK clients share
 * fetch's, and each is made with `McpClient.make` in a scope of its own — the constructor for
 * "a client per session". (A `Layer` per client would add Effect's layer bookkeeping, ~20 KB.)
 */
let sharedHttp
const sharedHttpContext = async () => {
  if (sharedHttp === undefined) {
    const scope = Effect.runSync(Scope.make())
    sharedHttp = await Effect.runPromise(Layer.buildWithScope(NodeHttpClient.layerUndici, scope))
  }
  return sharedHttp
}

export async function connect(url, options = {}) {
  const clientOptions = { url, getStream: options.getStream ?? true }
  const scope = Effect.runSync(Scope.make())
  const client = options.shared === true
    ? await Effect.runPromise(
      McpClient.make(clientOptions).pipe(Effect.provide(await sharedHttpContext()), Scope.extend(scope))
    )
    : Context.get(
      await Effect.runPromise(Layer.buildWithScope(NodeMcpClient.layer(clientOptions), scope)),
      McpClient.McpClient
    )
  return {
    call: (name, args, onProgress) =>
      Effect.runPromise(client.callTool(name, args, onProgress === undefined ? undefined : { onProgress })),
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

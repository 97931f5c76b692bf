// @mcp-effect/node: NodeMcpClient.layer (undici), driven from Promise land the way a mixed
// application would: one scope per client, one `Effect.runPromise` per call.
import { McpClient, McpHttp, Recovery } from "@mcp-effect/core"
import { NodeMcpClient, NodeMcpHttp } from "@mcp-effect/node"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import { Agent } from "undici"

export const label = "@mcp-effect/node"

/** It recovers expired sessions by itself: no wrapper. */
export const recoversItself = true

/**
 * Many clients in one process (the heap figure) share one undici Agent, as the SDK clients share
 * fetch's, and each is made with `McpClient.make` in a scope of its own — the constructor for
 * "a client per session". (A `Layer` per client would add Effect's layer bookkeeping, ~20 KB.)
 */
let sharedHttp
const sharedHttpService = () => (sharedHttp ??= NodeMcpHttp.make(new Agent()))

/** `ours-auto.mjs` sets `era: "auto"` (one server/discover probe per endpoint and process). */
export const connectWith = (extra) => async (url, options = {}) => {
  // `replayTools`: tools the scenario knows are harmless to run twice, told to the client as a user
  // would (Recovery.replay), so a call cut by a restart is re-sent, as the wrapper re-sends the others'.
  const { replayTools, ...ours } = options.ours ?? {}
  const clientOptions = {
    url,
    getStream: options.getStream ?? true,
    ...extra,
    ...ours,
    ...(replayTools === undefined
      ? {}
      : {
        recovery: { replay: Recovery.replay({ tools: Object.fromEntries(replayTools.map((name) => [name, true])) }) }
      })
  }
  const scope = Effect.runSync(Scope.make())
  const client = options.shared === true
    ? await Effect.runPromise(
      McpClient.make(clientOptions).pipe(
        Effect.provideService(McpHttp.McpHttp, sharedHttpService()),
        Scope.extend(scope)
      )
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

export const connect = connectWith({})

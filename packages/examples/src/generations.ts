/**
 * Protocol generations (docs/protocol-generations.md): pinning the
 * generation, seeding the era cache, persisting what the client found, and
 * testing an application against every generation.
 */
import { EraCache, McpClient } from "@mcp-effect/core"
import type { Session } from "@mcp-effect/core"
import { NodeMcpClient } from "@mcp-effect/node"
import { NodeMcpTestServer } from "@mcp-effect/node/testing"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

// #region pin
/** A client for a server known to speak 2026-07-28: no probe, ever. */
export const pinned = (url: string) => NodeMcpClient.layer({ url, era: "stateless" })
// #endregion

// #region which
/** Which generation the client ended up speaking, e.g. for a log line. */
export const generation = Effect.flatMap(McpClient.McpClient, (client) => client.session).pipe(
  Effect.map((session) => `${session.era} (${session.protocolVersion})`)
)
// #endregion

// #region persist
/**
 * An era cache kept in a store of the application's (here a Map standing in
 * for a file or a key-value store): read at start, written on every decision.
 */
export const persistentCache = (store: Map<string, Session.Era>): EraCache.Service => {
  const memory = EraCache.makeMemory(Object.fromEntries(store))
  return {
    get: memory.get,
    set: (endpoint, era) =>
      Effect.zipRight(memory.set(endpoint, era), Effect.sync(() => void store.set(endpoint, era))),
    remove: (endpoint) => Effect.zipRight(memory.remove(endpoint), Effect.sync(() => void store.delete(endpoint)))
  }
}

/** A client whose era decisions outlive the process (detection is the default). */
export const clientWithPersistentEras = (url: string, store: Map<string, Session.Era>) =>
  NodeMcpClient.layer({ url }).pipe(
    Layer.provide(Layer.succeed(EraCache.EraCache, persistentCache(store)))
  )
// #endregion

// #region testkit
/**
 * Runs the same application against the test server in each generation
 * (over real HTTP on 127.0.0.1): the client detects which one it meets.
 */
export const againstEveryGeneration = <A, E>(app: Effect.Effect<A, E, McpClient.McpClient>) =>
  Effect.forEach(["sessions", "stateless", "http-sse"] as const, (era) =>
    Effect.scoped(Effect.gen(function*() {
      const { url } = yield* NodeMcpTestServer.make({ era })
      return yield* app.pipe(Effect.provide(NodeMcpClient.layer({ url })))
    })))
// #endregion

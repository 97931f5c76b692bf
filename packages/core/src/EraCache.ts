/**
 * Where clients remember which protocol generation a server speaks, so that
 * only the first client of an endpoint probes it (VER L148–152: "SHOULD
 * cache per origin, MAY persist, re-probe if the cached assumption later
 * fails").
 *
 * By default every client of the process shares one in-memory cache. Provide
 * your own `EraCache` to seed it (you know your servers), read it, or persist
 * it (e.g. in a file or a key-value store) across restarts:
 *
 * @example
 * ```ts
 * import { EraCache } from "@mcp-effect/core"
 * import { Effect } from "effect"
 *
 * const seeded = EraCache.makeMemory({ "https://api.example.com/mcp": "stateless" })
 * const program = Effect.provideService(myProgram, EraCache.EraCache, seeded)
 * ```
 *
 * Entries are keyed by the endpoint URL (endpoints of one origin may differ).
 * The client removes an entry whose assumption failed (the server answered
 * as another generation, e.g. after a deploy) and records what the new probe
 * found.
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Session from "./Session.js"

/**
 * @since 0.2.0
 * @category models
 */
export interface Service {
  /** The generation recorded for `endpoint`, if any. */
  readonly get: (endpoint: string) => Effect.Effect<Session.Era | undefined>
  readonly set: (endpoint: string, era: Session.Era) => Effect.Effect<void>
  /** Forgets `endpoint` (its recorded generation turned out wrong). */
  readonly remove: (endpoint: string) => Effect.Effect<void>
}

/**
 * An in-memory cache, optionally seeded.
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeMemory = (seed?: Readonly<Record<string, Session.Era>>): Service => {
  const entries = new Map<string, Session.Era>(Object.entries(seed ?? {}))
  return {
    get: (endpoint) => Effect.sync(() => entries.get(endpoint)),
    set: (endpoint, era) => Effect.sync(() => void entries.set(endpoint, era)),
    remove: (endpoint) => Effect.sync(() => void entries.delete(endpoint))
  }
}

/**
 * The service tag. Without one provided, clients use one in-memory cache
 * shared by the whole process.
 *
 * @since 0.2.0
 * @category tags
 */
export class EraCache extends Context.Reference<EraCache>()("@mcp-effect/core/EraCache", {
  defaultValue: () => makeMemory()
}) {}

/**
 * A fresh in-memory cache, optionally seeded (e.g. from what you persisted).
 *
 * @since 0.2.0
 * @category layers
 */
export const layerMemory = (seed?: Readonly<Record<string, Session.Era>>): Layer.Layer<EraCache> =>
  Layer.sync(EraCache, () => makeMemory(seed))

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
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as McpConfig from "./McpConfig.js"
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

/**
 * The seed read from `Config` (under an optional prefix, see
 * `Config.nested`): `SEED`, comma-separated `endpoint=era` pairs, e.g.
 * `https://a.example/mcp=stateless,https://b.example/mcp=sessions`. Unset:
 * an empty cache.
 *
 * @since 0.2.0
 * @category config
 */
export const config: Config.Config<Readonly<Record<string, Session.Era>>> = /*#__PURE__*/ (() =>
  // A pure call: a bundle that never reads this config leaves it (and effect's Config) out.
  McpConfig.optional(
    Config.array(Config.string(), "SEED")
  ).pipe(Config.mapOrFail((pairs) => {
    const seed: Record<string, Session.Era> = {}
    for (const pair of pairs ?? []) {
      // The last "=": an endpoint's query may hold one, an era never does.
      const at = pair.lastIndexOf("=")
      const era = pair.slice(at + 1)
      if (at <= 0 || !isEra(era)) {
        return Either.left(
          ConfigError.InvalidData(["SEED"], `Expected endpoint=era (sessions, stateless, http-sse), got "${pair}"`)
        )
      }
      seed[pair.slice(0, at)] = era
    }
    return Either.right(seed)
  })))()

const isEra = (value: string): value is Session.Era =>
  value === "sessions" || value === "stateless" || value === "http-sse"

/**
 * A fresh in-memory cache seeded from `Config` (see {@link config}) over
 * `seed`: an endpoint `Config` names wins.
 *
 * @example
 * ```ts
 * // MCP_ERA_CACHE_SEED="https://api.example.com/mcp=stateless"
 * EraCache.layerConfig(Config.nested(EraCache.config, "MCP_ERA_CACHE"))
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layerConfig = (
  configs: Config.Config<Readonly<Record<string, Session.Era>>> = config,
  seed?: Readonly<Record<string, Session.Era>>
): Layer.Layer<EraCache, ConfigError.ConfigError> =>
  Layer.effect(EraCache, Effect.map(configs, (fromConfig) => makeMemory({ ...seed, ...fromConfig })))

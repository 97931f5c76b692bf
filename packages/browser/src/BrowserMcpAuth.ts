/**
 * Authorization in the browser: tokens and registrations in Web Storage.
 *
 * `sessionStorage` (the default) lives as long as the tab; `localStorage`
 * survives restarts but is readable by every script of the origin: choose
 * it only where that is acceptable for refresh tokens.
 *
 * @example
 * ```ts
 * import { McpAuth, McpConfig } from "@mcp-effect/core"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
 * import { BrowserMcpAuth } from "@mcp-effect/browser"
 * import { Layer } from "effect"
 *
 * const AuthLive = McpAuth.layer({ clientName: "my web app", applicationType: "web" }).pipe(
 *   Layer.provide(BrowserMcpAuth.layerSessionStorage())
 * )
 * ```
 *
 * @since 0.2.0
 */
import { McpAuth, McpConfig } from "@mcp-effect/core"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

/**
 * A `McpAuth.Store` on a Web `Storage`, every key under `prefix`. A storage
 * that refuses (quota, privacy mode) loses the value, never the request.
 *
 * @since 0.2.0
 * @category constructors
 */
export const storageStore = (storage: Storage, prefix = "mcp-effect:auth:"): McpAuth.StoreService => ({
  get: (key) =>
    Effect.sync(() => {
      try {
        return storage.getItem(prefix + key) ?? undefined
      } catch {
        return undefined
      }
    }),
  set: (key, value) =>
    Effect.sync(() => {
      try {
        storage.setItem(prefix + key, value)
      } catch {
        // quota or privacy mode: the token lives in memory only, until the next authorization
      }
    }),
  remove: (key) =>
    Effect.sync(() => {
      try {
        storage.removeItem(prefix + key)
      } catch {
        // nothing stored, nothing to remove
      }
    })
})

/**
 * @since 0.2.0
 * @category layers
 */
export const layerSessionStorage = (prefix?: string): Layer.Layer<McpAuth.Store> =>
  Layer.sync(McpAuth.Store, () => storageStore(globalThis.sessionStorage, prefix))

/**
 * @since 0.2.0
 * @category layers
 */
export const layerLocalStorage = (prefix?: string): Layer.Layer<McpAuth.Store> =>
  Layer.sync(McpAuth.Store, () => storageStore(globalThis.localStorage, prefix))

/**
 * The options read from `Config`, only the keys that are set (under an
 * optional prefix, see `Config.nested`): `STORAGE` (`session` or `local`),
 * `STORAGE_PREFIX`.
 *
 * @since 0.2.0
 * @category config
 */
export const config: Config.Config<Options> = Config.all({
  storage: McpConfig.optional(Config.literal("session", "local")("STORAGE")),
  prefix: McpConfig.optional(Config.string("STORAGE_PREFIX"))
}).pipe(Config.map(McpConfig.defined))

/**
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** Which Web Storage: `sessionStorage` (the default) or `localStorage`. */
  readonly storage?: "session" | "local" | undefined
  /** Put before every key. Default: "mcp-effect:auth:". */
  readonly prefix?: string | undefined
}

/**
 * The store configured from `Config` (see {@link config}) over `options`: a
 * key that is set wins. In a browser, `Config` comes from a provider of yours
 * (`ConfigProvider.fromJson` of the app's settings, say).
 *
 * @since 0.2.0
 * @category layers
 */
export const layerConfig = (
  configs: Config.Config<Options> = config,
  options?: Options
): Layer.Layer<McpAuth.Store, ConfigError.ConfigError> =>
  Layer.unwrapEffect(Effect.map(configs, (fromConfig) => {
    const { prefix, storage } = { ...options, ...fromConfig }
    return storage === "local" ? layerLocalStorage(prefix) : layerSessionStorage(prefix)
  }))

/**
 * Authorization in the browser: tokens and registrations in Web Storage,
 * and the interactive step as a full-page redirect or a popup, with
 * {@link handleCallback} for the app's redirect page.
 *
 * `sessionStorage` (the default) lives as long as the tab; `localStorage`
 * survives restarts but is readable by every script of the origin: choose
 * it only where that is acceptable for refresh tokens.
 *
 * @example
 * ```ts
 * import { McpAuth } from "@mcp-effect/core"
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
import * as McpAuth from "@mcp-effect/core/McpAuth"
import * as McpConfig from "@mcp-effect/core/McpConfig"
import type * as McpError from "@mcp-effect/core/McpError"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as internal from "./internal/authorizer.js"

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
 * @since 0.2.0
 * @category models
 */
export interface RedirectOptions {
  /** The app's callback page, which runs {@link handleCallback}. */
  readonly redirectUri: string
  /**
   * Where the pending authorization (its `state` and PKCE verifier) waits
   * for the redirect back. Default: `sessionStorage` (this tab only).
   */
  readonly storage?: Storage | undefined
  /** Default: "mcp-effect:auth:". */
  readonly prefix?: string | undefined
  /** Where the callback page goes back to. Default: the page's URL when the authorization starts. */
  readonly returnTo?: (() => string) | undefined
  /** Default: `location.assign`. */
  readonly navigate?: ((url: string) => void) | undefined
}

/**
 * An `Authorizer` that leaves the page for the authorization URL (a
 * full-page redirect). The request waiting for it never completes in this
 * page: the callback page ({@link handleCallback}) records the answer and
 * goes back, and the next authorization of the same server in the new page
 * picks it up (`resume`) and finishes with the kept verifier. Keep the
 * tokens and the client registration across the redirect too
 * ({@link layerSessionStorage}), or the code is exchanged by a client the
 * server does not know.
 *
 * @since 0.2.0
 * @category constructors
 */
export const redirectAuthorizer = (options: RedirectOptions): McpAuth.AuthorizerService =>
  internal.redirect({
    redirectUri: options.redirectUri,
    storage: () => options.storage ?? globalThis.sessionStorage,
    prefix: options.prefix ?? "mcp-effect:auth:",
    returnTo: options.returnTo ?? (() => globalThis.location.href),
    navigate: options.navigate ?? ((url) => globalThis.location.assign(url))
  })

/**
 * @since 0.2.0
 * @category layers
 */
export const layerRedirect = (options: RedirectOptions): Layer.Layer<McpAuth.Authorizer> =>
  Layer.sync(McpAuth.Authorizer, () => redirectAuthorizer(options))

/**
 * @since 0.2.0
 * @category models
 */
export interface PopupOptions {
  /** The app's callback page, which runs {@link handleCallback} (same origin as this page). */
  readonly redirectUri: string
  /** `window.open` features. Default: "popup,width=520,height=720". */
  readonly features?: string | undefined
  /** How long the user has. Default: 5 minutes. */
  readonly timeout?: Duration.DurationInput | undefined
  /** Opens the popup. Default: `window.open(url, "mcp-effect-authorization", features)`. */
  readonly open?: ((url: string) => Window | null) | undefined
}

/**
 * An `Authorizer` that opens the authorization URL in a popup and waits for
 * the callback page in it to post the redirect's parameters back (same
 * origin, from that popup, with the request's `state`; anything else is
 * ignored or fails with `AuthorizationFailed`). The page stays; a closed
 * popup, a blocked one or the timeout fail the authorization. Browsers
 * block popups not opened from a user gesture: start the first request
 * from a click. An authorization server that sends
 * `Cross-Origin-Opener-Policy: same-origin` on its pages cuts the popup
 * from its opener: use the redirect there.
 *
 * @since 0.2.0
 * @category constructors
 */
export const popupAuthorizer = (options: PopupOptions): McpAuth.AuthorizerService => {
  const features = options.features ?? "popup,width=520,height=720"
  return internal.popup({
    redirectUri: options.redirectUri,
    timeout: options.timeout ?? "5 minutes",
    open: options.open ?? ((url) => globalThis.open(url, "mcp-effect-authorization", features))
  })
}

/**
 * @since 0.2.0
 * @category layers
 */
export const layerPopup = (options: PopupOptions): Layer.Layer<McpAuth.Authorizer> =>
  Layer.sync(McpAuth.Authorizer, () => popupAuthorizer(options))

/**
 * @since 0.2.0
 * @category models
 */
export interface CallbackOptions {
  /** The storage the {@link redirectAuthorizer} uses. Default: `sessionStorage`. */
  readonly storage?: Storage | undefined
  /** Default: "mcp-effect:auth:". */
  readonly prefix?: string | undefined
  /** The redirect's URL. Default: `location.href`. */
  readonly url?: string | undefined
  /** Go back to the page that started the authorization. Default: true (`location.replace`). */
  readonly navigate?: boolean | undefined
}

/**
 * What the callback page did: recorded the answer of a redirect (and went
 * back to `returnTo`), or handed it to the popup's opener (and closed).
 *
 * @since 0.2.0
 * @category models
 */
export type CallbackResult =
  | { readonly _tag: "Redirect"; readonly resource: string; readonly returnTo: string }
  | { readonly _tag: "Popup" }

/**
 * For the app's callback page (the `redirectUri`). A redirect whose `state`
 * is that of a pending authorization is recorded for it and the page goes
 * back; in a popup the parameters go to the opener, which checks `state`.
 * A redirect that answers no pending authorization (forged, stale, replayed)
 * fails with `AuthorizationFailed` and drops the pending ones: its code is
 * never used.
 *
 * @example
 * ```ts
 * // callback.html's script
 * import { BrowserMcpAuth } from "@mcp-effect/browser"
 * import { Effect } from "effect"
 *
 * Effect.runPromise(BrowserMcpAuth.handleCallback()).catch((error) => {
 *   document.body.textContent = `Authorization failed: ${error.message}`
 * })
 * ```
 *
 * @since 0.2.0
 * @category utils
 */
export const handleCallback = (
  options: CallbackOptions = {}
): Effect.Effect<CallbackResult, McpError.AuthorizationFailed> =>
  Effect.suspend(() =>
    internal.callback({
      storage: options.storage ?? globalThis.sessionStorage,
      prefix: options.prefix ?? "mcp-effect:auth:",
      url: options.url ?? globalThis.location.href,
      navigate: options.navigate === false ? undefined : (url) => globalThis.location.replace(url)
    })
  )

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

/**
 * The browser's interactive step of the authorization code grant.
 *
 * Redirect: the page records `{ state, codeVerifier, returnTo }` under
 * `pending:<resource>` in Web Storage and leaves for the authorization URL.
 * The app's callback page finds the record whose `state` the redirect
 * carries, adds the redirect's parameters to it and goes back to `returnTo`.
 * There, the layer's next authorization of that resource `resume`s: it takes
 * the record (once) and exchanges the code with the kept verifier.
 *
 * Popup: the page opens the authorization URL in a window it keeps; the
 * callback page, running in that window, posts the parameters to its opener
 * (same origin only) and closes. The page checks the origin, the source
 * window and `state` before believing them.
 *
 * @internal
 */
import type * as McpAuth from "@mcp-effect/core/McpAuth"
import * as McpError from "@mcp-effect/core/McpError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"

/** The `type` of the callback page's message to the popup's opener. @internal */
export const messageType = "mcp-effect/authorization-callback"

const Pending = Schema.Struct({
  state: Schema.String,
  codeVerifier: Schema.String,
  returnTo: Schema.String,
  params: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String }))
})
type Pending = typeof Pending.Type

const decodePending = (text: string | null): Pending | undefined => {
  if (text === null) return undefined
  try {
    const decoded = Schema.decodeUnknownEither(Pending)(JSON.parse(text))
    return decoded._tag === "Right" ? decoded.right : undefined
  } catch {
    return undefined
  }
}

const failed = (resource: string, description: string) =>
  new McpError.AuthorizationFailed({ resource, step: "authorization", description })

/** Storage that refuses (privacy mode) fails the authorization: the redirect could not come back. */
const write = (storage: Storage, key: string, value: string, resource: string) =>
  Effect.try({
    try: () => storage.setItem(key, value),
    catch: () => failed(resource, "Web Storage refused the pending authorization (needed across the redirect)")
  })

/** @internal */
export interface RedirectConfig {
  readonly redirectUri: string
  readonly storage: () => Storage
  readonly prefix: string
  readonly returnTo: () => string
  readonly navigate: (url: string) => void
}

/** @internal */
export const redirect = (config: RedirectConfig): McpAuth.AuthorizerService => {
  const key = (resource: string) => `${config.prefix}pending:${resource}`
  return {
    redirectUri: config.redirectUri,
    authorize: (request) =>
      Effect.gen(function*() {
        const pending: Pending = {
          state: request.state,
          codeVerifier: Redacted.value(request.codeVerifier),
          returnTo: config.returnTo()
        }
        yield* write(config.storage(), key(request.resource), JSON.stringify(pending), request.resource)
        config.navigate(request.url)
        // The page is leaving: the answer arrives in its next life, through `resume`.
        return yield* Effect.never
      }),
    resume: (resource) =>
      Effect.sync(() => {
        const storage = config.storage()
        const pending = decodePending(storage.getItem(key(resource)))
        if (pending?.params === undefined) return undefined
        storage.removeItem(key(resource))
        return { state: pending.state, codeVerifier: Redacted.make(pending.codeVerifier), params: pending.params }
      })
  }
}

/** @internal */
export interface PopupConfig {
  readonly redirectUri: string
  readonly timeout: Duration.DurationInput
  readonly open: (url: string) => Window | null
}

const isCallbackMessage = (data: unknown): data is { readonly params: Record<string, string> } =>
  typeof data === "object" && data !== null && "type" in data && data.type === messageType &&
  "params" in data && typeof data.params === "object" && data.params !== null &&
  Object.values(data.params).every((value) => typeof value === "string")

/** @internal */
export const popup = (config: PopupConfig): McpAuth.AuthorizerService => {
  const origin = new URL(config.redirectUri).origin
  return {
    redirectUri: config.redirectUri,
    authorize: (request) =>
      Effect.async<Readonly<Record<string, string>>, McpError.AuthorizationFailed>((resume) => {
        const window = config.open(request.url)
        if (window === null) {
          resume(Effect.fail(failed(request.resource, "the popup was blocked (open it from a user gesture)")))
          return
        }
        const onMessage = (event: MessageEvent) => {
          // Only the callback page in our popup speaks for the authorization server.
          if (event.origin !== origin || event.source !== window || !isCallbackMessage(event.data)) return
          const params = event.data.params
          resume(
            params.state === request.state
              ? Effect.succeed(params)
              : Effect.fail(failed(request.resource, "the redirect's state does not match the request's"))
          )
        }
        globalThis.addEventListener("message", onMessage)
        // A user who closes the popup answers "no"; no event says so, hence the poll. The callback page
        // closes it too, right after posting: a message already sent arrives before the next tick.
        let closedSeen = false
        const poll = setInterval(() => {
          if (closedSeen) resume(Effect.fail(failed(request.resource, "the authorization popup was closed")))
          closedSeen = window.closed
        }, 250)
        return Effect.sync(() => {
          globalThis.removeEventListener("message", onMessage)
          clearInterval(poll)
          if (!window.closed) window.close()
        })
      }).pipe(
        Effect.timeoutFail({
          duration: config.timeout,
          onTimeout: () =>
            failed(request.resource, `no answer from the authorization popup within ${Duration.format(config.timeout)}`)
        })
      )
  }
}

/** @internal */
export interface CallbackConfig {
  readonly storage: Storage
  readonly prefix: string
  readonly url: string
  readonly navigate: ((url: string) => void) | undefined
}

const isPoster = (
  value: unknown
): value is { readonly postMessage: (message: unknown, targetOrigin: string) => void } =>
  typeof value === "object" && value !== null && "postMessage" in value && typeof value.postMessage === "function"

/** @internal */
export type CallbackResult =
  | { readonly _tag: "Redirect"; readonly resource: string; readonly returnTo: string }
  | { readonly _tag: "Popup" }

/** @internal */
export const callback = (config: CallbackConfig): Effect.Effect<CallbackResult, McpError.AuthorizationFailed> =>
  Effect.suspend((): Effect.Effect<CallbackResult, McpError.AuthorizationFailed> => {
    const params = Object.fromEntries(new URL(config.url).searchParams)
    const prefix = `${config.prefix}pending:`
    const pendings: Array<{ readonly key: string; readonly resource: string; readonly pending: Pending }> = []
    for (let i = 0; i < config.storage.length; i++) {
      const key = config.storage.key(i)
      if (key === null || !key.startsWith(prefix)) continue
      const pending = decodePending(config.storage.getItem(key))
      if (pending !== undefined) pendings.push({ key, resource: key.slice(prefix.length), pending })
    }
    const match = pendings.find((p) => p.pending.state === params.state)
    if (match !== undefined) {
      const { key, pending, resource } = match
      return Effect.as(
        Effect.zipRight(
          write(config.storage, key, JSON.stringify({ ...pending, params }), resource),
          Effect.sync(() => config.navigate?.(pending.returnTo))
        ),
        { _tag: "Redirect", resource, returnTo: pending.returnTo } as const
      )
    }
    const opener: unknown = globalThis.opener
    if (isPoster(opener)) {
      // The popup's opener checks `state`; only a page of this origin may read the message.
      const origin = new URL(config.url).origin
      return Effect.sync(() => {
        opener.postMessage({ type: messageType, params }, origin)
        globalThis.close()
        return { _tag: "Popup" } as const
      })
    }
    // A forged or stale redirect: the pending authorization it claims to answer is dropped too.
    for (const p of pendings) config.storage.removeItem(p.key)
    return Effect.fail(
      failed(
        pendings.length === 1 ? pendings[0].resource : new URL(config.url).origin,
        params.state === undefined
          ? "the redirect carries no state"
          : "the redirect's state matches no pending authorization"
      )
    )
  })

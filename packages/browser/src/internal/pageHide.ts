/**
 * The session ended when the page goes away, and the browser's `HttpClient`:
 * `fetch` without the HTTP cache, DELETE as `keepalive`.
 *
 * By the time anything asynchronous runs after `pagehide`, the document may be
 * gone and `fetch` refuses to start (a removed iframe, a closed tab).
 * Disposing the client's runtime there is too late: its DELETE comes after
 * several fiber hops. So the DELETE is sent synchronously from the listener,
 * as `keepalive` (the browser finishes it after the page is gone), to the URL
 * and with the headers of the last request that carried the session id: the
 * same session id, protocol version and credentials the client used.
 *
 * @internal
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"

/** Headers of a POST or GET that make no sense on a DELETE. */
const dropped = new Set(["content-type", "content-length", "last-event-id"])

/** Told every request the client sends (its method, URL and headers). */
export type Note = (method: string, url: URL, headers: Readonly<Record<string, string>>) => void

/**
 * Listens for `pagehide` while the scope is open, and gives the function that
 * is told every request; `undefined` when there is nothing to listen for
 * (`endSessionOnPageHide: false`, or no `addEventListener` and `fetch`).
 *
 * @internal
 */
export const listen = (endSessionOnPageHide: boolean): Effect.Effect<Note | undefined, never, Scope.Scope> =>
  Effect.suspend(() => {
    if (
      !endSessionOnPageHide ||
      typeof globalThis.addEventListener !== "function" ||
      typeof globalThis.fetch !== "function"
    ) return Effect.succeed(undefined)

    // Where and how to DELETE the session of the last request that carried one (only this, not
    // the request: its body may be large).
    let last: { readonly url: URL; readonly headers: Record<string, string> } | undefined
    const onPageHide = (event: PageTransitionEvent) => {
      // A page kept in the back/forward cache may come back and carry on (recovering its
      // session if the server forgot it meanwhile).
      if (event.persisted || last === undefined) return
      const { headers, url } = last
      last = undefined
      // Nobody is left to read the answer.
      globalThis.fetch(url, { method: "DELETE", headers, keepalive: true }).catch(() => undefined)
    }
    const note: Note = (method, url, requestHeaders) => {
      if (method === "DELETE") {
        last = undefined
        return
      }
      if (requestHeaders["mcp-session-id"] === undefined) return
      const headers: Record<string, string> = {}
      for (const [name, value] of Object.entries(requestHeaders)) {
        if (!dropped.has(name)) headers[name] = value
      }
      last = { url, headers }
    }
    // Released after the client's own finalizer, whose DELETE clears `last`.
    return Effect.as(
      Effect.acquireRelease(
        Effect.sync(() => globalThis.addEventListener("pagehide", onPageHide)),
        () => Effect.sync(() => globalThis.removeEventListener("pagehide", onPageHide))
      ),
      note
    )
  })

/**
 * The `RequestInit` of every request:
 *
 * - `cache: "no-store"`: keeps the HTTP cache out of the way. With the default
 *   mode Chromium writes the GET stream (same URL as every POST and DELETE) into
 *   its cache, and a POST or DELETE that invalidates that entry while it is being
 *   written meets a cache race, which Chromium resolves by sending the request
 *   again: a duplicate tool call, or a second DELETE (seen in the browser tests).
 * - DELETE as `keepalive`, so a runtime disposed right before a navigation still
 *   ends its session. Only the DELETE: keepalive requests share a 64 KiB body
 *   budget, and the others may carry large bodies.
 *
 * @internal
 */
export const requestInit = (method: string): RequestInit =>
  method === "DELETE" ? { cache: "no-store", keepalive: true } : { cache: "no-store" }

const withRequestInit = (client: HttpClient.HttpClient): HttpClient.HttpClient =>
  HttpClient.transform(client, (effect, request) =>
    Effect.flatMap(
      Effect.serviceOption(FetchHttpClient.RequestInit),
      (init) =>
        Effect.provideService(effect, FetchHttpClient.RequestInit, {
          ...Option.getOrElse(init, () => ({})),
          ...requestInit(request.method)
        })
    ))

/** The browser's `HttpClient` (`BrowserMcpClient.layerHttpClient`). @internal */
export const layer = (endSessionOnPageHide: boolean): Layer.Layer<HttpClient.HttpClient> =>
  Layer.scoped(
    HttpClient.HttpClient,
    Effect.gen(function*() {
      const client = withRequestInit(yield* HttpClient.HttpClient)
      const note = yield* listen(endSessionOnPageHide)
      if (note === undefined) return client
      return HttpClient.tapRequest(client, (request) =>
        Effect.sync(() => {
          const url = UrlParams.makeUrl(request.url, request.urlParams, request.hash)
          if (Either.isRight(url)) note(request.method, url.right, request.headers)
        }))
    })
  ).pipe(Layer.provide(FetchHttpClient.layer))

/**
 * Cross-origin network failures, marked for what they most likely are.
 *
 * When CORS refuses a request (its preflight, or the answer's
 * `Access-Control-Allow-Origin`), `fetch` rejects with the same bare
 * `TypeError: Failed to fetch` as for a server that cannot be reached: the
 * reason is only in the browser's console, never visible to the page. What
 * the page does know is that the request went to another origin and which of
 * its headers needed the server's permission. That is put on the
 * `HttpFailure` (`crossOrigin`), so the client's error can name the likely
 * cause and the remedy, and the handshake does not repeat itself for it.
 *
 * @internal
 */
import * as McpError from "@mcp-effect/core/McpError"
import type * as McpHttp from "@mcp-effect/core/McpHttp"
import * as Effect from "effect/Effect"

/** `service`, with network-level failures of cross-origin requests marked `crossOrigin`. @internal */
export const mark = (service: McpHttp.Service): McpHttp.Service => ({
  execute: (request) =>
    Effect.catchTag(service.execute(request), "HttpFailure", (failure) => {
      const origin = pageOrigin()
      if (origin === undefined || failure.crossOrigin !== undefined || !isNetworkError(failure.cause)) {
        return Effect.fail(failure)
      }
      const target = originOf(request.url, origin)
      if (target === undefined || target === origin) return Effect.fail(failure)
      return Effect.fail(
        new McpError.HttpFailure({ ...failure, crossOrigin: { origin, headers: needingPermission(request) } })
      )
    })
})

/** The page's (or worker's) origin; undefined outside a browser or for an opaque origin. */
const pageOrigin = (): string | undefined => {
  const origin = globalThis.location?.origin
  return typeof origin === "string" && origin !== "null" ? origin : undefined
}

const originOf = (url: string, base: string): string | undefined => {
  try {
    return new URL(url, base).origin
  } catch {
    return undefined
  }
}

/**
 * `fetch` rejected with a `TypeError`: a network error, CORS among them. Not an
 * abort (an `AbortError`, or the client's own abort, which carries no cause).
 */
const isNetworkError = (cause: unknown): boolean => cause instanceof TypeError

/**
 * The headers of `request` that are not CORS-safelisted (the Fetch standard),
 * so the preflight asked the server for them: its own headers, the
 * `content-type` of the JSON body, and the trace headers when propagated.
 */
const needingPermission = (request: McpHttp.Request): ReadonlyArray<string> => {
  const names = new Set<string>()
  for (const [name, value] of Object.entries(request.headers)) {
    const lower = name.toLowerCase()
    // A forbidden header name (Accept-Encoding): a page cannot send it, so it never asks permission.
    if (lower !== "accept-encoding" && !isSafelisted(lower, value)) names.add(lower)
  }
  // The body goes as application/json unless the request names another type (fetchMcpHttp.ts).
  if (request.body !== undefined && request.headers["content-type"] === undefined) names.add("content-type")
  if (request.tracerPropagation) {
    names.add("traceparent")
    names.add("b3")
  }
  return [...names].sort()
}

/** Bytes a safelisted header's value must not contain (CORS-unsafe request-header bytes). */
// eslint-disable-next-line no-control-regex
const unsafeBytes = /[\x00-\x08\x0A-\x1F"():<>?@[\\\]{}\x7F]/

const simpleContentTypes: ReadonlySet<string> = new Set([
  "application/x-www-form-urlencoded",
  "multipart/form-data",
  "text/plain"
])

const isSafelisted = (name: string, value: string): boolean => {
  if (value.length > 128) return false
  switch (name) {
    case "accept":
      return !unsafeBytes.test(value)
    case "accept-language":
    case "content-language":
      return /^[0-9A-Za-z *,\-.;=]*$/.test(value)
    case "content-type":
      return !unsafeBytes.test(value) &&
        simpleContentTypes.has((value.split(";")[0] ?? "").trim().toLowerCase())
    default:
      return false
  }
}

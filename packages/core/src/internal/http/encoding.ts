/**
 * Compressed bodies. The client asks for none (`Accept-Encoding: identity`):
 * MCP messages are small, an SSE stream must not wait on a compressor's
 * buffer, and a decoder would be one more thing a hostile server could
 * inflate. Browsers (and fetch on Node) ignore that header and decode
 * whatever the server chose, leaving `Content-Encoding` on the response; a
 * backend that hands bytes through as they came (undici's dispatcher,
 * node:http) does not. So a body is judged by what it looks like: one that
 * declares an encoding and starts like compressed data (control bytes,
 * invalid UTF-8), not like JSON or SSE text, was not decoded.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as McpError from "../../McpError.js"
import type * as McpHttp from "../../McpHttp.js"

/** What the client asks for. @internal */
export const ACCEPT_ENCODING = "identity"

/** The body's declared coding, unless none or `identity`. @internal */
export const declared = (headers: Readonly<Record<string, string>>): string | undefined => {
  const value = headers["content-encoding"]?.trim().toLowerCase()
  return value === undefined || value === "" || value === "identity" ? undefined : value
}

/**
 * Whether text starts like bytes no JSON or SSE text has: a control
 * character other than tab, CR and LF, or U+FFFD (what invalid UTF-8 is
 * decoded to). gzip starts with 0x1F 0x8B, zlib's deflate with 0x78 and a
 * byte that is not UTF-8, brotli with arbitrary bits: all show within a few
 * characters.
 *
 * @internal
 */
export const looksEncoded = (text: string): boolean => {
  const n = Math.min(text.length, 32)
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i)
    if ((c < 0x20 && c !== 9 && c !== 10 && c !== 13) || c === 0xfffd) return true
  }
  return false
}

/**
 * The response, checked: when it declares an encoding, its first piece is
 * read and judged (`onEncoded` with the coding's name if it was not decoded),
 * then handed back first by `read`. A response without one is returned as it
 * is, at no cost.
 *
 * @internal
 */
export const checked = <E>(
  response: McpHttp.Response,
  onEncoded: (encoding: string) => E,
  onBodyError: (failure: McpError.HttpFailure) => E
): Effect.Effect<McpHttp.Response, E> => {
  const encoding = declared(response.headers)
  if (encoding === undefined) return Effect.succeed(response)
  return Effect.flatMap(Effect.mapError(response.read, onBodyError), (first) => {
    if (first !== undefined && looksEncoded(first)) {
      return Effect.zipRight(response.discard, Effect.fail(onEncoded(encoding)))
    }
    let pending = first
    const done = first === undefined
    return Effect.succeed<McpHttp.Response>({
      status: response.status,
      headers: response.headers,
      read: Effect.suspend(() => {
        if (done) return Effect.succeed(undefined)
        if (pending === undefined) return response.read
        const text = pending
        pending = undefined
        return Effect.succeed(text)
      }),
      discard: response.discard
    })
  })
}

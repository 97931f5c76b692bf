/**
 * The headers of an unexpected status worth keeping on the error: what a
 * caller needs to act on a 429/503 (`Retry-After`) or a redirect
 * (`Location`). Kept as sent, cut to a sane length (a header is bounded by the
 * HTTP backend, but an error is kept and printed).
 *
 * @internal
 */

const MAX_HEADER = 2048

/** @internal */
export const of = (
  headers: Readonly<Record<string, string>>
): { readonly retryAfter?: string; readonly location?: string } => {
  const retryAfter = headers["retry-after"]
  const location = headers["location"]
  return {
    ...(retryAfter === undefined ? {} : { retryAfter: retryAfter.slice(0, MAX_HEADER) }),
    ...(location === undefined ? {} : { location: location.slice(0, MAX_HEADER) })
  }
}

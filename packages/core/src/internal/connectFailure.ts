/**
 * Whether an error from a network stack says that no connection was made, so
 * that nothing of the request reached the server: the one transport failure
 * after which a request is always safe to send again. Recognised by the
 * system error codes Node, undici and Bun put on the error or its causes;
 * a browser's `fetch` says only "Failed to fetch", which proves nothing.
 *
 * @internal
 */

/**
 * The codes that mean "no connection": refused, no such host, no route, the connect timed out, no
 * file descriptor left for the socket.
 */
const connectCodes: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
  "UND_ERR_CONNECT_TIMEOUT",
  "ConnectionRefused",
  // No socket could be made here (out of file descriptors): nothing was sent, and it passes.
  "EMFILE",
  "ENFILE"
])

/** @internal */
export const isConnectFailure = (error: unknown): boolean => search(error, 0)

// Causes nest (fetch's TypeError → undici's error → an AggregateError of one per address):
// bounded, against cycles.
const search = (error: unknown, depth: number): boolean => {
  if (depth > 6 || typeof error !== "object" || error === null) return false
  if ("code" in error && typeof error.code === "string" && connectCodes.has(error.code)) return true
  if ("errors" in error && Array.isArray(error.errors) && error.errors.length > 0) {
    // Every address refused (happy eyeballs): no connection at all.
    return error.errors.every((inner: unknown) => search(inner, depth + 1))
  }
  return "cause" in error && search(error.cause, depth + 1)
}

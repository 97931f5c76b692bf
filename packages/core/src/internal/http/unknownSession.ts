/**
 * How real servers say "I do not know this session" — the detection step of
 * the recovery, for Streamable HTTP. The spec says 404; real servers also
 * say it otherwise (see docs/session-recovery.md for the servers measured):
 *
 * | status | body | who |
 * | --- | --- | --- |
 * | 404 | anything | the spec; the official SDK's per-session lookup; Python `mcp`, `fastmcp` |
 * | 400 | a JSON-RPC error whose message says the session id is not valid / unknown / not found / expired | `@modelcontextprotocol/server-everything` and every server copying the official SDK README's "transports map" example: `Bad Request: No valid session ID provided` |
 * | any status the user lists in `recovery.expiredStatuses` | anything | opt-in for other servers |
 *
 * Only for a request that carried a session id, and never for the handshake's
 * own `notifications/initialized`: a server that does not recognise the id it
 * has just issued (no affinity behind a load balancer) would only be asked
 * for another one it will not recognise either.
 *
 * @internal
 */

/** Whether a status needs the body read before deciding (the 400 dialect). @internal */
export const needsBody = (status: number): boolean => status === 400

/**
 * Whether a response to a request that carried a session id says the session
 * is unknown. `body` is an excerpt of the response body (for the 400 dialect).
 *
 * @internal
 */
export const isUnknownSession = (
  method: string,
  status: number,
  body: string,
  expiredStatuses: ReadonlySet<number>
): boolean => {
  if (status === 404 || expiredStatuses.has(status)) return true
  if (status !== 400 || method === "notifications/initialized") return false
  return saysUnknownSession(body)
}

/**
 * "No valid session ID provided", "Invalid session id", "Session not found",
 * "unknown session", "session expired", "Mcp-Session-Id header is invalid"…:
 * the message of a JSON-RPC error body (or the plain body) names the session
 * and says it is not (or no longer) valid.
 */
const saysUnknownSession = (body: string): boolean => {
  const text = messageOf(body).toLowerCase()
  return /session/.test(text) &&
    /\b(no valid|not valid|invalid|unknown|not found|expired|does not exist|no such|terminated)\b/.test(text)
}

const messageOf = (body: string): string => {
  try {
    const parsed: unknown = JSON.parse(body)
    if (typeof parsed === "object" && parsed !== null && "error" in parsed) {
      const error: unknown = parsed.error
      if (typeof error === "object" && error !== null && "message" in error && typeof error.message === "string") {
        return error.message
      }
    }
  } catch {
    // not JSON: the plain body is the message
  }
  return body
}

/**
 * A request a server refused with 429 (Too Many Requests) or 503 (Service
 * Unavailable): the server did not process it, so it may be sent again —
 * after the wait its `Retry-After` asks for (delay-seconds or an HTTP date,
 * RFC 9110 §10.2.3), capped; without one, after the user's schedule's own
 * wait. Whether it is sent again at all is `recovery.ts`'s decision.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type * as McpError from "../McpError.js"

/** 429 or 503: the server refused the request without processing it. @internal */
export const isThrottled = (error: McpError.McpError): error is McpError.UnexpectedStatus =>
  error._tag === "UnexpectedStatus" && (error.status === 429 || error.status === 503)

/**
 * A refusal that says when to come back: a handshake waits as it asks (a
 * refusal without `Retry-After` is retried like any transient failure).
 *
 * @internal
 */
export const asksToWait = (error: McpError.McpError): error is McpError.UnexpectedStatus =>
  isThrottled(error) && error.retryAfter !== undefined

/**
 * The wait a `Retry-After` value asks for, from `now` (epoch millis); `undefined`
 * when absent or unreadable (the schedule's wait then applies). A date in the
 * past means now.
 *
 * @internal
 */
export const retryAfterMillis = (value: string | undefined, now: number): number | undefined => {
  if (value === undefined) return undefined
  const text = value.trim()
  if (/^\d+$/.test(text)) return Number(text) * 1000
  const date = Date.parse(text)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/**
 * `base` (its count and its waits), each wait replaced by the refusal's
 * `Retry-After` when it has one, capped at `maxMillis`. Its input is the
 * failure of the attempt before.
 *
 * @internal
 */
export const schedule = (
  base: Schedule.Schedule<unknown, unknown>,
  maxMillis: number
): Schedule.Schedule<McpError.McpError, McpError.McpError> =>
  Schedule.zipRight(base, Schedule.identity<McpError.McpError>()).pipe(
    Schedule.modifyDelayEffect((failure, delay) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const asked = failure._tag === "UnexpectedStatus" ? retryAfterMillis(failure.retryAfter, now) : undefined
        return asked === undefined ? delay : Duration.millis(Math.min(asked, maxMillis))
      })
    )
  )

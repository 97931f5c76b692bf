/**
 * The handshake as the recovery runs it: retried and bounded. Transient
 * failures follow `recovery.schedule`; a refusal with `Retry-After` waits as
 * asked (`throttle.ts`); a re-initialize that cannot connect (a server
 * restarting) follows `recovery.unsent`; the whole is bounded by
 * `connectTimeout`. A `notifications/initialized` that fails transiently is
 * sent again on the session `initialize` made, not replaced by a new handshake.
 * Each attempt holds a permit of `McpHttp.handshakes` when the HTTP has one;
 * the wait for it counts neither in `connectTimeout` nor in the attempt's
 * request timeout (a caller's own deadline still bounds how long it waits).
 * Used by `recovery.ts` for the first session and every re-initialize.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Schedule from "effect/Schedule"
import * as McpError from "../McpError.js"
import type * as McpHttp from "../McpHttp.js"
import * as Errors from "./errors.js"
import * as Handshake from "./handshake.js"
import type * as State from "./state.js"
import * as Throttle from "./throttle.js"

/** The schedules a handshake is retried under (bounded by `Recovery.maxRecurrences` already). @internal */
export interface Schedules {
  readonly schedule: Schedule.Schedule<unknown, unknown>
  readonly unsent: Schedule.Schedule<unknown, unknown>
  readonly throttled: Schedule.Schedule<McpError.McpError, McpError.McpError>
}

/**
 * The handshake, retried: transient failures under `schedule`, and for a
 * re-initialize a connection that cannot be made under `unsent` too (a server
 * restarting); the whole within `connectTimeout`, which then fails with the
 * attempts and the last failure.
 *
 * @internal
 */
export const connect = (
  state: State.ClientState,
  generation: number,
  schedules: Schedules
): Effect.Effect<Handshake.Live, McpError.McpError> =>
  Effect.suspend(() => {
    const tried: { attempts: number; last: McpError.McpError | undefined } = { attempts: 0, last: undefined }
    const timeoutMillis = state.settings.connectTimeoutMillis
    // Each attempt holds a permit of the HTTP's bound on handshakes at once (not the waits between
    // attempts): thousands of clients re-initializing together queue rather than open a connection each.
    const permits = state.transport.handshakes
    const queued: Queued = { total: 0, since: undefined }
    const attempt = Effect.suspend(() => {
      tried.attempts++
      const run = Handshake.run(state, generation, resendInitialized(schedules))
      return Effect.tapError(
        permits === undefined ? run : withPermit(permits, queued, run),
        (error) => Effect.sync(() => (tried.last = error))
      )
    })
    // A server that refuses the very first connection is most likely not there (a wrong URL, not
    // started): say so soon. One that refuses a re-initialize is most likely restarting: wait for it.
    const reached = generation === 0
      ? attempt
      : Effect.retry(attempt, { schedule: schedules.unsent, while: isUnreachable })
    // A refusal with Retry-After (429/503) waits as the server asks; other transient failures follow `schedule`.
    // A `notifications/initialized` that still fails after its own re-sends ends the handshake:
    // another `initialize` would make another session for a server that cannot take this one.
    const retried = reached.pipe(
      Effect.retry({ schedule: schedules.throttled, while: (e) => Throttle.asksToWait(e) && !isInitializedFailure(e) }),
      Effect.retry({
        schedule: schedules.schedule,
        while: (e) => isTransient(e) && !Throttle.asksToWait(e) && !isInitializedFailure(e)
      })
    )
    const timedOut = () =>
      new McpError.RequestTimeout({
        method: "initialize",
        reason: "connect",
        timeoutMillis,
        attempts: tried.attempts,
        ...(tried.last === undefined ? {} : { cause: tried.last })
      })
    return permits === undefined
      ? Effect.timeoutFail(retried, { duration: Duration.millis(timeoutMillis), onTimeout: timedOut })
      : Effect.flatMap(
        Clock.currentTimeMillis,
        (startedAt) => Effect.raceFirst(retried, watchdog(startedAt, timeoutMillis, queued, timedOut))
      )
  })

/** Time spent waiting for a handshake permit: it does not count in `connectTimeout`. */
interface Queued {
  total: number
  since: number | undefined
}

const withPermit = <A, E>(
  permits: McpHttp.Permits,
  queued: Queued,
  run: Effect.Effect<A, E>
): Effect.Effect<A, E> =>
  Effect.flatMap(Clock.currentTimeMillis, (since) => {
    queued.since = since
    return permits.withPermit(
      Effect.zipRight(
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Effect.sync(() => {
            queued.total += now - since
            queued.since = undefined
          })),
        run
      )
    )
  })

/**
 * `connectTimeout` less the time queued for a permit: a client at the back of
 * a queue of thousands of handshakes (every session of a restarted server)
 * does not time out before its turn. Fails once that much time went to
 * attempts and the waits between them.
 */
const watchdog = (
  startedAt: number,
  timeoutMillis: number,
  queued: Queued,
  timedOut: () => McpError.RequestTimeout
): Effect.Effect<never, McpError.RequestTimeout> =>
  Effect.flatMap(Clock.currentTimeMillis, (now) => {
    const used = now - startedAt - queued.total - (queued.since === undefined ? 0 : now - queued.since)
    return used >= timeoutMillis
      ? Effect.fail(timedOut())
      : Effect.zipRight(
        Effect.sleep(Duration.millis(timeoutMillis - used)),
        watchdog(startedAt, timeoutMillis, queued, timedOut)
      )
  })

/**
 * A failed `notifications/initialized` is sent again on the session `initialize`
 * made (a refusal with Retry-After as asked, other transient failures under
 * `schedule`), rather than thrown away with a new handshake: one session, and
 * one `initialize`, per handshake. A 404 (the new session is already gone) and
 * a browser's CORS refusal are not sent again here.
 */
const resendInitialized = (schedules: Schedules): Handshake.Resend => (send) =>
  send.pipe(
    Effect.retry({ schedule: schedules.throttled, while: Throttle.asksToWait }),
    Effect.retry({ schedule: schedules.schedule, while: (e) => isResendable(e) && !Throttle.asksToWait(e) })
  )

const isResendable = (error: McpError.McpError): boolean => Errors.isTransient(error) && !Handshake.isCorsRefusal(error)

/** The handshake failed at `notifications/initialized` after its re-sends, its session alive. */
const isInitializedFailure = (error: McpError.McpError): boolean =>
  error.method === "notifications/initialized" && error._tag !== "SessionExpired"

const isUnreachable = (error: McpError.McpError): boolean =>
  error._tag === "TransportError" && error.phase === "connect"

/**
 * Failures worth retrying a handshake for: the server or the network is having
 * a moment, or the new session was lost before it was ready (its
 * `notifications/initialized` met a 404). Not a browser's network failure of
 * `notifications/initialized` cross-origin: CORS, which a retry meets again
 * (`Handshake.isCorsRefusal`).
 *
 * @internal
 */
export const isTransient = (error: McpError.McpError): boolean =>
  (Errors.isTransient(error) && !Handshake.isCorsRefusal(error)) || error._tag === "SessionExpired"

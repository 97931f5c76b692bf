/**
 * The handshake as the recovery runs it: retried and bounded. Transient
 * failures follow `recovery.schedule`; a refusal with `Retry-After` waits as
 * asked (`throttle.ts`); a re-initialize that cannot connect (a server
 * restarting) follows `recovery.unsent`; the whole is bounded by
 * `connectTimeout`. A `notifications/initialized` that fails transiently is
 * sent again on the session `initialize` made, not replaced by a new handshake.
 * Used by `recovery.ts` for the first session and every re-initialize.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Schedule from "effect/Schedule"
import * as McpError from "../McpError.js"
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
    const attempt = Effect.suspend(() => {
      tried.attempts++
      return Effect.tapError(
        Handshake.run(state, generation, resendInitialized(schedules)),
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
    return reached.pipe(
      Effect.retry({ schedule: schedules.throttled, while: (e) => Throttle.asksToWait(e) && !isInitializedFailure(e) }),
      Effect.retry({
        schedule: schedules.schedule,
        while: (e) => isTransient(e) && !Throttle.asksToWait(e) && !isInitializedFailure(e)
      }),
      Effect.timeoutFail({
        duration: Duration.millis(timeoutMillis),
        onTimeout: () =>
          new McpError.RequestTimeout({
            method: "initialize",
            reason: "connect",
            timeoutMillis,
            attempts: tried.attempts,
            ...(tried.last === undefined ? {} : { cause: tried.last })
          })
      })
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

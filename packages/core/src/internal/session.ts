/**
 * THE place where a 404 becomes a new session.
 *
 * Read top to bottom:
 *
 * 1. The current session lives in one `SubscriptionRef` (a `Ref`), with the
 *    recovery in flight, if any. Nothing else changes it.
 * 2. `run` sends a request on the current session. When the transport reports
 *    `SessionExpired` (a 404 to a request that carried a session id, judged
 *    against the id *that request carried*), `run` calls `recover` and then
 *    re-sends the request under the user's `Schedule`.
 * 3. `recover(expired)` takes a `Semaphore` just long enough to decide:
 *    - the session in the Ref is no longer the dead one → a stale 404: nothing
 *      to do, the request simply retries on the current session;
 *    - a re-initialize for the dead id is already running → wait for it;
 *    - otherwise start one, in the client's own scope (a caller's timeout or
 *      interruption never cancels it), and wait for it.
 * 4. The re-initialize closes the dead session's scope (its GET stream),
 *    runs `initialize` without a session id (retrying 5xx and transport
 *    errors under the same schedule), sends `notifications/initialized`,
 *    rebuilds what was per session (GET stream, subscriptions, log level),
 *    swaps the Ref, and publishes a `SessionEvent`.
 * 5. Requests the dead session had already accepted are re-sent only if the
 *    replay policy allows; otherwise they fail with `RequestLost`.
 * 6. Every loop is bounded: the schedule is intersected with
 *    `Recovery.maxRecurrences`, and exhaustion ends in `RecoveryFailed`
 *    carrying the last cause.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Metric from "effect/Metric"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import * as McpError from "../McpError.js"
import type * as McpSchema from "../McpSchema.js"
import * as Recovery from "../Recovery.js"
import * as Session from "../Session.js"
import * as Deadline from "./deadline.js"
import type * as LazyPubSub from "./lazyPubSub.js"
import type * as Transport from "./transport.js"

/** A live session: what it negotiated, its headers, and the scope of its fibers. @internal */
export interface Live {
  readonly info: Session.SessionInfo
  readonly target: Transport.Target
  /** Closed when the session is replaced or the client closes: ends its GET stream. */
  readonly scope: Scope.CloseableScope
}

interface Recovering {
  readonly deadId: string
  readonly done: Deferred.Deferred<Live, McpError.McpError>
  readonly waiters: number
}

interface State {
  readonly session: Live
  readonly recovering: Recovering | undefined
}

/** @internal */
export interface Request {
  readonly method: string
  readonly params: unknown
  /** The request's deadline: every wait of the recovery path gives up when it passes. */
  readonly deadline?: Deadline.Deadline | undefined
}

/** @internal */
export interface Deps {
  readonly clientScope: Scope.Scope
  readonly policy: Recovery.Options
  /** initialize → validate → notifications/initialized, without a session id. */
  readonly handshake: (generation: number) => Effect.Effect<Live, McpError.McpError>
  /** Starts what a session needs (GET stream) and, after a recovery, restores subscriptions and log level. */
  readonly start: (session: Live, recovered: boolean) => Effect.Effect<void>
  readonly events: LazyPubSub.LazyPubSub<Session.SessionEvent>
  /** The tool as the server lists it, asked on `session` if the client has not seen it yet. */
  readonly tool: (name: string, session: Live) => Effect.Effect<McpSchema.Tool | undefined>
}

/** @internal */
export interface Sessions {
  /** The current session; waits while a recovery is in flight. */
  readonly current: Effect.Effect<Live>
  /** The session in the Ref now, without waiting (it may be dead and being replaced). */
  readonly latest: Effect.Effect<Live>
  readonly changes: Stream.Stream<Session.SessionInfo>
  /**
   * Runs `attempt` on the current session, recovering and re-sending on
   * `SessionExpired`. Call it when the request runs (inside `Effect.suspend`):
   * the Effect it returns counts the attempts of one run.
   */
  readonly run: <A>(
    request: Request,
    attempt: (session: Live) => Effect.Effect<A, McpError.McpError>
  ) => Effect.Effect<A, McpError.McpError>
  /** For messages that are not re-sent (cancellations, responses, the GET stream): recover, then stop. */
  readonly expired: (error: McpError.SessionExpired) => Effect.Effect<void>
}

/** Marks an attempt to be re-sent on the new session; never escapes `run`. */
class Resend extends Data.TaggedError("Resend")<{ readonly expired: McpError.SessionExpired }> {}

/** @internal */
export const metrics = {
  expirations: Metric.counter("mcp_client_session_expirations_total", {
    description: "Sessions the server reported as expired (404 to a request carrying the session id)",
    incremental: true
  }),
  recoveries: Metric.counter("mcp_client_session_recoveries_total", {
    description: "Sessions replaced by a successful re-initialize",
    incremental: true
  }),
  recoveryFailures: Metric.counter("mcp_client_session_recovery_failures_total", {
    description: "Re-initializes that failed within the recovery policy",
    incremental: true
  }),
  recoveryDuration: Metric.timerWithBoundaries("mcp_client_session_recovery_duration", [
    1,
    5,
    10,
    25,
    50,
    100,
    250,
    500,
    1000,
    2500,
    5000
  ])
}

/**
 * Failures worth retrying a handshake for: the server or the network is having
 * a moment, or the new session died before it was ready (its
 * `notifications/initialized` met a 404).
 *
 * @internal
 */
export const isTransient = (error: McpError.McpError): boolean =>
  error._tag === "TransportError" ||
  error._tag === "RequestTimeout" ||
  error._tag === "SessionExpired" ||
  (error._tag === "UnexpectedStatus" && (error.status >= 500 || error.status === 429 || error.status === 408))

/** @internal */
export const make = (deps: Deps): Effect.Effect<Sessions, McpError.McpError> =>
  Effect.gen(function*() {
    const enabled = deps.policy.enabled ?? true
    const replay = deps.policy.replay ?? Recovery.defaultReplay
    const schedule = Schedule.intersect(
      deps.policy.schedule ?? Recovery.defaultSchedule,
      Schedule.recurs(Recovery.maxRecurrences)
    )
    const handshake = (generation: number) =>
      deps.handshake(generation).pipe(Effect.retry({ schedule, while: isTransient }))

    // 1. The first session. Failing here fails the client's construction.
    const first = yield* handshake(0)
    const ref = yield* SubscriptionRef.make<State>({ session: first, recovering: undefined })
    const semaphore = yield* Effect.makeSemaphore(1)
    yield* deps.start(first, false)

    const current: Effect.Effect<Live> = Effect.flatMap(
      SubscriptionRef.get(ref),
      (state) =>
        state.recovering === undefined
          ? Effect.succeed(state.session)
          // A failed recovery is not this caller's error yet: it proceeds on the
          // session there is, and recovers again if that one is dead too.
          : Effect.zipRight(
            Effect.exit(Deferred.await(state.recovering.done)),
            Effect.map(SubscriptionRef.get(ref), (s) => s.session)
          )
    )
    /** `current`, waiting for a recovery in flight only until `deadline`. */
    const currentWithin = (deadline: Deadline.Deadline | undefined): Effect.Effect<Live, McpError.RequestTimeout> =>
      Effect.flatMap(
        SubscriptionRef.get(ref),
        (state) => state.recovering === undefined ? Effect.succeed(state.session) : Deadline.guard(deadline, current)
      )

    // 4. The re-initialize: runs in the client's scope, completes `done` whatever happens.
    const reinitialize = (dead: Live, expired: McpError.SessionExpired, done: Recovering["done"]) =>
      Effect.gen(function*() {
        const startedAt = yield* Clock.currentTimeMillis
        yield* Metric.increment(metrics.expirations)
        yield* deps.events.publish(
          Session.SessionEvent.Expired({ sessionId: expired.sessionId, status: expired.status, method: expired.method })
        )
        yield* Effect.logDebug("session expired; re-initializing").pipe(
          Effect.annotateLogs({ sessionId: expired.sessionId, status: expired.status, method: expired.method })
        )
        // Nothing of the dead session keeps running (its GET stream would only meet 404s).
        yield* Scope.close(dead.scope, Exit.void)
        const next = yield* handshake(dead.info.generation + 1).pipe(
          Effect.tapError((error) =>
            Effect.all([
              SubscriptionRef.update(ref, (s) => ({ ...s, recovering: undefined })),
              Metric.increment(metrics.recoveryFailures),
              deps.events.publish(Session.SessionEvent.RecoveryFailed({ sessionId: expired.sessionId, error })),
              Effect.logWarning("session recovery failed").pipe(
                Effect.annotateLogs({ sessionId: expired.sessionId, error: error.message })
              )
            ], { discard: true })
          )
        )
        // New arrivals keep waiting on `done` until the session is fully rebuilt.
        yield* SubscriptionRef.update(ref, (s) => ({ ...s, session: next }))
        yield* deps.start(next, true)
        const finished = yield* SubscriptionRef.modify(ref, (s) => [s.recovering, { ...s, recovering: undefined }])
        const durationMillis = (yield* Clock.currentTimeMillis) - startedAt
        yield* Metric.increment(metrics.recoveries)
        yield* Metric.update(metrics.recoveryDuration, Duration.millis(durationMillis))
        yield* deps.events.publish(
          Session.SessionEvent.Recovered({
            previousSessionId: expired.sessionId,
            session: next.info,
            durationMillis,
            waiters: finished?.waiters ?? 0
          })
        )
        yield* Effect.logDebug("session recovered").pipe(
          Effect.annotateLogs({ previousSessionId: expired.sessionId, sessionId: next.info.sessionId, durationMillis })
        )
        return next
      }).pipe(
        Effect.withSpan("McpClient.recoverSession", {
          attributes: { "mcp.session.expired_id": expired.sessionId, "mcp.method": expired.method }
        }),
        Effect.intoDeferred(done)
      )

    // 3. One handshake per dead session id.
    const recover = (expired: McpError.SessionExpired): Effect.Effect<void, McpError.McpError> =>
      Effect.flatMap(
        semaphore.withPermits(1)(Effect.gen(function*() {
          const state = yield* SubscriptionRef.get(ref)
          if (state.session.info.sessionId !== expired.sessionId) return undefined // stale: already replaced
          if (state.recovering !== undefined) {
            yield* SubscriptionRef.set(ref, {
              ...state,
              recovering: { ...state.recovering, waiters: state.recovering.waiters + 1 }
            })
            return state.recovering.done
          }
          const done = yield* Deferred.make<Live, McpError.McpError>()
          yield* SubscriptionRef.set(ref, {
            ...state,
            recovering: { deadId: expired.sessionId, done, waiters: 1 }
          })
          yield* Effect.forkIn(reinitialize(state.session, expired, done), deps.clientScope)
          return done
        })),
        (done) => done === undefined ? Effect.void : Deferred.await(done)
      )

    // 2 + 5 + 6. Send, recover, re-send — bounded.
    const run = <A>(
      request: Request,
      attempt: (session: Live) => Effect.Effect<A, McpError.McpError>
    ): Effect.Effect<A, McpError.McpError> => {
      const deadline = request.deadline
      if (!enabled) return Effect.flatMap(currentWithin(deadline), attempt)
      // Built per run (the caller builds a fresh `run` for every request), so `attempts` is this request's.
      let attempts = 0
      const once = Effect.flatMap(currentWithin(deadline), (session) => {
        attempts++
        return attempt(session)
      }).pipe(
        Effect.catchTag("SessionExpired", (expired) =>
          // Waiting for the new session is a wait like any other: the request's deadline bounds it.
          Deadline.guard(
            deadline,
            Effect.zipRight(
              Effect.catchAll(recover(expired), (cause) =>
                Effect.fail(recoveryFailed(request, expired, attempts, cause))),
              resendOrLose(request, expired)
            )
          ))
      )
      // The retry machinery (a schedule driver) is built only once a re-send is due, and is handed
      // that first Resend as its first failure: the schedule sees the sequence a plain retry would.
      return Effect.catchIf(once, isResend, (first) =>
        Deadline.guard(
          deadline,
          failingOnceWith(first, once).pipe(
            Effect.retry({ schedule, while: isResend }),
            Effect.catchIf(isResend, ({ expired }) =>
              Effect.fail(recoveryFailed(request, expired, attempts, expired)))
          )
        ))
    }

    /** After the recovery: re-send, unless the dead session had accepted it and the policy forbids a replay. */
    const resendOrLose = (
      request: Request,
      expired: McpError.SessionExpired
    ): Effect.Effect<never, McpError.RequestLost | Resend> => {
      if (!expired.accepted) {
        return Effect.fail(new Resend({ expired }))
      }
      const name = toolName(request)
      // The tool's annotations are the default policy's input: learn them on the new session if need be.
      const tool = name === undefined ? Effect.succeed(undefined) : Effect.flatMap(current, (s) => deps.tool(name, s))
      return Effect.flatMap(tool, (tool): Effect.Effect<never, McpError.RequestLost | Resend> =>
        replay({ method: request.method, params: request.params, toolName: name, tool })
          ? Effect.fail(new Resend({ expired }))
          : Effect.fail(
            new McpError.RequestLost({
              method: request.method,
              ...(expired.requestId === undefined ? {} : { requestId: expired.requestId }),
              sessionId: expired.sessionId,
              ...(name === undefined ? {} : { tool: name })
            })
          ))
    }

    const expired = (error: McpError.SessionExpired) =>
      enabled ? Effect.ignore(recover(error)) : Effect.void

    const changes = ref.changes.pipe(
      Stream.map((state) =>
        state.session.info
      ),
      Stream.changesWith((a, b) => a.generation === b.generation)
    )

    const latest = Effect.map(SubscriptionRef.get(ref), (state) => state.session)

    return { current, latest, changes, run, expired }
  })

const isResend = (error: unknown): error is Resend => error instanceof Resend

/** Fails with `first` the first time it runs, then runs `effect`. */
const failingOnceWith = <A, E>(first: E, effect: Effect.Effect<A, E>): Effect.Effect<A, E> => {
  let failed = false
  return Effect.suspend(() => {
    if (failed) return effect
    failed = true
    return Effect.fail(first)
  })
}

const recoveryFailed = (
  request: Request,
  expired: McpError.SessionExpired,
  attempts: number,
  cause: McpError.McpError
) =>
  new McpError.RecoveryFailed({
    method: request.method,
    ...(expired.requestId === undefined ? {} : { requestId: expired.requestId }),
    sessionId: expired.sessionId,
    attempts,
    cause
  })

const toolName = (request: Request): string | undefined => {
  if (request.method !== "tools/call" || typeof request.params !== "object" || request.params === null) return undefined
  const name: unknown = "name" in request.params ? request.params.name : undefined
  return typeof name === "string" ? name : undefined
}

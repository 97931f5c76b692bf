/**
 * THE place where a lost session becomes a new one. Read top to bottom:
 *
 * 1. **Detection.** A transport reports a lost session as `SessionExpired`
 *    for the session id *the failed request carried* (see the table in
 *    `transport.ts`; on HTTP, a 404 — or a dialect of it,
 *    `http/unknownSession.ts` — to a request with `Mcp-Session-Id`). Its
 *    `accepted` says whether the server had taken the request before the
 *    session went. Nothing else is a lost session. Two transport failures
 *    are handled here too, because they decide the same question — may the
 *    request be sent again? — : a connection that could not be made
 *    (`TransportError` "connect": nothing was sent) and one cut while the
 *    request was on its way or its answer was read (the other phases). So
 *    is a refusal, 429 or 503 (`throttle.ts`): the server did not process
 *    the request; a read is sent again after the wait it asks for, a
 *    `tools/call` if the replay policy allows.
 * 2. **The state.** The current session lives in one `Ref` (see `Cell`: its
 *    changes go to a PubSub made for the first `sessionChanges` subscriber),
 *    with the re-initialize in flight, if any. Only this module writes it.
 * 3. **`run`** sends a request on the current session. On `SessionExpired` it
 *    has the session replaced (4), then re-sends the request or loses it (6),
 *    within the bounds (7).
 * 4. **The single-flight decision (`replace`).** Many requests can meet the
 *    same lost session at once. A `Semaphore` of one permit guards the
 *    decision only — read the Ref, compare ids, register a re-initialize —
 *    never the handshake itself:
 *    - the Ref already holds another session → the 404 was stale: the request
 *      simply goes again on the current one;
 *    - a re-initialize for this session is running → wait for it;
 *    - else register one and start it in the client's own scope (so a
 *      caller's timeout or interruption never cancels it).
 *    The one re-initialize's outcome is a `Deferred`: every request that met
 *    the lost session (and every request sent meanwhile) awaits it.
 * 5. **The re-initialize (`reinitialize`).** Close the lost session's scope
 *    (its stream or process), run the handshake without a session id
 *    (`handshake.ts`, retried on transient failures), rebuild what was per
 *    session (`restore.ts`: the listening side, subscriptions, log level),
 *    swap the Ref, publish a `SessionEvent`.
 * 6. **Re-send or loss (`resendOrLose`).** A request the server never saw
 *    (the lost session never accepted it; no connection was made) is sent
 *    again. One the server may have run (the lost session had accepted it;
 *    the connection was cut) is sent again only if the replay policy allows
 *    (read-only / idempotent tools by default); else it fails with
 *    `RequestLost`.
 * 7. **Bounds.** Re-sends after a lost session follow `recovery.schedule`;
 *    after a refusal, `recovery.throttled` (its waits replaced by a capped
 *    `Retry-After`);
 *    re-sends to a server that cannot be reached follow `recovery.unsent`
 *    (backing off for as long as the request's deadline allows); both are
 *    intersected with `Recovery.maxRecurrences`. A handshake retries
 *    transient failures under `schedule` (a re-initialize also retries
 *    connections under `unsent`), all within `connectTimeout`. Every wait is bounded by the
 *    request's own deadline.
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
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as McpError from "../McpError.js"
import type * as McpSchema from "../McpSchema.js"
import * as Policy from "../Recovery.js"
import * as Session from "../Session.js"
import * as Connect from "./connect.js"
import * as Deadline from "./deadline.js"
import * as Errors from "./errors.js"
import type * as Handshake from "./handshake.js"
import * as LazyPubSub from "./lazyPubSub.js"
import { metrics } from "./metrics.js"
import * as Restore from "./restore.js"
import type * as State from "./state.js"
import * as Throttle from "./throttle.js"

/** A request as the recovery sees it: what the replay policy judges, and its deadline. @internal */
export interface Request {
  readonly method: string
  readonly params: unknown
  /** The request's deadline: every wait of the recovery gives up when it passes. */
  readonly deadline?: Deadline.Deadline | undefined
  /** A notification has no answer to lose: one cut off in flight fails as it is. */
  readonly notification?: boolean | undefined
}

/** @internal */
export interface Recovery {
  /** The current session; waits while a re-initialize is in flight. */
  readonly current: Effect.Effect<Handshake.Live>
  /** The session in the Ref now, without waiting (it may be lost and being replaced). */
  readonly latest: Effect.Effect<Handshake.Live>
  readonly changes: Stream.Stream<Session.SessionInfo>
  /** Runs `attempt` on the current session; replaces a lost session and re-sends or loses the request. */
  readonly run: <A>(
    request: Request,
    attempt: (session: Handshake.Live) => Effect.Effect<A, McpError.McpError>
  ) => Effect.Effect<A, McpError.McpError>
  /** For messages that are never re-sent (responses, cancellations, the listening side): replace, then stop. */
  readonly expired: (error: McpError.SessionExpired) => Effect.Effect<void>
}

// ---------------------------------------------------------------------------
// 2. The state
// ---------------------------------------------------------------------------

interface Current {
  readonly session: Handshake.Live
  readonly reinitializing: Reinitializing | undefined
}

interface Reinitializing {
  readonly lostId: string
  /** The one re-initialize's outcome, awaited by every request that needs the new session. */
  readonly done: Deferred.Deferred<Handshake.Live, McpError.McpError>
  readonly waiters: number
}

/**
 * An attempt to be sent again; never escapes `run`. `after` says which
 * schedule paces it: "session" after a lost session, "unreachable" when the
 * server could not be reached or the connection was cut, "throttled" when it
 * refused the request (429/503).
 */
class Resend extends Data.TaggedError("Resend")<{
  readonly after: "session" | "unreachable" | "throttled"
  /** What the attempt failed with. */
  readonly failure: McpError.SessionExpired | McpError.TransportError | McpError.UnexpectedStatus
}> {}

/**
 * Starts the first session and returns the recovery that keeps it. Failing
 * here fails the client's construction.
 *
 * @internal
 */
export const make = (state: State.ClientState): Effect.Effect<Recovery, McpError.McpError> =>
  Effect.suspend(() => {
    const policy = state.settings.recovery
    const schedule = policy.schedule === undefined ? defaults().schedule : bounded(policy.schedule)
    const unsent = policy.unsent === undefined ? defaults().unsent : bounded(policy.unsent)
    const throttled = policy.throttled === undefined && policy.maxRetryAfter === undefined
      ? defaults().throttled
      : throttledSchedule(policy.throttled ?? Policy.defaultThrottledSchedule, policy.maxRetryAfter)
    const bounds = { schedule, unsent, throttled }
    return Effect.flatMap(Connect.connect(state, 0, bounds), (first) =>
      Effect.flatMap(Ref.make<Current>({ session: first, reinitializing: undefined }), (current) => {
        const self = new ClientRecovery(state, { current, published: new LazyPubSub.LazyPubSub() }, bounds)
        return Effect.as(Restore.start(state, first, false), self)
      }))
  })

/**
 * A client's recovery: the machine the functions below share and the
 * `Recovery` the client uses, one object with prototype methods (not a
 * record, a closure per method and the constructor's context: an
 * application may hold a client per user).
 */
class ClientRecovery implements Recovery, Machine {
  decision: Effect.Semaphore | undefined = undefined
  readonly schedule: Schedule.Schedule<unknown, unknown>
  readonly unsent: Schedule.Schedule<unknown, unknown>
  readonly throttled: Schedule.Schedule<McpError.McpError, McpError.McpError>
  readonly replay: Policy.ReplayPolicy
  readonly enabled: boolean
  readonly current: Effect.Effect<Handshake.Live>
  readonly latest: Effect.Effect<Handshake.Live>
  constructor(readonly state: State.ClientState, readonly ref: Cell, bounds: Connect.Schedules) {
    const policy = state.settings.recovery
    this.schedule = bounds.schedule
    this.unsent = bounds.unsent
    this.throttled = bounds.throttled
    this.replay = policy.replay ?? Policy.defaultReplay
    this.enabled = policy.enabled ?? true
    this.current = current(this)
    this.latest = Effect.map(Ref.get(ref.current), sessionOf)
  }
  handshake(generation: number): Effect.Effect<Handshake.Live, McpError.McpError> {
    return Connect.connect(this.state, generation, this)
  }
  /** Built when asked for: most clients never watch their sessions. */
  get changes(): Stream.Stream<Session.SessionInfo> {
    return changes(this.ref)
  }
  run<A>(
    request: Request,
    attempt: (session: Handshake.Live) => Effect.Effect<A, McpError.McpError>
  ): Effect.Effect<A, McpError.McpError> {
    return this.enabled ? run(this, request, attempt) : Effect.flatMap(currentWithin(this, request.deadline), attempt)
  }
  expired(error: McpError.SessionExpired): Effect.Effect<void> {
    return this.enabled ? Effect.ignore(replace(this, error)) : Effect.void
  }
}

const sessionOf = (s: Current): Handshake.Live => s.session

const bounded = (schedule: Schedule.Schedule<unknown>) =>
  Schedule.intersect(schedule, Schedule.recurs(Policy.maxRecurrences))

const throttledSchedule = (schedule: Schedule.Schedule<unknown>, maxRetryAfter: Duration.DurationInput | undefined) =>
  Throttle.schedule(
    bounded(schedule),
    Duration.toMillis(Duration.decode(maxRetryAfter ?? Policy.defaultMaxRetryAfter))
  )

/**
 * The bounded default schedules, made once per process rather than with every client (a
 * schedule is a tree of closures, ~1.5 KiB for the three; an application may hold a client per
 * user). Made when first needed, not at import.
 */
let defaultSchedules:
  | {
    readonly schedule: Schedule.Schedule<unknown>
    readonly unsent: Schedule.Schedule<unknown>
    readonly throttled: Schedule.Schedule<McpError.McpError, McpError.McpError>
  }
  | undefined = undefined
const defaults = () =>
  defaultSchedules ??= {
    schedule: bounded(Policy.defaultSchedule),
    unsent: bounded(Policy.defaultUnsentSchedule),
    throttled: throttledSchedule(Policy.defaultThrottledSchedule, undefined)
  }

/**
 * The session and the re-initialize in flight: a `Ref` and the changes published, rather than a
 * `SubscriptionRef` (a Ref, a PubSub and a Semaphore made with every client): the PubSub is made
 * with the first `sessionChanges` subscriber (most clients have none).
 */
interface Cell {
  readonly current: Ref.Ref<Current>
  readonly published: LazyPubSub.LazyPubSub<Current>
}

const get = (ref: Cell): Effect.Effect<Current> => Ref.get(ref.current)

/** Changes the cell in one step and publishes the change; succeeds with what it held before. */
const set = (ref: Cell, f: (s: Current) => Current): Effect.Effect<Current> =>
  Effect.flatMap(
    Ref.modify(ref.current, (before): [[Current, Current], Current] => {
      const after = f(before)
      return [[before, after], after]
    }),
    ([before, after]) => Effect.as(ref.published.publish(after), before)
  )

/** The session now, then every new one (the changes of a `SubscriptionRef`, without one). */
const changes = (ref: Cell): Stream.Stream<Session.SessionInfo> =>
  Stream.unwrapScoped(
    Effect.map(ref.published.subscribe, (queue) =>
      // Read after subscribing: a change in between is seen twice at worst, and `changesWith` drops it.
      Stream.concat(Stream.fromEffect(Ref.get(ref.current)), Stream.fromQueue(queue)))
  ).pipe(
    Stream.map((s) => s.session.info),
    Stream.changesWith((a, b) => a.generation === b.generation)
  )

/** What the functions below share: the client, the session's cell and the guard of the decision, the bounds. */
interface Machine {
  readonly state: State.ClientState
  readonly ref: Cell
  /**
   * Guards the single-flight decision (one read and one write of the cell), never the handshake.
   * Made with the first lost session (`guard`): most clients never lose one.
   */
  decision: Effect.Semaphore | undefined
  readonly schedule: Schedule.Schedule<unknown, unknown>
  readonly unsent: Schedule.Schedule<unknown, unknown>
  readonly throttled: Schedule.Schedule<McpError.McpError, McpError.McpError>
  readonly handshake: (generation: number) => Effect.Effect<Handshake.Live, McpError.McpError>
  readonly replay: Policy.ReplayPolicy
}

const current = (self: Machine): Effect.Effect<Handshake.Live> =>
  Effect.flatMap(
    get(self.ref),
    (s) =>
      s.reinitializing === undefined
        ? Effect.succeed(s.session)
        // A failed re-initialize is not this caller's error yet: it proceeds on the session
        // there is, and has it replaced again if that one is lost too.
        : Effect.zipRight(
          Effect.exit(Deferred.await(s.reinitializing.done)),
          Effect.map(Ref.get(self.ref.current), (s) => s.session)
        )
  )

/** `current`, waiting for a re-initialize in flight only until `deadline` (the plain path never races). */
const currentWithin = (
  self: Machine,
  deadline: Deadline.Deadline | undefined
): Effect.Effect<Handshake.Live, McpError.RequestTimeout> =>
  Effect.flatMap(
    get(self.ref),
    (s) => s.reinitializing === undefined ? Effect.succeed(s.session) : Deadline.guard(deadline, current(self))
  )

// ---------------------------------------------------------------------------
// 3. Send, replace, re-send — and 7. the bounds
// ---------------------------------------------------------------------------

const run = <A>(
  self: Machine,
  request: Request,
  attempt: (session: Handshake.Live) => Effect.Effect<A, McpError.McpError>
): Effect.Effect<A, McpError.McpError> =>
  // The schedules' drivers are made only once a re-send is due: most requests never need one.
  Effect.catchIf(once(self, request, attempt, 1), isResend, (resend) =>
    Deadline.guard(
      request.deadline,
      again(self, request, attempt, { session: undefined, unreachable: undefined, throttled: undefined }, resend, 1)
    ))

/** The drivers of the schedules a request's re-sends follow, made when first needed; each is fed the last failure. */
interface Drivers {
  session: Schedule.ScheduleDriver<unknown, McpError.McpError> | undefined
  unreachable: Schedule.ScheduleDriver<unknown, McpError.McpError> | undefined
  throttled: Schedule.ScheduleDriver<unknown, McpError.McpError> | undefined
}

/** After `made` attempts, the last asking to be re-sent: wait as its schedule says, then send again — or stop. */
const again = <A>(
  self: Machine,
  request: Request,
  attempt: (session: Handshake.Live) => Effect.Effect<A, McpError.McpError>,
  drivers: Drivers,
  last: Resend,
  made: number
): Effect.Effect<A, McpError.McpError> =>
  Effect.flatMap(driverFor(self, drivers, last.after), (driver) =>
    Effect.matchEffect(driver.next(last.failure), {
      onFailure: () => Effect.fail(exhausted(request, last, made)),
      onSuccess: () =>
        Effect.catchIf(
          once(self, request, attempt, made + 1),
          isResend,
          (next) => again(self, request, attempt, drivers, next, made + 1)
        )
    }))

const driverFor = (self: Machine, drivers: Drivers, after: Resend["after"]) => {
  const made = drivers[after]
  if (made !== undefined) return Effect.succeed(made)
  const schedule: Schedule.Schedule<unknown, McpError.McpError> = after === "session"
    ? self.schedule
    : after === "unreachable"
    ? self.unsent
    : self.throttled
  return Effect.tap(
    Schedule.driver(schedule),
    (driver) => Effect.sync(() => (drivers[after] = driver))
  )
}

/** Attempt number `n`, and what its failure means: a lost session, a server out of reach, a cut. */
const once = <A>(
  self: Machine,
  request: Request,
  attempt: (session: Handshake.Live) => Effect.Effect<A, McpError.McpError>,
  n: number
): Effect.Effect<A, McpError.McpError | Resend> =>
  Effect.flatMap(currentWithin(self, request.deadline), attempt).pipe(
    Effect.catchIf(isRetryable(request), (failure): Effect.Effect<never, McpError.McpError | Resend> => {
      if (failure._tag === "UnexpectedStatus") return retryRefused(self, request, failure)
      if (failure._tag === "TransportError") {
        // Nothing reached the server: always safe. Else it may have run the request: the policy decides.
        return failure.phase === "connect"
          ? Effect.fail(new Resend({ after: "unreachable", failure }))
          : resendOrLose(self, request, failure)
      }
      // Waiting for the new session is a wait like any other: the request's deadline bounds it.
      return Deadline.guard(
        request.deadline,
        Effect.zipRight(
          Effect.catchAll(replace(self, failure), (cause) =>
            // Authorization stopped the new session: the request's own error, not a failed recovery.
            Effect.fail(
              McpError.isAuthorizationError(cause)
                ? Errors.authorization(failure, cause)
                : recoveryFailed(request, failure, n, cause)
            )),
          resendOrLose(self, request, failure)
        )
      )
    })
  )

/**
 * The failures `once` handles: a lost session; a transport failure, unless a
 * notification was cut (an authorization error is no transport failure: its layer has bounds of its own);
 * a refusal (429/503) of a request, not of a notification.
 */
const isRetryable = (request: Request) =>
(
  error: McpError.McpError
): error is McpError.SessionExpired | McpError.TransportError | McpError.UnexpectedStatus =>
  error._tag === "SessionExpired" ||
  (error._tag === "TransportError" &&
    (error.phase === "connect" || request.notification !== true)) ||
  (Throttle.isThrottled(error) && request.notification !== true)

/** The schedule ran out: after a lost session, `RecoveryFailed`; else the last failure (connection, refusal). */
const exhausted = (request: Request, last: Resend, made: number): McpError.McpError =>
  last.failure._tag === "SessionExpired"
    ? recoveryFailed(request, last.failure, made, last.failure)
    : last.failure

// ---------------------------------------------------------------------------
// 4. The single-flight decision
// ---------------------------------------------------------------------------

/**
 * Has the session `expired` names replaced, once however many requests met it; waits for the new one.
 * The re-initialize is forked in the client's scope (a caller's timeout or interruption never
 * cancels it) from inside the permit, as an ordinary interruptible fiber: forked from an
 * uninterruptible region instead, a CLI interrupted right after a stdio recovery never finished
 * closing (cli.stdio.test's watch + SIGINT).
 */
const replace = (self: Machine, expired: McpError.SessionExpired): Effect.Effect<void, McpError.McpError> =>
  Effect.flatMap(
    guard(self).withPermits(1)(Effect.flatMap(decide(self, expired), (decided) => {
      switch (decided._tag) {
        case "Stale":
          return Effect.succeed(undefined)
        case "Wait":
          return Effect.succeed(decided.done)
        case "Start":
          return Effect.as(
            Effect.zipRight(
              self.ref.published.publish(decided.now),
              Effect.forkIn(reinitialize(self, decided.lost, expired, decided.done), self.state.scope)
            ),
            decided.done
          )
      }
    })),
    (done) => done === undefined ? Effect.void : Deferred.await(done)
  )

type Decision =
  | { readonly _tag: "Stale" }
  | { readonly _tag: "Wait"; readonly done: Reinitializing["done"] }
  | {
    readonly _tag: "Start"
    readonly done: Reinitializing["done"]
    readonly lost: Handshake.Live
    readonly now: Current
  }

/** The decision's semaphore, made in the one synchronous step that first needs it. */
const guard = (self: Machine): Effect.Semaphore => self.decision ??= Effect.unsafeMakeSemaphore(1)

/**
 * The decision alone, under the one permit of `decision`: read the cell, compare ids, register a
 * re-initialize. Never the handshake (the permit is held for one read and one write).
 */
const decide = (self: Machine, expired: McpError.SessionExpired): Effect.Effect<Decision> =>
  Effect.fiberIdWith((fiberId) =>
    Ref.modify(self.ref.current, (s): [Decision, Current] => {
      if (s.session.info.sessionId !== expired.sessionId) return [{ _tag: "Stale" }, s] // already replaced
      if (s.reinitializing !== undefined) {
        const waiting = s.reinitializing
        return [{ _tag: "Wait", done: waiting.done }, {
          ...s,
          reinitializing: { ...waiting, waiters: waiting.waiters + 1 }
        }]
      }
      const done = Deferred.unsafeMake<Handshake.Live, McpError.McpError>(fiberId)
      const now: Current = { ...s, reinitializing: { lostId: expired.sessionId, done, waiters: 1 } }
      return [{ _tag: "Start", done, lost: s.session, now }, now]
    })
  )

// ---------------------------------------------------------------------------
// 5. The re-initialize
// ---------------------------------------------------------------------------

/** Runs in the client's scope and completes `done` whatever happens. */
const reinitialize = (
  self: Machine,
  lost: Handshake.Live,
  expired: McpError.SessionExpired,
  done: Reinitializing["done"]
): Effect.Effect<void> =>
  Effect.gen(function*() {
    const events = self.state.events
    const startedAt = yield* Clock.currentTimeMillis
    yield* Metric.increment(metrics.expirations)
    yield* events.publish(
      Session.SessionEvent.Expired({
        sessionId: expired.sessionId,
        status: expired.status,
        method: expired.method,
        ...(expired.exit === undefined ? {} : { exit: expired.exit })
      })
    )
    yield* Effect.logDebug("session expired; re-initializing").pipe(
      Effect.annotateLogs({ sessionId: expired.sessionId, status: expired.status, method: expired.method })
    )
    // Nothing of the lost session keeps running (its stream would only meet 404s).
    yield* Scope.close(lost.scope, Exit.void)
    const next = yield* self.handshake(lost.info.generation + 1).pipe(
      Effect.tapError((error) =>
        Effect.all([
          set(self.ref, (s) => ({ ...s, reinitializing: undefined })),
          Metric.increment(metrics.recoveryFailures),
          events.publish(Session.SessionEvent.RecoveryFailed({ sessionId: expired.sessionId, error })),
          Effect.logWarning("session recovery failed").pipe(
            Effect.annotateLogs({ sessionId: expired.sessionId, error: error.message })
          )
        ], { discard: true })
      )
    )
    // Requests arriving now keep waiting on `done` until the session is fully rebuilt.
    yield* set(self.ref, (s) => ({ ...s, session: next }))
    yield* Restore.start(self.state, next, true)
    const finished = (yield* set(self.ref, (s) => ({ ...s, reinitializing: undefined }))).reinitializing
    const durationMillis = (yield* Clock.currentTimeMillis) - startedAt
    yield* Metric.increment(metrics.recoveries)
    yield* Metric.update(metrics.recoveryDuration, Duration.millis(durationMillis))
    yield* events.publish(
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
    Effect.intoDeferred(done),
    Effect.asVoid
  )

// ---------------------------------------------------------------------------
// 6. Re-send or loss
// ---------------------------------------------------------------------------

/**
 * Whether a request the server may have run is sent again: a request the lost
 * session never accepted is; one it had accepted, or one whose connection was
 * cut, only if the replay policy allows.
 */
const resendOrLose = (
  self: Machine,
  request: Request,
  failure: McpError.SessionExpired | McpError.TransportError
): Effect.Effect<never, McpError.RequestLost | Resend> => {
  const after = failure._tag === "SessionExpired" ? "session" : "unreachable"
  if (failure._tag === "SessionExpired" && !failure.accepted) return Effect.fail(new Resend({ after, failure }))
  const name = toolName(request)
  return Effect.flatMap(
    replayable(self, request),
    (replay): Effect.Effect<never, McpError.RequestLost | Resend> =>
      replay
        ? Effect.fail(new Resend({ after, failure }))
        : Effect.fail(
          new McpError.RequestLost({
            method: request.method,
            ...(failure.requestId === undefined ? {} : { requestId: failure.requestId }),
            sessionId: failure.sessionId ?? "",
            ...(name === undefined ? {} : { tool: name }),
            ...(failure._tag === "TransportError" ? { cause: failure } : {})
          })
        )
  )
}

/**
 * A request the server refused (429/503) did not run: a read is sent again;
 * anything else (a `tools/call`, a custom method) only if the replay policy
 * allows — the same question as for a request cut off, asked the same way.
 */
const retryRefused = (
  self: Machine,
  request: Request,
  failure: McpError.UnexpectedStatus
): Effect.Effect<never, McpError.UnexpectedStatus | Resend> => {
  const resend: Effect.Effect<never, McpError.UnexpectedStatus | Resend> = Effect.fail(
    new Resend({ after: "throttled", failure })
  )
  if (Policy.safeMethods.has(request.method)) return resend
  return Effect.flatMap(replayable(self, request), (replay) => replay ? resend : Effect.fail(failure))
}

/** What the replay policy says of `request` (for a `tools/call`, with the tool's annotations). */
const replayable = (self: Machine, request: Request): Effect.Effect<boolean> => {
  const name = toolName(request)
  const tool = name === undefined ? Effect.succeed(undefined) : toolNamed(self, name, request.deadline)
  return Effect.map(
    tool,
    (tool) => self.replay({ method: request.method, params: request.params, toolName: name, tool })
  )
}

/**
 * The tool as the server lists it: its annotations are the default policy's
 * input. One the client has not seen is listed — through `run` itself, so
 * the listing waits for a server that is coming back and for a new session
 * like any request, within the same deadline. Unknown if that fails.
 */
const toolNamed = (
  self: Machine,
  name: string,
  deadline: Deadline.Deadline | undefined
): Effect.Effect<McpSchema.Tool | undefined> => {
  const known = self.state.tools?.get(name)
  if (known !== undefined) return Effect.succeed(known)
  return run(
    self,
    { method: "tools/list", params: undefined, deadline },
    (session) => Restore.learnTools(self.state, session)
  ).pipe(
    Effect.timeout(Duration.millis(self.state.settings.requestTimeoutMillis)),
    Effect.ignore,
    Effect.map(() => self.state.tools?.get(name))
  )
}

const isResend = (error: unknown): error is Resend => error instanceof Resend

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

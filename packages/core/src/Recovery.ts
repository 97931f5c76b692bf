/**
 * The user's policy for session recovery: how often a request is re-sent on
 * a new session (a `Schedule`), which requests may be replayed after the old
 * session had already accepted them, and which statuses besides 404 mean
 * "unknown session".
 *
 * The mechanism itself lives in one place, `internal/session.ts`.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Schedule from "effect/Schedule"
import type * as McpSchema from "./McpSchema.js"

/**
 * What the replay policy is asked about: a request the old session had
 * already accepted (so it may have run, and had side effects) before dying.
 *
 * @since 0.1.0
 * @category models
 */
export interface ReplayRequest {
  readonly method: string
  readonly params: unknown
  /** For `tools/call`: the tool's name. */
  readonly toolName: string | undefined
  /** For `tools/call`: the tool as the server last listed it, if the client has seen it. */
  readonly tool: McpSchema.Tool | undefined
}

/**
 * Decides whether an accepted request may be re-sent on the new session.
 *
 * @since 0.1.0
 * @category models
 */
export type ReplayPolicy = (request: ReplayRequest) => boolean

/**
 * Requests without side effects by the spec's own definition.
 *
 * @since 0.1.0
 * @category replay
 */
export const safeMethods: ReadonlySet<string> = new Set([
  "ping",
  "tools/list",
  "resources/list",
  "resources/templates/list",
  "resources/read",
  "resources/subscribe",
  "resources/unsubscribe",
  "prompts/list",
  "prompts/get",
  "completion/complete",
  "logging/setLevel"
])

/**
 * The default: methods in {@link safeMethods} are replayed; `tools/call` is
 * replayed when the tool says it is safe to run twice (`readOnlyHint` or
 * `idempotentHint` in its annotations); everything else is not.
 *
 * @since 0.1.0
 * @category replay
 */
export const defaultReplay: ReplayPolicy = (request) => {
  if (request.method === "tools/call") {
    const annotations = request.tool?.annotations
    return annotations?.readOnlyHint === true || annotations?.idempotentHint === true
  }
  return safeMethods.has(request.method)
}

/**
 * Never replay an accepted request: the caller gets `RequestLost`.
 *
 * @since 0.1.0
 * @category replay
 */
export const neverReplay: ReplayPolicy = () => false

/**
 * Always replay (for servers whose every operation is idempotent).
 *
 * @since 0.1.0
 * @category replay
 */
export const alwaysReplay: ReplayPolicy = () => true

/**
 * Builds a policy from explicit per-method and per-tool decisions, falling
 * back to `fallback` (default {@link defaultReplay}) for anything not named.
 *
 * @example
 * ```ts
 * import { Recovery } from "@mcp-effect/core"
 *
 * const replay = Recovery.replay({
 *   tools: { "send-email": false, "get-weather": true },
 *   methods: { "custom/sync": true }
 * })
 * ```
 *
 * @since 0.1.0
 * @category replay
 */
export const replay = (options: {
  readonly methods?: Readonly<Record<string, boolean>>
  readonly tools?: Readonly<Record<string, boolean>>
  readonly fallback?: ReplayPolicy
}): ReplayPolicy =>
(request) => {
  if (request.toolName !== undefined && options.tools !== undefined && Object.hasOwn(options.tools, request.toolName)) {
    return options.tools[request.toolName] === true
  }
  if (options.methods !== undefined && Object.hasOwn(options.methods, request.method)) {
    return options.methods[request.method] === true
  }
  return (options.fallback ?? defaultReplay)(request)
}

/**
 * The default schedule: up to 4 re-sends. The first re-send after a
 * successful re-initialize is immediate (the new session is fresh); later
 * ones back off exponentially from 50 ms, with jitter.
 *
 * @since 0.1.0
 * @category schedules
 */
export const defaultSchedule: Schedule.Schedule<number> = Schedule.recurs(4).pipe(
  Schedule.addDelay((n) => n === 0 ? Duration.zero : Duration.millis(50 * 2 ** (n - 1))),
  Schedule.jittered
)

/**
 * The default for requests that never reached the server (the connection was
 * refused: a server restarting, a deploy): try again after 100 ms, doubling up
 * to 2 s between tries, with jitter — for as long as the request's own
 * deadline (and {@link maxRecurrences}) allows. Across a restart whose
 * downtime is shorter than the request timeout, such calls simply take longer.
 *
 * @since 0.2.0
 * @category schedules
 */
export const defaultUnsentSchedule: Schedule.Schedule<unknown> = Schedule.exponential(Duration.millis(100), 2).pipe(
  Schedule.either(Schedule.spaced(Duration.seconds(2))),
  Schedule.jittered
)

/**
 * The default for requests a server refused with 429 (Too Many Requests) or
 * 503 (Service Unavailable): up to 5 retries. A `Retry-After` header sets the
 * wait (capped by `maxRetryAfter`); without one, the wait is 1 s doubling,
 * with jitter.
 *
 * @since 0.2.0
 * @category schedules
 */
export const defaultThrottledSchedule: Schedule.Schedule<unknown> = Schedule.exponential(Duration.seconds(1), 2).pipe(
  Schedule.jittered,
  Schedule.intersect(Schedule.recurs(5))
)

/**
 * The default cap on a `Retry-After` wait: a server asking for longer is
 * retried after this long (within the request's deadline).
 *
 * @since 0.2.0
 * @category schedules
 */
export const defaultMaxRetryAfter: Duration.Duration = Duration.seconds(30)

/**
 * No configuration can make recovery loop forever: whatever schedule the user
 * gives is intersected with this many recurrences.
 *
 * @since 0.1.0
 * @category schedules
 */
export const maxRecurrences = 32

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Turn recovery off: a 404 then surfaces as `SessionExpired`. Default: true. */
  readonly enabled?: boolean | undefined
  /**
   * When a request met an expired session, how often and when it is re-sent
   * on the new one; also how a failing re-initialize (5xx, transport errors)
   * is retried. Default: {@link defaultSchedule}. Bounded by {@link maxRecurrences}.
   */
  readonly schedule?: Schedule.Schedule<unknown> | undefined
  /**
   * Which requests the server may have run are sent again: those a lost
   * session had accepted, and those whose connection was cut on the way.
   * Default: {@link defaultReplay}.
   */
  readonly replay?: ReplayPolicy | undefined
  /**
   * How requests are tried again when the server could not be reached at all
   * (nothing was sent), or after they were cut off and the replay policy
   * allowed a re-send; also how a handshake that cannot connect is retried.
   * Default: {@link defaultUnsentSchedule}. Bounded by each request's deadline,
   * the connect timeout, and {@link maxRecurrences}.
   *
   * @since 0.2.0
   */
  readonly unsent?: Schedule.Schedule<unknown> | undefined
  /**
   * How a request the server refused with 429 or 503 is retried: how many
   * times, and the wait when the answer has no `Retry-After` (with one, its
   * wait replaces the schedule's, capped by `maxRetryAfter`). A refused
   * request was not processed, so it is safe to send again; still, a
   * `tools/call` is retried only if `replay` allows it, and a notification
   * never. Default: {@link defaultThrottledSchedule}. Bounded by each
   * request's deadline and {@link maxRecurrences}.
   *
   * @since 0.2.0
   */
  readonly throttled?: Schedule.Schedule<unknown> | undefined
  /**
   * The longest `Retry-After` wait honoured (seconds or an HTTP date).
   * Default: {@link defaultMaxRetryAfter} (30 s).
   *
   * @since 0.2.0
   */
  readonly maxRetryAfter?: Duration.DurationInput | undefined
  /**
   * Statuses that also mean "unknown session" for requests that carried a
   * session id (e.g. 400 or 410 from non-conformant servers). 404 always does.
   */
  readonly expiredStatuses?: ReadonlyArray<number> | undefined
}

/**
 * Watching the client work (docs/observability.md): session events, metrics,
 * the client's own log lines.
 */
import { McpClient, Session } from "@mcp-effect/core"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Metric from "effect/Metric"
import * as Stream from "effect/Stream"

// #region events
/** One log line per session event, from a fiber that lives as long as the caller's scope. */
export const logSessionEvents = Effect.gen(function*() {
  const client = yield* McpClient.McpClient
  yield* client.sessionEvents.pipe(
    Stream.runForEach(
      Session.SessionEvent.$match({
        Started: ({ session }) => Effect.logInfo(`MCP session ${session.sessionId} started`),
        Expired: ({ method, sessionId, status }) =>
          Effect.logWarning(`MCP session ${sessionId} expired (HTTP ${status} to ${method})`),
        Recovered: ({ durationMillis, previousSessionId, session, waiters }) =>
          Effect.logInfo(
            `MCP session ${previousSessionId} replaced by ${session.sessionId} ` +
              `in ${durationMillis} ms (${waiters} request(s) waited)`
          ),
        RecoveryFailed: ({ sessionId }) => Effect.logError(`MCP session ${sessionId} could not be replaced`),
        Closed: ({ sessionId }) => Effect.logInfo(`MCP session ${sessionId} closed`),
        EraDecided: ({ cached, endpoint, era, reason }) =>
          Effect.logInfo(`MCP server ${endpoint} speaks ${era} (${cached ? "cached" : reason})`)
      })
    ),
    Effect.forkScoped
  )
})
// #endregion

// #region metrics
/** The recovery counters, e.g. for a health endpoint (shared by every client of the process). */
export const recoveryStats = Effect.gen(function*() {
  const expirations = yield* Metric.value(Session.metrics.expirations)
  const recoveries = yield* Metric.value(Session.metrics.recoveries)
  const failures = yield* Metric.value(Session.metrics.recoveryFailures)
  const duration = yield* Metric.value(Session.metrics.recoveryDuration)
  return {
    expirations: expirations.count,
    recoveries: recoveries.count,
    failures: failures.count,
    meanRecoveryMillis: duration.count === 0 ? 0 : duration.sum / duration.count
  }
})
// #endregion

// #region debug-logs
/** Runs `effect` with the client's debug lines visible (they are logged at Debug level). */
export const withClientDebugLogs = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  effect.pipe(Logger.withMinimumLogLevel(LogLevel.Debug))
// #endregion

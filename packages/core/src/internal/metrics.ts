/**
 * The recovery's metrics (re-exported by `Session.ts`). Kept apart from the
 * recovery itself so that the public module imports nothing that imports it.
 *
 * @internal
 */
import * as Metric from "effect/Metric"

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

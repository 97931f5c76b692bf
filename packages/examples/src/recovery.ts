/**
 * Session recovery, tuned (docs/session-recovery.md).
 */
import { Recovery } from "@mcp-effect/core"
import type { McpClient } from "@mcp-effect/core"
import * as Duration from "effect/Duration"
import * as Schedule from "effect/Schedule"

export const recovery: Recovery.Options = {
  // A request that met an expired session is re-sent on the new one at most 3
  // times: at once, then after 100 and 200 ms. The same schedule paces the
  // retries of a re-initialize that fails with a 5xx or a network error.
  schedule: Schedule.recurs(3).pipe(
    Schedule.addDelay((n) => n === 0 ? Duration.zero : Duration.millis(100 * n))
  ),
  // Requests the dead session had already accepted (they may have run):
  // `send-email` must never run twice, `sync-inbox` may; every other tool
  // follows its annotations (`readOnlyHint` / `idempotentHint`).
  replay: Recovery.replay({ tools: { "send-email": false, "sync-inbox": true } }),
  // This server answers an unknown session with 410 instead of the spec's 404.
  expiredStatuses: [410]
}

export const options = (url: string): McpClient.Options => ({ url, recovery })

/**
 * Following the session (docs/concepts.md): `sessionChanges` gives the current
 * session, then each one that replaces it. Anything the application derived
 * from a session (capabilities, protocol version) is refreshed here.
 */
import { McpClient } from "@mcp-effect/core"
import type { Session } from "@mcp-effect/core"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"

export const followSessions = (onSession: (session: Session.SessionInfo) => Effect.Effect<void>) =>
  Effect.gen(function*() {
    const client = yield* McpClient.McpClient
    yield* client.sessionChanges.pipe(Stream.runForEach(onSession), Effect.forkScoped)
  })

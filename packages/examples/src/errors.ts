/**
 * Handling the client's errors by tag (docs/errors.md): what each failure
 * means for the application, decided in one place.
 */
import { McpClient } from "@mcp-effect/core"
import type { McpSchema } from "@mcp-effect/core"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"

export type Outcome = Data.TaggedEnum<{
  /** The tool ran and succeeded. */
  Done: { readonly result: McpSchema.CallToolResult }
  /** The tool ran and reported a failure in its result. */
  ToolFailed: { readonly result: McpSchema.CallToolResult }
  /** The server refused the call (unknown tool, invalid arguments…): fix the call. */
  Rejected: { readonly code: number; readonly message: string }
  /** The call may or may not have run: check before doing it again. */
  Unknown: { readonly reason: string }
  /** The server could not be reached or could not serve: try again later. */
  Unavailable: { readonly reason: string }
}>
export const Outcome = Data.taggedEnum<Outcome>()

export const callTool = (name: string, args: Readonly<Record<string, unknown>>) =>
  Effect.flatMap(McpClient.McpClient, (client) => client.callTool(name, args)).pipe(
    Effect.map((result) => result.isError === true ? Outcome.ToolFailed({ result }) : Outcome.Done({ result })),
    Effect.catchTags({
      JsonRpcError: (e) => Effect.succeed(Outcome.Rejected({ code: e.code, message: e.description })),
      // The old session accepted the call, then died; the replay policy kept it from running twice.
      RequestLost: (e) => Effect.succeed(Outcome.Unknown({ reason: e.message })),
      // The client stopped waiting (and told the server with notifications/cancelled).
      RequestTimeout: (e) => Effect.succeed(Outcome.Unknown({ reason: e.message })),
      // phase "response": the answer had started, so the server got the call. phase "request": no
      // answer came; usually the server was unreachable (a call that must not run twice may
      // treat this as Unknown too).
      TransportError: (e) =>
        Effect.succeed(
          e.phase === "response" ? Outcome.Unknown({ reason: e.message }) : Outcome.Unavailable({ reason: e.message })
        ),
      UnexpectedStatus: (e) => Effect.succeed(Outcome.Unavailable({ reason: e.message })),
      RecoveryFailed: (e) => Effect.succeed(Outcome.Unavailable({ reason: e.message }))
    })
    // Left in the error channel, as defects of the setup rather than of one call:
    // ProtocolError, UnsupportedProtocolVersion, SessionExpired (only with recovery disabled),
    // AuthorizationRequired and AuthorizationFailed (only with McpAuth: see docs/authorization.md).
  )

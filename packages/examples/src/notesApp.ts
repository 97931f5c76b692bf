/**
 * A small application on top of the client, tested across a session expiry in
 * docs/session-recovery.md (test/notesApp.test.ts).
 */
import { McpClient, Recovery } from "@mcp-effect/core"
import type { McpError } from "@mcp-effect/core"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

/** The session died after the server accepted the note: it may or may not be saved. */
export class NoteOutcomeUnknown extends Data.TaggedError("NoteOutcomeUnknown")<{ readonly text: string }> {}

export class Notes extends Context.Tag("@mcp-effect/examples/Notes")<Notes, {
  readonly add: (text: string) => Effect.Effect<void, NoteOutcomeUnknown | McpError.McpError>
  readonly list: Effect.Effect<ReadonlyArray<string>, McpError.McpError>
}>() {}

export const NotesLive = Layer.effect(
  Notes,
  Effect.gen(function*() {
    const client = yield* McpClient.McpClient
    return {
      add: (text) =>
        client.callTool("add-note", { text }).pipe(
          Effect.asVoid,
          Effect.catchTag("RequestLost", () => Effect.fail(new NoteOutcomeUnknown({ text })))
        ),
      list: client.callTool("list-notes").pipe(
        Effect.map((result) => {
          const notes = result.structuredContent?.notes
          return Array.isArray(notes) ? notes.filter((n): n is string => typeof n === "string") : []
        })
      )
    }
  })
)

/** `add-note` is not idempotent: never re-send it once a session has accepted it. */
export const clientOptions: Omit<McpClient.Options, "url"> = {
  recovery: { replay: Recovery.replay({ tools: { "add-note": false } }) }
}

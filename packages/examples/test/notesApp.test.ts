import { describe, expect, it } from "@effect/vitest"
import { McpClient, McpHttp } from "@mcp-effect/core"
import { McpTestServer } from "@mcp-effect/core/testing"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import { clientOptions, Notes, NotesLive } from "../src/notesApp.js"

// The server the application talks to, in memory: two tools over a list of
// notes, sessions forgotten after 30 idle minutes, answers on SSE streams.
// `add-note` signals `saving` when it runs; `hang` keeps it from finishing.
const testLayer = (options: { readonly saving?: Deferred.Deferred<void>; readonly hang?: boolean } = {}) => {
  const notes: Array<string> = []
  const server = McpTestServer.layerInMemory({
    sessionTtl: "30 minutes",
    answers: "sse",
    tools: [
      {
        name: "add-note",
        handler: (args) =>
          Effect.gen(function*() {
            if (options.saving !== undefined) yield* Deferred.succeed(options.saving, undefined)
            if (options.hang === true) return yield* Effect.never
            notes.push(String(args.text))
            return { content: [] }
          })
      },
      {
        name: "list-notes",
        annotations: { readOnlyHint: true },
        handler: () => Effect.succeed({ content: [], structuredContent: { notes: [...notes] } })
      }
    ]
  })
  const client = McpClient.layer({ url: McpTestServer.inMemoryUrl, ...clientOptions }).pipe(
    Layer.provide(McpHttp.layerHttpClient)
  )
  return NotesLive.pipe(Layer.provideMerge(client), Layer.provideMerge(server))
}

describe("Notes across a session expiry", () => {
  // it.effect runs on the TestClock: 31 minutes pass in no time.
  it.effect("a session that expired while the user was away is invisible to the app", () =>
    Effect.gen(function*() {
      const notes = yield* Notes
      const server = yield* McpTestServer.McpTestServer
      yield* notes.add("buy milk")
      yield* TestClock.adjust("31 minutes") // the server forgets the idle session
      yield* notes.add("call Bob") // meets 404, runs on a new session
      expect(yield* notes.list).toEqual(["buy milk", "call Bob"])
      expect(yield* server.initializeCount).toBe(2)
    }).pipe(Effect.provide(testLayer())))

  it.effect("a note whose session died while it was being saved is reported, never sent twice", () =>
    Effect.gen(function*() {
      const saving = yield* Deferred.make<void>()
      return yield* Effect.gen(function*() {
        const notes = yield* Notes
        const server = yield* McpTestServer.McpTestServer
        const adding = yield* Effect.fork(notes.add("pay rent"))
        yield* Deferred.await(saving) // the server has accepted the call and is working on it
        yield* server.expire() // … when it loses the session
        const error = yield* Effect.flip(Fiber.join(adding))
        expect(error._tag).toBe("NoteOutcomeUnknown")
        const log = yield* server.log
        const calls = log.filter((e) => e.rpcMethod === "tools/call" && JSON.stringify(e.message).includes("add-note"))
        expect(calls.length).toBe(1) // not replayed on the new session
        expect(yield* server.initializeCount).toBe(2) // the client is on a new session, ready
      }).pipe(Effect.provide(testLayer({ saving, hang: true })))
    }))
})

import { describe, expect, it } from "@effect/vitest"
import { McpClient } from "@mcp-effect/core"
import type { Session } from "@mcp-effect/core"
import { NodeMcpTestServer } from "@mcp-effect/node/testing"
import * as Effect from "effect/Effect"
import { againstEveryGeneration, clientWithPersistentEras, generation, pinned } from "../src/generations.js"

describe("generations (protocol-generations)", () => {
  it.live("the persisted cache learns the test server's generation; a pinned stateless client refuses it", () =>
    Effect.scoped(Effect.gen(function*() {
      const { url } = yield* NodeMcpTestServer.make()
      const store = new Map<string, Session.Era>()
      const which = yield* generation.pipe(Effect.provide(clientWithPersistentEras(url, store)))
      expect(which).toBe("sessions (2025-11-25)")
      expect([...store]).toEqual([[url, "sessions"]])
      const error = yield* Effect.flip(generation.pipe(Effect.provide(pinned(url))))
      expect(error._tag).toBe("ProtocolError")
    })))

  it.live("one app against the test server in every generation: the client finds each", () =>
    Effect.gen(function*() {
      const app = Effect.zip(
        generation,
        Effect.flatMap(McpClient.McpClient, (client) => client.callTool("echo", { text: "hi" }))
      )
      const results = yield* againstEveryGeneration(app)
      expect(results.map(([which]) => which)).toEqual([
        "sessions (2025-11-25)",
        "stateless (2026-07-28)",
        "http-sse (2025-11-25)"
      ])
      expect(results.map(([, called]) => called.content)).toEqual(
        Array.from({ length: 3 }, () => [{ type: "text", text: "hi" }])
      )
    }))
})

import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as UnknownSession from "../../src/internal/http/unknownSession.js"
import * as McpTestServer from "../../src/testing/McpTestServer.js"
import { setup } from "../support/harness.js"

const sdkReadme =
  `{"jsonrpc":"2.0","error":{"code":-32000,"message":"Bad Request: No valid session ID provided"},"id":null}`
const none = new Set<number>()

describe("unknown-session dialects", () => {
  const cases: ReadonlyArray<readonly [string, string, number, string, ReadonlySet<number>, boolean]> = [
    ["404, any body (the spec)", "tools/call", 404, "", none, true],
    [
      "404 with a JSON-RPC body",
      "tools/list",
      404,
      `{"error":{"code":-32001,"message":"Session not found"}}`,
      none,
      true
    ],
    ["400, the official SDK README / server-everything body", "tools/call", 400, sdkReadme, none, true],
    ["400, 'Invalid session ID' as plain text", "ping", 400, "Invalid session ID", none, true],
    ["400, 'Session not found'", "tools/call", 400, `{"error":{"message":"Session not found"}}`, none, true],
    ["400, 'session expired'", "resources/read", 400, `{"error":{"message":"Your session expired"}}`, none, true],
    [
      "400 about something else",
      "tools/call",
      400,
      `{"error":{"code":-32602,"message":"Invalid params"}}`,
      none,
      false
    ],
    ["400 naming the session but not saying it is gone", "tools/call", 400, "session limit reached", none, false],
    ["400 with an empty body", "tools/call", 400, "", none, false],
    [
      "400 to notifications/initialized (a brand-new session)",
      "notifications/initialized",
      400,
      sdkReadme,
      none,
      false
    ],
    ["410 unless the user lists it", "tools/call", 410, "gone", none, false],
    ["410 when the user lists it", "tools/call", 410, "gone", new Set([410]), true],
    ["500", "tools/call", 500, "No valid session ID provided", none, false]
  ]
  for (const [name, method, status, body, extra, expected] of cases) {
    it(name, () => expect(UnknownSession.isUnknownSession(method, status, body, extra)).toBe(expected))
  }

  it.effect("a server that answers an unknown session with 400 'Session not found' is recovered from by default", () =>
    Effect.gen(function*() {
      const { client, server } = yield* setup({ unknownSessionStatus: 400 })
      const before = (yield* client.session).sessionId
      yield* server.expire(before)
      const result = yield* client.callTool("echo", { text: "after" })
      expect(result.content).toEqual([{ type: "text", text: "after" }])
      expect((yield* client.session).sessionId).not.toBe(before)
      expect(yield* server.initializeCount).toBe(2)
    }).pipe(Effect.scoped))

  it.effect("a 400 that says nothing of the session is the caller's error, not an expiry", () =>
    Effect.gen(function*() {
      const { client, server } = yield* setup({}, { recovery: { schedule: Schedule.recurs(2) } })
      yield* server.inject(
        McpTestServer.Fault.Status({ status: 400, body: `{"error":{"message":"Invalid params"}}` }),
        {
          rpcMethod: "tools/call"
        }
      )
      const error = yield* Effect.flip(client.callTool("echo", { text: "x" }))
      expect(error._tag).toBe("UnexpectedStatus")
      expect(yield* server.initializeCount).toBe(1)
    }).pipe(Effect.scoped))
})

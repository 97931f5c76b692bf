// Issue 18, the core's half: an McpHttp (a browser's) that marks a network failure `crossOrigin`.
// In memory: an McpHttp in front of the test server refuses chosen requests the way
// @mcp-effect/browser reports a refused CORS preflight. (The real thing runs in Chromium:
// packages/browser/test/sdkCors.test.ts.)
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as McpClient from "../src/McpClient.js"
import * as McpError from "../src/McpError.js"
import * as McpHttp from "../src/McpHttp.js"
import * as McpTestServer from "../src/testing/McpTestServer.js"
import { bodyOf, runWithClock } from "./support/harness.js"

const crossOrigin = { origin: "https://app.example", headers: ["content-type", "mcp-protocol-version"] }

/** The test server's McpHttp, failing the requests `refuse` picks before they are sent. */
const refusing = (server: McpTestServer.Handle, refuse: (request: McpHttp.Request) => boolean, marked = true) => {
  const inner = McpHttp.fromHttpClient(McpTestServer.httpClient(server))
  const refused: Array<McpHttp.Request> = []
  const http: McpHttp.Service = {
    // Counted when run, not when built: a re-sent request runs the same effect again.
    execute: (request) =>
      Effect.suspend(() => {
        if (!refuse(request)) return inner.execute(request)
        refused.push(request)
        return Effect.fail(
          new McpError.HttpFailure({ description: "Failed to fetch", ...(marked ? { crossOrigin } : {}) })
        )
      })
  }
  return { http, refused }
}

const isInitialized = (request: McpHttp.Request) =>
  request.method === "POST" && bodyOf(request.body ?? "").method === "notifications/initialized"
const carriesVersion = (request: McpHttp.Request) => request.headers["mcp-protocol-version"] !== undefined

const connect = (http: McpHttp.Service) =>
  McpClient.make({ url: McpTestServer.inMemoryUrl }).pipe(
    Effect.provideService(McpHttp.McpHttp, http),
    Effect.scoped,
    Effect.flip
  )

const initializes = (server: McpTestServer.Handle) =>
  Effect.map(server.log, (log) => log.filter((entry) => entry.rpcMethod === "initialize").length)

describe("notifications/initialized refused cross-origin", () => {
  it.effect("is not retried; the half-made session is ended by a DELETE with the session id alone", () =>
    Effect.gen(function*() {
      // As the official SDK server: a request without MCP-Protocol-Version is taken for 2025-03-26.
      const server = yield* McpTestServer.make({ getStream: false, strictProtocolVersionHeader: false })
      // As CORS that allows mcp-session-id but not mcp-protocol-version.
      const { http, refused } = refusing(
        server,
        (r) => isInitialized(r) || (r.method === "DELETE" && carriesVersion(r))
      )
      const error = yield* connect(http)
      expect(error).toMatchObject({ _tag: "TransportError", method: "notifications/initialized", crossOrigin })
      expect(error.message).toContain("most likely CORS")
      expect(error.message).toContain(
        "must allow the headers this request carried (content-type, mcp-protocol-version)"
      )
      expect(error._tag === "TransportError" && error.leftOpen === undefined).toBe(true)
      expect(yield* initializes(server)).toBe(1)
      expect(refused.map((r) => r.method)).toEqual(["POST", "DELETE"])
      const deletes = (yield* server.log).filter((entry) => entry.httpMethod === "DELETE")
      expect(deletes.map((entry) => [entry.sessionId, entry.protocolVersion, entry.status])).toEqual([
        [error.sessionId, undefined, 200]
      ])
      expect(yield* server.sessions).toEqual([])
    }).pipe(Effect.scoped))

  it.effect("when every DELETE is refused too, leftOpen names the session", () =>
    Effect.gen(function*() {
      const server = yield* McpTestServer.make({ getStream: false })
      const { http, refused } = refusing(server, (r) => isInitialized(r) || r.method === "DELETE")
      const error = yield* connect(http)
      const open = yield* server.sessions
      expect(open).toHaveLength(1)
      expect(error).toMatchObject({ _tag: "TransportError", crossOrigin, leftOpen: open[0] })
      expect(error.message).toContain(`the half-made session ${open[0]} could not be ended`)
      expect(yield* initializes(server)).toBe(1)
      // With the version, then without it; nothing else.
      expect(refused.map((r) => [r.method, carriesVersion(r)])).toEqual([["POST", true], ["DELETE", true], [
        "DELETE",
        false
      ]])
    }).pipe(Effect.scoped))

  it.effect("a server that requires the version header refuses the DELETE without it: leftOpen names the session", () =>
    Effect.gen(function*() {
      const server = yield* McpTestServer.make({ getStream: false })
      const { http } = refusing(server, (r) => isInitialized(r) || (r.method === "DELETE" && carriesVersion(r)))
      const error = yield* connect(http)
      const open = yield* server.sessions
      expect(open).toHaveLength(1)
      expect(error).toMatchObject({ _tag: "TransportError", leftOpen: open[0] })
      const deletes = (yield* server.log).filter((entry) => entry.httpMethod === "DELETE")
      expect(deletes.map((entry) => [entry.protocolVersion, entry.status])).toEqual([[undefined, 400]])
    }).pipe(Effect.scoped))

  it.effect("the same failure without crossOrigin is transient: re-sent on the one session, which is then ended", () =>
    Effect.gen(function*() {
      const server = yield* McpTestServer.make({ getStream: false })
      const { http, refused } = refusing(server, isInitialized, false)
      const error = yield* runWithClock(connect(http), "1 second")
      expect(error._tag).toBe("TransportError")
      expect(error.message).not.toContain("CORS")
      // One initialize: the notification is sent again (1 + the default schedule's 4 retries), not the handshake.
      expect(yield* initializes(server)).toBe(1)
      expect(refused.map((r) => bodyOf(r.body ?? "").method)).toEqual(Array(5).fill("notifications/initialized"))
      // Ended with the version: no fallback for a failure that is not cross-origin.
      const deletes = (yield* server.log).filter((entry) => entry.httpMethod === "DELETE")
      expect(deletes).toHaveLength(1)
      expect(deletes.every((entry) => entry.protocolVersion !== undefined)).toBe(true)
      expect(yield* server.sessions).toEqual([])
    }).pipe(Effect.scoped))
})

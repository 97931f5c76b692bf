// Issue 17: an McpHttp may bound how many clients on it run a handshake at once
// (`McpHttp.handshakes`, which NodeMcpHttp sets): each attempt holds a permit; the wait for one
// counts neither in connectTimeout nor in the attempt's request timeout. Deterministic: a gate
// holds the first client's initialize while the second queues, on the TestClock.
import { describe, expect, it } from "@effect/vitest"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import * as McpClient from "../src/McpClient.js"
import * as McpHttp from "../src/McpHttp.js"
import * as McpTestServer from "../src/testing/McpTestServer.js"
import { bodyOf, gated } from "./support/harness.js"

const initializes = (server: McpTestServer.Handle) =>
  Effect.map(server.log, (log) => log.filter((e) => e.rpcMethod === "initialize").length)

describe("a bound on handshakes at once (McpHttp.handshakes)", () => {
  it.scoped("a client queued behind a held handshake waits its turn, past its connectTimeout, then connects", () =>
    Effect.gen(function*() {
      const server = yield* McpTestServer.make({ getStream: false })
      const gate = yield* gated(McpTestServer.httpClient(server), (_, body) => bodyOf(body).method === "initialize")
      const http: McpHttp.Service = {
        ...McpHttp.fromHttpClient(gate.client),
        handshakes: McpHttp.permits(1)
      }
      const connect = (connectTimeout: Duration.DurationInput) =>
        McpClient.make({ url: McpTestServer.inMemoryUrl, connectTimeout }).pipe(
          Effect.provideService(McpHttp.McpHttp, http)
        )
      // The first client's initialize is held at the gate, its permit with it.
      const first = yield* Effect.fork(connect("30 seconds"))
      yield* gate.held
      const second = yield* Effect.fork(connect("1 second"))
      // Far past the second's connectTimeout: it is queued, not attempting, so it does not time out;
      // and nothing of its handshake reached the server.
      yield* TestClock.adjust("900 millis")
      yield* TestClock.adjust("900 millis")
      expect(Option.isNone(yield* Fiber.poll(second))).toBe(true)
      expect(yield* initializes(server)).toBe(0)
      yield* gate.open
      const [a, b] = [yield* Fiber.join(first), yield* Fiber.join(second)]
      const [sa, sb] = [yield* a.session, yield* b.session]
      expect(sa.sessionId).not.toBe(sb.sessionId)
      expect(yield* initializes(server)).toBe(2)
      expect((yield* b.callTool("echo", { text: "queued" })).content).toEqual([{ type: "text", text: "queued" }])
    }))

  it.scoped("the first client's held handshake still times out on its own connectTimeout", () =>
    Effect.gen(function*() {
      const server = yield* McpTestServer.make({ getStream: false })
      const gate = yield* gated(McpTestServer.httpClient(server), (_, body) => bodyOf(body).method === "initialize")
      const http: McpHttp.Service = {
        ...McpHttp.fromHttpClient(gate.client),
        handshakes: McpHttp.permits(1)
      }
      const first = yield* Effect.fork(
        McpClient.make({ url: McpTestServer.inMemoryUrl, connectTimeout: "1 second", requestTimeout: "10 seconds" })
          .pipe(Effect.provideService(McpHttp.McpHttp, http), Effect.flip)
      )
      yield* gate.held
      yield* TestClock.adjust("1 second")
      const error = yield* Fiber.join(first)
      expect(error).toMatchObject({ _tag: "RequestTimeout", method: "initialize", reason: "connect" })
    }))
})

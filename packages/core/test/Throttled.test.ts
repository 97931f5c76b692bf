// Issue 12: a server that refuses requests with 429 / 503 (rate limits, overload, a deploy draining).
// The request was not processed, so it is sent again after the wait `Retry-After` asks for (capped),
// when it is a read or the replay policy allows it. In memory, on the TestClock: every wait is
// measured by the server's log timestamps (the TestClock's time when each request arrived).
import { describe, expect, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as McpTestServer from "../src/testing/McpTestServer.js"
import { connect, runWithClock, setup } from "./support/harness.js"

const text = (name: string) => () => Effect.succeed({ content: [{ type: "text" as const, text: `${name} done` }] })
const tools: ReadonlyArray<McpTestServer.Tool> = [
  { name: "read", annotations: { readOnlyHint: true }, handler: text("read") },
  { name: "write", annotations: { destructiveHint: true }, handler: text("write") }
]
/** The TestClock moves in these steps: a wait is exact to within one step. */
const STEP = 50

const refuse = (status: number, retryAfter?: string) =>
  McpTestServer.Fault.Status({
    status,
    body: "slow down",
    ...(retryAfter === undefined ? {} : { headers: { "retry-after": retryAfter } })
  })

/** The arrival times of `tools/call` requests for `tool`, in order. */
const arrivals = (server: McpTestServer.Handle, tool: string) =>
  Effect.map(server.log, (log) =>
    log.filter((entry) =>
      entry.rpcMethod === "tools/call" &&
      (entry.message as { params?: { name?: string } } | undefined)?.params?.name === tool
    ).map((entry) => entry.timestamp))

describe("429 / 503: refused, so sent again as the server asks", () => {
  it.scoped("Retry-After in seconds is honoured exactly", () =>
    Effect.gen(function*() {
      const { client, server } = yield* setup({ tools, getStream: false })
      yield* client.listTools()
      yield* server.inject(refuse(429, "3"), { rpcMethod: "tools/call" })
      const result = yield* runWithClock(client.callTool("read"), `${STEP} millis`)
      expect(result.content).toEqual([{ type: "text", text: "read done" }])
      const [first, second] = yield* arrivals(server, "read")
      expect(second! - first!).toBeGreaterThanOrEqual(3000)
      expect(second! - first!).toBeLessThanOrEqual(3000 + STEP)
    }))

  it.scoped("a Retry-After longer than maxRetryAfter is capped", () =>
    Effect.gen(function*() {
      const { client, server } = yield* setup({ tools, getStream: false }, {
        recovery: { maxRetryAfter: "5 seconds" }
      })
      yield* client.listTools()
      yield* server.inject(refuse(503, "3600"), { rpcMethod: "tools/call" })
      yield* runWithClock(client.callTool("read"), `${STEP} millis`)
      const [first, second] = yield* arrivals(server, "read")
      expect(second! - first!).toBeGreaterThanOrEqual(5000)
      expect(second! - first!).toBeLessThanOrEqual(5000 + STEP)
    }))

  it.scoped("Retry-After as an HTTP date: sent again at that time", () =>
    Effect.gen(function*() {
      const { client, server } = yield* setup({ tools, getStream: false })
      yield* client.listTools()
      const now = yield* Clock.currentTimeMillis
      // HTTP dates have whole seconds: four seconds after the next whole second.
      const at = now - (now % 1000) + 5000
      yield* server.inject(refuse(503, new Date(at).toUTCString()), { rpcMethod: "tools/call" })
      yield* runWithClock(client.callTool("read"), `${STEP} millis`)
      const [first, second] = yield* arrivals(server, "read")
      expect(first!).toBeLessThan(at - 3000)
      expect(second!).toBeGreaterThanOrEqual(at)
      expect(second!).toBeLessThanOrEqual(at + STEP)
    }))

  it.scoped("without Retry-After: the throttled schedule's backoff, not at once", () =>
    Effect.gen(function*() {
      const { client, server } = yield* setup({ tools, getStream: false })
      yield* client.listTools()
      yield* server.inject(refuse(429), { rpcMethod: "tools/call", times: 2 })
      yield* runWithClock(client.callTool("read"), `${STEP} millis`)
      const [first, second, third] = yield* arrivals(server, "read")
      // 1 s, then 2 s, each with jitter (0.8–1.2×).
      expect(second! - first!).toBeGreaterThanOrEqual(800)
      expect(second! - first!).toBeLessThanOrEqual(1200 + STEP)
      expect(third! - second!).toBeGreaterThanOrEqual(1600)
      expect(third! - second!).toBeLessThanOrEqual(2400 + STEP)
    }))

  it.scoped("refused every time: UnexpectedStatus with the status and Retry-After, after the schedule's retries", () =>
    Effect.gen(function*() {
      const { client, server } = yield* setup({ tools, getStream: false })
      yield* client.listTools()
      yield* server.inject(refuse(503, "1"), { rpcMethod: "tools/call", times: 100 })
      const error = yield* runWithClock(Effect.flip(client.callTool("read")), `${STEP} millis`)
      expect(error).toMatchObject({ _tag: "UnexpectedStatus", status: 503, retryAfter: "1", method: "tools/call" })
      // The first attempt and the default schedule's 5 retries.
      expect(yield* arrivals(server, "read")).toHaveLength(6)
    }))

  it.scoped("a request whose deadline passes while waiting ends with RequestTimeout", () =>
    Effect.gen(function*() {
      const { client, server } = yield* setup({ tools, getStream: false })
      yield* client.listTools()
      yield* server.inject(refuse(429, "20"), { rpcMethod: "tools/call", times: 100 })
      const error = yield* runWithClock(
        Effect.flip(client.callTool("read", {}, { timeout: "5 seconds" })),
        "100 millis"
      )
      expect(error._tag).toBe("RequestTimeout")
      expect(yield* arrivals(server, "read")).toHaveLength(1)
    }))

  it.scoped("a destructive tool is not sent again: the refusal is the caller's", () =>
    Effect.gen(function*() {
      const { client, server } = yield* setup({ tools, getStream: false })
      yield* client.listTools()
      yield* server.inject(refuse(429, "1"), { rpcMethod: "tools/call" })
      const error = yield* runWithClock(Effect.flip(client.callTool("write")), `${STEP} millis`)
      expect(error).toMatchObject({ _tag: "UnexpectedStatus", status: 429, retryAfter: "1" })
      expect(yield* arrivals(server, "write")).toHaveLength(1)
      // …unless the replay policy says it may run twice.
      const replaying = yield* setup({ tools, getStream: false }, {
        recovery: { replay: () => true }
      })
      yield* replaying.server.inject(refuse(429, "1"), { rpcMethod: "tools/call" })
      yield* runWithClock(replaying.client.callTool("write"), `${STEP} millis`)
      expect(yield* arrivals(replaying.server, "write")).toHaveLength(2)
    }))

  it.scoped("reads are sent again whatever the replay policy says", () =>
    Effect.gen(function*() {
      const { client, server } = yield* setup({ tools, getStream: false }, { recovery: { replay: () => false } })
      yield* server.inject(refuse(503, "2"), { rpcMethod: "tools/list" })
      const listed = yield* runWithClock(client.listTools(), `${STEP} millis`)
      expect(listed.tools.map((tool) => tool.name)).toEqual(["read", "write"])
      const lists = (yield* server.log).filter((entry) => entry.rpcMethod === "tools/list")
      expect(lists).toHaveLength(2)
      expect(lists[1]!.timestamp - lists[0]!.timestamp).toBeGreaterThanOrEqual(2000)
    }))

  it.scoped("16 concurrent calls refused at once each wait as asked and all go through, each sent twice", () =>
    Effect.gen(function*() {
      const { client, server } = yield* setup({ tools, getStream: false })
      yield* client.listTools()
      yield* server.inject(refuse(429, "2"), { rpcMethod: "tools/call", times: 16 })
      const results = yield* runWithClock(
        Effect.all(Array.from({ length: 16 }, () => client.callTool("read")), { concurrency: "unbounded" }),
        `${STEP} millis`
      )
      expect(results).toHaveLength(16)
      const times = yield* arrivals(server, "read")
      expect(times).toHaveLength(32)
      const refusedAt = Math.max(...times.slice(0, 16))
      expect(Math.min(...times.slice(16)) - Math.min(...times.slice(0, 16))).toBeGreaterThanOrEqual(2000)
      expect(Math.max(...times.slice(16)) - refusedAt).toBeLessThanOrEqual(2000 + STEP)
    }))

  it.scoped("initialize refused with 503 and Retry-After: connect waits as asked", () =>
    Effect.gen(function*() {
      const server = yield* McpTestServer.make({ tools, getStream: false })
      yield* server.inject(refuse(503, "2"), { rpcMethod: "initialize", times: 2 })
      const client = yield* runWithClock(connect(server), `${STEP} millis`)
      expect((yield* client.listTools()).tools).toHaveLength(2)
      const inits = (yield* server.log).filter((entry) => entry.rpcMethod === "initialize").map((e) => e.timestamp)
      expect(inits).toHaveLength(3)
      expect(inits[1]! - inits[0]!).toBeGreaterThanOrEqual(2000)
      expect(inits[2]! - inits[1]!).toBeGreaterThanOrEqual(2000)
      expect(inits[2]! - inits[0]!).toBeLessThanOrEqual(4000 + 2 * STEP)
    }))
})

import { assert, describe, it } from "@effect/vitest"
import { BrowserMcpClient } from "@mcp-effect/browser"
import { McpClient } from "@mcp-effect/core"
import type { McpSchema } from "@mcp-effect/core"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { control, idOf, servers } from "./support/servers.js"

const server = servers().sse
const ctl = control(server)

/** Polls the server until `predicate` holds (bounded: 100 × 20 ms). */
const eventually = <A>(check: Effect.Effect<A>, predicate: (a: A) => boolean) =>
  check.pipe(
    Effect.filterOrFail(predicate, () => "not yet"),
    Effect.retry(Schedule.spaced("20 millis").pipe(Schedule.intersect(Schedule.recurs(100)))),
    Effect.orDie
  )

const streamsOf = (sessionId: string | undefined) =>
  Effect.map(ctl.openStreams, (streams) => streams.filter((s) => s.sessionId === sessionId))

const openWhileAsking: Array<{ readonly sessionId?: string | undefined; readonly kind: string }> = []

describe("streamed (SSE) answers over fetch in Chromium", () => {
  it.live("progress notifications arrive on the POST's SSE stream before the result", () =>
    Effect.gen(function*() {
      const client = yield* McpClient.McpClient
      const progress: Array<McpSchema.ProgressNotificationParams> = []
      const result = yield* client.callTool("slow", { steps: 3, delayMillis: 20 }, {
        onProgress: (p) => progress.push(p)
      })
      assert.deepStrictEqual(progress.map((p) => p.progress), [1, 2, 3])
      assert.strictEqual(result.isError ?? false, false)
    }).pipe(Effect.provide(BrowserMcpClient.layer({ url: server.url }))))

  it.live("reads a server request from a response that is still open, and answers it (no buffering)", () =>
    Effect.gen(function*() {
      const client = yield* McpClient.McpClient
      const sessionId = idOf(yield* client.session)
      // The tool's answer stays open until the client POSTs its answer to the elicitation/create
      // the server sent on that same stream: a transport that buffers the body would deadlock.
      const result = yield* client.callTool("elicit", { message: "Your name?" })
      assert.deepStrictEqual(result.structuredContent, { action: "accept", content: { name: "Chromium" } })
      // While the client handled the question, the call's own SSE answer was still open.
      assert.isTrue(openWhileAsking.some((s) => s.sessionId === sessionId && s.kind === "request"))
      const log = yield* ctl.logOf(sessionId)
      const call = log.find((e) => e.rpcMethod === "tools/call")
      const answer = log.find((e) => e.kind === "response")
      assert.isDefined(call)
      assert.strictEqual(answer?.status, 202)
      // The answer was POSTed after the call arrived and before the call was answered.
      assert.isAbove(answer?.seq ?? 0, call?.seq ?? Infinity)
    }).pipe(Effect.provide(BrowserMcpClient.layer({
      url: server.url,
      handlers: {
        elicitation: (params) =>
          Effect.gen(function*() {
            assert.strictEqual(params.message, "Your name?")
            openWhileAsking.push(...yield* ctl.openStreams)
            return { action: "accept" as const, content: { name: "Chromium" } }
          })
      }
    }))))

  it.live("receives notifications pushed on the GET stream", () =>
    Effect.gen(function*() {
      const client = yield* McpClient.McpClient
      const sessionId = idOf(yield* client.session)
      yield* eventually(streamsOf(sessionId), (s) => s.some((x) => x.kind === "get"))
      const received = yield* client.notifications.pipe(
        Stream.filter((n) => n.method === "notifications/message"),
        Stream.runHead,
        Effect.fork
      )
      yield* Effect.yieldNow()
      yield* ctl.notify("notifications/message", { level: "info", data: "pushed to the page" }, sessionId)
      const notification = yield* Fiber.join(received).pipe(Effect.timeout("5 seconds"))
      assert.isTrue(Option.isSome(notification))
      assert.deepInclude(Option.getOrThrow(notification).params, { level: "info", data: "pushed to the page" })
    }).pipe(Effect.provide(BrowserMcpClient.layer({ url: server.url }))))

  it.live("interrupting a streamed call aborts its fetch: the server sees the stream close", () =>
    Effect.gen(function*() {
      const client = yield* McpClient.McpClient
      const sessionId = idOf(yield* client.session)
      const call = yield* Effect.fork(
        client.callTool("slow", { steps: 1000, delayMillis: 50 }, { onProgress: () => {} })
      )
      yield* eventually(streamsOf(sessionId), (s) => s.some((x) => x.kind === "request"))
      yield* Fiber.interrupt(call)
      const left = yield* eventually(streamsOf(sessionId), (s) => !s.some((x) => x.kind === "request"))
      assert.isFalse(left.some((s) => s.kind === "request"))
      // ... and is told why (notifications/cancelled).
      const cancelled = yield* eventually(
        ctl.logOf(sessionId),
        (log) => log.some((e) => e.rpcMethod === "notifications/cancelled")
      )
      assert.isTrue(cancelled.some((e) => e.rpcMethod === "notifications/cancelled"))
    }).pipe(Effect.provide(BrowserMcpClient.layer({ url: server.url }))))
})

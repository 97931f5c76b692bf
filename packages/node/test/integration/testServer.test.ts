// The client over real HTTP (undici, `NodeMcpClient.layer`) against our own test server served by
// `NodeMcpTestServer` on 127.0.0.1, with JSON and with SSE answers.
import { describe, expect, it } from "@effect/vitest"
import type { McpSchema, Session } from "@mcp-effect/core"
import { McpTestServer } from "@mcp-effect/core/testing"
import { NodeMcpTestServer } from "@mcp-effect/node/testing"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { vi } from "vitest"
import { bounded, connect, connectClosable, eventually } from "../support/live.js"

// Real HTTP on a shared machine: generous for vitest; `bounded` reports a hang first, and says what hung.
vi.setConfig({ testTimeout: 30_000 })

/** Collects the client's session events from now on. */
const recordEvents = (client: { readonly sessionEvents: Stream.Stream<Session.SessionEvent> }) =>
  Effect.gen(function*() {
    const events: Array<Session.SessionEvent> = []
    const subscribed = yield* Deferred.make<void>()
    yield* client.sessionEvents.pipe(
      Stream.onStart(Deferred.succeed(subscribed, undefined)),
      Stream.runForEach((event) => Effect.sync(() => events.push(event))),
      Effect.forkScoped
    )
    yield* Deferred.await(subscribed)
    return events
  })

describe.each(["json", "sse"] as const)("NodeMcpTestServer over HTTP (%s answers)", (answers) => {
  it.live("connects, lists and calls tools, reads resources and prompts", () =>
    Effect.gen(function*() {
      const { server, url } = yield* NodeMcpTestServer.make({ answers })
      // Pinned: the request log below is the session era's alone (detection would probe first).
      const client = yield* connect({ url, era: "sessions" })
      const session = yield* client.session
      expect(session.protocolVersion).toBe("2025-11-25")
      expect(session.sessionId).toBeDefined()
      const tools = yield* client.listAllTools()
      expect(tools.map((tool) => tool.name)).toEqual(["echo", "add", "slow", "fail", "elicit"])
      expect((yield* client.callTool("echo", { text: "over http" })).content).toEqual([
        { type: "text", text: "over http" }
      ])
      expect((yield* client.callTool("add", { a: 20, b: 22 })).structuredContent).toEqual({ sum: 42 })
      expect((yield* client.callTool("fail")).isError).toBe(true)
      const read = yield* client.readResource("test://greeting/Ada")
      expect(read.contents).toMatchObject([{ text: "Hello, Ada!" }])
      const prompt = yield* client.getPrompt("greet", { name: "Ada" })
      expect(prompt.messages).toEqual([{ role: "user", content: { type: "text", text: "Please greet Ada." } }])
      const log = yield* server.log
      const posts = log.filter((entry) => entry.httpMethod === "POST")
      expect(posts[0]?.rpcMethod).toBe("initialize")
      expect(posts.slice(1).every((entry) => entry.sessionId === session.sessionId)).toBe(true)
      expect(posts.every((entry) => entry.status === 200 || entry.status === 202)).toBe(true)
      expect(yield* server.initializeCount).toBe(1)
    }).pipe(Effect.scoped, bounded("the session")))

  it.live("progress arrives in order (SSE: on the call's stream, before the result; JSON: on the GET stream)", () =>
    Effect.gen(function*() {
      const { server, url } = yield* NodeMcpTestServer.make({ answers })
      const client = yield* connect({ url })
      // Every progress notification, whichever stream it came on.
      const allProgress = yield* Deferred.make<ReadonlyArray<McpSchema.ServerNotification>>()
      const subscribed = yield* Deferred.make<void>()
      yield* client.notifications.pipe(
        Stream.onStart(Deferred.succeed(subscribed, undefined)),
        Stream.filter((n) => n._tag === "Progress"),
        Stream.take(4),
        Stream.runCollect,
        Effect.flatMap((chunk) => Deferred.succeed(allProgress, Array.from(chunk))),
        Effect.forkScoped
      )
      yield* Deferred.await(subscribed)
      // In JSON mode the progress travels on the GET stream: it must be open first.
      yield* server.awaitGetStream()
      const seen: Array<McpSchema.ProgressNotificationParams> = []
      const result = yield* client.callTool("slow", { steps: 4, delayMillis: 5 }, {
        onProgress: (progress) => seen.push(progress)
      })
      expect(result.content).toEqual([{ type: "text", text: "done after 4 steps" }])
      const expected = [[1, 4], [2, 4], [3, 4], [4, 4]]
      if (answers === "sse") {
        // One stream: every progress precedes the result.
        expect(seen.map((p) => [p.progress, p.total])).toEqual(expected)
      } else {
        // Two connections (GET for progress, the POST's JSON body for the result): no order between
        // them, so the last progress may come after the call is over; what the handler saw is in order.
        expect(seen.map((p) => [p.progress, p.total])).toEqual(expected.slice(0, seen.length))
      }
      const notifications = yield* Deferred.await(allProgress)
      expect(notifications.map((n) => n._tag === "Progress" ? n.params.progress : -1)).toEqual([1, 2, 3, 4])
    }).pipe(Effect.scoped, bounded("progress")))

  it.live("server notifications on the GET stream reach client.notifications", () =>
    Effect.gen(function*() {
      const { server, url } = yield* NodeMcpTestServer.make({ answers })
      const client = yield* connect({ url })
      const received = yield* Deferred.make<ReadonlyArray<McpSchema.ServerNotification>>()
      const subscribed = yield* Deferred.make<void>()
      yield* client.notifications.pipe(
        Stream.onStart(Deferred.succeed(subscribed, undefined)),
        Stream.take(2),
        Stream.runCollect,
        Effect.flatMap((chunk) => Deferred.succeed(received, Array.from(chunk))),
        Effect.forkScoped
      )
      yield* Deferred.await(subscribed)
      yield* server.awaitGetStream()
      yield* server.notify("notifications/message", { level: "info", data: "hello from the server" })
      yield* server.setTools([])
      const notifications = yield* Deferred.await(received)
      expect(notifications.map((n) => n._tag)).toEqual(["LoggingMessage", "ToolListChanged"])
      expect(notifications[0]?.params).toMatchObject({ level: "info", data: "hello from the server" })
      expect(yield* client.listAllTools()).toEqual([])
      const gets = (yield* server.log).filter((entry) => entry.httpMethod === "GET")
      expect(gets).toHaveLength(1)
      expect(gets[0]?.headers["accept"]).toBe("text/event-stream")
    }).pipe(Effect.scoped, bounded("notifications")))

  it.live("elicitation round trip: the server asks mid-call, the handler answers, the call returns it", () =>
    Effect.gen(function*() {
      const { server, url } = yield* NodeMcpTestServer.make({ answers })
      const asked: Array<McpSchema.ElicitRequestParams> = []
      const client = yield* connect({
        url,
        handlers: {
          elicitation: (params) =>
            Effect.sync(() => {
              asked.push(params)
              return { action: "accept" as const, content: { name: "Ada" } }
            })
        }
      })
      yield* server.awaitGetStream()
      const result = yield* client.callTool("elicit", { message: "Who are you?" })
      expect(result.structuredContent).toEqual({ action: "accept", content: { name: "Ada" } })
      expect(asked).toHaveLength(1)
      expect(asked[0]).toMatchObject({ message: "Who are you?", requestedSchema: { required: ["name"] } })
      // The answer was POSTed as a JSON-RPC response on the same session.
      const session = yield* client.session
      const response = (yield* server.log).find((entry) => entry.kind === "response")
      expect(response).toMatchObject({ httpMethod: "POST", sessionId: session.sessionId, status: 202 })
    }).pipe(Effect.scoped, bounded("elicitation")))

  it.live("recovers after restart and after expiry: one initialize each, events published", () =>
    Effect.gen(function*() {
      const { server, url } = yield* NodeMcpTestServer.make({ answers, sessionTtl: "1 hour" })
      const client = yield* connect({ url })
      const events = yield* recordEvents(client)
      const first = yield* client.session
      yield* client.listAllTools()

      yield* server.restart
      expect((yield* client.callTool("add", { a: 1, b: 2 })).structuredContent).toEqual({ sum: 3 })
      const second = yield* client.session
      expect(second.generation).toBe(1)
      expect(second.sessionId).not.toBe(first.sessionId)
      expect(yield* server.initializeCount).toBe(2)

      // TTL expiry, forced now (the server forgets the session exactly as when its TTL runs out).
      yield* server.expire(second.sessionId)
      expect((yield* client.callTool("echo", { text: "still here" })).content).toEqual([
        { type: "text", text: "still here" }
      ])
      const third = yield* client.session
      expect(third.generation).toBe(2)
      expect(yield* server.initializeCount).toBe(3)
      expect(yield* server.sessions).toEqual([third.sessionId])

      yield* eventually("two recoveries published", () => events.filter((e) => e._tag === "Recovered").length === 2)
      expect(events.map((e) => e._tag)).toEqual(["Started", "Expired", "Recovered", "Expired", "Recovered"])
      const log = yield* server.log
      // No request ever carried a dead id after its session was replaced... except the one 404 that told.
      for (const dead of [first.sessionId, second.sessionId]) {
        const rejected = log.filter((entry) => entry.sessionId === dead && entry.status === 404)
        expect(rejected.length).toBeGreaterThanOrEqual(1)
      }
      // And the new session has its GET stream again.
      yield* server.awaitGetStream(third.sessionId)
    }).pipe(Effect.scoped, bounded("recovery")))

  it.live("closing the client's scope DELETEs the session and closes its streams", () =>
    Effect.gen(function*() {
      const { server, url } = yield* NodeMcpTestServer.make({ answers })
      const { client, close } = yield* connectClosable({ url })
      const session = yield* client.session
      yield* server.awaitGetStream(session.sessionId)
      yield* close
      const deletes = (yield* server.log).filter((entry) => entry.httpMethod === "DELETE")
      expect(deletes).toHaveLength(1)
      expect(deletes[0]).toMatchObject({ sessionId: session.sessionId, protocolVersion: "2025-11-25" })
      expect(yield* server.sessions).toEqual([])
      yield* server.awaitStreams((streams) => streams.length === 0)
    }).pipe(Effect.scoped, bounded("close")))
})

describe("NodeMcpTestServer over HTTP (resumable SSE)", () => {
  it.live("an answer stream cut after one progress event is resumed with GET + Last-Event-ID", () =>
    Effect.gen(function*() {
      const { server, url } = yield* NodeMcpTestServer.make({ answers: "sse", resumable: true, retryMillis: 20 })
      const client = yield* connect({ url })
      const session = yield* client.session
      yield* server.inject(McpTestServer.Fault.CloseStream({ afterEvents: 1, retryMillis: 20 }), {
        rpcMethod: "tools/call"
      })
      const seen: Array<number> = []
      const result = yield* client.callTool("slow", { steps: 3, delayMillis: 5 }, {
        onProgress: (progress) => seen.push(progress.progress)
      })
      expect(result.content).toEqual([{ type: "text", text: "done after 3 steps" }])
      // Each progress exactly once, in order, across the two connections.
      expect(seen).toEqual([1, 2, 3])
      const log = yield* server.log
      const call = log.find((entry) => entry.rpcMethod === "tools/call")
      expect(call?.fault).toBe("CloseStream")
      const resumes = log.filter((entry) => entry.httpMethod === "GET" && entry.lastEventId !== undefined)
      expect(resumes.length).toBeGreaterThanOrEqual(1)
      expect(resumes[0]).toMatchObject({ sessionId: session.sessionId, status: 200 })
      expect(yield* server.initializeCount).toBe(1)
    }).pipe(Effect.scoped, bounded("resumption")))
})

describe("NodeMcpTestServer over HTTP: a recovery in flight", () => {
  it.live("does not hold back the result of a call answered meanwhile (regression)", () =>
    Effect.gen(function*() {
      const entered = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const gate: McpTestServer.Tool = {
        name: "gate",
        handler: () =>
          Deferred.succeed(entered, undefined).pipe(
            Effect.zipRight(Deferred.await(release)),
            Effect.as({ content: [{ type: "text", text: "released" }] })
          )
      }
      const { server, url } = yield* NodeMcpTestServer.make({
        answers: "json",
        tools: [...McpTestServer.defaultTools, gate]
      })
      const client = yield* connect({ url, getStream: false })
      const first = yield* Effect.fork(client.callTool("gate"))
      yield* Deferred.await(entered)
      // The next call meets a 404 (the client takes the session for dead) and the re-initialize hangs.
      yield* server.inject(McpTestServer.Fault.Hang(), { rpcMethod: "initialize", times: 100 })
      yield* server.inject(McpTestServer.Fault.Status({ status: 404 }), { rpcMethod: "tools/call" })
      const second = yield* Effect.fork(client.callTool("echo", { text: "waits" }))
      yield* eventually(
        "the re-initialize is on its way",
        server.log.pipe(Effect.map((log) => log.some((e) => e.rpcMethod === "initialize" && e.fault === "Hang")))
      )
      // The first call's answer arrives while the recovery is still running: it is returned now.
      yield* Deferred.succeed(release, undefined)
      const result = yield* Fiber.join(first)
      expect(result.content).toEqual([{ type: "text", text: "released" }])
      expect(Option.isNone(yield* Fiber.poll(second))).toBe(true)
      yield* Fiber.interrupt(second)
    }).pipe(Effect.scoped, bounded("a call during a recovery")))
})

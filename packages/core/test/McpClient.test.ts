import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import * as McpClient from "../src/McpClient.js"
import * as McpHttp from "../src/McpHttp.js"
import * as McpTestServer from "../src/testing/McpTestServer.js"
import { connect, setup } from "./support/harness.js"

const { Fault } = McpTestServer

describe("McpClient", () => {
  describe("handshake", () => {
    it.scoped("initializes, sends notifications/initialized, then carries the session headers", () =>
      Effect.gen(function*() {
        // Pinned: the session era's handshake alone (era detection would probe first).
        const { client, server } = yield* setup(undefined, { era: "sessions" })
        const session = yield* client.session
        expect(session.sessionId).toBeDefined()
        expect(session.protocolVersion).toBe("2025-11-25")
        expect(session.generation).toBe(0)
        yield* client.ping()
        const log = yield* server.log
        const posts = log.filter((e) => e.httpMethod === "POST")
        expect(posts.map((e) => e.rpcMethod)).toEqual(["initialize", "notifications/initialized", "ping"])
        // never a session id or protocol version header on initialize
        expect(posts[0].sessionId).toBeUndefined()
        expect(posts[0].protocolVersion).toBeUndefined()
        expect(posts[0].headers["accept"]).toBe("application/json, text/event-stream")
        for (const entry of posts.slice(1)) {
          expect(entry.sessionId).toBe(session.sessionId)
          expect(entry.protocolVersion).toBe("2025-11-25")
        }
        const info = yield* server.sessionInfo(session.sessionId)
        expect(Option.map(info, (i) => i.clientInfo)).toEqual(Option.some({ name: "mcp-effect", version: "0.1.0" }))
      }))

    it.scoped("declares capabilities for the handlers it has", () =>
      Effect.gen(function*() {
        const { client, server } = yield* setup({}, {
          handlers: { elicitation: () => Effect.succeed({ action: "decline" as const }) }
        })
        const session = yield* client.session
        const info = yield* server.sessionInfo(session.sessionId)
        expect(Option.map(info, (i) => i.clientCapabilities)).toEqual(Option.some({ elicitation: {} }))
      }))

    it.scoped("accepts 2025-06-18 and 2025-03-26 and sends the negotiated version", () =>
      Effect.gen(function*() {
        for (const version of ["2025-06-18", "2025-03-26"]) {
          const { client, server } = yield* setup({ protocolVersion: version })
          expect((yield* client.session).protocolVersion).toBe(version)
          yield* client.ping()
          const log = yield* server.log
          expect(log.at(-1)?.protocolVersion).toBe(version)
        }
      }))

    it.scoped("fails with UnsupportedProtocolVersion for any other version", () =>
      Effect.gen(function*() {
        const server = yield* McpTestServer.make({ protocolVersion: "2024-11-05" })
        const error = yield* Effect.flip(connect(server))
        expect(error._tag).toBe("UnsupportedProtocolVersion")
        if (error._tag === "UnsupportedProtocolVersion") {
          expect(error.received).toBe("2024-11-05")
          expect(error.requested).toBe("2025-11-25")
        }
      }))

    it.scoped("rejects a session id that is not visible ASCII", () =>
      Effect.gen(function*() {
        const server = yield* McpTestServer.make()
        yield* server.inject(Fault.InvalidSessionId({ sessionId: "bad id" }))
        const error = yield* Effect.flip(connect(server))
        expect(error._tag).toBe("ProtocolError")
        if (error._tag === "ProtocolError") expect(error.violation).toBe("InvalidSessionId")
      }))

    it.scoped("a 404 to initialize (no session id) is not session expiry", () =>
      Effect.gen(function*() {
        const server = yield* McpTestServer.make()
        yield* server.inject(Fault.Status({ status: 404 }), { rpcMethod: "initialize" })
        const error = yield* Effect.flip(connect(server))
        expect(error._tag).toBe("UnexpectedStatus")
        expect(yield* server.initializeCount).toBe(0)
      }))
  })

  describe.each(["json", "sse"] as const)("requests (%s answers)", (answers) => {
    it.scoped("lists and calls tools, reads resources, gets prompts", () =>
      Effect.gen(function*() {
        const { client } = yield* setup({ answers })
        const tools = yield* client.listAllTools()
        expect(tools.map((t) => t.name)).toContain("echo")
        const echo = yield* client.callTool("echo", { text: "hello" })
        expect(echo.content[0]).toMatchObject({ type: "text", text: "hello" })
        const add = yield* client.callTool("add", { a: 2, b: 3 })
        expect(add.structuredContent).toEqual({ sum: 5 })
        const resources = yield* client.listAllResources()
        expect(resources.length).toBeGreaterThan(0)
        const read = yield* client.readResource(resources[0].uri)
        expect(read.contents.length).toBe(1)
        const templates = yield* client.listAllResourceTemplates()
        expect(templates.length).toBeGreaterThan(0)
        const prompts = yield* client.listAllPrompts()
        const prompt = yield* client.getPrompt(prompts[0].name, { name: "Ada" })
        expect(prompt.messages.length).toBeGreaterThan(0)
        yield* client.setLoggingLevel("warning")
        yield* client.ping()
      }))

    it.scoped("methods taken off the client (destructured, passed around) still call it", () =>
      Effect.gen(function*() {
        // The methods live on a prototype and are bound on first read: a method read apart from
        // its client must still reach that client, and read twice it is the same function.
        const { client, server } = yield* setup({ answers })
        const { callTool, listTools, ping } = client
        const echo = yield* callTool("echo", { text: "apart" })
        expect(echo.content[0]).toMatchObject({ type: "text", text: "apart" })
        const tools = yield* Effect.flatMap(Effect.succeed(undefined), listTools)
        expect(tools.tools.map((t) => t.name)).toContain("echo")
        yield* ping()
        expect(client.callTool).toBe(callTool)
        const methods = (yield* server.log).filter((e) => e.httpMethod === "POST").map((e) => e.rpcMethod)
        expect(methods).toEqual(expect.arrayContaining(["tools/call", "tools/list", "ping"]))
      }))

    it.scoped("walks pagination", () =>
      Effect.gen(function*() {
        const { client, server } = yield* setup({ answers, pageSize: 1 })
        const first = yield* client.listTools()
        expect(first.tools.length).toBe(1)
        expect(first.nextCursor).toBeDefined()
        const all = yield* client.listAllTools()
        expect(all.length).toBe(McpTestServer.defaultTools.length)
        const lists = (yield* server.log).filter((e) => e.rpcMethod === "tools/list")
        expect(lists.length).toBe(1 + McpTestServer.defaultTools.length)
      }))

    it.scoped("delivers progress before the result and resets the idle timeout with it", () =>
      Effect.gen(function*() {
        const { client } = yield* setup({ answers: "sse" })
        const seen: Array<number> = []
        const result = yield* client.callTool("slow", { steps: 3 }, { onProgress: (p) => seen.push(p.progress) })
        expect(seen).toEqual([1, 2, 3])
        expect(result.content.length).toBeGreaterThan(0)
      }))

    it.scoped("a JSON-RPC error becomes JsonRpcError with code, method and ids", () =>
      Effect.gen(function*() {
        const { client } = yield* setup({ answers })
        const error = yield* Effect.flip(client.request("no/such/method"))
        expect(error._tag).toBe("JsonRpcError")
        if (error._tag === "JsonRpcError") {
          expect(error.code).toBe(-32601)
          expect(error.method).toBe("no/such/method")
          expect(error.requestId).toBeDefined()
          expect(error.sessionId).toBe((yield* client.session).sessionId)
        }
      }))
  })

  describe("the GET stream goes first", () => {
    // Servers deliver what they send the client (elicitations, resumed answers) on the GET stream
    // they have: the first request of a session must not reach the server before its GET.
    const getBefore = (
      log: ReadonlyArray<McpTestServer.LogEntry>,
      sessionId: string | undefined,
      rpcMethod: string
    ) => {
      const ofSession = log.filter((e) => e.sessionId === sessionId)
      const get = ofSession.findIndex((e) => e.httpMethod === "GET")
      expect(get).toBeGreaterThanOrEqual(0)
      expect(get).toBeLessThan(ofSession.findIndex((e) => e.rpcMethod === rpcMethod))
    }

    it.scoped("on connect: a call made at once reaches the server after the GET", () =>
      Effect.gen(function*() {
        const { client, server } = yield* setup({ answers: "sse" })
        yield* client.callTool("echo", { text: "x" })
        getBefore(yield* server.log, (yield* client.session).sessionId, "tools/call")
      }))

    it.scoped("after a recovery: the re-sent request reaches the new session after its GET", () =>
      Effect.gen(function*() {
        const { client, server } = yield* setup({ answers: "sse" })
        yield* server.awaitGetStream()
        yield* server.expire()
        yield* client.ping()
        getBefore(yield* server.log, (yield* client.session).sessionId, "ping")
      }))
  })

  describe("server messages", () => {
    it.scoped("publishes notifications from the GET stream", () =>
      Effect.gen(function*() {
        const { client, server } = yield* setup()
        const received = yield* Deferred.make<unknown>()
        yield* client.notifications.pipe(
          Stream.runForEach((n) => Deferred.succeed(received, n)),
          Effect.forkScoped
        )
        yield* server.awaitGetStream()
        yield* Effect.yieldNow()
        yield* server.notify("notifications/message", { level: "info", data: "hi" })
        const notification = yield* Deferred.await(received)
        expect(notification).toMatchObject({ _tag: "LoggingMessage", params: { level: "info", data: "hi" } })
      }))

    it.scoped("answers elicitation with the handler, and -32601 without one", () =>
      Effect.gen(function*() {
        const { server } = yield* setup({ answers: "sse" }, {
          handlers: {
            elicitation: (params) =>
              Effect.succeed({
                action: "accept" as const,
                content: { echoed: "message" in params ? params.message : "" }
              })
          }
        })
        const answer = yield* server.request("elicitation/create", {
          message: "name?",
          requestedSchema: { type: "object", properties: {} }
        })
        expect(answer).toEqual({ action: "accept", content: { echoed: "name?" } })
        const missing = yield* Effect.flip(server.request("sampling/createMessage", { messages: [], maxTokens: 1 }))
        expect(missing.code).toBe(-32601)
        const pong = yield* server.request("ping")
        expect(pong).toEqual({})
      }))
  })

  describe("cancellation and timeouts", () => {
    it.scoped("interrupting a request POSTs notifications/cancelled with its id", () =>
      Effect.gen(function*() {
        const { client, server } = yield* setup()
        yield* server.inject(Fault.Hang(), { rpcMethod: "tools/call" })
        const fiber = yield* Effect.fork(client.callTool("echo", { text: "x" }))
        yield* Effect.iterate(0, {
          while: (n) => n < 1,
          body: () => Effect.map(server.log, (log) => log.filter((e) => e.rpcMethod === "tools/call").length)
        })
        yield* Fiber.interrupt(fiber)
        const cancelled = yield* Effect.iterate([] as ReadonlyArray<McpTestServer.LogEntry>, {
          while: (entries) => entries.length === 0,
          body: () => Effect.map(server.log, (log) => log.filter((e) => e.rpcMethod === "notifications/cancelled"))
        })
        const call = (yield* server.log).find((e) => e.rpcMethod === "tools/call")
        expect(cancelled[0].message).toMatchObject({ params: { requestId: call?.requestId } })
      }))

    it.effect("times out with RequestTimeout (idle) and cancels", () =>
      Effect.scoped(Effect.gen(function*() {
        const { client, server } = yield* setup({}, { requestTimeout: "5 seconds" })
        yield* server.inject(Fault.Hang(), { rpcMethod: "tools/call" })
        const fiber = yield* Effect.fork(Effect.flip(client.callTool("echo", { text: "x" })))
        yield* TestClock.adjust("5 seconds")
        const error = yield* Fiber.join(fiber)
        expect(error._tag).toBe("RequestTimeout")
        if (error._tag === "RequestTimeout") {
          expect(error.reason).toBe("idle")
          expect(error.method).toBe("tools/call")
        }
      })))
  })

  describe("bad input from the network", () => {
    const cases: ReadonlyArray<[string, McpTestServer.Fault, string, string | undefined]> = [
      ["malformed JSON", Fault.MalformedJson({}), "ProtocolError", "MalformedJson"],
      ["malformed SSE data", Fault.MalformedSse({}), "ProtocolError", "MalformedJson"],
      ["a wrong content type", Fault.ContentType({ contentType: "text/html" }), "ProtocolError", "ContentType"],
      ["a wrong response id", Fault.WrongResponseId({}), "ProtocolError", "ResponseIdMismatch"],
      ["a 500", Fault.Status({ status: 500, body: "boom" }), "UnexpectedStatus", undefined],
      ["a 401", Fault.Status({ status: 401 }), "UnexpectedStatus", undefined],
      ["an oversized SSE event", Fault.OversizedSseEvent({ bytes: 10_000 }), "ProtocolError", "MessageTooLarge"]
    ]
    for (const [name, fault, tag, violation] of cases) {
      it.scoped(`${name} becomes ${violation ?? tag} on the request it concerns`, () =>
        Effect.gen(function*() {
          const { client, server } = yield* setup({}, { maxMessageSize: 4096 })
          yield* server.inject(fault, { rpcMethod: "tools/call" })
          const error = yield* Effect.flip(client.callTool("echo", { text: "x" }))
          expect(error._tag).toBe(tag)
          expect(error.method).toBe("tools/call")
          if (error._tag === "ProtocolError") expect(error.violation).toBe(violation)
          if (error._tag === "UnexpectedStatus" && name === "a 500") {
            expect(error.status).toBe(500)
            expect(error.body).toContain("boom")
          }
          // the client keeps working
          const ok = yield* client.callTool("echo", { text: "after" })
          expect(ok.content[0]).toMatchObject({ text: "after" })
        }))
    }
  })

  describe("lifecycle", () => {
    it.effect("closing the scope ends the GET stream and DELETEs the session", () =>
      Effect.gen(function*() {
        const server = yield* McpTestServer.make().pipe(Scope.extend(yield* Scope.make()))
        const scope = yield* Scope.make()
        const client = yield* connect(server).pipe(Scope.extend(scope))
        const sessionId = (yield* client.session).sessionId
        yield* server.awaitGetStream(sessionId)
        yield* Scope.close(scope, Exit.void)
        const log = yield* server.log
        const del = log.find((e) => e.httpMethod === "DELETE")
        expect(del?.sessionId).toBe(sessionId)
        expect(yield* server.sessions).toEqual([])
        expect((yield* server.openStreams).length).toBe(0)
      }))

    it.scoped("a server without a GET stream (405) is asked once", () =>
      Effect.gen(function*() {
        const { client, server } = yield* setup({ getStream: false })
        yield* client.ping()
        yield* TestClock.adjust("1 minute")
        const gets = (yield* server.log).filter((e) => e.httpMethod === "GET")
        expect(gets.length).toBe(1)
        expect(gets[0].status).toBe(405)
      }))

    it.scoped("works with a stateless server (no session id)", () =>
      Effect.gen(function*() {
        const { client, server } = yield* setup({ sessions: false })
        expect((yield* client.session).sessionId).toBeUndefined()
        const result = yield* client.callTool("echo", { text: "x" })
        expect(result.content.length).toBe(1)
        const log = yield* server.log
        expect(log.every((e) => e.sessionId === undefined)).toBe(true)
      }))

    it.scoped("keeps unknown fields of results", () =>
      Effect.gen(function*() {
        const { client } = yield* setup({
          tools: [{
            name: "fancy",
            inputSchema: { type: "object" },
            handler: () => Effect.succeed({ content: [], future: { x: 1 } })
          }]
        })
        const result = yield* client.callTool("fancy")
        expect(result["future"]).toEqual({ x: 1 })
      }))

    it.scoped("a result its schema refuses becomes ProtocolError InvalidResult, and the client keeps working", () =>
      Effect.gen(function*() {
        const { client } = yield* setup({
          tools: [{
            name: "broken",
            inputSchema: { type: "object" },
            handler: () => Effect.succeed({ content: [{ type: "text", text: 42 }] })
          }]
        })
        const error = yield* Effect.flip(client.callTool("broken"))
        expect(error).toMatchObject({ _tag: "ProtocolError", violation: "InvalidResult", method: "tools/call" })
        expect(error.message).toContain("text")
        const listed = yield* client.listTools()
        expect(listed.tools.map((tool) => tool.name)).toEqual(["broken"])
      }))
  })

  it.scoped("session events: Started is visible through sessionChanges", () =>
    Effect.gen(function*() {
      const { client } = yield* setup()
      const first = yield* client.sessionChanges.pipe(Stream.take(1), Stream.runCollect)
      expect(Chunk.unsafeHead(first).generation).toBe(0)
      expect(Either.isRight(Either.right(1))).toBe(true)
    }))

  it.effect("layerConfig reads the options from Config", () =>
    Effect.gen(function*() {
      const server = yield* McpTestServer.make({ getStream: false })
      const layer = McpClient.layerConfig(Config.nested(McpClient.config, "MCP")).pipe(
        Layer.provide(Layer.succeed(McpHttp.McpHttp, McpHttp.fromHttpClient(McpTestServer.httpClient(server))))
      )
      const provider = ConfigProvider.fromMap(
        new Map([
          ["MCP.URL", McpTestServer.inMemoryUrl],
          ["MCP.REQUEST_TIMEOUT", "2 seconds"],
          ["MCP.PROTOCOL_VERSION", "2025-06-18"]
        ])
      )
      const session = yield* Effect.flatMap(McpClient.McpClient, (client) => client.session).pipe(
        Effect.provide(layer),
        Effect.withConfigProvider(provider)
      )
      expect(session.protocolVersion).toBe("2025-06-18")
      const missing = yield* Effect.flip(
        Effect.provide(McpClient.McpClient, layer).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map())))
      )
      expect(missing).toMatchObject({ _tag: "ConfigError", _op: "MissingData", path: ["MCP", "URL"] })
    }).pipe(Effect.scoped))
})

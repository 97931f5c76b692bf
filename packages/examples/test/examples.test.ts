import { describe, expect, it } from "@effect/vitest"
import { McpClient, McpHttp } from "@mcp-effect/core"
import type { Session } from "@mcp-effect/core"
import { McpTestServer } from "@mcp-effect/core/testing"
import { NodeMcpTestServer } from "@mcp-effect/node/testing"
import * as Clock from "effect/Clock"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import { Agent } from "undici"
import { clientCounting, ClientFromEnv, clientOn, clientOnFetch, everyOption, exchanges } from "../src/configuration.js"
import { callTool } from "../src/errors.js"
import { ClientLive, handlers } from "../src/handlers.js"
import { options as recoveryOptions, recovery } from "../src/recovery.js"
import { followSessions } from "../src/sessions.js"
import { tour } from "../src/tour.js"
import { runWithClock } from "./support/clock.js"

const { Fault } = McpTestServer

/** A client on an in-memory test server, with the server's handle. */
const inMemory = (server?: McpTestServer.Options, client?: Omit<McpClient.Options, "url">) =>
  McpClient.layer({ url: McpTestServer.inMemoryUrl, ...client }).pipe(
    Layer.provide(McpHttp.layerHttpClient),
    Layer.provideMerge(McpTestServer.layerInMemory(server))
  )

/** Connects `options` to `server` in memory (the options' url is ignored). */
const connect = (server: McpTestServer.Handle, options: McpClient.Options) =>
  McpClient.make(options).pipe(
    Effect.provideService(McpHttp.McpHttp, McpHttp.fromHttpClient(McpTestServer.httpClient(server)))
  )

describe("tour (getting-started)", () => {
  it.scoped("uses tools, resources, prompts, completions and progress", () =>
    Effect.gen(function*() {
      const result = yield* tour
      expect(result).toEqual({
        server: "mcp-effect-test-server (protocol 2025-11-25)",
        tools: ["echo", "add", "slow", "fail", "elicit"],
        sum: "5",
        resources: ["Hello, world!", "Hello, Ada!"],
        prompt: "Please greet Ada.",
        completions: ["Alice"],
        progress: ["1/3", "2/3", "3/3"]
      })
      // SSE answers: the progress travels on the request's own stream, before the response. (A server
      // answering with JSON sends it on the GET stream, where it may arrive after the response.)
    }).pipe(Effect.provide(inMemory({ answers: "sse" }))))
})

describe("handlers (getting-started)", () => {
  it.live("answer the server's requests, over real HTTP", () =>
    Effect.scoped(Effect.gen(function*() {
      const { server, url } = yield* NodeMcpTestServer.make()
      yield* Effect.gen(function*() {
        const client = yield* McpClient.McpClient
        const session = yield* client.session
        const info = yield* server.sessionInfo(session.sessionId)
        expect(Option.map(info, (i) => i.clientCapabilities)).toEqual(
          Option.some({ roots: { listChanged: true }, sampling: {}, elicitation: {} })
        )
        const elicited = yield* client.callTool("elicit", { message: "Your name?" })
        expect(elicited.structuredContent).toEqual({ action: "accept", content: { name: "Ada" } })
        yield* server.awaitGetStream(session.sessionId)
        expect(yield* server.request("roots/list", {}, session.sessionId)).toEqual({
          roots: [{ uri: "file:///workspace", name: "workspace" }]
        })
        const sampling = yield* Effect.flip(
          server.request("sampling/createMessage", { messages: [], maxTokens: 10 }, session.sessionId)
        )
        expect(sampling).toMatchObject({ code: -1, message: "sampling is not available" })
        expect(Object.keys(handlers).sort()).toEqual(["elicitation", "roots", "sampling"])
      }).pipe(Effect.provide(ClientLive(url)))
    })))
})

describe("recovery options (session-recovery)", () => {
  it.scoped("recover from a server that answers an unknown session with 400", () =>
    Effect.gen(function*() {
      const server = yield* McpTestServer.make({ unknownSessionStatus: 400, getStream: false })
      const client = yield* connect(server, recoveryOptions(McpTestServer.inMemoryUrl))
      yield* server.expire()
      yield* client.ping()
      expect(yield* server.initializeCount).toBe(2)
    }))

  it("replay: send-email never, sync-inbox always, other tools by their annotations", () => {
    const replay = recovery.replay ?? (() => true)
    const call = (toolName: string, annotations?: { readonly readOnlyHint: boolean }) =>
      replay({
        method: "tools/call",
        params: { name: toolName },
        toolName,
        tool: { name: toolName, inputSchema: { type: "object" }, ...(annotations ? { annotations } : {}) }
      })
    expect(call("send-email", { readOnlyHint: true })).toBe(false)
    expect(call("sync-inbox")).toBe(true)
    expect(call("search", { readOnlyHint: true })).toBe(true)
    expect(call("delete-file")).toBe(false)
  })

  it.effect("schedule: 3 re-sends, at once, then after 100 and 200 ms (TestClock)", () =>
    Effect.scoped(Effect.gen(function*() {
      const server = yield* McpTestServer.make({ getStream: false })
      const client = yield* connect(server, recoveryOptions(McpTestServer.inMemoryUrl))
      yield* server.inject(Fault.Status({ status: 404 }), { rpcMethod: "ping", times: 100 })
      const start = yield* Clock.currentTimeMillis
      const error = yield* runWithClock(Effect.flip(client.ping()), "10 millis")
      expect(error).toMatchObject({ _tag: "RecoveryFailed", attempts: 4 })
      expect((yield* Clock.currentTimeMillis) - start).toBe(300)
      const pings = (yield* server.log).filter((e) => e.rpcMethod === "ping").map((e) => e.timestamp - start)
      expect(pings).toEqual([0, 0, 100, 300])
    })))
})

describe("errors", () => {
  const outcomeOf = (name: string, args: Readonly<Record<string, unknown>> = {}) =>
    Effect.map(callTool(name, args), (outcome) => outcome._tag)

  it.scoped("each failure becomes an outcome", () =>
    Effect.gen(function*() {
      const server = yield* McpTestServer.McpTestServer
      expect(yield* outcomeOf("echo", { text: "hi" })).toBe("Done")
      expect(yield* outcomeOf("fail")).toBe("ToolFailed")
      expect(yield* callTool("no-such-tool", {})).toMatchObject({ _tag: "Rejected", code: -32602 })
      // (A 500: a 429 or 503 to a read-only tool like echo would be retried as the server asks.)
      yield* server.inject(Fault.Status({ status: 500 }), { rpcMethod: "tools/call" })
      expect(yield* outcomeOf("echo", { text: "hi" })).toBe("Unavailable")
    }).pipe(Effect.provide(inMemory({ getStream: false }))))

  it.effect("a call that never gets an answer is Unknown after the timeout (TestClock)", () =>
    Effect.gen(function*() {
      const server = yield* McpTestServer.McpTestServer
      yield* server.inject(Fault.Hang(), { rpcMethod: "tools/call" })
      expect(yield* runWithClock(outcomeOf("echo", { text: "hi" }), "1 second")).toBe("Unknown")
    }).pipe(Effect.provide(inMemory({ getStream: false }, { requestTimeout: "5 seconds" }))))

  it.scoped("a session that cannot be replaced is Unavailable", () =>
    Effect.gen(function*() {
      const server = yield* McpTestServer.McpTestServer
      yield* server.expire()
      yield* server.inject(Fault.Status({ status: 503 }), { rpcMethod: "initialize", times: 100 })
      expect(yield* outcomeOf("echo", { text: "hi" })).toBe("Unavailable")
    }).pipe(Effect.provide(inMemory({ getStream: false }, { recovery: { schedule: Schedule.recurs(1) } }))))
})

describe("configuration", () => {
  it.live("ClientFromEnv reads MCP_* and keeps the options Config cannot hold", () =>
    Effect.scoped(Effect.gen(function*() {
      const { server, url } = yield* NodeMcpTestServer.make({ unknownSessionStatus: 400, getStream: false })
      const env = new Map([["MCP_URL", url], ["MCP_EXPIRED_STATUSES", "400"]])
      yield* Effect.gen(function*() {
        const client = yield* McpClient.McpClient
        const info = yield* server.sessionInfo()
        expect(Option.map(info, (i) => i.clientInfo)).toEqual(Option.some({ name: "notes-app", version: "1.0.0" }))
        yield* server.expire()
        yield* client.ping() // 400 means "unknown session" now (MCP_EXPIRED_STATUSES)
        expect(yield* server.initializeCount).toBe(2)
      }).pipe(
        Effect.provide(ClientFromEnv),
        Effect.withConfigProvider(ConfigProvider.fromMap(env, { pathDelim: "_" }))
      )
    })))

  // The request timeout with `env` as the environment (TestClock).
  const timeoutWith = (env: ReadonlyArray<readonly [string, string]>) =>
    Effect.gen(function*() {
      const { server, url } = yield* NodeMcpTestServer.make({ getStream: false })
      return yield* Effect.gen(function*() {
        const client = yield* McpClient.McpClient
        yield* server.inject(Fault.Hang(), { rpcMethod: "ping" })
        const error = yield* runWithClock(Effect.flip(client.ping()), "1 second")
        return error._tag === "RequestTimeout" ? error.timeoutMillis : error._tag
      }).pipe(
        Effect.provide(ClientFromEnv),
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["MCP_URL", url], ...env]), { pathDelim: "_" }))
      )
    })

  it.scoped("ClientFromEnv: the options are defaults, a key that is set wins", () =>
    Effect.gen(function*() {
      expect(yield* timeoutWith([])).toBe(30_000)
      expect(yield* timeoutWith([["MCP_REQUEST_TIMEOUT", "5 seconds"]])).toBe(5_000)
    }))

  it.live("clientOn: two clients on one undici Agent, each with its session; the Agent outlives them", () =>
    Effect.scoped(Effect.gen(function*() {
      const { server, url } = yield* NodeMcpTestServer.make({ getStream: false })
      const agent = yield* Effect.acquireRelease(
        Effect.sync(() => new Agent()),
        (a) => Effect.promise(() => a.close())
      )
      const sessionOf = Effect.gen(function*() {
        const client = yield* McpClient.McpClient
        yield* client.ping()
        return (yield* client.session).sessionId
      })
      const first = yield* Effect.provide(sessionOf, clientOn(agent, url))
      const second = yield* Effect.provide(sessionOf, clientOn(agent, url))
      expect(first).not.toBe(second)
      expect(yield* server.initializeCount).toBe(2)
      // Both clients' scopes are closed (their sessions deleted); the Agent still serves a third.
      expect(agent.closed).toBe(false)
      expect(yield* Effect.provide(sessionOf, clientOn(agent, url))).toBeDefined()
    })))

  it.live("clientOnFetch: the client over fetch (an HttpClient) through McpHttp.layerHttpClient", () =>
    Effect.scoped(Effect.gen(function*() {
      const { server, url } = yield* NodeMcpTestServer.make({ getStream: false })
      const result = yield* Effect.flatMap(McpClient.McpClient, (client) => client.callTool("echo", { text: "hi" }))
        .pipe(
          Effect.provide(clientOnFetch(url))
        )
      expect(result.content).toEqual([{ type: "text", text: "hi" }])
      // fetch marks its requests (sec-fetch-mode), which NodeMcpHttp's do not carry: fetch sent them all.
      const log = yield* server.log
      expect(log.length).toBeGreaterThanOrEqual(3) // initialize, initialized, tools/call (and the DELETE)
      expect(log.map((e) => e.headers["sec-fetch-mode"])).toEqual(log.map(() => "cors"))
    })))

  it.live("clientCounting: an McpHttp of one's own sees every exchange", () =>
    Effect.scoped(Effect.gen(function*() {
      const { server, url } = yield* NodeMcpTestServer.make({ getStream: false })
      const before = (yield* Metric.value(exchanges)).count
      yield* Effect.flatMap(McpClient.McpClient, (client) => client.ping()).pipe(Effect.provide(clientCounting(url)))
      const log = yield* server.log
      expect(log.map((e) => e.headers["sec-fetch-mode"])).toEqual(log.map(() => undefined))
      expect((yield* Metric.value(exchanges)).count - before).toBe(log.length)
    })))

  it.scoped("everyOption: defaults, and a header read for every request", () =>
    Effect.gen(function*() {
      const server = yield* McpTestServer.make({ getStream: false })
      const token = yield* Ref.make("t1")
      const client = yield* connect(server, everyOption(McpTestServer.inMemoryUrl, Ref.get(token)))
      yield* client.ping()
      yield* Ref.set(token, "t2")
      yield* client.ping()
      const auth = (yield* server.log).map((e) => e.headers["authorization"])
      expect(auth.slice(-2)).toEqual(["Bearer t1", "Bearer t2"])
      const info = yield* server.sessionInfo()
      expect(Option.map(info, (i) => i.clientCapabilities)).toEqual(Option.some({}))
    }))
})

describe("sessions (concepts)", () => {
  it.scoped("followSessions sees the first session, then its replacement", () =>
    Effect.gen(function*() {
      const server = yield* McpTestServer.McpTestServer
      const client = yield* McpClient.McpClient
      const seen: Array<Session.SessionInfo> = []
      yield* followSessions((session) => Effect.sync(() => seen.push(session)))
      while (seen.length === 0) yield* Effect.yieldNow()
      yield* server.expire()
      yield* client.ping()
      while (seen.length === 1) yield* Effect.yieldNow()
      expect(seen.map((s) => s.generation)).toEqual([0, 1])
      expect(seen[1].sessionId).toBe((yield* client.session).sessionId)
    }).pipe(Effect.provide(inMemory({ getStream: false }))))
})

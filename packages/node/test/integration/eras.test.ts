// Protocol generations over real HTTP on 127.0.0.1: the 2026-07-28 stateless client against a
// modern server written from the spec, era detection against it and against the official SDK v1
// server (session era), the per-endpoint EraCache, and a cached generation that turned out wrong.
import { describe, expect, it } from "@effect/vitest"
import { EraCache, Session } from "@mcp-effect/core"
import type { McpSchema } from "@mcp-effect/core"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { createServer, request as httpRequest } from "node:http"
import { bounded, connect, sdkServer } from "../support/live.js"
import type { ModernServer } from "../support/modernServer.mjs"
import { startModernServer } from "../support/modernServer.mjs"
import type { SseServer } from "../support/sseServer.mjs"
import { startSseServer } from "../support/sseServer.mjs"

const modernServer: Effect.Effect<ModernServer, never, Scope.Scope> = Effect.acquireRelease(
  Effect.promise(() => startModernServer()),
  (server) => Effect.promise(() => server.close())
)

const sseServer: Effect.Effect<SseServer, never, Scope.Scope> = Effect.acquireRelease(
  Effect.promise(() => startSseServer()),
  (server) => Effect.promise(() => server.close())
)

/** Generous: these run over real HTTP on a machine shared with other suites. */
const timeout = 30_000

const textOf = (result: McpSchema.CallToolResult) =>
  result.content.map((c) => (c.type === "text" ? c.text : "")).join("")

const methodsOf = (server: ModernServer) => server.requests().map((r) => r.body.method)

describe("2026-07-28 (stateless), pinned", () => {
  it.scoped(
    "discovers, sends _meta and headers on every request, mirrors x-mcp-header, drops invalid tools",
    () =>
      Effect.gen(function*() {
        const server = yield* modernServer
        const client = yield* connect({ url: server.url, era: "stateless", clientInfo: { name: "t", version: "1" } })
        const session = yield* client.session
        expect(session).toMatchObject({ era: "stateless", protocolVersion: "2026-07-28", sessionId: undefined })
        expect(session.serverInfo.name).toBe("modern-test-server")
        const tools = yield* client.listAllTools()
        expect(tools.map((t) => t.name)).toEqual(["echo", "regional", "confirm"])
        const result = yield* client.callTool("regional", { region: "eu west", note: "n" })
        expect(textOf(result)).toBe("region eu west")
        const call = server.requests().find((r) => r.body.method === "tools/call")
        expect(call?.headers).toMatchObject({
          "mcp-method": "tools/call",
          "mcp-name": "regional",
          "mcp-param-region": "eu west",
          "mcp-protocol-version": "2026-07-28"
        })
        expect(call?.headers["mcp-param-note"]).toBeUndefined()
        expect(call?.headers["mcp-session-id"]).toBeUndefined()
        for (const request of server.requests()) {
          expect(request.body.params?._meta).toMatchObject({
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientInfo": { name: "t", version: "1" }
          })
        }
      }).pipe(bounded("stateless basics")),
    timeout
  )

  it.scoped(
    "answers input_required with the app's elicitation handler, echoing requestState byte for byte",
    () =>
      Effect.gen(function*() {
        const server = yield* modernServer
        const asked: Array<string> = []
        const client = yield* connect({
          url: server.url,
          era: "stateless",
          handlers: {
            elicitation: (params) =>
              Effect.sync(() => {
                asked.push(params.message)
                return { action: "accept" as const, content: { sure: true } }
              })
          }
        })
        const result = yield* client.callTool("confirm", {})
        expect(asked).toEqual(["Sure?"])
        expect(JSON.parse(textOf(result))).toEqual({
          inputResponses: { ok: { action: "accept", content: { sure: true } } },
          requestState: "  opaque\u00e9 state {\"x\":1}  "
        })
        const rounds = server.requests().filter((r) => r.body.method === "tools/call")
        expect(rounds).toHaveLength(2)
        expect(rounds[0].body.id).not.toEqual(rounds[1].body.id)
        expect(rounds[0].body.params?.inputResponses).toBeUndefined()
        expect(rounds[0].body.params?._meta?.["io.modelcontextprotocol/clientCapabilities"]).toEqual({
          elicitation: {}
        })
      }).pipe(bounded("MRTR")),
    timeout
  )

  it.scoped("a server of another generation is a typed error, not a hang", () =>
    Effect.gen(function*() {
      const sdk = yield* sdkServer({ stateful: true })
      const error = yield* Effect.flip(connect({ url: sdk.url, era: "stateless" }))
      expect(error._tag).toBe("ProtocolError")
    }).pipe(bounded("stateless against the SDK")), timeout)
})

describe("era detection (era: auto)", () => {
  it.scoped("a modern server is found by server/discover and cached per endpoint", () =>
    Effect.gen(function*() {
      const server = yield* modernServer
      const cache = EraCache.makeMemory()
      const client = yield* connect({ url: server.url, era: "auto" }).pipe(
        Effect.provideService(EraCache.EraCache, cache)
      )
      expect((yield* client.session).era).toBe("stateless")
      expect(yield* cache.get(server.url)).toBe("stateless")
      expect(methodsOf(server)[0]).toBe("server/discover")
    }).pipe(bounded("auto, modern")), timeout)

  it.scoped(
    "the official SDK v1 server (session era) answers the probe as legacy: initialize follows",
    () =>
      Effect.gen(function*() {
        const sdk = yield* sdkServer({ stateful: true })
        const cache = EraCache.makeMemory()
        const client = yield* connect({ url: sdk.url, era: "auto" }).pipe(
          Effect.provideService(EraCache.EraCache, cache)
        )
        const session = yield* client.session
        expect(session.era).toBe("sessions")
        expect(session.sessionId).toBeDefined()
        expect(yield* cache.get(sdk.url)).toBe("sessions")
        expect((yield* client.callTool("echo", { text: "hi" })).content).toEqual([{ type: "text", text: "hi" }])
        // One probe, then the session era's handshake.
        expect(sdk.requests().slice(0, 2).map((r) => r.rpcMethod)).toEqual(["server/discover", "initialize"])
      }).pipe(bounded("auto, SDK")),
    timeout
  )

  it.scoped("clients sharing a cache probe an endpoint once", () =>
    Effect.gen(function*() {
      const sdk = yield* sdkServer({ stateful: true })
      const cache = EraCache.makeMemory()
      for (let i = 0; i < 3; i++) {
        yield* connect({ url: sdk.url, era: "auto" }).pipe(Effect.provideService(EraCache.EraCache, cache))
      }
      expect(sdk.requests().filter((r) => r.rpcMethod === "server/discover")).toHaveLength(1)
      expect(sdk.requests().filter((r) => r.rpcMethod === "initialize")).toHaveLength(3)
    }).pipe(bounded("shared cache")), timeout)

  it.scoped(
    "a cached 'sessions' that became a modern server (a deploy): re-probed, re-cached, reported",
    () =>
      Effect.gen(function*() {
        const server = yield* modernServer
        const cache = EraCache.makeMemory({ [server.url]: "sessions" })
        const client = yield* connect({ url: server.url, era: "auto" }).pipe(
          Effect.provideService(EraCache.EraCache, cache)
        )
        expect((yield* client.session).era).toBe("stateless")
        expect(yield* cache.get(server.url)).toBe("stateless")
        expect(methodsOf(server).slice(0, 2)).toEqual(["initialize", "server/discover"])
        expect((yield* client.listAllTools()).length).toBe(3)
      }).pipe(bounded("sessions → stateless")),
    timeout
  )

  it.scoped(
    "a cached 'stateless' that is a session-era server now: re-classified, re-cached",
    () =>
      Effect.gen(function*() {
        const sdk = yield* sdkServer({ stateful: true })
        const cache = EraCache.makeMemory({ [sdk.url]: "stateless" })
        const client = yield* connect({ url: sdk.url, era: "auto" }).pipe(
          Effect.provideService(EraCache.EraCache, cache)
        )
        expect((yield* client.session).era).toBe("sessions")
        expect(yield* cache.get(sdk.url)).toBe("sessions")
      }).pipe(bounded("stateless → sessions")),
    timeout
  )

  it.scoped(
    "a recovery's handshake probes again when the cache forgot the endpoint, and reports it",
    () =>
      Effect.gen(function*() {
        const sdk = yield* sdkServer({ stateful: true })
        const cache = EraCache.makeMemory()
        const client = yield* connect({ url: sdk.url, era: "auto" }).pipe(
          Effect.provideService(EraCache.EraCache, cache)
        )
        const events = yield* client.sessionEvents.pipe(
          Stream.filter(Session.SessionEvent.$is("EraDecided")),
          Stream.take(1),
          Stream.runCollect,
          Effect.fork
        )
        yield* Effect.yieldNow()
        const first = yield* client.session
        // e.g. an application that persists the cache and dropped the entry
        yield* cache.remove(sdk.url)
        yield* Effect.promise(() => sdk.expireAll())
        yield* client.callTool("echo", { text: "again" })
        const decided = Chunk.toReadonlyArray(yield* events.await.pipe(Effect.flatten))
        expect(decided).toMatchObject([{ _tag: "EraDecided", endpoint: sdk.url, era: "sessions", cached: false }])
        expect((yield* client.session).sessionId).not.toBe(first.sessionId)
        expect(yield* cache.get(sdk.url)).toBe("sessions")
        expect(sdk.requests().filter((r) => r.rpcMethod === "server/discover")).toHaveLength(2)
      }).pipe(bounded("events")),
    timeout
  )
})

/** A proxy to `port` that drops every request carrying Mcp-Method (as a CORS preflight refusal looks to fetch). */
const refusingNewHeaders = (port: number) =>
  Effect.acquireRelease(
    Effect.async<{ readonly url: string; readonly close: () => void }>((resume) => {
      const proxy = createServer((req, res) => {
        if (req.headers["mcp-method"] !== undefined) return void req.socket.destroy()
        const upstream = httpRequest(
          { host: "127.0.0.1", port, path: req.url, method: req.method, headers: req.headers },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers)
            answer.pipe(res)
          }
        )
        req.pipe(upstream)
      })
      proxy.listen(0, "127.0.0.1", () => {
        const address = proxy.address()
        resume(Effect.succeed({
          url: `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}/mcp`,
          close: () => {
            proxy.closeAllConnections()
            proxy.close()
          }
        }))
      })
    }),
    (proxy) => Effect.sync(() => proxy.close())
  )

describe("era detection when the probe cannot be sent", () => {
  it.scoped("the session era's initialize is still tried; nothing is cached", () =>
    Effect.gen(function*() {
      const sdk = yield* sdkServer({ stateful: true })
      const proxy = yield* refusingNewHeaders(sdk.port)
      const cache = EraCache.makeMemory()
      const client = yield* connect({ url: proxy.url, era: "auto" }).pipe(
        Effect.provideService(EraCache.EraCache, cache)
      )
      expect((yield* client.session).era).toBe("sessions")
      expect(yield* cache.get(proxy.url)).toBeUndefined()
      expect(sdk.requests().some((r) => r.rpcMethod === "server/discover")).toBe(false)
    }).pipe(bounded("unsendable probe")), timeout)
})

describe("2024-11-05 HTTP+SSE (the official SDK v1 SSEServerTransport)", () => {
  it.scoped(
    "detected after the probe and initialize meet 404s: GET, the endpoint event, answers on the stream",
    () =>
      Effect.gen(function*() {
        const server = yield* sseServer
        const cache = EraCache.makeMemory()
        const client = yield* connect({ url: server.url, era: "auto" }).pipe(
          Effect.provideService(EraCache.EraCache, cache)
        )
        const session = yield* client.session
        expect(session.era).toBe("http-sse")
        expect(session.protocolVersion).toBe("2025-11-25")
        expect(yield* cache.get(server.url)).toBe("http-sse")
        expect((yield* client.callTool("echo", { text: "old" })).content).toEqual([{ type: "text", text: "old" }])
        expect(server.requests().slice(0, 4)).toEqual([
          { method: "POST", path: "/mcp" }, // the probe: 404
          { method: "POST", path: "/mcp" }, // initialize: 404
          { method: "GET", path: "/mcp" },
          { method: "POST", path: "/messages" }
        ])
      }).pipe(bounded("http+sse")),
    timeout
  )

  it.scoped("a lost SSE stream is a lost session: recovered through the same recovery", () =>
    Effect.gen(function*() {
      const server = yield* sseServer
      const client = yield* connect({ url: server.url, era: "http-sse" })
      const first = yield* client.session
      server.dropStreams()
      const result = yield* client.callTool("echo", { text: "again" })
      expect(result.content).toEqual([{ type: "text", text: "again" }])
      const next = yield* client.session
      expect(next.generation).toBe(1)
      expect(next.sessionId).not.toBe(first.sessionId)
    }).pipe(bounded("http+sse recovery")), timeout)
})

// 307 / 308 over real HTTP on 127.0.0.1 (node:http, the NodeMcpClient on undici, which does not
// follow redirects by itself): followed to the same origin, method and body kept, at most 5 hops;
// never to another origin (another port is another origin), where the session id and the
// credentials must not go: that is an UnexpectedStatus naming the Location.
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as http from "node:http"
import { vi } from "vitest"
import { connect } from "../support/live.js"

vi.setConfig({ testTimeout: 30_000 })

interface Seen {
  readonly method: string
  readonly path: string
  readonly sessionId: string | undefined
  readonly authorization: string | undefined
  readonly body: string
}

/**
 * An HTTP server on 127.0.0.1:0. `/mcp` and `/moved` speak MCP (initialize, notifications,
 * `tools/call` answering what it saw); `redirect(path, rpcMethod)` may answer a Location instead.
 */
const serve = (
  redirect: (path: string, rpcMethod: string | undefined) => { status: number; location: string } | undefined
): Effect.Effect<{ origin: string; seen: Array<Seen> }, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<{ server: http.Server; origin: string; seen: Array<Seen> }>((resume) => {
      const seen: Array<Seen> = []
      const server = http.createServer((request, response) => {
        let body = ""
        request.on("data", (chunk: Buffer) => (body += chunk.toString()))
        request.on("end", () => {
          const path = request.url ?? "/"
          const sessionId = request.headers["mcp-session-id"]
          seen.push({
            method: request.method ?? "",
            path,
            sessionId: typeof sessionId === "string" ? sessionId : undefined,
            authorization: request.headers.authorization,
            body
          })
          if (request.method !== "POST") return void response.writeHead(405).end()
          const message: { id?: unknown; method?: string; params?: unknown } = JSON.parse(body)
          const moved = redirect(path, message.method)
          if (moved !== undefined) {
            return void response.writeHead(moved.status, { location: moved.location }).end("moved")
          }
          if (message.id === undefined) return void response.writeHead(202).end()
          const result = message.method === "initialize"
            ? {
              protocolVersion: "2025-11-25",
              capabilities: { tools: {} },
              serverInfo: { name: "redirecting", version: "1" }
            }
            : {
              content: [{
                type: "text",
                text: JSON.stringify({ path, method: request.method, params: message.params, sessionId })
              }]
            }
          response.writeHead(200, {
            "content-type": "application/json",
            ...(message.method === "initialize" ? { "mcp-session-id": "s1" } : {})
          }).end(JSON.stringify({ jsonrpc: "2.0", id: message.id, result }))
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        const port = address !== null && typeof address === "object" ? address.port : 0
        resume(Effect.succeed({ server, origin: `http://127.0.0.1:${port}`, seen }))
      })
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.close(() => resume(Effect.void))
        server.closeAllConnections()
      })
  )

const options = (origin: string) => ({
  url: `${origin}/mcp`,
  // The session era pinned: these tests count the requests each path sees, and the generation
  // probe of the default ("auto") would be one more (it is redirected like any other POST).
  era: "sessions" as const,
  getStream: false,
  headers: { authorization: "Bearer secret" }
})

const calls = (seen: ReadonlyArray<Seen>) => seen.filter((s) => s.body.includes(`"tools/call"`))

describe("redirects", () => {
  for (const status of [307, 308]) {
    it.scopedLive(`${status} to the same origin: followed, with the method, body, session id and credentials`, () =>
      Effect.gen(function*() {
        const server = yield* serve((path, method) =>
          path === "/mcp" && method === "tools/call" ? { status, location: "/moved" } : undefined
        )
        const client = yield* connect(options(server.origin))
        const result = yield* client.callTool("echo", { text: "kept" })
        expect(result.content).toEqual([{
          type: "text",
          text: JSON.stringify({
            path: "/moved",
            method: "POST",
            params: { name: "echo", arguments: { text: "kept" } },
            sessionId: "s1"
          })
        }])
        const [first, second] = calls(server.seen)
        expect(first).toMatchObject({ path: "/mcp", method: "POST", sessionId: "s1", authorization: "Bearer secret" })
        expect(second).toMatchObject({
          path: "/moved",
          method: "POST",
          sessionId: "s1",
          authorization: "Bearer secret"
        })
        expect(second!.body).toBe(first!.body)
      }))
  }

  it.scopedLive("initialize redirected (absolute Location, same origin): the session comes from the final answer", () =>
    Effect.gen(function*() {
      let origin = ""
      const server = yield* serve((path) => path === "/mcp" ? { status: 308, location: `${origin}/moved` } : undefined)
      origin = server.origin
      const client = yield* connect(options(server.origin))
      yield* client.callTool("echo", {})
      expect(server.seen.filter((s) => s.path === "/moved").map((s) => s.sessionId)).toEqual([undefined, "s1", "s1"])
    }))

  it.scopedLive("a chain of 5 hops is followed; 6 is UnexpectedStatus (tooManyRedirects) naming the Location", () =>
    Effect.gen(function*() {
      // /mcp → /hop/1 → … : tools/call with arguments {hops: n} ends at /moved after n redirects.
      let hops = 0
      const server = yield* serve((path, method) => {
        if (method !== "tools/call") return undefined
        const at = path === "/mcp" ? 0 : path.startsWith("/hop/") ? Number(path.slice(5)) : undefined
        if (at === undefined) return undefined
        return { status: 307, location: at + 1 >= hops ? "/moved" : `/hop/${at + 1}` }
      })
      const client = yield* connect(options(server.origin))
      hops = 5
      const five = yield* client.callTool("echo", {})
      expect(five.content[0]).toMatchObject({ text: expect.stringContaining(`"path":"/moved"`) })
      expect(calls(server.seen)).toHaveLength(6)
      hops = 6
      const error = yield* Effect.flip(client.callTool("echo", {}))
      expect(error).toMatchObject({
        _tag: "UnexpectedStatus",
        status: 307,
        location: "/moved",
        redirect: "tooManyRedirects"
      })
      expect(error.message).toContain("more than 5 redirects")
      // The first try and 5 follow-ups; the sixth Location (/moved) was not asked.
      expect(calls(server.seen)).toHaveLength(12)
    }))

  for (const status of [307, 308]) {
    it.scopedLive(`${status} to another origin: never followed; UnexpectedStatus (crossOrigin) names the Location`, () =>
      Effect.gen(function*() {
        const elsewhere = yield* serve(() => undefined)
        const location = `${elsewhere.origin}/mcp`
        const server = yield* serve((_, method) => method === "tools/call" ? { status, location } : undefined)
        const client = yield* connect(options(server.origin))
        const error = yield* Effect.flip(client.callTool("echo", {}))
        expect(error).toMatchObject({ _tag: "UnexpectedStatus", status, location, redirect: "crossOrigin" })
        expect(error.message).toContain(`a redirect to ${location}, another origin: not followed`)
        // Nothing reached the other origin: not the session id, not the credentials.
        expect(elsewhere.seen).toEqual([])
        expect(calls(server.seen)).toHaveLength(1)
      }))
  }

  it.scopedLive("a first connect redirected to another origin fails typed, and the other origin hears nothing", () =>
    Effect.gen(function*() {
      const elsewhere = yield* serve(() => undefined)
      const server = yield* serve(() => ({ status: 307, location: `${elsewhere.origin}/mcp` }))
      const error = yield* Effect.flip(connect(options(server.origin)))
      expect(error).toMatchObject({ _tag: "UnexpectedStatus", status: 307, redirect: "crossOrigin" })
      expect(elsewhere.seen).toEqual([])
    }))

  it.scopedLive("a 307 without a Location: UnexpectedStatus (invalidLocation)", () =>
    Effect.gen(function*() {
      const server = yield* serve((_, method) =>
        method === "tools/call" ? { status: 307, location: "http://[" } : undefined
      )
      const client = yield* connect(options(server.origin))
      const error = yield* Effect.flip(client.callTool("echo", {}))
      expect(error).toMatchObject({
        _tag: "UnexpectedStatus",
        status: 307,
        location: "http://[",
        redirect: "invalidLocation"
      })
    }))

  it.scopedLive("301 and 302 are not followed (clients turn them into GETs): UnexpectedStatus keeps Location", () =>
    Effect.gen(function*() {
      for (const status of [301, 302]) {
        const server = yield* serve((_, method) => method === "tools/call" ? { status, location: "/moved" } : undefined)
        const client = yield* connect(options(server.origin))
        const error = yield* Effect.flip(client.callTool("echo", {}))
        expect(error).toMatchObject({ _tag: "UnexpectedStatus", status, location: "/moved" })
        expect(Object.keys(error)).not.toContain("redirect")
        expect(server.seen.filter((s) => s.path === "/moved")).toEqual([])
      }
    }))
})

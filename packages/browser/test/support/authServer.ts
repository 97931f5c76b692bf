/**
 * Runs in Node (globalSetup): the test authorization server of `McpTestAuth`
 * in front of the in-memory test MCP server, over real HTTP on 127.0.0.1,
 * with the CORS a browser app needs (`Authorization` allowed,
 * `WWW-Authenticate` and `Mcp-Session-Id` exposed). Controls under
 * `/__auth-test/`: POST `inject` (a `McpTestAuth.Fault` as JSON), GET `stats`.
 */
import { McpError, McpHttp } from "@mcp-effect/core"
import { McpTestAuth, McpTestServer } from "@mcp-effect/core/testing"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as Http from "node:http"

const cors = {
  "access-control-allow-origin": "*",
  "access-control-expose-headers": "mcp-session-id, www-authenticate"
}
const preflight = {
  ...cors,
  "access-control-allow-methods": "GET, POST, DELETE, OPTIONS",
  "access-control-allow-headers":
    "content-type, accept, authorization, mcp-session-id, mcp-protocol-version, last-event-id"
}

export interface StartedAuthServer {
  /** The protected MCP endpoint. */
  readonly url: string
  readonly issuer: string
  readonly controlUrl: string
  readonly close: () => Promise<void>
}

export const startAuthServer = async (): Promise<StartedAuthServer> => {
  const scope = Effect.runSync(Scope.make())
  let origin = ""
  let service: McpHttp.Service = {
    execute: () => Effect.fail(new McpError.HttpFailure({ description: "not ready" }))
  }
  // Made once the port is known (the issuer is on it).
  const made: { handle?: McpTestAuth.ServerHandle } = {}
  const control = async (req: Http.IncomingMessage, body: string, res: Http.ServerResponse) => {
    const path = new URL(req.url ?? "/", origin).pathname
    const handle = made.handle
    if (handle !== undefined && path === "/__auth-test/inject" && req.method === "POST") {
      await Effect.runPromise(handle.inject(JSON.parse(body)))
      res.writeHead(200, { ...cors, "content-type": "application/json" }).end("{}")
    } else if (handle !== undefined && path === "/__auth-test/stats") {
      const stats = await Effect.runPromise(handle.stats)
      res.writeHead(200, { ...cors, "content-type": "application/json" }).end(JSON.stringify(stats))
    } else {
      res.writeHead(404, cors).end()
    }
  }
  const server = Http.createServer((req, res) => {
    let body = ""
    req.setEncoding("utf8").on("data", (chunk: string) => (body += chunk)).on("end", () => {
      if (req.method === "OPTIONS") return void res.writeHead(204, preflight).end()
      if (req.url?.startsWith("/__auth-test/") === true) {
        return void control(req, body, res).catch(() => res.destroy())
      }
      const headers: Record<string, string> = {}
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers[name] = value
      const method = req.method === "POST" || req.method === "DELETE" ? req.method : "GET"
      Effect.runPromise(Effect.gen(function*() {
        const response = yield* service.execute({
          method,
          url: new URL(req.url ?? "/", origin).href,
          headers,
          body: method === "POST" ? body : undefined,
          tracerPropagation: false
        })
        res.writeHead(response.status, { ...response.headers, ...cors })
        // An accepted notification or a DELETE has no body to read.
        if (response.status === 202 || response.status === 204 || method === "DELETE") yield* response.discard
        else {
          for (;;) {
            const piece = yield* response.read
            if (piece === undefined) break
            res.write(piece)
          }
        }
        res.end()
      })).catch(() => res.destroy())
    })
  })
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", () => done()))
  const address = server.address()
  origin = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`
  const mcp = await Effect.runPromise(Scope.extend(McpTestServer.make(), scope))
  const handle = await Effect.runPromise(McpTestAuth.makeServer({ issuer: `${origin}/as`, resource: `${origin}/mcp` }))
  made.handle = handle
  service = handle.wrap(McpHttp.fromHttpClient(McpTestServer.httpClient(mcp)))
  return {
    url: `${origin}/mcp`,
    issuer: `${origin}/as`,
    controlUrl: `${origin}/__auth-test/`,
    close: async () => {
      const closed = new Promise<void>((done) => server.close(() => done()))
      server.closeAllConnections()
      await closed
      await Effect.runPromise(Scope.close(scope, Exit.void))
    }
  }
}

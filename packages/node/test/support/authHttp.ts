/**
 * The test authorization server of `McpTestAuth` in front of the in-memory
 * test MCP server, served over real HTTP on 127.0.0.1 (node:http), for the
 * life of the scope. Shared by the node tests and the browser tests' global
 * setup (which runs in Node, and asks for `browser`: the CORS a page on
 * another origin needs, and controls a page can reach).
 */
import { McpError, McpHttp } from "@mcp-effect/core"
import { McpTestAuth, McpTestServer } from "@mcp-effect/core/testing"
import * as Effect from "effect/Effect"
import * as Http from "node:http"

/** `Authorization` allowed, `WWW-Authenticate` and `Mcp-Session-Id` exposed. */
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

/** Where a page reaches the controls: POST `inject` (a `McpTestAuth.Fault` as JSON), GET `stats`. */
export const controlPath = "/__auth-test/"

export interface ServeOptions {
  /** CORS on every answer, OPTIONS answered, and the controls under {@link controlPath}. */
  readonly browser?: boolean | undefined
}

export const serveAuth = (
  options: Omit<McpTestAuth.ServerOptions, "issuer" | "resource"> = {},
  serve: ServeOptions = {}
) => Effect.map(serveAuthWithServer(options, serve), ({ as }) => as)

/** {@link serveAuth}, and the MCP test server behind it (to expire its sessions). */
export const serveAuthWithServer = (
  options: Omit<McpTestAuth.ServerOptions, "issuer" | "resource"> = {},
  serve: ServeOptions = {}
) =>
  Effect.gen(function*() {
    let origin = ""
    let service: McpHttp.Service = {
      execute: () => Effect.fail(new McpError.HttpFailure({ description: "not ready" }))
    }
    // Made once the port is known (the issuer is on it).
    const made: { handle?: McpTestAuth.ServerHandle } = {}
    const extra = serve.browser === true ? cors : {}
    const control = async (path: string, method: string | undefined, body: string, res: Http.ServerResponse) => {
      const handle = made.handle
      if (handle !== undefined && path === `${controlPath}inject` && method === "POST") {
        await Effect.runPromise(handle.inject(JSON.parse(body)))
        res.writeHead(200, { ...cors, "content-type": "application/json" }).end("{}")
      } else if (handle !== undefined && path === `${controlPath}stats`) {
        const stats = await Effect.runPromise(handle.stats)
        res.writeHead(200, { ...cors, "content-type": "application/json" }).end(JSON.stringify(stats))
      } else {
        res.writeHead(404, cors).end()
      }
    }
    const server = Http.createServer((req, res) => {
      let body = ""
      req.setEncoding("utf8").on("data", (chunk: string) => (body += chunk)).on("end", () => {
        if (serve.browser === true) {
          if (req.method === "OPTIONS") return void res.writeHead(204, preflight).end()
          const path = new URL(req.url ?? "/", origin).pathname
          if (path.startsWith(controlPath)) return void control(path, req.method, body, res).catch(() => res.destroy())
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
          res.writeHead(response.status, { ...response.headers, ...extra })
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
    yield* Effect.acquireRelease(
      Effect.async<void>((resume) => void server.listen(0, "127.0.0.1", () => resume(Effect.void))),
      () =>
        Effect.async<void>((resume) => {
          server.close(() => resume(Effect.void))
          server.closeAllConnections()
        })
    )
    const address = server.address()
    origin = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`
    const mcp = yield* McpTestServer.make()
    const handle = yield* McpTestAuth.makeServer({ ...options, issuer: `${origin}/as`, resource: `${origin}/mcp` })
    made.handle = handle
    service = handle.wrap(McpHttp.fromHttpClient(McpTestServer.httpClient(mcp)))
    return { as: handle, mcp }
  })

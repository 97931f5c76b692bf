/**
 * The test authorization server of `McpTestAuth` in front of the in-memory
 * test MCP server, served over real HTTP on 127.0.0.1 (node:http), for the
 * life of the scope.
 */
import { McpError, McpHttp } from "@mcp-effect/core"
import { McpTestAuth, McpTestServer } from "@mcp-effect/core/testing"
import * as Effect from "effect/Effect"
import * as Http from "node:http"

export const serveAuth = (options: Omit<McpTestAuth.ServerOptions, "issuer" | "resource"> = {}) =>
  Effect.map(serveAuthWithServer(options), ({ as }) => as)

/** {@link serveAuth}, and the MCP test server behind it (to expire its sessions). */
export const serveAuthWithServer = (options: Omit<McpTestAuth.ServerOptions, "issuer" | "resource"> = {}) =>
  Effect.gen(function*() {
    let origin = ""
    let service: McpHttp.Service = {
      execute: () => Effect.fail(new McpError.HttpFailure({ description: "not ready" }))
    }
    const server = Http.createServer((req, res) => {
      let body = ""
      req.setEncoding("utf8").on("data", (chunk: string) => (body += chunk)).on("end", () => {
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
          res.writeHead(response.status, response.headers)
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
    service = handle.wrap(McpHttp.fromHttpClient(McpTestServer.httpClient(mcp)))
    return { as: handle, mcp }
  })

import { describe, expect, it } from "@effect/vitest"
import { McpAuth, McpClient, McpHttp } from "@mcp-effect/core"
import { McpTestAuth, McpTestServer } from "@mcp-effect/core/testing"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { BoundAuthLive, WorkloadAuthLive } from "../src/authorizationExtensions.js"

/** `auth` over an in-memory MCP server behind a test authorization server; one tool call. */
const callThrough = (
  serverOptions: McpTestAuth.ServerOptions,
  auth: Layer.Layer<McpHttp.McpHttp, never, McpHttp.McpHttp>
) =>
  Effect.gen(function*() {
    const server = yield* McpTestServer.make()
    const as = yield* McpTestAuth.makeServer(serverOptions)
    const network = as.wrap(McpHttp.fromHttpClient(McpTestServer.httpClient(server)))
    const http = yield* Layer.build(auth.pipe(Layer.provide(Layer.mergeAll(
      Layer.succeed(McpHttp.McpHttp, network),
      Layer.succeed(McpAuth.Authorizer, McpTestAuth.headless(network))
    ))))
    const client = yield* McpClient.make({ url: as.resource }).pipe(
      Effect.provideService(McpHttp.McpHttp, Context.get(http, McpHttp.McpHttp))
    )
    const result = yield* client.callTool("echo", { text: "through" })
    return { result, as }
  })

describe("authorization extensions (docs/authorization.md)", () => {
  it.scoped("BoundAuthLive presents DPoP-bound tokens with a proof", () =>
    Effect.gen(function*() {
      const { as, result } = yield* callThrough({ dpop: true }, BoundAuthLive)
      expect(result.content).toEqual([{ type: "text", text: "through" }])
      const last = (yield* as.requests).filter((r) => r.url === as.resource).at(-1)
      expect(last?.authorization?.startsWith("DPoP ")).toBe(true)
      expect(last?.dpop).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/)
    }))

  it.scoped("WorkloadAuthLive reads the token file for the JWT bearer grant", () =>
    Effect.gen(function*() {
      const jwt = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ3b3JrbG9hZCJ9.c2ln"
      const file = join(mkdtempSync(join(tmpdir(), "mcp-wif-")), "token")
      writeFileSync(file, `${jwt}\n`)
      const { as, result } = yield* callThrough({ workloadAssertions: [jwt] }, WorkloadAuthLive(file))
      expect(result.content).toEqual([{ type: "text", text: "through" }])
      expect((yield* as.stats).jwtBearer).toBe(1)
    }))
})

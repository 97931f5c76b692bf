/**
 * Authorization failures as the client's own errors, over real HTTP
 * (NodeMcpHttp to the test authorization server and protected MCP endpoint
 * on 127.0.0.1): a client call meeting one fails with `AuthorizationRequired`
 * or `AuthorizationFailed` itself (not a `TransportError` carrying it), with
 * the request's method and id, and the client does not send it again.
 */
import { describe, expect, it } from "@effect/vitest"
import { McpAuth, McpClient, McpHttp } from "@mcp-effect/core"
import type { McpTestAuth } from "@mcp-effect/core/testing"
import { McpTestAuth as TestAuth } from "@mcp-effect/core/testing"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as NodeMcpHttp from "../src/NodeMcpHttp.js"
import { serveAuth, serveAuthWithServer } from "./support/authHttp.js"

/**
 * A client of `as` whose tokens come from an earlier login (as the CLI's do).
 * `authorizer`: whether its layer can authorize again (headless) or not.
 * `onResponse` sees every response of the network under the layer.
 */
const loggedIn = (
  as: McpTestAuth.ServerHandle,
  { authorizer, onResponse = () => Effect.void }: {
    readonly authorizer: boolean
    readonly onResponse?: (request: McpHttp.Request, response: McpHttp.Response) => Effect.Effect<void>
  }
) =>
  Effect.gen(function*() {
    const store = Layer.succeed(McpAuth.Store, McpAuth.memoryStore())
    const network = Layer.effect(
      McpHttp.McpHttp,
      Effect.map(McpHttp.McpHttp, (http): McpHttp.Service => ({
        execute: (request) => Effect.tap(http.execute(request), (response) => onResponse(request, response))
      }))
    ).pipe(Layer.provide(NodeMcpHttp.layer))
    const headless = TestAuth.layerHeadless({ redirectUri: "http://127.0.0.1:1/callback" })
    const clientOf = (context: Context.Context<McpHttp.McpHttp>) =>
      McpClient.make({ url: as.resource, getStream: false }).pipe(
        Effect.provideService(McpHttp.McpHttp, Context.get(context, McpHttp.McpHttp))
      )
    const login = yield* Layer.build(
      McpAuth.layer().pipe(Layer.provide(Layer.merge(headless, store)), Layer.provide(network))
    )
    yield* Effect.flatMap(clientOf(login), (client) => client.ping())
    const context = yield* Layer.build(
      McpAuth.layer().pipe(Layer.provide(authorizer ? Layer.merge(headless, store) : store), Layer.provide(network))
    )
    return yield* clientOf(context)
  })

/** What reached the servers after `from` requests: POSTs to the MCP endpoint, token requests. */
const after = (as: McpTestAuth.ServerHandle, from: number) =>
  Effect.map(as.requests, (requests) => {
    const later = requests.slice(from)
    return {
      mcp: later.filter((r) => r.url === as.resource && r.method === "POST").length,
      token: later.filter((r) => r.url === `${as.issuer}/token`).length
    }
  })

describe("authorization errors of client calls", () => {
  it.scopedLive(
    "no way to authorize: callTool fails with AuthorizationRequired itself, once",
    () =>
      Effect.gen(function*() {
        const as = yield* serveAuth()
        const client = yield* loggedIn(as, { authorizer: false })
        yield* as.revokeAll // the access and the refresh token
        const from = (yield* as.requests).length
        const caught = yield* client.callTool("echo", { text: "x" }).pipe(
          Effect.as(undefined),
          Effect.catchTag("AuthorizationRequired", (error) => Effect.succeed(error))
        )
        expect(caught).toMatchObject({ _tag: "AuthorizationRequired", method: "tools/call", resource: as.resource })
        expect(typeof caught?.requestId).toBe("number")
        expect(caught?.sessionId).toBeDefined()
        expect(caught?.message).toContain("tools/call")
        // One POST (its 401), one refresh the server refused: the client sent nothing again.
        expect(yield* after(as, from)).toEqual({ mcp: 1, token: 1 })
      }),
    30_000
  )

  it.scopedLive(
    "a token endpoint answering invalid_grant: AuthorizationFailed with the step and the error, once",
    () =>
      Effect.gen(function*() {
        const as = yield* serveAuth({ refreshTokens: false })
        const client = yield* loggedIn(as, { authorizer: true })
        yield* as.revokeAll
        yield* as.inject({ _tag: "TokenError", error: "invalid_grant" })
        const from = (yield* as.requests).length
        const caught = yield* client.listTools().pipe(
          Effect.as(undefined),
          Effect.catchTag("AuthorizationFailed", (error) => Effect.succeed(error))
        )
        expect(caught).toMatchObject({
          _tag: "AuthorizationFailed",
          method: "tools/list",
          step: "token",
          error: "invalid_grant",
          status: 400
        })
        expect(typeof caught?.requestId).toBe("number")
        expect(yield* after(as, from)).toEqual({ mcp: 1, token: 1 })
        // Within the layer's failureCooldown, the next call fails the same without a new token request.
        const again = yield* Effect.flip(client.listTools())
        expect(again._tag).toBe("AuthorizationFailed")
        expect(yield* after(as, from)).toEqual({ mcp: 2, token: 1 })
      }),
    30_000
  )

  it.scopedLive(
    "a lost session whose re-initialize meets AuthorizationRequired: that error, not RecoveryFailed",
    () =>
      Effect.gen(function*() {
        const { as, mcp } = yield* serveAuthWithServer()
        let armed = false
        const client = yield* loggedIn(as, {
          authorizer: false,
          // The session's 404 revokes the tokens: the re-initialize then finds no way to authorize.
          onResponse: (request, response) =>
            armed && response.status === 404 && request.url === as.resource
              ? Effect.zipRight(Effect.sync(() => (armed = false)), as.revokeAll)
              : Effect.void
        })
        yield* client.ping()
        armed = true
        yield* mcp.expire()
        const error = yield* Effect.flip(client.callTool("echo", { text: "x" }))
        expect(armed).toBe(false) // the 404 was met
        expect(error).toMatchObject({ _tag: "AuthorizationRequired", method: "tools/call" })
        expect(typeof error.requestId).toBe("number")
      }),
    30_000
  )
})

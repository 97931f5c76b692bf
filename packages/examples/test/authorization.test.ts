import { describe, expect, it } from "@effect/vitest"
import { McpAuth, McpClient, McpHttp } from "@mcp-effect/core"
import { McpTestAuth, McpTestServer } from "@mcp-effect/core/testing"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Stream from "effect/Stream"
import { logAuthorization, logout, testedApp, toolNames } from "../src/authorization.js"

describe("authorization (docs/authorization.md)", () => {
  it.scoped("the tested app authorizes once and calls the tool", () =>
    Effect.gen(function*() {
      const { result, stats } = yield* testedApp
      expect(result.content).toEqual([{ type: "text", text: "authorized" }])
      expect(stats).toMatchObject({ registrations: 1, authorizations: 1, codeGrants: 1 })
    }))

  it.scoped("toolNames lists the tools of an unprotected server as they are", () =>
    Effect.gen(function*() {
      const names = yield* toolNames.pipe(
        Effect.provide(
          McpClient.layer({ url: McpTestServer.inMemoryUrl }).pipe(
            Layer.provide(McpHttp.layerHttpClient),
            Layer.provide(McpTestServer.layerInMemory())
          )
        )
      )
      expect(names).toContain("echo")
    }))

  it.scoped("toolNames on a protected server whose token endpoint says invalid_grant: the reason, by its tag", () =>
    Effect.gen(function*() {
      const server = yield* McpTestServer.make()
      const as = yield* McpTestAuth.makeServer({ refreshTokens: false })
      const network = as.wrap(McpHttp.fromHttpClient(McpTestServer.httpClient(server)))
      const client = yield* Layer.build(
        McpClient.layer({ url: as.resource, getStream: false }).pipe(
          Layer.provide(McpAuth.layer()),
          Layer.provide(Layer.mergeAll(
            Layer.succeed(McpHttp.McpHttp, network),
            Layer.succeed(McpAuth.Authorizer, McpTestAuth.headless(network))
          ))
        )
      )
      expect(yield* toolNames.pipe(Effect.provide(client))).toContain("echo")
      // The token is revoked; the next authorization's token request is refused.
      yield* as.revokeAll
      yield* as.inject({ _tag: "TokenError", error: "invalid_grant" })
      expect(yield* toolNames.pipe(Effect.provide(client))).toEqual(["(authorization failed at token: invalid_grant)"])
    }))

  it.scoped("logAuthorization logs each event; logout revokes, then has nothing left", () =>
    Effect.gen(function*() {
      const server = yield* McpTestServer.make()
      const as = yield* McpTestAuth.makeServer()
      const network = as.wrap(McpHttp.fromHttpClient(McpTestServer.httpClient(server)))
      const context = yield* Layer.build(
        McpAuth.layer().pipe(Layer.provide(Layer.mergeAll(
          Layer.succeed(McpHttp.McpHttp, network),
          Layer.succeed(McpAuth.Authorizer, McpTestAuth.headless(network))
        )))
      )
      const lines: Array<string> = []
      const logger = Logger.make(({ message }) => lines.push(String(message)))
      const auth = Context.get(context, McpAuth.McpAuth)
      // Subscribed before anything happens: `events` starts when the stream runs.
      const queue = yield* auth.subscribe
      const client = yield* McpClient.make({ url: as.resource }).pipe(
        Effect.provideService(McpHttp.McpHttp, Context.get(context, McpHttp.McpHttp))
      )
      yield* client.ping()
      expect(yield* logout(as.resource).pipe(Effect.provideService(McpAuth.McpAuth, auth))).toBe(
        "revoked refresh_token, access_token"
      )
      expect(yield* logout(as.resource).pipe(Effect.provideService(McpAuth.McpAuth, auth))).toBe("not logged in")
      // The three events are queued: log them (and end there).
      yield* logAuthorization.pipe(
        Effect.provideService(McpAuth.McpAuth, { ...auth, events: Stream.take(Stream.fromQueue(queue), 3) }),
        Effect.provide(Logger.replace(Logger.defaultLogger, logger))
      )
      expect(lines).toEqual(["authorization: Started", "authorization: Authorized", "authorization: Revoked"])
    }))
})

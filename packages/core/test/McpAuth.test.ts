import { describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import * as McpAuth from "../src/McpAuth.js"
import * as McpClient from "../src/McpClient.js"
import * as McpHttp from "../src/McpHttp.js"
import * as McpTestAuth from "../src/testing/McpTestAuth.js"
import * as McpTestServer from "../src/testing/McpTestServer.js"
import { runWithClock } from "./support/harness.js"

const redirectUri = "http://127.0.0.1:8976/callback"

/**
 * An in-memory MCP server behind the test authorization server, and the
 * authorization layer over it (headless: it follows the approval redirect).
 */
const setup = (
  serverOptions: McpTestAuth.ServerOptions = {},
  authOptions: McpAuth.Options = {},
  { authorizer = true }: { readonly authorizer?: boolean } = {}
) =>
  Effect.gen(function*() {
    const mcp = yield* McpTestServer.make()
    const as = yield* McpTestAuth.makeServer(serverOptions)
    const network = as.wrap(McpHttp.fromHttpClient(McpTestServer.httpClient(mcp)))
    const base = Layer.succeed(McpHttp.McpHttp, network)
    const deps = authorizer
      ? Layer.merge(base, Layer.succeed(McpAuth.Authorizer, McpTestAuth.headless(network, { redirectUri })))
      : base
    const context = yield* Layer.build(McpAuth.layer(authOptions).pipe(Layer.provide(deps)))
    const http = Context.get(context, McpHttp.McpHttp)
    const connect = McpClient.make({ url: as.resource, getStream: false }).pipe(
      Effect.provideService(McpHttp.McpHttp, http)
    )
    return { as, mcp, http, connect }
  })

describe("McpAuth", () => {
  it.scoped("discovers, registers, authorizes with PKCE and calls with the token", () =>
    Effect.gen(function*() {
      const { as, connect } = yield* setup()
      const client = yield* connect
      const result = yield* client.callTool("echo", { text: "hi" })
      expect(result.content).toEqual([{ type: "text", text: "hi" }])
      const stats = yield* as.stats
      expect(stats).toMatchObject({ registrations: 1, authorizations: 1, codeGrants: 1, refreshes: 0 })
      const requests = yield* as.requests
      const toMcp = requests.filter((r) => r.url === as.resource)
      // the first request goes without a token (401), every later one with it
      expect(toMcp[0].authorization).toBeUndefined()
      expect(toMcp.slice(1).every((r) => r.authorization?.startsWith("Bearer at-") === true)).toBe(true)
      // never a token to the authorization server
      const toAs = requests.filter((r) => r.url.startsWith(as.issuer))
      expect(toAs.length).toBeGreaterThan(0)
      expect(toAs.every((r) => r.authorization?.startsWith("Bearer") !== true)).toBe(true)
    }))

  it.scoped("100 fibers meeting an expired token cause exactly one refresh, and all succeed", () =>
    Effect.gen(function*() {
      const { as, connect } = yield* setup({ tokenTtl: "10 minutes" })
      const client = yield* connect
      yield* client.ping()
      yield* TestClock.adjust("11 minutes")
      const results = yield* Effect.all(
        Array.from({ length: 100 }, (_, i) => client.callTool("echo", { text: `n${i}` })),
        { concurrency: "unbounded" }
      )
      expect(results).toHaveLength(100)
      expect(results.every((r, i) => JSON.stringify(r.content).includes(`n${i}`))).toBe(true)
      const stats = yield* as.stats
      expect(stats.refreshes).toBe(1)
      expect(stats.authorizations).toBe(1)
    }))

  it.scoped("100 fibers meeting a 401 (revoked token) cause one renewal", () =>
    Effect.gen(function*() {
      const { as, connect } = yield* setup({ refreshTokens: false })
      const client = yield* connect
      yield* client.ping()
      yield* as.revokeAll
      const results = yield* Effect.all(
        Array.from({ length: 100 }, () => client.ping()),
        { concurrency: "unbounded" }
      )
      expect(results).toHaveLength(100)
      const stats = yield* as.stats
      expect(stats.authorizations).toBe(2)
      expect(stats.codeGrants).toBe(2)
    }))

  it.scoped("a rejected refresh token leads to one re-authorization", () =>
    Effect.gen(function*() {
      const { as, connect } = yield* setup({ tokenTtl: "10 minutes" })
      const client = yield* connect
      yield* client.ping()
      yield* as.revokeAll // the refresh token too
      yield* TestClock.adjust("11 minutes")
      yield* client.ping()
      const stats = yield* as.stats
      expect(stats).toMatchObject({ authorizations: 2, codeGrants: 2, refreshes: 0, registrations: 1 })
    }))

  it.scoped("a server that rejects every token: a bounded failure, not a loop", () =>
    Effect.gen(function*() {
      const { as, connect } = yield* setup()
      yield* as.inject({ _tag: "RejectTokens" })
      const error = yield* runWithClock(Effect.flip(connect))
      // the error itself, not a TransportError carrying it, with the request it stopped
      expect(error).toMatchObject({ _tag: "AuthorizationFailed", method: "initialize", step: "authorization" })
      expect(error.message).toContain("rejected a freshly issued token")
      const stats = yield* as.stats
      // the client's own handshake retries meet the remembered failure, not a new authorization
      expect(stats.authorizations).toBeLessThanOrEqual(2)
    }))

  it.scoped("step-up: a 403 insufficient_scope re-authorizes with the union of scopes, then succeeds", () =>
    Effect.gen(function*() {
      const { as, connect } = yield* setup({
        challengeScope: "mcp:read",
        requiredScopes: (method) => method === "tools/call" ? ["mcp:read", "mcp:write"] : ["mcp:read"]
      })
      const client = yield* connect
      yield* client.listAllTools()
      const result = yield* client.callTool("echo", { text: "up" })
      expect(result.content).toEqual([{ type: "text", text: "up" }])
      const stats = yield* as.stats
      expect(stats.authorizations).toBe(2)
    }))

  it.scoped("step-up that never satisfies the server ends with AuthorizationFailed(step-up), bounded", () =>
    Effect.gen(function*() {
      const { as, connect } = yield* setup({
        requiredScopes: (method) => method === "tools/call" ? ["mcp:admin"] : [],
        grantableScopes: ["mcp:read"]
      })
      const client = yield* connect
      const error = yield* Effect.flip(client.callTool("echo", { text: "x" }))
      expect(error).toMatchObject({
        _tag: "AuthorizationFailed",
        step: "step-up",
        error: "insufficient_scope",
        status: 403
      })
      // the first authorization, then one step-up: the same challenge after it ends the attempts
      expect((yield* as.stats).authorizations).toBe(2)
    }))

  it.scoped("metadata naming another issuer is not used", () =>
    Effect.gen(function*() {
      const { as, connect } = yield* setup()
      yield* as.inject({ _tag: "WrongIssuer" })
      const error = yield* runWithClock(Effect.flip(connect))
      expect(error._tag).toBe("AuthorizationFailed")
      if (error._tag === "AuthorizationFailed") expect(error.step).toBe("discovery")
      expect((yield* as.stats).authorizations).toBe(0)
    }))

  it.scoped("a token response without access_token fails at the token step", () =>
    Effect.gen(function*() {
      const { as, connect } = yield* setup()
      yield* as.inject({ _tag: "BadTokenResponse" })
      const error = yield* runWithClock(Effect.flip(connect))
      expect(error._tag === "AuthorizationFailed" && error.step).toBe("token")
    }))

  it.scoped("a redirect with another state, or another issuer, is refused before the token request", () =>
    Effect.gen(function*() {
      for (const fault of [{ _tag: "WrongState" }, { _tag: "WrongIss" }] as const) {
        const { as, connect } = yield* setup()
        yield* as.inject(fault)
        const error = yield* runWithClock(Effect.flip(connect))
        expect(error._tag === "AuthorizationFailed" && error.step).toBe("authorization")
        expect((yield* as.stats).codeGrants).toBe(0)
      }
    }))

  it.scoped("the server's OAuth error reaches the caller", () =>
    Effect.gen(function*() {
      const { as, connect } = yield* setup()
      yield* as.inject({ _tag: "TokenError", error: "invalid_grant" })
      const error = yield* runWithClock(Effect.flip(connect))
      expect(error).toMatchObject({ _tag: "AuthorizationFailed", step: "token", error: "invalid_grant", status: 400 })
    }))

  it.scoped("without an Authorizer the code grant is AuthorizationRequired", () =>
    Effect.gen(function*() {
      const { connect } = yield* setup({}, {}, { authorizer: false })
      const error = yield* runWithClock(Effect.flip(connect))
      expect(error._tag).toBe("AuthorizationRequired")
    }))

  it.scoped("client credentials: no user, no registration", () =>
    Effect.gen(function*() {
      const { as, connect } = yield* setup(
        { clients: [{ clientId: "machine", clientSecret: "s3cret" }] },
        { grant: { _tag: "ClientCredentials", clientId: "machine", clientSecret: "s3cret" } },
        { authorizer: false }
      )
      const client = yield* connect
      yield* client.ping()
      expect(yield* as.stats).toMatchObject({ clientCredentials: 1, registrations: 0, authorizations: 0 })
    }))

  it.scoped("pre-registered credentials are used instead of registering", () =>
    Effect.gen(function*() {
      const { as, connect } = yield* setup(
        { registration: false, clients: [{ clientId: "app", clientSecret: "pw", redirectUris: [redirectUri] }] },
        { clientId: "app", clientSecret: "pw" }
      )
      yield* (yield* connect).ping()
      expect(yield* as.stats).toMatchObject({ registrations: 0, codeGrants: 1 })
    }))

  it.scoped("options from Config: a pre-registered client and its secret (redacted in Config)", () =>
    Effect.gen(function*() {
      const options = yield* McpAuth.config.pipe(
        Effect.withConfigProvider(
          ConfigProvider.fromMap(new Map([["CLIENT_ID", "app"], ["CLIENT_SECRET", "pw"], ["SCOPE", "mcp:read"]]))
        )
      )
      expect(options).toEqual({ clientId: "app", clientSecret: "pw", scope: "mcp:read" })
      const { as, connect } = yield* setup(
        { registration: false, clients: [{ clientId: "app", clientSecret: "pw", redirectUris: [redirectUri] }] },
        options
      )
      yield* (yield* connect).ping()
      expect(yield* as.stats).toMatchObject({ registrations: 0, codeGrants: 1 })
    }))

  it.scoped("tokens and registrations are kept in the Store the application provides", () =>
    Effect.gen(function*() {
      const store = McpAuth.memoryStore()
      const mcp = yield* McpTestServer.make()
      const as = yield* McpTestAuth.makeServer()
      const network = as.wrap(McpHttp.fromHttpClient(McpTestServer.httpClient(mcp)))
      const connectWith = Effect.gen(function*() {
        const context = yield* Layer.build(
          McpAuth.layer().pipe(
            Layer.provide(Layer.mergeAll(
              Layer.succeed(McpHttp.McpHttp, network),
              Layer.succeed(McpAuth.Store, store),
              Layer.succeed(McpAuth.Authorizer, McpTestAuth.headless(network, { redirectUri }))
            ))
          )
        )
        return yield* McpClient.make({ url: as.resource, getStream: false }).pipe(
          Effect.provideService(McpHttp.McpHttp, Context.get(context, McpHttp.McpHttp))
        )
      })
      yield* Effect.scoped(Effect.flatMap(connectWith, (client) => client.ping()))
      // a second client (a restart) starts with the stored token: no new authorization
      yield* Effect.scoped(Effect.flatMap(connectWith, (client) => client.ping()))
      expect(yield* as.stats).toMatchObject({ registrations: 1, authorizations: 1 })
      expect(yield* store.get(`grant:${as.resource}`)).toContain("access_token")
    }))

  it.scoped("a token is never sent to another URL", () =>
    Effect.gen(function*() {
      const { as, connect, http } = yield* setup()
      yield* (yield* connect).ping()
      const other = yield* http.execute({
        method: "GET",
        url: "https://elsewhere.test/mcp",
        headers: {},
        body: undefined,
        tracerPropagation: false
      }).pipe(Effect.either)
      expect(Either.isRight(other)).toBe(true)
      const requests = yield* as.requests
      const elsewhere = requests.filter((r) => r.url.startsWith("https://elsewhere.test"))
      expect(elsewhere).toHaveLength(1)
      expect(elsewhere[0].authorization).toBeUndefined()
    }))
})

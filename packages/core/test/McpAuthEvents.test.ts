/**
 * The authorization layer's events (McpAuth.events / subscribe): what
 * happened, in order, per endpoint, and never a secret, neither in an event
 * nor in a span.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import * as Tracer from "effect/Tracer"
import * as McpAuth from "../src/McpAuth.js"
import * as McpClient from "../src/McpClient.js"
import * as McpHttp from "../src/McpHttp.js"
import * as McpTestAuth from "../src/testing/McpTestAuth.js"
import * as McpTestServer from "../src/testing/McpTestServer.js"
import { runWithClock } from "./support/harness.js"

/**
 * The protected test server and the layer over it, with a store and an
 * Authorizer the test can look into: every secret that passes through them
 * is recorded in `secrets`.
 */
const setup = (serverOptions: McpTestAuth.ServerOptions = {}) =>
  Effect.gen(function*() {
    const mcp = yield* McpTestServer.make()
    const as = yield* McpTestAuth.makeServer(serverOptions)
    const network = as.wrap(McpHttp.fromHttpClient(McpTestServer.httpClient(mcp)))
    const secrets = new Set<string>()
    const headless = McpTestAuth.headless(network, { redirectUri: "http://127.0.0.1:8976/callback" })
    const authorizer: McpAuth.AuthorizerService = {
      redirectUri: headless.redirectUri,
      authorize: (request) =>
        Effect.tap(headless.authorize(request), (answer) => {
          secrets.add(request.state).add(Redacted.value(request.codeVerifier))
          if (answer.code !== undefined) secrets.add(answer.code)
        })
    }
    const memory = McpAuth.memoryStore()
    const store: McpAuth.StoreService = {
      ...memory,
      set: (key, value) =>
        Effect.zipRight(
          Effect.sync(() => {
            const json: unknown = JSON.parse(value)
            if (typeof json !== "object" || json === null) return
            for (const field of ["access_token", "refresh_token", "client_secret"]) {
              const secret: unknown = field in json ? Reflect.get(json, field) : undefined
              if (typeof secret === "string") secrets.add(secret)
            }
          }),
          memory.set(key, value)
        )
    }
    const context = yield* Layer.build(
      McpAuth.layer().pipe(
        Layer.provide(Layer.mergeAll(
          Layer.succeed(McpHttp.McpHttp, network),
          Layer.succeed(McpAuth.Authorizer, authorizer),
          Layer.succeed(McpAuth.Store, store)
        ))
      )
    )
    const auth = Context.get(context, McpAuth.McpAuth)
    const events = yield* auth.subscribe
    const connect = McpClient.make({ url: as.resource, getStream: false }).pipe(
      Effect.provideService(McpHttp.McpHttp, Context.get(context, McpHttp.McpHttp))
    )
    const taken = Effect.map(Queue.takeAll(events), Chunk.toReadonlyArray)
    return { as, auth, connect, events: taken, secrets }
  })

describe("McpAuth events", () => {
  it.scoped("authorize, refresh and step-up, in order", () =>
    Effect.gen(function*() {
      const { as, connect, events } = yield* setup({
        tokenTtl: "10 minutes",
        requiredScopes: (method) => method === "tools/call" ? ["mcp:write"] : []
      })
      const client = yield* connect
      expect(yield* events).toEqual([
        { _tag: "Started", resource: as.resource, trigger: "unauthorized", grant: "authorization_code" },
        { _tag: "Authorized", resource: as.resource, issuer: as.issuer }
      ])
      yield* TestClock.adjust("11 minutes")
      yield* client.ping()
      const refreshed = yield* events
      expect(refreshed).toMatchObject([{ _tag: "Refreshed", resource: as.resource, issuer: as.issuer }])
      // The new token's expiry, on the TestClock: 11 minutes in, plus 10.
      expect(refreshed[0]._tag === "Refreshed" && refreshed[0].expiresAt).toBe(21 * 60_000)
      yield* client.callTool("echo", { text: "up" })
      expect(yield* events).toEqual([
        { _tag: "StepUp", resource: as.resource, scope: "mcp:write" },
        { _tag: "Authorized", resource: as.resource, issuer: as.issuer, scope: "mcp:write" }
      ])
    }))

  it.scoped("a refresh token the server rejects: Started(refresh-rejected), then Authorized", () =>
    Effect.gen(function*() {
      const { as, connect, events } = yield* setup({ tokenTtl: "10 minutes" })
      const client = yield* connect
      yield* events
      yield* as.revokeAll
      yield* TestClock.adjust("11 minutes")
      yield* client.ping()
      expect(yield* events).toEqual([
        { _tag: "Started", resource: as.resource, trigger: "refresh-rejected", grant: "authorization_code" },
        { _tag: "Authorized", resource: as.resource, issuer: as.issuer }
      ])
    }))

  it.scoped("a failed authorization: Started, then Failed with the step and the server's error, once", () =>
    Effect.gen(function*() {
      const { as, connect, events } = yield* setup()
      yield* as.inject({ _tag: "TokenError", error: "access_denied" })
      yield* runWithClock(Effect.flip(connect))
      // The client's own handshake retries meet the remembered failure: no second Started, no second Failed.
      expect(yield* events).toEqual([
        { _tag: "Started", resource: as.resource, trigger: "unauthorized", grant: "authorization_code" },
        {
          _tag: "Failed",
          resource: as.resource,
          step: "token",
          description: "the token endpoint answered 400",
          error: "access_denied",
          status: 400
        }
      ])
    }))

  it.scoped("a step-up the server never satisfies ends with Failed(step-up)", () =>
    Effect.gen(function*() {
      const { connect, events } = yield* setup({
        requiredScopes: (method) => method === "tools/call" ? ["mcp:admin"] : [],
        grantableScopes: ["mcp:read"]
      })
      const client = yield* connect
      yield* events
      yield* Effect.flip(client.callTool("echo", { text: "x" }))
      expect((yield* events).map((e) => e._tag)).toEqual(["StepUp", "Authorized", "Failed"])
    }))

  it.scoped("no token, refresh token, code, verifier, state or client secret in any event or span", () =>
    Effect.gen(function*() {
      const spans: Array<Tracer.Span> = []
      const native = yield* Effect.tracer
      const tracer = Tracer.make({
        span: (name, parent, context, links, startTime, kind, options) => {
          const span = native.span(name, parent, context, links, startTime, kind, options)
          spans.push(span)
          return span
        },
        context: native.context
      })
      const { as, auth, connect, events, secrets } = yield* setup({
        tokenTtl: "10 minutes",
        requiredScopes: (method) => method === "tools/call" ? ["mcp:write"] : []
      }).pipe(Effect.withTracer(tracer))
      const seen = yield* Effect.gen(function*() {
        const client = yield* connect
        yield* TestClock.adjust("11 minutes")
        yield* client.ping()
        yield* client.callTool("echo", { text: "up" })
        yield* auth.revoke(as.resource)
        return yield* events
      }).pipe(Effect.withTracer(tracer))
      expect(seen.map((e) => e._tag)).toEqual([
        "Started",
        "Authorized",
        "Refreshed",
        "StepUp",
        "Authorized",
        "Revoked"
      ])
      const authSpans = spans.filter((span) => span.name.startsWith("McpAuth."))
      expect(authSpans.map((span) => span.name)).toEqual(
        expect.arrayContaining(["McpAuth.authorize", "McpAuth.refresh", "McpAuth.revoke"])
      )
      // Two tokens and a refresh token at least, a code, a verifier and a state per authorization.
      expect(secrets.size).toBeGreaterThanOrEqual(10)
      const text = JSON.stringify([
        seen,
        spans.map((span) => [span.name, [...span.attributes]])
      ])
      for (const secret of secrets) expect(text).not.toContain(secret)
      // The check can fail: the events do carry what they should.
      expect(text).toContain(as.resource)
    }))
})

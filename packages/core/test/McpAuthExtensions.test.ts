/**
 * DPoP (RFC 9449), workload identity (RFC 7523 JWT bearer) and
 * authorization-server migration (MCP 2026-07-28), against the test
 * authorization server, on the TestClock.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import * as McpAuth from "../src/McpAuth.js"
import * as McpClient from "../src/McpClient.js"
import * as McpHttp from "../src/McpHttp.js"
import * as McpTestAuth from "../src/testing/McpTestAuth.js"
import * as McpTestServer from "../src/testing/McpTestServer.js"
import { runWithClock } from "./support/harness.js"

const redirectUri = "http://127.0.0.1:8976/callback"

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
    return { as, connect, network }
  })

/** The claims of a compact JWS (no verification: the test server verified it). */
const claimsOf = (jwt: string | undefined): Record<string, unknown> => {
  const part = (jwt ?? "..").split(".")[1]
  return JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/")))
}

describe("McpAuth DPoP", () => {
  it.scoped("the token is bound to the key: DPoP scheme and a fresh proof (htm, htu, ath, jti) per request", () =>
    Effect.gen(function*() {
      const { as, connect } = yield* setup({ dpop: true }, { dpop: true })
      const client = yield* connect
      yield* client.ping()
      yield* client.callTool("echo", { text: "bound" })
      const requests = yield* as.requests
      const token = requests.find((r) => r.url === `${as.issuer}/token`)
      expect(claimsOf(token?.dpop)).toMatchObject({ htm: "POST", htu: `${as.issuer}/token` })
      expect(claimsOf(token?.dpop).ath).toBeUndefined()
      const authorized = requests.filter((r) => r.url === as.resource && r.authorization !== undefined)
      expect(authorized.length).toBeGreaterThanOrEqual(3)
      expect(authorized.every((r) => r.authorization?.startsWith("DPoP at-") === true)).toBe(true)
      const proofs = authorized.map((r) => claimsOf(r.dpop))
      expect(proofs.every((c) => c.htu === as.resource && typeof c.ath === "string")).toBe(true)
      expect(new Set(proofs.map((c) => c.jti)).size).toBe(proofs.length)
      // the server accepted every proof: nothing after the first (tokenless) request was rejected
      expect((yield* as.stats).rejected).toBe(1)
    }))

  it.scoped("server nonces: the token endpoint's and the resource's use_dpop_nonce are each answered once", () =>
    Effect.gen(function*() {
      const { as, connect } = yield* setup({ dpop: { requireNonce: true } }, { dpop: true })
      const client = yield* connect
      yield* client.callTool("echo", { text: "a" })
      yield* client.callTool("echo", { text: "b" })
      const stats = yield* as.stats
      expect(stats.dpopNonceChallenges).toBe(2)
      expect(stats.codeGrants).toBe(1)
      const last = (yield* as.requests).filter((r) => r.url === as.resource).at(-1)
      expect(typeof claimsOf(last?.dpop).nonce).toBe("string")
    }))

  it.scoped("refresh carries a proof of the same key (the refresh token is bound to it)", () =>
    Effect.gen(function*() {
      const { as, connect } = yield* setup({ dpop: true, tokenTtl: "10 minutes" }, { dpop: true })
      const client = yield* connect
      yield* client.ping()
      yield* TestClock.adjust("11 minutes")
      yield* client.callTool("echo", { text: "after refresh" })
      expect(yield* as.stats).toMatchObject({ refreshes: 1, authorizations: 1 })
    }))

  it.scoped("without the option the client asks for no binding and gets Bearer tokens", () =>
    Effect.gen(function*() {
      const { as, connect } = yield* setup({ dpop: true }, {})
      const client = yield* connect
      yield* client.ping()
      const requests = yield* as.requests
      expect(requests.every((r) => r.dpop === undefined)).toBe(true)
      expect(requests.filter((r) => r.url === as.resource).at(-1)?.authorization?.startsWith("Bearer ")).toBe(true)
    }))

  it.scoped("a stolen DPoP token is refused without a proof of the key, as Bearer or as DPoP", () =>
    Effect.gen(function*() {
      const { as, connect, network } = yield* setup({ dpop: true }, { dpop: true })
      const client = yield* connect
      yield* client.ping()
      const header = (yield* as.requests).filter((r) => r.url === as.resource).at(-1)?.authorization ?? ""
      const token = header.slice("DPoP ".length)
      const body = JSON.stringify({ jsonrpc: "2.0", id: 99, method: "ping" })
      for (const authorization of [`Bearer ${token}`, `DPoP ${token}`]) {
        const response = yield* network.execute({
          method: "POST",
          url: as.resource,
          headers: { authorization, "content-type": "application/json" },
          body,
          tracerPropagation: false
        })
        yield* response.discard
        expect(response.status).toBe(401)
      }
    }))

  it.scoped("the application's key pair is the one proven", () =>
    Effect.gen(function*() {
      const keyPair = yield* Effect.promise(() =>
        crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])
      )
      const jwk = yield* Effect.promise(() => crypto.subtle.exportKey("jwk", keyPair.publicKey))
      const { as, connect } = yield* setup({ dpop: true }, { dpop: { keyPair } })
      const client = yield* connect
      yield* client.ping()
      const proof = (yield* as.requests).find((r) => r.dpop !== undefined)?.dpop ?? ""
      const header = JSON.parse(atob(proof.split(".")[0].replace(/-/g, "+").replace(/_/g, "/")))
      expect(header.jwk).toEqual({ kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y })
    }))

  it.scoped("a stored DPoP token survives a restart with the application's key, not with a new one", () =>
    Effect.gen(function*() {
      const store = McpAuth.memoryStore()
      const keyPair = yield* Effect.promise(() =>
        crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"])
      )
      const mcp = yield* McpTestServer.make()
      const as = yield* McpTestAuth.makeServer({ dpop: true, refreshTokens: false })
      const network = as.wrap(McpHttp.fromHttpClient(McpTestServer.httpClient(mcp)))
      const run = (dpop: McpAuth.Dpop) =>
        Effect.gen(function*() {
          const context = yield* Layer.build(
            McpAuth.layer({ dpop }).pipe(Layer.provide(Layer.mergeAll(
              Layer.succeed(McpHttp.McpHttp, network),
              Layer.succeed(McpAuth.Store, store),
              Layer.succeed(McpAuth.Authorizer, McpTestAuth.headless(network, { redirectUri }))
            )))
          )
          const client = yield* McpClient.make({ url: as.resource, getStream: false }).pipe(
            Effect.provideService(McpHttp.McpHttp, Context.get(context, McpHttp.McpHttp))
          )
          yield* client.ping()
        }).pipe(Effect.scoped)
      yield* run({ keyPair })
      yield* run({ keyPair })
      expect((yield* as.stats).authorizations).toBe(1)
      yield* run(true) // another key: the stored token is refused, a new authorization binds the new key
      expect((yield* as.stats).authorizations).toBe(2)
    }))
})

const workloadJwt = "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJodHRwczovL2lkcC50ZXN0Iiwic3ViIjoid29ya2xvYWQifQ.c2lnbmF0dXJl"

describe("McpAuth workload identity (JWT bearer)", () => {
  it.scoped("the workload's JWT is the grant: no user, no registration, no secret", () =>
    Effect.gen(function*() {
      const { as, connect } = yield* setup(
        { workloadAssertions: [workloadJwt] },
        { grant: { _tag: "WorkloadIdentity", assertion: workloadJwt } },
        { authorizer: false }
      )
      const client = yield* connect
      yield* client.callTool("echo", { text: "workload" })
      expect(yield* as.stats).toMatchObject({ jwtBearer: 1, registrations: 0, authorizations: 0 })
      const token = (yield* as.requests).filter((r) => r.url === `${as.issuer}/token`)
      expect(token).toHaveLength(1)
      expect(token[0].authorization).toBeUndefined()
    }))

  it.scoped("an assertion effect is read afresh for each grant (platform tokens rotate)", () =>
    Effect.gen(function*() {
      let reads = 0
      const assertion = Effect.sync(() => {
        reads++
        return workloadJwt
      })
      const { as, connect } = yield* setup(
        { workloadAssertions: [workloadJwt], tokenTtl: "5 minutes", refreshTokens: false },
        { grant: { _tag: "WorkloadIdentity", assertion } },
        { authorizer: false }
      )
      const client = yield* connect
      yield* client.ping()
      yield* TestClock.adjust("6 minutes")
      yield* client.ping()
      expect(reads).toBe(2)
      expect((yield* as.stats).jwtBearer).toBe(2)
    }))

  it.scoped("a rejected assertion fails with the server's error after one token request, no fallback", () =>
    Effect.gen(function*() {
      const { as, connect } = yield* setup(
        { workloadAssertions: [] },
        { grant: { _tag: "WorkloadIdentity", assertion: workloadJwt, clientId: "wl" } },
        { authorizer: false }
      )
      const error = yield* runWithClock(Effect.flip(connect))
      expect([error._tag, error._tag === "AuthorizationFailed" ? [error.step, error.error] : []])
        .toEqual(["AuthorizationFailed", ["token", "invalid_grant"]])
      expect((yield* as.requests).filter((r) => r.url === `${as.issuer}/token`)).toHaveLength(1)
    }))

  it.scoped("something that is not a JWT never leaves the client", () =>
    Effect.gen(function*() {
      const { as, connect } = yield* setup(
        { workloadAssertions: ["not a jwt"] },
        { grant: { _tag: "WorkloadIdentity", assertion: "not a jwt" } },
        { authorizer: false }
      )
      const error = yield* runWithClock(Effect.flip(connect))
      expect([error._tag, error._tag === "AuthorizationFailed" ? error.step : undefined])
        .toEqual(["AuthorizationFailed", "token"])
      expect((yield* as.requests).filter((r) => r.url === `${as.issuer}/token`)).toHaveLength(0)
    }))
})

describe("McpAuth authorization-server migration", () => {
  it.scoped("the resource moves to another server: re-discovery, a new registration, the old client never shown", () =>
    Effect.gen(function*() {
      const { as, connect } = yield* setup({}, {})
      const client = yield* connect
      yield* client.ping()
      const first = (yield* as.requests).find((r) => r.url.startsWith(`${as.issuer}/authorize`))
      const oldClient = new URL(first?.url ?? "http://x").searchParams.get("client_id")
      expect(oldClient).toMatch(/^client-/)
      const before = (yield* as.requests).length
      yield* as.migrate("https://auth2.test")
      yield* client.callTool("echo", { text: "after migration" })
      const after = (yield* as.requests).slice(before)
      const atNew = after.filter((r) => r.url.startsWith("https://auth2.test"))
      expect(atNew.some((r) => r.url === "https://auth2.test/register")).toBe(true)
      const authorizeUrl = atNew.find((r) => r.url.startsWith("https://auth2.test/authorize"))?.url ?? "http://x"
      const newClient = new URL(authorizeUrl).searchParams.get("client_id")
      expect(newClient).toMatch(/^client-/)
      expect(newClient).not.toBe(oldClient)
      expect(atNew.every((r) => !r.url.includes(oldClient ?? "-"))).toBe(true)
      expect(yield* as.stats).toMatchObject({ registrations: 2, authorizations: 2, codeGrants: 2 })
    }))

  it.scoped("a pre-registered client bound to its issuer is not shown to the new server", () =>
    Effect.gen(function*() {
      const clients = [{ clientId: "app", redirectUris: [redirectUri] }]
      const { as, connect } = yield* setup(
        { registration: false, clients },
        { clientId: "app", clientIssuer: "https://auth.test" }
      )
      const client = yield* connect
      yield* client.ping()
      const before = (yield* as.requests).length
      yield* as.migrate("https://auth2.test")
      const error = yield* runWithClock(Effect.flip(client.ping()))
      expect([error._tag, error._tag === "AuthorizationFailed" ? error.step : undefined])
        .toEqual(["AuthorizationFailed", "registration"])
      const atNew = (yield* as.requests).slice(before).filter((r) => r.url.startsWith("https://auth2.test"))
      expect(atNew.some((r) => r.url.includes("/authorize") || r.url.includes("/token"))).toBe(false)
    }))
})

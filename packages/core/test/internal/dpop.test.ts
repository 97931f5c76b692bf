import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import * as Challenge from "../../src/internal/auth/challenge.js"
import * as Dpop from "../../src/internal/auth/dpop.js"
import * as Token from "../../src/internal/auth/token.js"
import type * as McpHttp from "../../src/McpHttp.js"
import * as DpopCheck from "../../src/testing/internal/dpopCheck.js"

describe("DPoP proofs (RFC 9449)", () => {
  it.effect("the RFC 9449 §6.1 thumbprint and §4.1 ath vectors", () =>
    Effect.gen(function*() {
      const jwk = {
        kty: "EC",
        crv: "P-256",
        x: "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs",
        y: "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA"
      }
      expect(yield* Dpop.thumbprint(jwk)).toBe("0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I")
      expect(yield* Dpop.ath("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU")).toBe(
        "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
      )
    }))

  it.effect("a proof verifies, binds the key, and is refused when replayed, stale, or for another request", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Duration.toMillis("1000 days"))
      const key = yield* Dpop.generate
      const url = "https://mcp.example/mcp?x=1#f"
      const proof = yield* Dpop.proof(key, { method: "post", url, accessToken: "tok" })
      const seen = new Set<string>()
      const now = Duration.toMillis("1000 days")
      const expected = { method: "POST", url, now, accessToken: "tok", seen }
      expect(yield* DpopCheck.check(proof, expected)).toEqual({ _tag: "Valid", jkt: key.thumbprint })
      expect(yield* DpopCheck.check(proof, expected)).toMatchObject({ reason: "jti replayed" })
      const other = yield* Dpop.proof(key, { method: "POST", url, accessToken: "tok" })
      expect(yield* DpopCheck.check(other, { ...expected, method: "GET" })).toMatchObject({
        reason: "htm does not match"
      })
      const another = yield* Dpop.proof(key, { method: "POST", url, accessToken: "tok" })
      expect(yield* DpopCheck.check(another, { ...expected, accessToken: "other" })).toMatchObject({
        reason: "ath does not match the access token"
      })
      const late = yield* Dpop.proof(key, { method: "POST", url })
      expect(yield* DpopCheck.check(late, { ...expected, accessToken: undefined, now: now + 301_000 }))
        .toMatchObject({ reason: "iat outside the 5 minute window" })
      const nonceless = yield* Dpop.proof(key, { method: "POST", url })
      expect(yield* DpopCheck.check(nonceless, { ...expected, accessToken: undefined, nonce: "n" }))
        .toMatchObject({ error: "use_dpop_nonce" })
    }))

  it("htu drops query and fragment", () => {
    expect(Dpop.htu("https://h.example:8443/a/b?q=1#x")).toBe("https://h.example:8443/a/b")
  })

  it("nonces: per origin, only well-formed ones, bounded", () => {
    const nonces = Dpop.makeNonces()
    expect(nonces.update("https://a.example/token", { "dpop-nonce": "n1" })).toBe(true)
    expect(nonces.update("https://a.example/other", { "dpop-nonce": "n1" })).toBe(false)
    expect(nonces.get("https://a.example/mcp")).toBe("n1")
    expect(nonces.get("https://b.example/mcp")).toBeUndefined()
    expect(nonces.update("https://b.example/", { "dpop-nonce": "bad nonce\"" })).toBe(false)
    expect(nonces.update("https://b.example/", { "dpop-nonce": "x".repeat(2000) })).toBe(false)
    for (let i = 0; i < 100; i++) nonces.update(`https://h${i}.example/`, { "dpop-nonce": `n${i}` })
    expect(nonces.get("https://a.example/")).toBeUndefined()
    expect(nonces.get("https://h99.example/")).toBe("n99")
  })

  it("a DPoP challenge counts as the resource's challenge; use_dpop_nonce is recognised", () => {
    const header = `DPoP error="use_dpop_nonce", algs="ES256", resource_metadata="https://r/.well-known/x"`
    expect(Challenge.bearer(header)?.resourceMetadata).toBe("https://r/.well-known/x")
    expect(Challenge.wantsDpopNonce(header)).toBe(true)
    expect(Challenge.wantsDpopNonce(`Bearer error="use_dpop_nonce"`)).toBe(false)
  })
})

/** A token endpoint that always wants a new nonce: the client retries once, then gives up. */
const alwaysNewNonce = (): { http: McpHttp.Service; readonly calls: () => number } => {
  let calls = 0
  const http: McpHttp.Service = {
    execute: () =>
      Effect.sync(() => {
        calls++
        let sent = false
        return {
          status: 400,
          headers: { "content-type": "application/json", "dpop-nonce": `nonce-${calls}` },
          read: Effect.sync(() => {
            if (sent) return undefined
            sent = true
            return JSON.stringify({ error: "use_dpop_nonce" })
          }),
          discard: Effect.void
        }
      })
  }
  return { http, calls: () => calls }
}

describe("token requests with DPoP", () => {
  it.effect("use_dpop_nonce is retried once with the new nonce, then the server's error stands", () =>
    Effect.gen(function*() {
      const server = alwaysNewNonce()
      const ctx = {
        http: server.http,
        resource: "https://r/mcp",
        allowInsecureHttp: false,
        timeout: Duration.seconds(5)
      }
      const error = yield* Effect.flip(
        Token.request(
          ctx,
          "token",
          { issuer: "https://as.example", token_endpoint: "https://as.example/token" },
          { _tag: "None" },
          { grant_type: "client_credentials" },
          true,
          Dpop.makeContext(undefined)
        )
      )
      expect(server.calls()).toBe(2)
      expect(error.error).toBe("use_dpop_nonce")
    }))
})

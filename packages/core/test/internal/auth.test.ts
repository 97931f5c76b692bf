import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Challenge from "../../src/internal/auth/challenge.js"
import * as Crypto from "../../src/internal/auth/crypto.js"
import * as Discovery from "../../src/internal/auth/discovery.js"
import * as Token from "../../src/internal/auth/token.js"

describe("WWW-Authenticate", () => {
  it("reads Bearer parameters in any order, quoted or not, among other challenges", () => {
    const header = `Basic realm="x", Bearer error="insufficient_scope", scope="a b:c", ` +
      `resource_metadata="https://h/.well-known/oauth-protected-resource/mcp", error_description="needs \\"more\\", now"`
    expect(Challenge.bearer(header)).toEqual({
      resourceMetadata: "https://h/.well-known/oauth-protected-resource/mcp",
      scope: "a b:c",
      error: "insufficient_scope",
      errorDescription: "needs \"more\", now"
    })
    expect(Challenge.bearer("bearer scope=read")?.scope).toBe("read")
    expect(Challenge.bearer("Basic realm=\"x\"")).toBeUndefined()
    expect(Challenge.bearer(undefined)).toBeUndefined()
  })

  it("stays bounded on garbage", () => {
    expect(Challenge.parse("\"\"\"===,,,  ").length).toBe(0)
    expect(Challenge.bearer(`Bearer scope="${"x".repeat(100_000)}`)?.scope?.length).toBeLessThan(8192)
  })
})

describe("discovery", () => {
  it("tries the authorization server metadata URLs in the spec's order", () => {
    expect(Discovery.serverMetadataUrls("https://as.example/tenant1")).toEqual([
      "https://as.example/.well-known/oauth-authorization-server/tenant1",
      "https://as.example/.well-known/openid-configuration/tenant1",
      "https://as.example/tenant1/.well-known/openid-configuration"
    ])
    expect(Discovery.serverMetadataUrls("https://as.example")).toEqual([
      "https://as.example/.well-known/oauth-authorization-server",
      "https://as.example/.well-known/openid-configuration"
    ])
  })

  it("accepts resource metadata only for the endpoint's origin and path", () => {
    expect(Discovery.resourceCovers("https://h/mcp", "https://h/mcp")).toBe(true)
    expect(Discovery.resourceCovers("https://h", "https://h/mcp")).toBe(true)
    expect(Discovery.resourceCovers("https://h/", "https://h/mcp")).toBe(true)
    expect(Discovery.resourceCovers("https://h/mcp", "https://h/mcp/sub")).toBe(true)
    expect(Discovery.resourceCovers("https://h/mc", "https://h/mcp")).toBe(false)
    expect(Discovery.resourceCovers("https://evil.example.com/mcp", "https://h/mcp")).toBe(false)
    expect(Discovery.resourceCovers("http://h/mcp", "https://h/mcp")).toBe(false)
  })
})

describe("client authentication", () => {
  it("form-urlencodes id and secret before base64 (RFC 6749 §2.3.1)", () => {
    expect(Token.basic("a b", "p:w&")).toBe(`Basic ${btoa("a+b:p%3Aw%26")}`)
  })

  it("picks the registered method when supported, else Basic, Post, none", () => {
    const server = { issuer: "https://as", token_endpoint_auth_methods_supported: ["client_secret_post"] }
    expect(Token.authMethod({ issuer: "https://as", client_id: "c", client_secret: "s" }, server)).toBe(
      "client_secret_post"
    )
    expect(Token.authMethod({ issuer: "https://as", client_id: "c" }, server)).toBe("none")
    expect(Token.authMethod({ issuer: "https://as", client_id: "c", client_secret: "s" }, { issuer: "https://as" }))
      .toBe("client_secret_basic")
    expect(
      Token.authMethod(
        { issuer: "https://as", client_id: "c", client_secret: "s", token_endpoint_auth_method: "client_secret_post" },
        { issuer: "https://as", token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"] }
      )
    ).toBe("client_secret_post")
  })
})

describe("crypto", () => {
  it.effect("S256 of the RFC 7636 appendix B verifier", () =>
    Effect.gen(function*() {
      expect(yield* Crypto.s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe(
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
      )
      const a = yield* Crypto.pkce
      const b = yield* Crypto.pkce
      expect(a.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect(a.verifier).not.toBe(b.verifier)
      expect(a.state).not.toBe(b.state)
    }))

  it.effect("signs an ES256 JWT that verifies with the public key", () =>
    Effect.gen(function*() {
      const pair = yield* Effect.promise(() =>
        crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])
      )
      const pkcs8 = new Uint8Array(yield* Effect.promise(() => crypto.subtle.exportKey("pkcs8", pair.privateKey)))
      let binary = ""
      for (const byte of pkcs8) binary += String.fromCharCode(byte)
      const pem = `-----BEGIN PRIVATE KEY-----\n${btoa(binary)}\n-----END PRIVATE KEY-----\n`
      const jwt = yield* Crypto.signJwt({ iss: "c", sub: "c", aud: "https://as" }, pem, "ES256")
      const [header, payload, signature] = jwt.split(".")
      const decode = (s: string) =>
        Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0))
      expect(JSON.parse(new TextDecoder().decode(decode(header)))).toEqual({ alg: "ES256", typ: "JWT" })
      expect(JSON.parse(new TextDecoder().decode(decode(payload)))).toEqual({ iss: "c", sub: "c", aud: "https://as" })
      const ok = yield* Effect.promise(() =>
        crypto.subtle.verify(
          { name: "ECDSA", hash: "SHA-256" },
          pair.publicKey,
          decode(signature),
          new TextEncoder().encode(`${header}.${payload}`)
        )
      )
      expect(ok).toBe(true)
      const bad = yield* Effect.flip(Crypto.signJwt({}, "not a key", "ES256"))
      expect(bad).toContain("PKCS#8")
    }))
})

/**
 * The test authorization server's side of DPoP (RFC 9449 §4.3): checks a
 * proof JWT the way a server must (typ, alg, public jwk, signature, htm,
 * htu, iat window on the `Clock`, unique jti, ath, nonce) and gives the key's
 * thumbprint, the value a bound token's `cnf.jkt` names.
 *
 * Written independently of the client's proof builder (`internal/auth/dpop.ts`)
 * except for base64url and the thumbprint's member order, so that a bug on
 * one side is not mirrored on the other.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Predicate from "effect/Predicate"
import * as Crypto from "../../internal/auth/crypto.js"

const encoder = new TextEncoder()

const fromBase64url = (text: string): Uint8Array<ArrayBuffer> => {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"))
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

const decodeSegment = (text: string): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(fromBase64url(text)))
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value))
      : undefined
  } catch {
    return undefined
  }
}

const sha256 = (text: string) =>
  Effect.promise(() => crypto.subtle.digest("SHA-256", encoder.encode(text))).pipe(
    Effect.map((digest) => Crypto.base64url(new Uint8Array(digest)))
  )

/** What the request the proof came with was. @internal */
export interface Expected {
  readonly method: string
  /** The request URL; compared without query and fragment. */
  readonly url: string
  /** Epoch milliseconds (the server's `Clock`). */
  readonly now: number
  /** The access token presented with the proof (resource requests): its hash must be the `ath`. */
  readonly accessToken?: string | undefined
  /** The nonce the server requires, if it requires one. */
  readonly nonce?: string | undefined
  /** `jti`s already seen: a replay is refused, a new one is added. */
  readonly seen: Set<string>
}

/** A proof's verdict: the key thumbprint, or why it is refused (`use_dpop_nonce` for a missing/stale nonce). @internal */
export type Verdict =
  | { readonly _tag: "Valid"; readonly jkt: string }
  | { readonly _tag: "Invalid"; readonly error: "invalid_dpop_proof" | "use_dpop_nonce"; readonly reason: string }

const invalid = (reason: string): Verdict => ({ _tag: "Invalid", error: "invalid_dpop_proof", reason })

/** @internal */
export const check = (proof: string | undefined, expected: Expected): Effect.Effect<Verdict> =>
  Effect.gen(function*() {
    if (proof === undefined || proof.includes(",")) return invalid("exactly one DPoP header is required")
    const parts = proof.split(".")
    if (parts.length !== 3) return invalid("not a compact JWS")
    const header = decodeSegment(parts[0])
    const claims = decodeSegment(parts[1])
    if (header === undefined || claims === undefined) return invalid("undecodable header or claims")
    if (header.typ !== "dpop+jwt") return invalid("typ is not dpop+jwt")
    if (header.alg !== "ES256") return invalid("alg is not ES256")
    const jwk = header.jwk
    if (!Predicate.isRecord(jwk) || "d" in jwk) return invalid("no public jwk")
    const { crv, kty, x, y } = jwk
    if (kty !== "EC" || crv !== "P-256" || typeof x !== "string" || typeof y !== "string") {
      return invalid("jwk is not a P-256 key")
    }
    const verified = yield* Effect.promise(async () => {
      try {
        const key = await crypto.subtle.importKey(
          "jwk",
          { kty, crv, x, y },
          {
            name: "ECDSA",
            namedCurve: "P-256"
          },
          false,
          ["verify"]
        )
        return await crypto.subtle.verify(
          { name: "ECDSA", hash: "SHA-256" },
          key,
          fromBase64url(parts[2]),
          encoder.encode(`${parts[0]}.${parts[1]}`)
        )
      } catch {
        return false
      }
    })
    if (!verified) return invalid("the signature does not verify")
    const target = new URL(expected.url)
    if (claims.htm !== expected.method) return invalid("htm does not match")
    if (claims.htu !== `${target.origin}${target.pathname}`) return invalid("htu does not match")
    if (typeof claims.iat !== "number" || Math.abs(claims.iat - expected.now / 1000) > 300) {
      return invalid("iat outside the 5 minute window")
    }
    if (typeof claims.jti !== "string" || claims.jti.length < 8) return invalid("no jti")
    if (expected.seen.has(claims.jti)) return invalid("jti replayed")
    expected.seen.add(claims.jti)
    if (expected.accessToken !== undefined && claims.ath !== (yield* sha256(expected.accessToken))) {
      return invalid("ath does not match the access token")
    }
    if (expected.nonce !== undefined && claims.nonce !== expected.nonce) {
      return { _tag: "Invalid", error: "use_dpop_nonce", reason: "a nonce is required" }
    }
    const jkt = yield* sha256(JSON.stringify({ crv, kty, x, y }))
    return { _tag: "Valid", jkt }
  })

/**
 * DPoP (RFC 9449): sender-constrained tokens. The client holds an ES256 key
 * pair (Web Crypto, the private key not extractable) and signs a fresh proof
 * JWT for every token request and every request that presents the token; a
 * token bound to the key (`token_type: DPoP`) is useless to whoever steals
 * it without the key. Servers may demand a nonce (`use_dpop_nonce`, §8/§9):
 * the last nonce each origin sent is kept and put in the next proofs.
 *
 * Hand-written on `crypto.subtle` (as `crypto.ts`'s private-key JWT is):
 * `jose` would cost ~17 KiB minified (~6 KiB gzip) in the browser bundle for
 * what is here ~2 KiB.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Crypto from "./crypto.js"

const encoder = new TextEncoder()

/** The JWS algorithm of the proofs. @internal */
export const ALGORITHM = "ES256"

/** The public half, as the proof's `jwk` header carries it (RFC 7517). @internal */
export interface PublicJwk {
  readonly kty: string
  readonly crv: string
  readonly x: string
  readonly y: string
}

/** A proof key: the private key never leaves Web Crypto. @internal */
export interface Key {
  readonly privateKey: Crypto.WebCryptoKey
  readonly jwk: PublicJwk
  /** RFC 7638 SHA-256 thumbprint: what a bound token's `cnf.jkt` names. */
  readonly thumbprint: string
}

/** RFC 7638 §3: the required members in lexicographic order, no spaces, SHA-256, base64url. @internal */
export const thumbprint = (jwk: PublicJwk): Effect.Effect<string> =>
  Effect.promise(() =>
    crypto.subtle.digest(
      "SHA-256",
      encoder.encode(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }))
    )
  ).pipe(Effect.map((digest) => Crypto.base64url(new Uint8Array(digest))))

/** A Web Crypto key pair. @internal */
export interface KeyPair {
  readonly privateKey: Crypto.WebCryptoKey
  readonly publicKey: Crypto.WebCryptoKey
}

/** A key from a Web Crypto ECDSA P-256 key pair (the application's, or a generated one). @internal */
export const fromKeyPair = (pair: KeyPair): Effect.Effect<Key, string> =>
  Effect.gen(function*() {
    const exported = yield* Effect.tryPromise({
      try: () => crypto.subtle.exportKey("jwk", pair.publicKey),
      catch: () => "the DPoP public key cannot be exported"
    })
    const { crv, kty, x, y } = exported
    if (kty !== "EC" || crv !== "P-256" || x === undefined || y === undefined) {
      return yield* Effect.fail("the DPoP key must be an ECDSA P-256 key (ES256)")
    }
    const jwk = { kty, crv, x, y }
    return { privateKey: pair.privateKey, jwk, thumbprint: yield* thumbprint(jwk) }
  })

/** A fresh key pair; the private key is not extractable. @internal */
export const generate: Effect.Effect<Key, string> = Effect.tryPromise({
  try: () => crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]),
  catch: () => "Web Crypto cannot generate an ECDSA P-256 key"
}).pipe(Effect.flatMap(fromKeyPair))

/** `htu` (§4.2): the request URI without query and fragment. @internal */
export const htu = (url: string): string => {
  const u = new URL(url)
  return `${u.origin}${u.pathname}`
}

/** `ath` (§4.2): base64url(SHA-256(ASCII(access token))). @internal */
export const ath = (accessToken: string): Effect.Effect<string> =>
  Effect.promise(() => crypto.subtle.digest("SHA-256", encoder.encode(accessToken))).pipe(
    Effect.map((digest) => Crypto.base64url(new Uint8Array(digest)))
  )

/** What a proof is about. @internal */
export interface ProofFor {
  readonly method: string
  readonly url: string
  /** Present when the proof accompanies an access token (resource requests). */
  readonly accessToken?: string | undefined
  readonly nonce?: string | undefined
}

/**
 * A proof JWT (§4.2): header `typ: dpop+jwt`, `alg: ES256`, the public
 * `jwk`; claims `jti` (random, never reused), `htm`, `htu`, `iat` (the
 * `Clock`'s), and `ath` / `nonce` when given.
 *
 * @internal
 */
export const proof = (key: Key, about: ProofFor): Effect.Effect<string, string> =>
  Effect.gen(function*() {
    const iat = Math.floor((yield* Clock.currentTimeMillis) / 1000)
    const claims: Record<string, unknown> = {
      jti: Crypto.randomToken(16),
      htm: about.method.toUpperCase(),
      htu: htu(about.url),
      iat
    }
    if (about.accessToken !== undefined) claims.ath = yield* ath(about.accessToken)
    if (about.nonce !== undefined) claims.nonce = about.nonce
    return yield* Crypto.signWithKey(claims, key.privateKey, ALGORITHM, { typ: "dpop+jwt", jwk: key.jwk })
  })

/**
 * The nonces servers handed out (`DPoP-Nonce`, §8/§9), per origin: the
 * authorization server's and the resource's are kept apart. Bounded: a nonce
 * longer than 1 KiB is ignored, and at most 64 origins are remembered.
 *
 * @internal
 */
export interface Nonces {
  readonly get: (url: string) => string | undefined
  /** Keeps the response's `DPoP-Nonce`, if it has one; whether it had a new one. */
  readonly update: (url: string, headers: Readonly<Record<string, string>>) => boolean
}

/** @internal */
export const makeNonces = (): Nonces => {
  const byOrigin = new Map<string, string>()
  return {
    get: (url) => byOrigin.get(new URL(url).origin),
    update: (url, headers) => {
      const nonce = headers["dpop-nonce"]
      // RFC 9449 §8.1: NQCHAR = %x21 / %x23-5B / %x5D-7E.
      if (
        nonce === undefined || nonce.length === 0 || nonce.length > 1024 || !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(nonce)
      ) {
        return false
      }
      const origin = new URL(url).origin
      if (byOrigin.get(origin) === nonce) return false
      if (!byOrigin.has(origin) && byOrigin.size >= 64) byOrigin.delete(byOrigin.keys().next().value ?? "")
      byOrigin.set(origin, nonce)
      return true
    }
  }
}

/**
 * What a token request or a resource request needs of DPoP: the key, the
 * nonces, and the proof for one request (with the nonce the origin last sent).
 *
 * @internal
 */
export interface Context {
  readonly key: Effect.Effect<Key, string>
  readonly nonces: Nonces
}

/** A context whose key is made once, on first use (`pair`: the application's key pair, else a fresh one). @internal */
export const makeContext = (pair: KeyPair | undefined): Context => ({
  key: Effect.runSync(Effect.cached(pair === undefined ? generate : fromKeyPair(pair))),
  nonces: makeNonces()
})

/** The `DPoP` header value for a request. @internal */
export const header = (ctx: Context, about: Omit<ProofFor, "nonce">): Effect.Effect<string, string> =>
  Effect.flatMap(ctx.key, (key) => proof(key, { ...about, nonce: ctx.nonces.get(about.url) }))

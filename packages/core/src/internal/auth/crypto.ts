/**
 * The cryptography of authorization, on Web Crypto (`globalThis.crypto`, in
 * every browser and in Node ≥ 19): PKCE, `state`, and the signed JWTs of
 * `private_key_jwt` (RFC 7523). Nothing here is ever logged.
 *
 * @internal
 */
import * as Effect from "effect/Effect"

const encoder = new TextEncoder()

/**
 * Web Crypto's key, named without the DOM library: the same type in
 * browsers and in Node (whose types declare no global `CryptoKey`).
 *
 * @internal
 */
export type WebCryptoKey = Parameters<typeof crypto.subtle.sign>[1]

/** Bytes as base64url without padding (RFC 7636 appendix A). @internal */
export const base64url = (bytes: Uint8Array): string => {
  let binary = ""
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i])
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")
}

/** `bytes` random bytes as base64url: 32 bytes make a 43-character PKCE verifier. @internal */
export const randomToken = (bytes = 32): string => base64url(crypto.getRandomValues(new Uint8Array(bytes)))

/** BASE64URL(SHA256(ASCII(verifier))): the S256 code challenge. @internal */
export const s256 = (verifier: string): Effect.Effect<string> =>
  Effect.promise(() => crypto.subtle.digest("SHA-256", encoder.encode(verifier))).pipe(
    Effect.map((digest) => base64url(new Uint8Array(digest)))
  )

/** A fresh PKCE pair and `state`. @internal */
export interface Pkce {
  readonly verifier: string
  readonly challenge: string
  readonly state: string
}

/** @internal */
export const pkce: Effect.Effect<Pkce> = Effect.suspend(() => {
  const verifier = randomToken(32)
  return Effect.map(s256(verifier), (challenge) => ({ verifier, challenge, state: randomToken(16) }))
})

/** The JWS algorithms `private_key_jwt` signs with here. @internal */
export type SigningAlgorithm = "ES256" | "ES384" | "RS256" | "PS256"

const importParams = (alg: SigningAlgorithm) => {
  switch (alg) {
    case "ES256":
      return { key: { name: "ECDSA", namedCurve: "P-256" }, sign: { name: "ECDSA", hash: "SHA-256" } }
    case "ES384":
      return { key: { name: "ECDSA", namedCurve: "P-384" }, sign: { name: "ECDSA", hash: "SHA-384" } }
    case "RS256":
      return { key: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, sign: { name: "RSASSA-PKCS1-v1_5" } }
    case "PS256":
      return { key: { name: "RSA-PSS", hash: "SHA-256" }, sign: { name: "RSA-PSS", saltLength: 32 } }
  }
}

/** The DER bytes of a PEM block (PKCS#8 `PRIVATE KEY`). @internal */
export const pemToDer = (pem: string): Uint8Array<ArrayBuffer> | undefined => {
  const match = /-----BEGIN PRIVATE KEY-----([\s\S]*?)-----END PRIVATE KEY-----/.exec(pem)
  if (match === null) return undefined
  try {
    const binary = atob(match[1].replace(/\s+/g, ""))
    const bytes = new Uint8Array(binary.length)
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
    return bytes
  } catch {
    return undefined
  }
}

/**
 * A compact JWS over `claims`, signed with a Web Crypto private key. Web
 * Crypto's ECDSA signature is already the raw `r || s` that JWS wants.
 *
 * @internal
 */
export const signWithKey = (
  claims: Readonly<Record<string, unknown>>,
  key: WebCryptoKey,
  alg: SigningAlgorithm,
  header: Readonly<Record<string, unknown>> = {}
): Effect.Effect<string, string> => {
  const segment = (value: unknown) => base64url(encoder.encode(JSON.stringify(value)))
  const input = `${segment({ alg, typ: "JWT", ...header })}.${segment(claims)}`
  return Effect.tryPromise({
    try: () => crypto.subtle.sign(importParams(alg).sign, key, encoder.encode(input)),
    catch: () => `signing with ${alg} failed`
  }).pipe(Effect.map((signature) => `${input}.${base64url(new Uint8Array(signature))}`))
}

/**
 * A compact JWS over `claims`, signed with a PKCS#8 PEM private key.
 *
 * @internal
 */
export const signJwt = (
  claims: Readonly<Record<string, unknown>>,
  privateKeyPem: string,
  alg: SigningAlgorithm,
  header: Readonly<Record<string, unknown>> = {}
): Effect.Effect<string, string> =>
  Effect.gen(function*() {
    const der = pemToDer(privateKeyPem)
    if (der === undefined) return yield* Effect.fail("the private key is not a PKCS#8 PEM block")
    const key = yield* Effect.tryPromise({
      try: () => crypto.subtle.importKey("pkcs8", der, importParams(alg).key, false, ["sign"]),
      catch: () => `the private key cannot be used for ${alg}`
    })
    return yield* signWithKey(claims, key, alg, header)
  })

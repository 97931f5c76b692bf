/**
 * `WWW-Authenticate` (RFC 9110 §11.6.1): the challenges, and what a Bearer
 * challenge says (RFC 6750 §3, RFC 9728 §5.1): `resource_metadata`, `scope`,
 * `error`. Parameters come in any order, quoted values hold spaces and
 * commas, and one header may carry several challenges.
 *
 * @internal
 */

/** What a Bearer challenge tells the client. @internal */
export interface Bearer {
  readonly resourceMetadata: string | undefined
  readonly scope: string | undefined
  readonly error: string | undefined
  readonly errorDescription: string | undefined
}

/** Longer headers are cut: parsing stays bounded whatever a server sends. */
const MAX_LENGTH = 8192

const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z]+/y
const SPACE = /[ \t]*/y

/** Whether the header has a DPoP challenge asking for a (new) nonce (RFC 9449 §9). @internal */
export const wantsDpopNonce = (header: string | undefined): boolean =>
  header !== undefined && parse(header).some((c) => c.scheme === "dpop" && c.params.error === "use_dpop_nonce")

/** Every challenge of the header: its scheme (lower case) and parameters (names lower case). @internal */
export const parse = (
  header: string
): ReadonlyArray<{ readonly scheme: string; readonly params: Readonly<Record<string, string>> }> => {
  const text = header.length > MAX_LENGTH ? header.slice(0, MAX_LENGTH) : header
  const challenges: Array<{ scheme: string; params: Record<string, string> }> = []
  let i = 0
  const skip = (pattern: RegExp) => {
    pattern.lastIndex = i
    const match = pattern.exec(text)
    if (match !== null) i += match[0].length
    return match?.[0]
  }
  while (i < text.length) {
    skip(SPACE)
    if (text[i] === ",") {
      i++
      continue
    }
    const word = skip(TOKEN)
    if (word === undefined) {
      i++ // not a token: skip the character, never loop on it
      continue
    }
    skip(SPACE)
    const current = challenges.at(-1)
    if (text[i] === "=" && current !== undefined && text[i + 1] !== "=") {
      i++
      skip(SPACE)
      let value = ""
      if (text[i] === "\"") {
        i++
        while (i < text.length && text[i] !== "\"") {
          if (text[i] === "\\" && i + 1 < text.length) i++
          value += text[i]
          i++
        }
        i++
      } else {
        value = skip(TOKEN) ?? ""
      }
      current.params[word.toLowerCase()] = value
    } else if (text[i] === "=") {
      // token68 after a scheme (`Basic abc==`): not used by Bearer, skipped.
      while (text[i] === "=") i++
    } else {
      challenges.push({ scheme: word.toLowerCase(), params: {} })
    }
  }
  return challenges
}

/**
 * The Bearer challenge of a `WWW-Authenticate` header, else its DPoP
 * challenge (RFC 9449 §7.1: same parameters), if it has one.
 *
 * @internal
 */
export const bearer = (header: string | undefined): Bearer | undefined => {
  if (header === undefined) return undefined
  const challenges = parse(header)
  const challenge = challenges.find((c) => c.scheme === "bearer") ?? challenges.find((c) => c.scheme === "dpop")
  if (challenge === undefined) return undefined
  const p = challenge.params
  return {
    resourceMetadata: p.resource_metadata,
    scope: p.scope,
    error: p.error,
    errorDescription: p.error_description
  }
}

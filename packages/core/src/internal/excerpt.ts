/**
 * Bounding what a server says in a JSON-RPC error: its `message` and `data`
 * become part of an error the caller logs, prints and keeps, so they are cut
 * to a limit (as an HTTP body becomes a `maxBodyExcerpt`), and the full size
 * is recorded beside the excerpt.
 *
 * @internal
 */

/** The most characters of a JSON-RPC error's `message` kept. @internal */
export const MAX_ERROR_MESSAGE = 4096

/** The most characters of a JSON-RPC error's `data`, as JSON text, kept. @internal */
export const MAX_ERROR_DATA = 16384

/** A text cut to a limit. @internal */
export interface TextExcerpt {
  readonly text: string
  /** The length of the whole text, when `text` is only its start. */
  readonly cutFrom: number | undefined
}

/**
 * The start of `text`, at most `max` characters, never ending inside a
 * surrogate pair.
 *
 * @internal
 */
export const text = (value: string, max: number): TextExcerpt => {
  if (value.length <= max) return { text: value, cutFrom: undefined }
  let end = Math.max(0, max)
  // A high surrogate as the last kept character would leave half an emoji.
  if (end > 0 && isHighSurrogate(value.charCodeAt(end - 1))) end--
  return { text: value.slice(0, end), cutFrom: value.length }
}

/** A JSON value cut to a limit. @internal */
export interface JsonExcerpt {
  /** The value itself when small enough; else the start of its JSON text. */
  readonly value: unknown
  /** The length of the value's JSON text, when `value` is only its start. */
  readonly cutFrom: number | undefined
}

/**
 * A JSON value kept whole when its JSON text has at most `max` characters,
 * else the start of that text. (Measured by serialising it: an error is
 * rare, and its value came out of a message bounded by `maxMessageSize`.)
 *
 * @internal
 */
export const json = (value: unknown, max: number): JsonExcerpt => {
  const whole = JSON.stringify(value)
  // `undefined`, a function: nothing JSON can carry (a parsed message never holds one).
  if (whole === undefined || whole.length <= max) return { value, cutFrom: undefined }
  const cut = text(whole, max)
  return { value: cut.text, cutFrom: whole.length }
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff

/**
 * ANSI colours for terminal output, switched off when the stream is not a
 * TTY, when `NO_COLOR` is set (https://no-color.org) or `TERM=dumb`, so logs
 * and pipes get plain text.
 *
 * @internal
 */

/** @internal */
export interface Style {
  readonly enabled: boolean
  readonly bold: (text: string) => string
  readonly dim: (text: string) => string
  readonly red: (text: string) => string
  readonly green: (text: string) => string
  readonly yellow: (text: string) => string
  readonly cyan: (text: string) => string
  readonly magenta: (text: string) => string
}

const wrap = (enabled: boolean, open: number, close: number) => (text: string) =>
  enabled ? `\x1b[${open}m${text}\x1b[${close}m` : text

/** @internal */
export const make = (enabled: boolean): Style => ({
  enabled,
  bold: wrap(enabled, 1, 22),
  dim: wrap(enabled, 2, 22),
  red: wrap(enabled, 31, 39),
  green: wrap(enabled, 32, 39),
  yellow: wrap(enabled, 33, 39),
  cyan: wrap(enabled, 36, 39),
  magenta: wrap(enabled, 35, 39)
})

/** @internal */
export const colorsFor = (stream: { readonly isTTY?: boolean | undefined }): boolean =>
  // no-color.org: NO_COLOR counts when it is set and not empty.
  stream.isTTY === true && (process.env.NO_COLOR ?? "") === "" && process.env.TERM !== "dumb"

/** @internal */
export const forStream = (stream: { readonly isTTY?: boolean | undefined }): Style => make(colorsFor(stream))

// The SGR escapes `make` writes (built from a string: a control character in a regex literal trips the linter).
const sgr = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g")

/** `text` without ANSI colour escapes. @internal */
export const strip = (text: string): string => text.replace(sgr, "")

/** The visible length of `text` (without ANSI escapes). @internal */
export const visibleLength = (text: string): number => strip(text).length

/** Pads `text` to `width` visible characters. @internal */
export const pad = (text: string, width: number): string => text + " ".repeat(Math.max(0, width - visibleLength(text)))

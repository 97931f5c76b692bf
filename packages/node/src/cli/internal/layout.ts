/**
 * Fitting text to the terminal: the width to wrap to, word wrapping that
 * measures visible characters (colour escapes take no room), and two-column
 * rows (a name, then its details) whose details never run into the name.
 *
 * Why not `@effect/printer` (already a dependency through `@effect/cli`): its
 * documents lay out plain text well, but the CLI's colours are `Style`
 * functions (with `dim`, which `@effect/printer-ansi` lacks) and the rows here
 * need only word wrapping with a hanging indent.
 *
 * @internal
 */
import { strip, visibleLength } from "./style.js"

/**
 * The width to wrap to: the terminal's on a TTY, else `COLUMNS` when it is set
 * (so `COLUMNS=60 mcp-effect inspect … | less` wraps too), else no wrapping
 * (scripts reading the output get one line per item).
 *
 * @internal
 */
export const widthOf = (
  stream: { readonly isTTY?: boolean | undefined; readonly columns?: number | undefined },
  env: Readonly<Record<string, string | undefined>> = process.env
): number => {
  if (stream.isTTY === true && stream.columns !== undefined && stream.columns > 0) return stream.columns
  const columns = Number(env.COLUMNS)
  return Number.isInteger(columns) && columns > 0 ? columns : Infinity
}

// A word longer than a line is cut (a URI, a session id): only plain words, so no escape is cut.
const cut = (word: string, width: number): Array<string> => {
  if (visibleLength(word) <= width || strip(word) !== word) return [word]
  const pieces: Array<string> = []
  for (let i = 0; i < word.length; i += width) pieces.push(word.slice(i, i + width))
  return pieces
}

/**
 * `text` as lines of at most `width` visible characters, broken at spaces;
 * its own line breaks are kept.
 *
 * @internal
 */
export const wrap = (text: string, width: number): Array<string> => {
  if (!Number.isFinite(width)) return text.split("\n")
  const room = Math.max(8, width)
  const lines: Array<string> = []
  for (const paragraph of text.split("\n")) {
    let line = ""
    let length = 0
    for (const word of paragraph.split(" ").filter((w) => w !== "").flatMap((w) => cut(w, room))) {
      const size = visibleLength(word)
      if (length > 0 && length + 1 + size > room) {
        lines.push(line)
        line = ""
        length = 0
      }
      line = length === 0 ? word : `${line} ${word}`
      length += (length === 0 ? 0 : 1) + size
    }
    lines.push(line)
  }
  return lines
}

/**
 * `text` wrapped to `width` with every line after the first indented by
 * `indent` spaces (the first line starts wherever the caller is).
 *
 * @internal
 */
export const hanging = (text: string, indent: number, width: number): string =>
  wrap(text, width - indent).join(`\n${" ".repeat(indent)}`)

/**
 * One row of a two-column list: `  name  details`, the details wrapped at
 * `width` and aligned on `column`. A name too long for its column gets a line
 * of its own and the details start on the next one, so the two never touch.
 *
 * @internal
 */
export const row = (name: string, details: string, column: number, width: number): string => {
  const indent = 2 + column
  const head = `  ${name}`
  const body = details.trim() === "" ? "" : hanging(details, indent, width)
  if (body === "") return head
  return visibleLength(name) + 1 <= column ?
    `${head}${" ".repeat(column - visibleLength(name))}${body}` :
    `${head}\n${" ".repeat(indent)}${body}`
}

/**
 * The details of an item joined with `separator`, leaving out the missing
 * and empty ones (no trailing separator after an empty description).
 *
 * @internal
 */
export const joinPresent = (parts: ReadonlyArray<string | undefined>, separator: string): string =>
  parts.filter((part): part is string => part !== undefined && part.trim() !== "").map((p) => p.trim()).join(
    separator
  )

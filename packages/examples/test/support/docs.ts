/**
 * Keeps the code in the README and docs/ identical to the checked examples.
 *
 * A code block in a doc is bound to a file of packages/examples by the HTML
 * comment on the line above its opening fence:
 *
 *     <!-- example: packages/examples/src/quickstart.ts -->           the whole file
 *     <!-- example: packages/examples/src/configuration.ts#name -->   `// #region name` … `// #endregion`
 *     <!-- unchecked: why -->                                         not a program (e.g. a shell line)
 *
 * Region markers never appear in the docs. `UPDATE_DOCS=1` rewrites the blocks
 * from the files instead of failing.
 */
import { existsSync, readFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..")

const regionLine = /^\s*\/\/ #(end)?region\b.*$/

/** The code a marker names: a whole file or one region of it, without region markers, dedented. */
export const extract = (target: string): string => {
  const [path, region] = target.split("#")
  const text = readFileSync(join(root, path), "utf8")
  let lines = text.split("\n")
  if (region !== undefined) {
    const start = lines.findIndex((line) => line.trim() === `// #region ${region}`)
    if (start === -1) throw new Error(`${path}: no "// #region ${region}"`)
    const end = lines.findIndex((line, i) => i > start && line.trim() === "// #endregion")
    if (end === -1) throw new Error(`${path}: "// #region ${region}" has no "// #endregion"`)
    lines = lines.slice(start + 1, end)
  }
  lines = lines.filter((line) => !regionLine.test(line))
  const indent = Math.min(...lines.filter((l) => l.trim() !== "").map((l) => l.length - l.trimStart().length))
  return lines.map((line) => line.slice(indent)).join("\n").trim()
}

export interface Block {
  /** The marker's target (`path#region`), or undefined for an unchecked or unmarked block. */
  readonly target: string | undefined
  readonly marker: "example" | "unchecked" | undefined
  readonly language: string
  readonly code: string
  /** Line numbers (0-based) of the opening and closing fences. */
  readonly open: number
  readonly close: number
}

const markerLine = /^<!-- (example|unchecked): (.*?) -->$/

/** The fenced code blocks of a Markdown text, with their markers. */
export const blocks = (markdown: string): ReadonlyArray<Block> => {
  const lines = markdown.split("\n")
  const found: Array<Block> = []
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(\w*)\s*$/.exec(lines[i])
    if (fence === null) continue
    const close = lines.findIndex((line, j) => j > i && line.trim() === "```")
    if (close === -1) throw new Error(`unclosed code block at line ${i + 1}`)
    const marker = i > 0 ? markerLine.exec(lines[i - 1]) : null
    const kind = marker?.[1]
    found.push({
      target: kind === "example" ? marker?.[2] : undefined,
      marker: kind === "example" || kind === "unchecked" ? kind : undefined,
      language: fence[1],
      code: lines.slice(i + 1, close).join("\n").trim(),
      open: i,
      close
    })
    i = close
  }
  return found
}

/** `markdown` with every example block replaced by the code it names. */
export const update = (markdown: string): string => {
  const lines = markdown.split("\n")
  // From the last block to the first, so earlier line numbers stay valid.
  for (const block of [...blocks(markdown)].reverse()) {
    if (block.target === undefined) continue
    lines.splice(block.open + 1, block.close - block.open - 1, ...extract(block.target).split("\n"))
  }
  return lines.join("\n")
}

/** Relative links of a Markdown file that point at nothing. */
export const brokenLinks = (file: string): ReadonlyArray<string> => {
  const text = readFileSync(file, "utf8")
  const broken: Array<string> = []
  for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const href = match[1]
    if (/^(https?:|mailto:|#)/.test(href)) continue
    const path = href.split("#")[0]
    if (!existsSync(resolve(dirname(file), path))) broken.push(href)
  }
  return broken
}

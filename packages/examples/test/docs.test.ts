import { describe, expect, it } from "@effect/vitest"
import { readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { blocks, brokenLinks, extract, root, update } from "./support/docs.js"

// The pages whose every TypeScript block must be a checked example (the other
// pages of docs/ have owners of their own: their markers are checked all the same).
const owned = [
  "README.md",
  "docs/getting-started.md",
  "docs/concepts.md",
  "docs/session-recovery.md",
  "docs/configuration.md",
  "docs/errors.md",
  "docs/testing.md",
  "docs/observability.md",
  "docs/comparison.md",
  "docs/ai.md"
]
const pages = [
  ...new Set([...owned, ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)])
]

describe.each(pages)("%s", (page) => {
  const file = join(root, page)

  it("shows the examples exactly as they are checked", () => {
    const text = readFileSync(file, "utf8")
    if (process.env.UPDATE_DOCS === "1") writeFileSync(file, update(text))
    for (const block of blocks(readFileSync(file, "utf8"))) {
      if (block.target !== undefined) expect(block.code, `${page}: ${block.target}`).toBe(extract(block.target))
    }
  })

  if (owned.includes(page)) {
    it("has no TypeScript block that is not a checked example", () => {
      const unmarked = blocks(readFileSync(file, "utf8")).filter((b) =>
        (b.language === "ts" || b.language === "typescript") && b.marker === undefined
      )
      expect(unmarked.map((b) => `line ${b.open + 1}`)).toEqual([])
    })

    it("links only to files that exist", () => {
      // Pages other tasks deliver; until they land, a link to them is not yet broken.
      const pending = ["streams.md", "browser.md", "performance.md"]
      const broken = brokenLinks(file).filter((href) => !pending.includes(href.split("/").at(-1) ?? ""))
      expect(broken).toEqual([])
    })
  }
})

it("every example is shown somewhere", () => {
  const shown = pages.flatMap((page) =>
    blocks(readFileSync(join(root, page), "utf8")).flatMap((b) =>
      b.target === undefined ? [] : [b.target.split("#")[0]]
    )
  )
  const examples = readdirSync(join(root, "packages/examples/src")).map((f) => `packages/examples/src/${f}`)
  expect(examples.filter((path) => !shown.includes(path))).toEqual([])
})

// docs/internals.md is the map of the code: every module it lists exists, every module of the
// published packages is listed (once), and every source file it names is there. The line counts
// are generated: `node scripts/module-map.mjs --write` refreshes them.
import { describe, expect, it } from "@effect/vitest"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { actualModules, compare, documentedModules } from "../../../scripts/module-map.mjs"
import { root } from "./support/docs.js"

const page = readFileSync(join(root, "docs/internals.md"), "utf8")

describe("docs/internals.md: the module map", () => {
  it("reads the map (a broken heading or fence would list nothing)", () => {
    expect(documentedModules(page).length).toBeGreaterThan(100)
  })

  it("lists every module of core, node, browser and ai once, and no module that is gone", () => {
    const { missing, twice, unlisted } = compare(page)
    expect({ missing, twice, unlisted }).toEqual({ missing: [], twice: [], unlisted: [] })
  })

  it("names only source files that exist", () => {
    const files = new Set<string>()
    const walk = (dir: string, prefix: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) walk(join(dir, entry.name), `${prefix}${entry.name}/`)
        else files.add(`${prefix}${entry.name}`)
      }
    }
    for (const pkg of ["core", "node", "browser", "ai", "examples"]) {
      walk(join(root, "packages", pkg, "src"), "")
      walk(join(root, "packages", pkg, "test"), "")
    }
    expect(actualModules().length).toBeGreaterThan(100)
    // Every `….ts` in backticks, as a path or a bare name: it must be the end of some file's path.
    const named = [...page.matchAll(/`(?:[^`\s]*\/)?([\w.]+\.ts)`/g)].map((m) => m[0].slice(1, -1))
    const paths = [...files]
    const unknown = [...new Set(named)].filter((name) =>
      !paths.some((path) => path === name || path.endsWith(`/${name}`) || name.endsWith(`/${path}`))
    )
    expect(named.length).toBeGreaterThan(20)
    expect(unknown).toEqual([])
  })
})

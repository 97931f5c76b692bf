// docs/internals.md's module map against the source tree: every module of core, node, browser and
// ai listed once with one line and its line count. The list is written by hand; the counts are
// generated:
//
//   node scripts/module-map.mjs           check: exit 1 if a listed module is missing or a module
//                                         is not listed (stale line counts are reported, not fatal)
//   node scripts/module-map.mjs --write   rewrite the counts (and the column alignment) in place
//
// packages/examples/test/internals.test.ts runs the same check in `npm test`.
import { readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join, relative } from "node:path"

export const root = join(import.meta.dirname, "..")
export const page = join(root, "docs/internals.md")
export const packages = ["core", "node", "browser", "ai"]

/** Every module of the packages' src/, as `<package>/<path under src>`. */
export const actualModules = () => {
  const walk = (dir) =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) return walk(path)
      return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [path] : []
    })
  return packages.flatMap((pkg) => {
    const src = join(root, "packages", pkg, "src")
    return walk(src).map((file) => ({
      module: `${pkg}/${relative(src, file)}`,
      lines: lineCount(readFileSync(file, "utf8"))
    }))
  })
}

const lineCount = (text) => text.split("\n").length - (text.endsWith("\n") ? 1 : 0)

// A map line: `<path> <count> <what it is>` inside a fenced block under a `### ` heading that names
// `packages/<package>/src`.
const heading = /^### .*`packages\/(\w+)\/src`/
const entry = /^(\S+\.ts)(\s+)(\d+)(\s+)(.*)$/

/** The modules the map lists: package, path, count, and where the line is. */
export const documentedModules = (text) => {
  const found = []
  let pkg
  let fenced = false
  let inMap = false
  text.split("\n").forEach((line, index) => {
    if (line.startsWith("## ")) {
      inMap = line === "## Module map"
      pkg = undefined
    }
    if (!inMap) return
    const named = heading.exec(line)
    if (named !== null) pkg = named[1]
    if (line.startsWith("```")) fenced = !fenced
    else if (fenced && pkg !== undefined) {
      const match = entry.exec(line)
      if (match !== null) found.push({ module: `${pkg}/${match[1]}`, lines: Number(match[3]), index })
    }
  })
  return found
}

/** What does not match: modules listed but missing, modules not listed, listed twice, stale counts. */
export const compare = (text) => {
  const actual = actualModules()
  const documented = documentedModules(text)
  const known = new Map(actual.map((m) => [m.module, m.lines]))
  const listed = new Set(documented.map((m) => m.module))
  const seen = new Set()
  return {
    missing: documented.filter((m) => !known.has(m.module)).map((m) => m.module),
    unlisted: actual.filter((m) => !listed.has(m.module)).map((m) => m.module),
    twice: documented.filter((m) => seen.has(m.module) || !seen.add(m.module)).map((m) => m.module),
    stale: documented
      .filter((m) => known.has(m.module) && known.get(m.module) !== m.lines)
      .map((m) => ({ module: m.module, listed: m.lines, actual: known.get(m.module) }))
  }
}

/** The page with every count set to the module's line count, columns aligned per block. */
export const withCounts = (text) => {
  const known = new Map(actualModules().map((m) => [m.module, m.lines]))
  const lines = text.split("\n")
  const documented = documentedModules(text)
  const width = Math.max(...documented.map((m) => m.module.split("/").slice(1).join("/").length))
  for (const m of documented) {
    const match = entry.exec(lines[m.index])
    const count = String(known.get(m.module) ?? m.lines)
    lines[m.index] = `${match[1].padEnd(width)}  ${count.padStart(4)}  ${match[5]}`
  }
  return lines.join("\n")
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const text = readFileSync(page, "utf8")
  if (process.argv.includes("--write")) {
    writeFileSync(page, withCounts(text))
    console.log(`${relative(root, page)}: line counts written`)
  }
  const { missing, twice, unlisted, stale } = compare(readFileSync(page, "utf8"))
  for (const m of missing) console.log(`listed but missing: ${m}`)
  for (const m of unlisted) console.log(`not listed: ${m}`)
  for (const m of twice) console.log(`listed twice: ${m}`)
  for (const m of stale) console.log(`stale count: ${m.module} listed ${m.listed}, has ${m.actual} (--write fixes it)`)
  if (missing.length + unlisted.length + twice.length > 0) process.exit(1)
  console.log(`module map: every module listed once${stale.length === 0 ? ", counts current" : ""}`)
}

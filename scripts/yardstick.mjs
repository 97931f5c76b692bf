// The layout yardstick of issue #11, measured: modules of packages/*/src over ~400 lines (schema
// tables excepted) and functions over ~120 lines. A yardstick, not a rule: this lists, it never
// fails (exit 0), so that a reviewer sees what grew. Parsed with the `typescript` package itself
// (no ts-morph): a function is any function declaration, function expression, arrow function,
// method or accessor, measured from its first line to its last, nested ones on their own.
//
//   node scripts/yardstick.mjs [--module-lines 400] [--function-lines 120]
import { readdirSync, readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { join, relative } from "node:path"

const require = createRequire(import.meta.url)
const ts = require("typescript")

const root = join(import.meta.dirname, "..")
const flag = (name, fallback) => {
  const at = process.argv.indexOf(name)
  return at === -1 ? fallback : Number(process.argv[at + 1])
}
const moduleLimit = flag("--module-lines", 400)
const functionLimit = flag("--function-lines", 120)

// Schema tables: long by nature (one entry per MCP message), excepted by the yardstick.
const schemaTables = new Set(["packages/core/src/McpSchema.ts"])

const sources = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sources(path)
    return /\.(ts|mts|mjs)$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [path] : []
  })

const packages = readdirSync(join(root, "packages"), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => join(root, "packages", entry.name, "src"))
  .filter((dir) => {
    try {
      return readdirSync(dir).length > 0
    } catch {
      return false
    }
  })

/** The name a reader would look for: the declaration's, or the variable / property it is bound to. */
const nameOf = (node) => {
  if (node.name !== undefined) return node.name.getText()
  const parent = node.parent
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) return parent.name.getText()
  if (ts.isCallExpression(parent)) {
    const callee = parent.expression.getText()
    return `(argument of ${callee.length > 40 ? callee.slice(0, 40) + "…" : callee})`
  }
  return "(anonymous)"
}

const modules = []
const functions = []
for (const dir of packages) {
  for (const file of sources(dir)) {
    const text = readFileSync(file, "utf8")
    const path = relative(root, file)
    const lines = text.split("\n").length - (text.endsWith("\n") ? 1 : 0)
    if (lines > moduleLimit) modules.push({ path, lines, excepted: schemaTables.has(path) })
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
    const visit = (node) => {
      if (
        ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node) || ts.isArrowFunction(node) ||
        ts.isMethodDeclaration(node) || ts.isGetAccessor(node) || ts.isSetAccessor(node)
      ) {
        const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line
        const last = source.getLineAndCharacterOfPosition(node.getEnd()).line
        const span = last - first + 1
        if (span > functionLimit) functions.push({ path, line: first + 1, name: nameOf(node), lines: span })
      }
      ts.forEachChild(node, visit)
    }
    visit(source)
  }
}

modules.sort((a, b) => b.lines - a.lines)
functions.sort((a, b) => b.lines - a.lines)
console.log(`modules over ${moduleLimit} lines: ${modules.filter((m) => !m.excepted).length}`)
for (const m of modules) {
  console.log(`  ${String(m.lines).padStart(5)}  ${m.path}${m.excepted ? "  (schema table, excepted)" : ""}`)
}
console.log(`functions over ${functionLimit} lines: ${functions.length}`)
for (const f of functions) console.log(`  ${String(f.lines).padStart(5)}  ${f.path}:${f.line}  ${f.name}`)

// Builds one package (run from its folder) to publishable ESM + CJS + .d.ts:
//   dist/esm  ES modules with their .d.ts (tsc, type-checked)
//   dist/cjs  CommonJS (tsc, emit only) with the same .d.ts copied beside it, and a
//             package.json {"type":"commonjs"} so Node and TypeScript read that folder as CJS.
// Why tsc twice instead of a bundler: the output keeps one file per module (tree-shakeable,
// readable stack traces) and needs no extra toolchain.
import { execFileSync } from "node:child_process"
import { cpSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { join } from "node:path"

const require = createRequire(import.meta.url)
const tsc = require.resolve("typescript/bin/tsc")
const run = (args) => execFileSync(process.execPath, [tsc, ...args], { stdio: "inherit" })

rmSync("dist", { recursive: true, force: true })
rmSync("build", { recursive: true, force: true })
run(["-p", "tsconfig.build.json"])
run([
  "-p",
  "tsconfig.build.json",
  "--module",
  "commonjs",
  "--moduleResolution",
  "node10",
  "--noCheck",
  "--declaration",
  "false",
  "--declarationMap",
  "false",
  "--outDir",
  "dist/cjs",
  "--tsBuildInfoFile",
  "build/cjs.tsbuildinfo"
])
writeFileSync("dist/cjs/package.json", JSON.stringify({ type: "commonjs" }) + "\n")

const copyDts = (from, to) => {
  for (const name of readdirSync(from)) {
    const src = join(from, name)
    const dst = join(to, name)
    if (statSync(src).isDirectory()) {
      mkdirSync(dst, { recursive: true })
      copyDts(src, dst)
    } else if (name.endsWith(".d.ts")) {
      cpSync(src, dst)
    }
  }
}
copyDts("dist/esm", "dist/cjs")

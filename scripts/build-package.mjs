// Builds one package (run from its folder, via its `build` script) to publishable ESM + CJS + .d.ts:
//   dist/esm  ES modules with their .d.ts and maps (tsc with the package's tsconfig.build.json,
//             type-checked; the "source" condition is switched off there, so workspace
//             dependencies are read from their built dist/*.d.ts, as a consumer would)
//   dist/cjs  CommonJS (tsc, emit only) with the same .d.ts copied beside it, and a
//             package.json {"type":"commonjs"} so Node and TypeScript read that folder as CJS.
// Why tsc twice instead of a bundler: the output keeps one file per module (tree-shakeable,
// readable stack traces) and needs no extra toolchain. The CJS pass is sound because the ESM
// pass already type-checked everything under `isolatedModules`, which is exactly what makes a
// per-file `--noCheck` emit safe (no type-only re-export can survive into the output).
// `scripts/check-dist.mjs` verifies the result from outside the repo (import, require, types).
import { execFileSync } from "node:child_process"
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { basename, join } from "node:path"

const require = createRequire(import.meta.url)
const tsc = require.resolve("typescript/bin/tsc")
const name = basename(process.cwd())

const run = (label, args) => {
  try {
    execFileSync(process.execPath, [tsc, ...args], { stdio: "inherit" })
  } catch (error) {
    // tsc already printed its diagnostics; a Node stack trace on top of them only hides them.
    console.error(`build-package: ${name}: ${label} failed (tsc exit ${error.status ?? "?"})`)
    process.exit(1)
  }
}

const hasSources = (dir) =>
  existsSync(dir) &&
  readdirSync(dir, { withFileTypes: true }).some((entry) =>
    entry.isDirectory()
      ? hasSources(join(dir, entry.name))
      : entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")
  )

rmSync("dist", { recursive: true, force: true })
rmSync("build", { recursive: true, force: true })

if (!hasSources("src")) {
  // A package still being scaffolded: say so instead of failing on tsc's "No inputs were found".
  // check-dist.mjs still fails for every `exports` entry whose output is missing.
  console.warn(`build-package: ${name}: no sources under src/, nothing to build`)
  process.exit(0)
}

run("ESM build", ["-p", "tsconfig.build.json"])
run("CJS build", [
  "-p",
  "tsconfig.build.json",
  "--module",
  "commonjs",
  "--moduleResolution",
  "node10",
  // "source" is only meaningful for node16/nodenext/bundler resolution; node10 rejects the option.
  "--customConditions",
  "null",
  // Without it `import x from "cjs-module"` compiles to `.default` and breaks; with it, the CJS
  // output gets Node's own ESM-importing-CJS semantics (__importDefault/__importStar).
  "--esModuleInterop",
  "true",
  "--noCheck",
  "--declaration",
  "false",
  "--declarationMap",
  "false",
  "--outDir",
  "dist/cjs"
])
writeFileSync("dist/cjs/package.json", JSON.stringify({ type: "commonjs" }) + "\n")

// The declarations are the same for both formats; the declaration maps point at ../../src, which
// is the same relative path from dist/cjs as from dist/esm.
const copyDeclarations = (from, to) => {
  for (const entry of readdirSync(from)) {
    const src = join(from, entry)
    const dst = join(to, entry)
    if (statSync(src).isDirectory()) {
      mkdirSync(dst, { recursive: true })
      copyDeclarations(src, dst)
    } else if (entry.endsWith(".d.ts") || entry.endsWith(".d.ts.map")) {
      cpSync(src, dst)
    }
  }
}
copyDeclarations("dist/esm", "dist/cjs")
console.log(`build-package: ${name}: dist/esm + dist/cjs written`)

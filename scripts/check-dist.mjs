// Smoke check of the build output, as a consumer outside the repo sees it (run after `pnpm build`).
//
// For every published package in packages/* (private ones, e.g. packages/examples, are skipped):
// `pnpm pack` it (so `files`, and `workspace:^` rewritten to a real range, are what gets checked),
// unpack it into node_modules/ of a temp folder outside the
// repo, link its third-party dependencies there from the workspace, then
//   1. `import()` every entry of its `exports` map from an .mjs file and `require()` it from a
//      .cjs file: both must load from the expected dist folder, export the same non-empty set of
//      names, and none of them may be undefined;
//   2. type-check an ESM consumer (.mts) and a CJS consumer (.cts, `import x = require()`) with
//      `module`/`moduleResolution` node16 and skipLibCheck off: the import condition must resolve to
//      dist/esm/*.d.ts and the require condition to dist/cjs/*.d.ts, both without errors.
//   3. run every packed `bin` as `npx <name> --help` from the consumer folder (linked into
//      node_modules/.bin as npm links it on install): the launcher must be in the package, run,
//      and find the built files it loads.
// Also fails when an `exports` entry's source file does not exist (the package is incomplete).
// Exit status 0 only when everything passed. KEEP_CHECK_DIST=1 keeps the temp folder.
import { execFileSync, spawnSync } from "node:child_process"
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync
} from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const tsc = createRequire(join(root, "package.json")).resolve("typescript/bin/tsc")
const pnpm = join(root, "scripts", "pnpm.sh")

const failures = []
const fail = (message) => failures.push(message)
const readJson = (file) => JSON.parse(readFileSync(file, "utf8"))
// Compare paths through symlinks (pnpm's node_modules, /tmp) without throwing on missing files.
const real = (path) => existsSync(path) ? realpathSync(path) : resolve(path)

const tmp = mkdtempSync(join(tmpdir(), "mcp-effect-check-dist-"))
const modules = join(tmp, "node_modules")
mkdirSync(join(tmp, "tarballs"), { recursive: true })
writeFileSync(join(tmp, "package.json"), JSON.stringify({ name: "consumer", private: true }) + "\n")

const link = (name, from) => {
  const at = join(modules, name)
  if (existsSync(at)) return
  mkdirSync(dirname(at), { recursive: true })
  symlinkSync(realpathSync(from), at, "dir")
}

// Every packed `bin`: { name, target (its file in the unpacked package), pkg }.
const bins = []
// One entry per `exports` subpath: { spec, esm: {js, types}, cjs: {js, types} } (paths in the package).
const entries = []
// Private packages (packages/examples) are never published: nothing to check.
const packageDirs = readdirSync(join(root, "packages"))
  .map((name) => join(root, "packages", name))
  .filter((dir) => existsSync(join(dir, "package.json")) && readJson(join(dir, "package.json")).private !== true)

for (const dir of packageDirs) {
  const manifest = readJson(join(dir, "package.json"))
  const own = []
  for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
    if (typeof target === "string") continue // "./package.json"
    const spec = manifest.name + subpath.slice(1)
    let complete = true
    if (!existsSync(join(dir, target.source))) fail(`${spec}: source ${target.source} does not exist`)
    for (
      const [condition, file] of [
        ["import.default", target.import.default],
        ["import.types", target.import.types],
        ["require.default", target.require.default],
        ["require.types", target.require.types]
      ]
    ) {
      if (!existsSync(join(dir, file))) {
        fail(`${spec}: ${condition} ${file} was not built`)
        complete = false
      }
    }
    own.push({
      spec,
      name: manifest.name,
      complete,
      esm: { js: target.import.default, types: target.import.types },
      cjs: { js: target.require.default, types: target.require.types }
    })
  }
  if (own.length === 0) fail(`${manifest.name}: no entry points in "exports"`)
  entries.push(...own)

  // Pack exactly what would be published and unpack it as an installed dependency.
  const before = new Set(readdirSync(join(tmp, "tarballs")))
  execFileSync("sh", [pnpm, "pack", "--pack-destination", join(tmp, "tarballs")], { cwd: dir, stdio: "ignore" })
  const tarball = readdirSync(join(tmp, "tarballs")).find((file) => !before.has(file))
  const unpacked = join(modules, manifest.name)
  mkdirSync(unpacked, { recursive: true })
  execFileSync("tar", ["-xzf", join(tmp, "tarballs", tarball), "-C", unpacked, "--strip-components=1"])
  const packed = readJson(join(unpacked, "package.json"))
  for (
    const [name, target] of Object.entries(
      typeof packed.bin === "string" ? { [packed.name]: packed.bin } : packed.bin ?? {}
    )
  ) {
    bins.push({ name, target: join(unpacked, target), pkg: manifest.name })
  }
  for (const [dep, range] of Object.entries({ ...packed.dependencies, ...packed.peerDependencies })) {
    if (range.startsWith("workspace:")) fail(`${manifest.name}: packed dependency ${dep}@${range} was not rewritten`)
    if (dep.startsWith("@mcp-effect/")) continue // unpacked from its own tarball
    const from = [join(dir, "node_modules", dep), join(root, "node_modules", dep)].find((p) => existsSync(p))
    if (from === undefined) fail(`${manifest.name}: dependency ${dep} is not installed in the workspace`)
    else link(dep, from)
  }
}
link("@types/node", join(root, "node_modules", "@types", "node"))

// 1. Runtime: ESM and CJS consumers report, per entry, where it loaded from and what it exports.
const probe = (load, where) => `
const specs = ${JSON.stringify(entries.map((e) => e.spec))}
const out = {}
for (const spec of specs) {
  try {
    const ns = ${load}
    const names = Object.keys(ns).filter((k) => k !== "__esModule").sort()
    out[spec] = { from: ${where}, names, undefinedNames: names.filter((k) => ns[k] === undefined) }
  } catch (error) {
    out[spec] = { error: String(error && error.stack || error).split("\\n").slice(0, 3).join("\\n      ") }
  }
}
console.log(JSON.stringify(out))
`
writeFileSync(join(tmp, "probe.mjs"), probe("await import(spec)", "import.meta.resolve(spec)"))
writeFileSync(join(tmp, "probe.cjs"), probe("require(spec)", "require.resolve(spec)"))

const runProbe = (file) => {
  const result = spawnSync(process.execPath, [file], { cwd: tmp, encoding: "utf8" })
  if (result.status !== 0) {
    fail(`${file} exited with ${result.status}:\n${result.stderr}`)
    return {}
  }
  return JSON.parse(result.stdout)
}
const esm = runProbe("probe.mjs")
const cjs = runProbe("probe.cjs")
const expectFrom = (spec, kind, got, file) => {
  const want = join(modules, ...spec.name.split("/"), file)
  const path = got.startsWith("file:") ? fileURLToPath(got) : got
  if (real(path) !== real(want)) fail(`${spec.spec}: ${kind} loaded ${path}, expected ${want}`)
}
for (const entry of entries) {
  const e = esm[entry.spec]
  const c = cjs[entry.spec]
  // Skip what the probes cannot tell: the probe itself failed, or the entry was not built at all.
  if (e === undefined || c === undefined || !entry.complete) continue
  if (e.error) fail(`${entry.spec}: import() failed: ${e.error}`)
  if (c.error) fail(`${entry.spec}: require() failed: ${c.error}`)
  if (e.error || c.error) continue
  expectFrom(entry, "import()", e.from, entry.esm.js)
  expectFrom(entry, "require()", c.from, entry.cjs.js)
  if (e.names.length === 0) fail(`${entry.spec}: import() gives no exports`)
  if (e.names.join() !== c.names.join()) {
    fail(`${entry.spec}: ESM exports [${e.names}] differ from CJS exports [${c.names}]`)
  }
  for (const [kind, r] of [["ESM", e], ["CJS", c]]) {
    if (r.undefinedNames.length > 0) fail(`${entry.spec}: ${kind} exports undefined: ${r.undefinedNames}`)
  }
}

// 3. Bins: linked as npm links them, then run through npx (no install: it finds node_modules/.bin).
for (const { name, target, pkg } of bins) {
  if (!existsSync(target)) {
    fail(`${pkg}: bin ${name} -> ${target} is not in the package (check "files")`)
    continue
  }
  mkdirSync(join(modules, ".bin"), { recursive: true })
  chmodSync(target, 0o755)
  symlinkSync(target, join(modules, ".bin", name))
  const help = spawnSync("npx", ["--no", "--", name, "--help"], { cwd: tmp, encoding: "utf8", timeout: 120_000 })
  if (help.status !== 0 || !help.stdout.includes(name)) {
    fail(`${pkg}: npx ${name} --help exited ${help.status}:\n${help.stdout}${help.stderr}`)
  }
}

// 2. Types: one ESM and one CJS consumer, checked together with node16 resolution.
writeFileSync(
  join(tmp, "consumer.mts"),
  entries.map((e, i) => `import * as M${i} from "${e.spec}"\nexport type T${i} = typeof M${i}\n`).join("")
)
writeFileSync(
  join(tmp, "consumer.cts"),
  entries.map((e, i) => `import M${i} = require("${e.spec}")\nexport type T${i} = typeof M${i}\n`).join("")
)
writeFileSync(
  join(tmp, "tsconfig.json"),
  JSON.stringify({
    compilerOptions: {
      module: "node16",
      moduleResolution: "node16",
      target: "ES2022",
      lib: ["ES2022", "DOM", "DOM.Iterable"],
      types: ["node"],
      strict: true,
      noEmit: true,
      skipLibCheck: false
    },
    files: ["consumer.mts", "consumer.cts"]
  })
)
const typecheck = spawnSync(process.execPath, [tsc, "-p", tmp, "--listFiles"], { cwd: tmp, encoding: "utf8" })
if (typecheck.status !== 0) {
  const errors = typecheck.stdout.split("\n").filter((line) => !line.startsWith("/")).join("\n")
  fail(`tsc on the ESM + CJS consumers failed:\n${errors}${typecheck.stderr}`)
} else {
  const listed = new Set(typecheck.stdout.split("\n").filter((l) => l.startsWith("/")).map(real))
  for (const entry of entries) {
    for (const [kind, file] of [["ESM", entry.esm.types], ["CJS", entry.cjs.types]]) {
      const want = real(join(modules, ...entry.name.split("/"), file))
      if (!listed.has(want)) fail(`${entry.spec}: the ${kind} consumer did not resolve ${file}`)
    }
  }
}

if (failures.length > 0) {
  console.error(`check-dist: ${failures.length} problem(s):`)
  for (const message of failures) console.error(`  - ${message}`)
  console.error(`check-dist: consumer folder kept at ${tmp}`)
  process.exit(1)
}
if (process.env.KEEP_CHECK_DIST === "1") console.log(`check-dist: consumer folder kept at ${tmp}`)
else rmSync(tmp, { recursive: true, force: true })
console.log(
  `check-dist: ok: ${packageDirs.length} packages, ${entries.length} entry points (${
    entries.map((e) => e.spec).join(", ")
  }): import() + require() agree, types resolve for node16 ESM and CJS consumers; ${bins.length} bin(s) (${
    bins.map((b) => b.name).join(", ")
  }) run through npx`
)

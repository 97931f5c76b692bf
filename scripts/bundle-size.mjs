// `pnpm bench:bundle`. Bundle size of a minimal browser app on @mcp-effect/browser, next to the same app on the official
// MCP SDK (@modelcontextprotocol/sdk): both bundled by esbuild for the browser, ESM, minified, every
// dependency included; printed raw and gzipped (level 9). The apps are scripts/bundle-size/*.mjs;
// the browser tests (packages/browser/test/bundles.test.ts) run both bundles in Chromium.
//
//   node scripts/bundle-size.mjs            the table
//   node scripts/bundle-size.mjs --json     the numbers as JSON
//   node scripts/bundle-size.mjs --top      also the largest packages in each bundle
//   node scripts/bundle-size.mjs --out DIR  also write the bundles to DIR
//   node scripts/bundle-size.mjs --why      where the bytes of our app go: its largest modules
//                                           (ours and effect's), minified bytes, from esbuild's metafile
//   node scripts/bundle-size.mjs --why effect/dist/esm/internal/pubsub.js
//                                           also the import chain that brings that module in
import { mkdirSync, writeFileSync } from "node:fs"
import { join, relative, resolve } from "node:path"
import { bundleApp, bundleApps, callToolApps, floorApp, importChain } from "./bundle-size/bundle.mjs"

const args = process.argv.slice(2)
const outIndex = args.indexOf("--out")
const outDir = outIndex === -1 ? undefined : resolve(args[outIndex + 1] ?? "bundle-size-out")

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`

const results = await bundleApps()
const callTool = await Promise.all(callToolApps.map(bundleApp))
const floor = await bundleApp(floorApp)
if (outDir !== undefined) {
  mkdirSync(outDir, { recursive: true })
  for (const r of results) writeFileSync(join(outDir, r.entry.replace(/\.mjs$/, ".js")), r.code)
}

if (args.includes("--json")) {
  const numbers = (list) => list.map(({ gzip, name, raw }) => ({ name, raw, gzip }))
  console.log(
    JSON.stringify({ app: numbers(results), callToolOnly: numbers(callTool), floor: numbers([floor])[0] }, null, 2)
  )
} else {
  console.log("Minimal browser app (connect, list tools, call a tool, end the session), esbuild --minify, ESM:")
  console.log("")
  console.log(`${"client".padEnd(36)}${"raw".padStart(22)}${"gzip -9".padStart(22)}`)
  for (const r of results) {
    console.log(
      `${r.name.padEnd(36)}${`${r.raw} B (${kb(r.raw)})`.padStart(22)}${`${r.gzip} B (${kb(r.gzip)})`.padStart(22)}`
    )
  }
  const [ours, sdk] = results
  console.log("")
  console.log(`ratio (ours / SDK): raw ${(ours.raw / sdk.raw).toFixed(2)}, gzip ${(ours.gzip / sdk.gzip).toFixed(2)}`)
  console.log("")
  console.log("The same with one callTool only (scripts/bundle-size/call-tool*.mjs):")
  for (const r of callTool) {
    console.log(
      `${r.name.padEnd(36)}${`${r.raw} B (${kb(r.raw)})`.padStart(22)}${`${r.gzip} B (${kb(r.gzip)})`.padStart(22)}`
    )
  }
  console.log("")
  console.log("The floor under any client on Effect (scripts/bundle-size/effect-only.mjs: no MCP):")
  console.log(
    `${floor.name.padEnd(36)}${`${floor.raw} B (${kb(floor.raw)})`.padStart(22)}${
      `${floor.gzip} B (${kb(floor.gzip)})`.padStart(22)
    }`
  )
  console.log(`ours above the floor: ${results[0].gzip - floor.gzip} B gzip`)
  if (args.includes("--top")) {
    for (const r of results) {
      console.log(`\nlargest packages in the ${r.name} app (minified bytes):`)
      for (const [name, bytes] of r.packages.slice(0, 8)) {
        console.log(`  ${name.padEnd(40)}${String(bytes).padStart(9)}`)
      }
    }
  }
  const whyIndex = args.indexOf("--why")
  if (whyIndex !== -1) {
    const [ours] = results
    const modules = ours.modules
    console.log(`\nlargest modules in the ${ours.name} app (minified bytes; ${ours.raw} B in all):`)
    for (const [module, bytes] of modules.slice(0, 40)) console.log(`  ${String(bytes).padStart(7)}  ${module}`)
    console.log(`\nby package: ${ours.packages.map(([name, bytes]) => `${name} ${bytes}`).join(", ")}`)
    const own = modules.filter(([m]) => m.startsWith("packages/"))
    console.log(`ours (packages/*): ${own.reduce((sum, [, bytes]) => sum + bytes, 0)} B in ${own.length} modules`)
    const module = args[whyIndex + 1]
    if (module !== undefined && !module.startsWith("--")) {
      const chain = importChain(ours.metafile, module)
      console.log(`\nwhy ${module}:`)
      if (chain === undefined) console.log("  not an input of the bundle")
      else for (const [input, bytes] of chain) console.log(`  ${input} (${bytes} B)`)
    }
  }
  if (outDir !== undefined) console.log(`\nbundles written to ${relative(process.cwd(), outDir) || "."}`)
}

// Bundles the two apps of scripts/bundle-size/ the way scripts/bundle-size.mjs measures them
// (also used by the browser tests, which run both bundles in Chromium).
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..")
// esbuild is a devDependency of packages/browser (pnpm links it there, not at the root).
const { build } = createRequire(join(root, "packages", "browser", "package.json"))("esbuild")

export const apps = [
  { name: "@mcp-effect/browser", entry: "mcp-effect.mjs" },
  { name: "@modelcontextprotocol/sdk", entry: "sdk.mjs" },
  { name: "@mcp-effect/browser, index imports", entry: "mcp-effect-barrel.mjs" }
]

/** The floor: Effect and @effect/platform's fetch HttpClient alone, no MCP (never run). */
export const floorApp = { name: "effect + @effect/platform only", entry: "effect-only.mjs" }

/** The smallest useful app (one callTool) on each: what tree-shaking leaves (bundle.test.ts). */
export const callToolApps = [
  { name: "@mcp-effect/browser", entry: "call-tool.mjs" },
  { name: "@modelcontextprotocol/sdk", entry: "call-tool-sdk.mjs" }
]

// @mcp-effect/browser and its subpaths (`@mcp-effect/browser/BrowserMcpClient`) from the sources its
// `exports` map names: the apps sit outside the package, where pnpm links no @mcp-effect/browser.
const browserPackage = join(root, "packages", "browser")
const browserExports = JSON.parse(readFileSync(join(browserPackage, "package.json"), "utf8")).exports
const browserSources = {
  name: "browser-sources",
  setup(build) {
    build.onResolve({ filter: /^@mcp-effect\/browser(\/|$)/ }, ({ path }) => {
      const entry = browserExports[`.${path.slice("@mcp-effect/browser".length)}`]
      return entry?.source === undefined ? undefined : { path: join(browserPackage, entry.source) }
    })
  }
}

const packageOf = (input) => {
  const at = input.lastIndexOf("node_modules/")
  if (at === -1) return input.startsWith("packages/") ? `@mcp-effect/${input.split("/")[1]}` : input
  const rest = input.slice(at + "node_modules/".length).split("/")
  return rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]
}

/** Minified bytes per package, largest first. */
const packageSizes = (metafile) => {
  const output = Object.values(metafile.outputs)[0]
  const sizes = new Map()
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const name = packageOf(input)
    sizes.set(name, (sizes.get(name) ?? 0) + bytesInOutput)
  }
  return [...sizes].sort((a, b) => b[1] - a[1])
}

/** Minified bytes per input module (file), largest first, with its package. */
const moduleSizes = (metafile) => {
  const output = Object.values(metafile.outputs)[0]
  return Object.entries(output.inputs)
    .filter(([, { bytesInOutput }]) => bytesInOutput > 0)
    .map(([input, { bytesInOutput }]) => [input.replace(/^.*node_modules\//, ""), bytesInOutput])
    .sort((a, b) => b[1] - a[1])
}

/**
 * Why `module` (a path suffix, e.g. "effect/dist/esm/internal/pubsub.js") is in the bundle: the
 * import chain from the app's entry to it, preferring modules that are in the output (a 0-1 BFS:
 * modules in the output cost nothing, modules tree-shaken away cost one), so the chain names who
 * really uses it. `undefined` when no input matches.
 */
export const importChain = (metafile, module) => {
  const inputs = metafile.inputs
  const output = Object.values(metafile.outputs)[0]
  const target = Object.keys(inputs).find((input) => input.endsWith(module))
  if (target === undefined) return undefined
  const cost = new Map([[output.entryPoint, 0]])
  const previous = new Map()
  const deque = [output.entryPoint]
  while (deque.length > 0) {
    const node = deque.shift()
    for (const { path } of inputs[node]?.imports ?? []) {
      if (!(path in inputs)) continue
      const step = output.inputs[path] === undefined ? 1 : 0
      const total = cost.get(node) + step
      if (total < (cost.get(path) ?? Infinity)) {
        cost.set(path, total)
        previous.set(path, node)
        if (step === 0) deque.unshift(path)
        else deque.push(path)
      }
    }
  }
  const chain = []
  for (let at = target; at !== undefined; at = previous.get(at)) {
    chain.unshift([at.replace(/^.*node_modules\//, ""), output.inputs[at]?.bytesInOutput ?? 0])
  }
  return chain
}

/**
 * One app, bundled for the browser: ESM, minified, every dependency included. Our packages come
 * from their sources (the `source` export condition: no build needed), third-party packages from
 * what pnpm installed for packages/browser (its devDependencies pin the SDK).
 */
export const bundleApp = async (app) => {
  const result = await build({
    absWorkingDir: root,
    entryPoints: [join(root, "scripts", "bundle-size", app.entry)],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    legalComments: "none",
    write: false,
    metafile: true,
    logLevel: "silent",
    conditions: ["source"],
    plugins: [browserSources],
    nodePaths: [join(root, "packages", "browser", "node_modules")],
    define: { "process.env.NODE_ENV": "\"production\"" }
  })
  const bytes = result.outputFiles[0].contents
  return {
    ...app,
    code: result.outputFiles[0].text,
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    packages: packageSizes(result.metafile),
    inputs: Object.entries(Object.values(result.metafile.outputs)[0].inputs)
      .filter(([, { bytesInOutput }]) => bytesInOutput > 0)
      .map(([input]) => input),
    modules: moduleSizes(result.metafile),
    metafile: result.metafile
  }
}

export const bundleApps = () => Promise.all(apps.map(bundleApp))

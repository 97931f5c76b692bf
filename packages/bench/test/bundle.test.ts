/**
 * Tree-shaking of the browser package, from esbuild's metafile: an app that only calls a tool
 * (scripts/bundle-size/call-tool.mjs) bundles the client and Effect, and none of the test kit,
 * the CLI, the node package or node-only modules. And the size budget of the typical app
 * (scripts/bundle-size/mcp-effect.mjs), bundled as `pnpm bench:bundle` bundles it.
 */
import { assert, describe, it } from "@effect/vitest"
import { apps, bundleApp, callToolApps } from "../../../scripts/bundle-size/bundle.mjs"

const ours = callToolApps[0]!
const typical = apps.find((app) => app.entry === "mcp-effect.mjs")!

/**
 * The typical app's gzip (-9) budget: the size measured when it was set (docs/browser.md, bundle
 * size) plus a margin of 1 KiB, which the client's ordinary changes fit in (a few hundred bytes
 * each) and a module newly pulled into every bundle does not. Lower it when the bundle shrinks;
 * raising it is a decision to write down in docs/performance.md.
 */
const gzipBudget = 105_799 + 1024

/** Inputs no browser app that only calls a tool may contain. */
const forbidden: ReadonlyArray<readonly [string, RegExp]> = [
  ["the test kit", /\/testing\//],
  ["the CLI", /\/cli\//],
  ["the node package", /^packages\/node\//],
  ["node-only modules", /(^|\/)node_modules\/(undici|@effect\/platform-node)\/|^node:/]
]

describe("the browser bundle of a callTool-only app", () => {
  it("holds the client it uses and none of the test kit, the CLI or node-only code", async () => {
    const bundle = await bundleApp(ours)
    // Not vacuous: the client, its browser layer and Effect's runtime are there.
    for (const needed of ["packages/core/src/McpClient.ts", "packages/browser/src/BrowserMcpClient.ts"]) {
      assert.include(bundle.inputs, needed)
    }
    assert.isTrue(bundle.inputs.some((input) => input.includes("node_modules/effect/")))
    for (const [what, pattern] of forbidden) {
      assert.deepStrictEqual(bundle.inputs.filter((input) => pattern.test(input)), [], `${what} in the bundle`)
    }
  }, 60_000)
})

describe("the browser bundle of the typical app", () => {
  it(`stays within its budget of ${gzipBudget} B gzip`, async () => {
    const bundle = await bundleApp(typical)
    // Not vacuous: the app is there, with its client.
    assert.include(bundle.inputs, "packages/core/src/McpClient.ts")
    assert.isAtMost(
      bundle.gzip,
      gzipBudget,
      `${bundle.gzip} B gzip: see \`pnpm bench:bundle --why\` for the largest modules`
    )
  }, 60_000)
})

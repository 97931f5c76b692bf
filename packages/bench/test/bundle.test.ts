/**
 * Tree-shaking of the browser package, from esbuild's metafile: an app that only calls a tool
 * (scripts/bundle-size/call-tool.mjs) bundles the client and Effect, and none of the test kit,
 * the CLI, the node package or node-only modules. Sizes are reported by `pnpm bench:bundle`.
 */
import { assert, describe, it } from "@effect/vitest"
import { bundleApp, callToolApps } from "../../../scripts/bundle-size/bundle.mjs"

const ours = callToolApps[0]!

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

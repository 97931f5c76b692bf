// @mcp-effect/node as built from another checkout (MCP_EFFECT_BASELINE=<repo dir>, built), for
// side-by-side figures of two versions in one run: `pnpm bench --clients ours,baseline`.
// Driven exactly as `ours.mjs` drives the current build.
import { pathToFileURL } from "node:url"

const dir = process.env.MCP_EFFECT_BASELINE
if (dir === undefined || dir === "") {
  throw new Error("the baseline client needs MCP_EFFECT_BASELINE=<a checkout of mcp-effect, built>")
}
const load = (path) => import(pathToFileURL(`${dir}/${path}`).href)
const core = await load("packages/core/dist/esm/index.js")
const node = await load("packages/node/dist/esm/index.js")
const Context = await load("node_modules/effect/dist/esm/Context.js")
const Effect = await load("node_modules/effect/dist/esm/Effect.js")
const Exit = await load("node_modules/effect/dist/esm/Exit.js")
const Layer = await load("node_modules/effect/dist/esm/Layer.js")
const Scope = await load("node_modules/effect/dist/esm/Scope.js")

export const label = "@mcp-effect/node (baseline build)"

export const recoversItself = true

export async function connect(url, options = {}) {
  const clientOptions = { url, getStream: options.getStream ?? true }
  const scope = Effect.runSync(Scope.make())
  const layer = node.NodeMcpClient.layer(clientOptions)
  const client = Context.get(await Effect.runPromise(Layer.buildWithScope(layer, scope)), core.McpClient.McpClient)
  return {
    call: (name, args, onProgress) =>
      Effect.runPromise(client.callTool(name, args, onProgress === undefined ? undefined : { onProgress })),
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

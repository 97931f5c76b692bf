// The clients under test, by the short name used on the command line and in the results.
export const clients = {
  floor: () => import("./floor.mjs"),
  ours: () => import("./ours.mjs"),
  "ours-auto": () => import("./oursAuto.mjs"),
  baseline: () => import("./baseline.mjs"),
  sdk: () => import("./sdk.mjs"),
  "sdk-v2": () => import("./sdkV2.mjs")
}

export const clientNames = Object.keys(clients)

export const labels = {
  floor: "raw undici (floor)",
  ours: "@mcp-effect/node",
  "ours-auto": "@mcp-effect/node (era auto)",
  baseline: "@mcp-effect/node (baseline build)",
  sdk: "@modelcontextprotocol/sdk",
  "sdk-v2": "@modelcontextprotocol/client (v2)"
}

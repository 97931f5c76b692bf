// ToolkitFromEnv (every layer from the environment) against a real server, and
// docs/configuration.md's key tables are the truth about every layer's Config: every key a table
// lists is read by its config, and every key a config reads is in its table. The browser's
// tables are checked in the browser package (packages/browser/test/config.test.ts).
import { describe, expect, it } from "@effect/vitest"
import { McpToolkit } from "@mcp-effect/ai"
import { EraCache, McpAuth, McpClient, McpConfig } from "@mcp-effect/core"
import { NodeMcpAuth, NodeMcpStdio } from "@mcp-effect/node"
import { NodeMcpTestServer } from "@mcp-effect/node/testing"
import type * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { ToolkitFromEnv } from "../src/configuration.js"
import { root } from "./support/docs.js"

/** The keys of each `### \`X.config\`` table of the page, `HEADERS_<name>` as `HEADERS`. */
const tables = (page: string): ReadonlyMap<string, ReadonlyArray<string>> => {
  const result = new Map<string, Array<string>>()
  let current: Array<string> | undefined
  for (const line of page.split("\n")) {
    const heading = /^### `(\w+)\.config`/.exec(line)
    if (heading !== null) result.set(heading[1], current = [])
    else if (line.startsWith("## ")) current = undefined
    const row = /^\| `([A-Z_]+?)(?:_<name>)?` \|/.exec(line)
    if (row !== null && current !== undefined) current.push(row[1])
  }
  return result
}

const page = readFileSync(join(root, "docs/configuration.md"), "utf8")
const documented = tables(page)

const configs: ReadonlyArray<readonly [string, Config.Config<unknown>]> = [
  ["McpClient", McpClient.config],
  ["NodeMcpStdio", NodeMcpStdio.config],
  ["McpAuth", McpAuth.config],
  ["NodeMcpAuth", NodeMcpAuth.config],
  ["EraCache", EraCache.config],
  ["McpToolkit", McpToolkit.config]
]

describe("docs/configuration.md: the Config keys", () => {
  it("has a table for every layer's config, and the browser's", () => {
    expect([...documented.keys()].sort()).toEqual(
      [...configs.map(([name]) => name), "BrowserMcpClient", "BrowserMcpAuth"].sort()
    )
  })

  it.each(configs)("%s: every documented key is read, every key read is documented", (name, config) => {
    expect([...(documented.get(name) ?? [])].sort()).toEqual([...McpConfig.keys(config)].sort())
  })
})

describe("ToolkitFromEnv", () => {
  it.live("the client, the era cache and the toolkit all read the environment", () =>
    Effect.scoped(Effect.gen(function*() {
      const { server, url } = yield* NodeMcpTestServer.make({ getStream: false })
      const env = new Map([
        ["MCP_URL", url],
        ["MCP_ERA", "auto"],
        ["MCP_GET_STREAM", "false"],
        ["MCP_CLIENT_NAME", "notes-app"],
        ["MCP_CLIENT_VERSION", "1.0.0"],
        ["MCP_AUTH_SCOPE", "notes:read"],
        ["MCP_ERA_CACHE_SEED", `${url}=sessions`],
        ["MCP_TOOLKIT_PREFIX", "notes_"],
        ["MCP_TOOLKIT_TOOLS", "echo,add"]
      ])
      const tools = yield* Effect.flatMap(McpToolkit.McpToolkit, (toolkit) => toolkit.current).pipe(
        Effect.map((snapshot) => Object.keys(snapshot.toolkit.tools)),
        Effect.provide(ToolkitFromEnv),
        Effect.withConfigProvider(ConfigProvider.fromMap(env, { pathDelim: "_" }))
      )
      expect(tools).toEqual(["notes_echo", "notes_add"])
      const log = yield* server.log
      // ERA=auto, but the seeded cache knows the endpoint: the handshake comes first, no probe.
      expect(log[0]).toMatchObject({
        rpcMethod: "initialize",
        message: { params: { clientInfo: { name: "notes-app", version: "1.0.0" } } }
      })
    })))
})

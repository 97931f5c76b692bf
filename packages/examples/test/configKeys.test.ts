// docs/configuration.md's key tables are the truth about every layer's Config: every key a table
// lists is read by its config, and every key a config reads is in its table. The browser's
// tables are checked in the browser package (packages/browser/test/config.test.ts).
import { describe, expect, it } from "@effect/vitest"
import { McpToolkit } from "@mcp-effect/ai"
import { EraCache, McpAuth, McpClient, McpConfig } from "@mcp-effect/core"
import { NodeMcpAuth, NodeMcpStdio } from "@mcp-effect/node"
import type * as Config from "effect/Config"
import { readFileSync } from "node:fs"
import { join } from "node:path"
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

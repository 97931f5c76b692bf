import { fileURLToPath } from "node:url"
import type { ViteUserConfig } from "vitest/config"

const src = (pkg: string, file: string) => fileURLToPath(new URL(`./packages/${pkg}/src/${file}`, import.meta.url))

// Tests run against the sources of the workspace packages, not their build output.
export const shared: ViteUserConfig = {
  resolve: {
    alias: [
      { find: /^@mcp-effect\/core$/, replacement: src("core", "index.ts") },
      { find: /^@mcp-effect\/core\/testing$/, replacement: src("core", "testing/index.ts") },
      // Each module's own entry point (`@mcp-effect/core/McpClient`): the same source file as the index's.
      { find: /^@mcp-effect\/(core|browser)\/([A-Z]\w*)$/, replacement: src("$1", "$2.ts") },
      { find: /^@mcp-effect\/node$/, replacement: src("node", "index.ts") },
      { find: /^@mcp-effect\/node\/testing$/, replacement: src("node", "testing/index.ts") },
      { find: /^@mcp-effect\/browser$/, replacement: src("browser", "index.ts") },
      { find: /^@mcp-effect\/ai$/, replacement: src("ai", "index.ts") }
    ]
  }
}

#!/usr/bin/env node
// The `mcp-effect` command. It is a committed file outside dist/ so that `pnpm install` can link it
// before anything is built (a bin that points into dist/ makes the first install warn "Failed to
// create bin" and leaves no `mcp-effect` in node_modules/.bin); it runs the built CLI, or says how
// to build it.
import { existsSync } from "node:fs"

const main = new URL("../dist/esm/cli/main.js", import.meta.url)
if (existsSync(main)) {
  await import(main.href)
} else {
  process.stderr.write(
    "mcp-effect: the CLI is not built yet (no dist/esm/cli/main.js in @mcp-effect/node).\n" +
      "In the repository, build it with `sh scripts/pnpm.sh build` (or `npm start`), then run it again.\n"
  )
  process.exitCode = 1
}

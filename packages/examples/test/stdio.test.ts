// docs/stdio.md's example, run against the official SDK's stdio server (a real process).
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { fileURLToPath } from "node:url"
import { vi } from "vitest"
import { FilesServer, program } from "../src/stdio.js"

vi.setConfig({ testTimeout: 30_000 })

const server = fileURLToPath(new URL("../../node/test/support/sdkStdioServer.mjs", import.meta.url))

describe("stdio (docs/stdio.md)", () => {
  it.live("connects to a local server, lists and calls its tools", () =>
    Effect.gen(function*() {
      const result = yield* program
      expect(result.server).toBe("sdk-test-server")
      expect(result.tools).toBeGreaterThan(3)
      expect(result.echo).toEqual([{ type: "text", text: "hello" }])
    }).pipe(Effect.provide(FilesServer(process.execPath, [server]))))
})

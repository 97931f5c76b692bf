import { describe, expect, it } from "@effect/vitest"
import { McpClient, McpHttp } from "@mcp-effect/core"
import { McpTestServer } from "@mcp-effect/core/testing"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { testedApp, toolNames } from "../src/authorization.js"

describe("authorization (docs/authorization.md)", () => {
  it.scoped("the tested app authorizes once and calls the tool", () =>
    Effect.gen(function*() {
      const { result, stats } = yield* testedApp
      expect(result.content).toEqual([{ type: "text", text: "authorized" }])
      expect(stats).toMatchObject({ registrations: 1, authorizations: 1, codeGrants: 1 })
    }))

  it.scoped("toolNames lists the tools of an unprotected server as they are", () =>
    Effect.gen(function*() {
      const names = yield* toolNames.pipe(
        Effect.provide(
          McpClient.layer({ url: McpTestServer.inMemoryUrl }).pipe(
            Layer.provide(McpHttp.layerHttpClient),
            Layer.provide(McpTestServer.layerInMemory())
          )
        )
      )
      expect(names).toContain("echo")
    }))
})

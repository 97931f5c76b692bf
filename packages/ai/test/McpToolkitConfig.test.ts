// McpToolkit.config: every key through the toolkit a client on the test server builds.
import { describe, expect, it } from "@effect/vitest"
import { McpToolkit } from "@mcp-effect/ai"
import { McpClient, McpHttp } from "@mcp-effect/core"
import { McpTestServer } from "@mcp-effect/core/testing"
import * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

const toolkitConfig = Config.nested(McpToolkit.config, "MCP_TOOLKIT")
const env = (entries: ReadonlyArray<readonly [string, string]>) =>
  ConfigProvider.fromMap(new Map(entries.map(([key, value]) => [`MCP_TOOLKIT_${key}`, value])), { pathDelim: "_" })

/** The toolkit's current tool names, built by `layerConfig` from `entries` over `options`. */
const toolNames = (entries: ReadonlyArray<readonly [string, string]>, options?: McpToolkit.Options) =>
  Effect.gen(function*() {
    const server = yield* McpTestServer.make({ getStream: false })
    const client = yield* McpClient.make({ url: McpTestServer.inMemoryUrl, getStream: false }).pipe(
      Effect.provideService(McpHttp.McpHttp, McpHttp.fromHttpClient(McpTestServer.httpClient(server)))
    )
    const snapshot = yield* Effect.flatMap(McpToolkit.McpToolkit, (toolkit) => toolkit.current).pipe(
      Effect.provide(
        McpToolkit.layerConfig(toolkitConfig, options).pipe(Layer.provide(Layer.succeed(McpClient.McpClient, client)))
      ),
      Effect.withConfigProvider(env(entries))
    )
    return Object.keys(snapshot.toolkit.tools)
  })

describe("McpToolkit.config", () => {
  it.scoped("PREFIX, TOOLS and EXCLUDE_TOOLS pick and name the tools", () =>
    Effect.gen(function*() {
      const all = yield* toolNames([])
      expect(all).toEqual(McpTestServer.defaultTools.map((tool) => tool.name))
      expect(yield* toolNames([["PREFIX", "notes_"], ["TOOLS", "echo,add,fail"], ["EXCLUDE_TOOLS", "fail"]]))
        .toEqual(["notes_echo", "notes_add"])
      expect(yield* toolNames([["EXCLUDE_TOOLS", "echo"]])).toEqual(all.filter((name) => name !== "echo"))
      // A key that is set wins over the options; one that is not leaves them alone.
      expect(yield* toolNames([["TOOLS", "echo"]], { prefix: "code_", filter: McpToolkit.byName(["add"]) }))
        .toEqual(["code_echo"])
    }))

  it.effect("FOLLOW=false turns following off (the option `follow: false`)", () =>
    Effect.gen(function*() {
      const options = yield* toolkitConfig.pipe(Effect.withConfigProvider(env([["FOLLOW", "false"]])))
      expect(options).toStrictEqual({ follow: false })
    }))

  it.effect.each(
    [
      ["FOLLOW", "sometimes"]
    ] as const
  )("%s=%s fails with a ConfigError naming the key", ([key, value]) =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(toolkitConfig.pipe(Effect.withConfigProvider(env([[key, value]]))))
      expect(error).toMatchObject({ _tag: "ConfigError", _op: "InvalidData", path: ["MCP_TOOLKIT", key] })
    }))
})

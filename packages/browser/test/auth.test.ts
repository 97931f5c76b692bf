import { assert, describe, it } from "@effect/vitest"
import { BrowserMcpAuth } from "@mcp-effect/browser"
import { McpAuth, McpClient, McpHttp } from "@mcp-effect/core"
import { McpTestAuth, McpTestServer } from "@mcp-effect/core/testing"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

describe("McpAuth in Chromium", () => {
  it.effect("storageStore keeps values in sessionStorage under its prefix", () =>
    Effect.gen(function*() {
      const store = BrowserMcpAuth.storageStore(globalThis.sessionStorage, "test:")
      yield* store.set("grant:x", "v1")
      assert.strictEqual(globalThis.sessionStorage.getItem("test:grant:x"), "v1")
      assert.strictEqual(yield* store.get("grant:x"), "v1")
      yield* store.remove("grant:x")
      assert.strictEqual(yield* store.get("grant:x"), undefined)
    }))

  it.live("authorizes with PKCE (Web Crypto of the browser) and keeps the token in sessionStorage", () =>
    Effect.gen(function*() {
      globalThis.sessionStorage.clear()
      const mcp = yield* McpTestServer.make()
      const as = yield* McpTestAuth.makeServer()
      const network = as.wrap(McpHttp.fromHttpClient(McpTestServer.httpClient(mcp)))
      const context = yield* Layer.build(
        McpAuth.layer({ applicationType: "web" }).pipe(
          Layer.provide(Layer.mergeAll(
            Layer.succeed(McpHttp.McpHttp, network),
            BrowserMcpAuth.layerSessionStorage(),
            McpTestAuth.layerHeadless({ redirectUri: `${globalThis.location.origin}/callback` }).pipe(
              Layer.provide(Layer.succeed(McpHttp.McpHttp, network))
            )
          ))
        )
      )
      const client = yield* McpClient.make({ url: as.resource, getStream: false }).pipe(
        Effect.provideService(McpHttp.McpHttp, Context.get(context, McpHttp.McpHttp))
      )
      const result = yield* client.callTool("echo", { text: "from the browser" })
      assert.deepStrictEqual(result.content, [{ type: "text", text: "from the browser" }])
      const stats = yield* as.stats
      assert.strictEqual(stats.codeGrants, 1)
      assert.include(globalThis.sessionStorage.getItem(`mcp-effect:auth:grant:${as.resource}`) ?? "", "access_token")
    }).pipe(Effect.scoped))
})

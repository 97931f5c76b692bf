import { describe, expect, it } from "@effect/vitest"
import { McpTestServer } from "@mcp-effect/core/testing"
import { NodeMcpTestServer } from "@mcp-effect/node/testing"
import * as Effect from "effect/Effect"
import { main } from "../src/quickstart.js"
import { captureConsole } from "./support/console.js"

// The README's program, over real HTTP (undici) against the test server on 127.0.0.1.
describe("quickstart (README)", () => {
  it.live("lists the tools and calls echo", () =>
    Effect.scoped(Effect.gen(function*() {
      const { url } = yield* NodeMcpTestServer.make()
      const { lines } = yield* captureConsole(main(url))
      expect(lines[0]).toBe("tools: echo, add, slow, fail, elicit")
      expect(lines[1]).toContain("hello")
    })))

  it.live("the call survives the server forgetting the session in between", () =>
    Effect.scoped(Effect.gen(function*() {
      const { server, url } = yield* NodeMcpTestServer.make()
      // The session ends just as `tools/call` arrives: that POST is answered 404.
      yield* server.inject(McpTestServer.Fault.ExpireSession({}), { rpcMethod: "tools/call" })
      const { lines } = yield* captureConsole(main(url))
      expect(lines[1]).toContain("hello")
      expect(yield* server.initializeCount).toBe(2)
      const calls = (yield* server.log).filter((e) => e.rpcMethod === "tools/call").map((e) => e.status)
      expect(calls).toEqual([404, 200])
    })))
})

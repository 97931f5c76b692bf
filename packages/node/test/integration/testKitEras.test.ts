// The test kit's server in each protocol generation (`McpTestServer` `era` option), over real HTTP
// on 127.0.0.1, and the same application code against all three: the client finds the generation
// by itself (the default `era: "auto"`), and the app does not change.
import { describe, expect, it } from "@effect/vitest"
import type { McpClient, McpSchema } from "@mcp-effect/core"
import { EraCache } from "@mcp-effect/core"
import type { McpTestServer } from "@mcp-effect/core/testing"
import { NodeMcpTestServer } from "@mcp-effect/node/testing"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { vi } from "vitest"
import { bounded, connect } from "../support/live.js"

vi.setConfig({ testTimeout: 30_000 })

/** The application: what it does is the same whatever the server speaks. */
const app = (client: McpClient.Service, server: McpTestServer.Handle) =>
  Effect.gen(function*() {
    const tools = yield* client.listAllTools()
    const called = yield* client.callTool("add", { a: 20, b: 22 })
    // The `elicit` tool asks the user; the app's elicitation handler answers (MRTR in 2026-07-28).
    const elicited = yield* client.callTool("elicit", { message: "your name?" })
    // A resource subscription: the update reaches `client.notifications`.
    const updated = yield* Deferred.make<McpSchema.ServerNotification>()
    const subscribed = yield* Deferred.make<void>()
    yield* client.notifications.pipe(
      Stream.onStart(Deferred.succeed(subscribed, undefined)),
      Stream.filter((n) => n.method === "notifications/resources/updated"),
      Stream.runForEach((n) => Deferred.succeed(updated, n)),
      Effect.forkScoped
    )
    yield* Deferred.await(subscribed)
    yield* client.subscribeResource("test://hello")
    yield* server.updateResource("test://other")
    yield* server.updateResource("test://hello")
    const update = yield* Deferred.await(updated)
    return { tools: tools.map((t) => t.name), called, elicited, update }
  })

const handlers: McpClient.Handlers = {
  elicitation: (request) =>
    Effect.succeed({ action: "accept", content: { name: `Ada (asked: ${String(request.message)})` } })
}

describe.each(
  [
    ["sessions", "2025-11-25"],
    ["stateless", "2026-07-28"],
    // The 2024-11-05 transport; the version is negotiated in `initialize` as ever.
    ["http-sse", "2025-11-25"]
  ] as const
)("the test kit's server, era %s", (era, version) => {
  it.live("the same app: tools, a call, elicitation, a resource subscription", () =>
    Effect.gen(function*() {
      const { server, url } = yield* NodeMcpTestServer.make({ era })
      const client = yield* connect({ url, handlers }).pipe(
        Effect.provideService(EraCache.EraCache, EraCache.makeMemory())
      )
      const session = yield* client.session
      expect(session.era).toBe(era)
      expect(session.protocolVersion).toBe(version)
      const result = yield* app(client, server)
      expect(result.tools).toEqual(["echo", "add", "slow", "fail", "elicit"])
      expect(result.called.structuredContent).toEqual({ sum: 42 })
      expect(result.elicited.content).toEqual([{
        type: "text",
        text: JSON.stringify({ action: "accept", content: { name: "Ada (asked: your name?)" } })
      }])
      expect(result.update.params).toMatchObject({ uri: "test://hello" })
      // And each generation's wire was the one spoken.
      const log = yield* server.log
      const methods = log.map((entry) => `${entry.httpMethod} ${entry.rpcMethod ?? ""}`.trim())
      if (era === "stateless") {
        expect(methods).not.toContain("POST initialize")
        expect(methods).toContain("POST subscriptions/listen")
        const calls = log.filter((entry) => entry.rpcMethod === "tools/call")
        // The elicit call took two rounds: input_required, then the retry with the answer.
        expect(calls.map((entry) => entry.requestId)).toHaveLength(3)
        expect(JSON.stringify(calls[2]?.message)).toContain("inputResponses")
      } else if (era === "http-sse") {
        expect(methods.filter((m) => m === "GET")).toHaveLength(1)
        expect(log.find((entry) => entry.rpcMethod === "tools/call")?.url).toMatch(/\?sessionId=/)
      } else {
        expect(methods).toContain("POST resources/subscribe")
      }
    }).pipe(Effect.scoped, bounded(`the app against the ${era} server`)))
})

// @modelcontextprotocol/server-everything, the official reference server, as a real peer: a child
// process in streamable-http mode on 127.0.0.1 (see support/everythingServer.ts).
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { vi } from "vitest"
import { everythingServer } from "../support/everythingServer.js"
import { connect } from "../support/live.js"

// A child process on a shared machine: generous for vitest.
vi.setConfig({ testTimeout: 60_000 })

describe("server-everything as a peer", () => {
  it.scoped("the client lists its tools and calls them", () =>
    Effect.gen(function*() {
      const server = yield* everythingServer()
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/)
      const client = yield* connect({ url: server.url, requestTimeout: "20 seconds" })
      const session = yield* client.session
      expect(session.serverInfo.name).toMatch(/everything/i)
      expect(session.sessionId).toBeDefined()

      const tools = yield* client.listAllTools()
      const names = tools.map((tool) => tool.name)
      // Without sampling / elicitation / roots handlers, the tools that need them are hidden.
      expect(names).toEqual(expect.arrayContaining(["echo", "get-sum"]))
      expect(names).not.toContain("trigger-sampling-request")

      const echo = yield* client.callTool("echo", { message: "over real HTTP" })
      expect(echo.content).toEqual([{ type: "text", text: "Echo: over real HTTP" }])
      const sum = yield* client.callTool("get-sum", { a: 2, b: 40 })
      expect(sum.content).toEqual([{ type: "text", text: "The sum of 2 and 40 is 42." }])
      // Bad arguments are the server's answer (a tool error or a JSON-RPC error), never a transport problem.
      const bad = yield* Effect.either(client.callTool("get-sum", { a: "two" }))
      if (bad._tag === "Left") expect(bad.left._tag).toBe("JsonRpcError")
      else expect(bad.right.isError).toBe(true)
    }))

  it.scoped("listens on 127.0.0.1 only", () =>
    Effect.gen(function*() {
      const server = yield* everythingServer()
      expect(server.host).toBe("127.0.0.1")
      const { networkInterfaces } = yield* Effect.promise(() => import("node:os"))
      const external = Object.values(networkInterfaces()).flat().find((i) => i?.family === "IPv4" && !i.internal)
      // And, where the machine has an external IPv4 address, nothing answers there.
      if (external === undefined) return
      const reached = yield* Effect.promise(() =>
        fetch(`http://${external.address}:${server.port}/mcp`, { method: "GET" }).then(() => true, () => false)
      )
      expect(reached).toBe(false)
    }))
})

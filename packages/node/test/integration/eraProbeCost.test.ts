// What era detection (the default `era: "auto"`) costs against a session-era server, over real
// HTTP on 127.0.0.1: one probe per endpoint and process, however many clients start together.
import { describe, expect, it } from "@effect/vitest"
import { NodeMcpTestServer } from "@mcp-effect/node/testing"
import * as Effect from "effect/Effect"
import { vi } from "vitest"
import { bounded, connect } from "../support/live.js"

vi.setConfig({ testTimeout: 30_000 })

describe("what detection costs against a session-era server", () => {
  it.live("one probe per endpoint and process: clients starting together wait for the first one's decision", () =>
    Effect.gen(function*() {
      const { server, url } = yield* NodeMcpTestServer.make()
      // The process's own cache (no EraCache provided): a fresh server is an endpoint never seen.
      const clients = yield* Effect.all(Array.from({ length: 5 }, () => connect({ url })), { concurrency: "unbounded" })
      yield* connect({ url })
      for (const client of clients) expect((yield* client.session).era).toBe("sessions")
      const posts = (yield* server.log).filter((entry) => entry.httpMethod === "POST")
      const discover = posts.filter((entry) => entry.rpcMethod === "server/discover")
      expect(discover).toHaveLength(1)
      // The session-era server refuses the probe without a 2026-07-28 error: the session era, then.
      expect(discover[0]?.status).toBe(400)
      expect(posts.filter((entry) => entry.rpcMethod === "initialize")).toHaveLength(6)
    }).pipe(Effect.scoped, bounded("six clients of one endpoint")))
})

// 2026-07-28: a broken answer stream (cut before the response) is re-issued as a new request with
// a new JSON-RPC id only where the replay policy allows (the same policy as session loss), else
// the call fails with RequestLost. Over real HTTP against the test kit's server in its stateless
// mode, whose `CloseStream` fault ends a call's SSE answer before the response (the handler ran).
import { describe, expect, it } from "@effect/vitest"
import { Recovery } from "@mcp-effect/core"
import { McpTestServer } from "@mcp-effect/core/testing"
import { NodeMcpTestServer } from "@mcp-effect/node/testing"
import * as Effect from "effect/Effect"
import { vi } from "vitest"
import { bounded, connect } from "../support/live.js"

vi.setConfig({ testTimeout: 30_000 })

/** Two tools that count their runs: one read-only, one with side effects. */
const counting = () => {
  const runs = { lookup: 0, charge: 0 }
  const tools: ReadonlyArray<McpTestServer.Tool> = [
    {
      name: "lookup",
      annotations: { readOnlyHint: true },
      handler: () => Effect.sync(() => ({ content: [{ type: "text", text: `lookup #${++runs.lookup}` }] }))
    },
    {
      name: "charge",
      annotations: { destructiveHint: true },
      handler: () => Effect.sync(() => ({ content: [{ type: "text", text: `charge #${++runs.charge}` }] }))
    }
  ]
  return { runs, tools }
}

const cutNextCall = McpTestServer.Fault.CloseStream({ afterEvents: 0 })

const calls = (server: McpTestServer.Handle) =>
  Effect.map(server.log, (log) => log.filter((entry) => entry.rpcMethod === "tools/call"))

describe("stateless era: a broken answer stream", () => {
  it.live("a read-only tool's call is re-issued with a new id and answers", () =>
    Effect.gen(function*() {
      const { runs, tools } = counting()
      const { server, url } = yield* NodeMcpTestServer.make({ era: "stateless", tools })
      const client = yield* connect({ url, era: "stateless" })
      yield* server.inject(cutNextCall, { rpcMethod: "tools/call" })
      const result = yield* client.callTool("lookup", {})
      expect(result.content).toEqual([{ type: "text", text: "lookup #2" }])
      const sent = yield* calls(server)
      expect(sent).toHaveLength(2)
      expect(sent[0]?.fault).toBe("CloseStream")
      expect(sent[1]?.requestId).not.toEqual(sent[0]?.requestId)
      expect(runs.lookup).toBe(2)
    }).pipe(Effect.scoped, bounded("a re-issued read")))

  it.live("a tool with side effects is not sent twice: RequestLost, caused by the cut stream", () =>
    Effect.gen(function*() {
      const { runs, tools } = counting()
      const { server, url } = yield* NodeMcpTestServer.make({ era: "stateless", tools })
      const client = yield* connect({ url, era: "stateless" })
      yield* server.inject(cutNextCall, { rpcMethod: "tools/call" })
      const error = yield* Effect.flip(client.callTool("charge", {}))
      expect(error._tag).toBe("RequestLost")
      expect(error).toMatchObject({ method: "tools/call", tool: "charge" })
      expect(error._tag === "RequestLost" ? error.cause : undefined).toMatchObject({
        _tag: "TransportError",
        phase: "response"
      })
      expect(yield* calls(server)).toHaveLength(1)
      expect(runs.charge).toBe(1)
    }).pipe(Effect.scoped, bounded("a lost write")))

  it.live("the application's replay policy decides, as for a lost session", () =>
    Effect.gen(function*() {
      const { runs, tools } = counting()
      const { server, url } = yield* NodeMcpTestServer.make({ era: "stateless", tools })
      const client = yield* connect({
        url,
        era: "stateless",
        recovery: { replay: Recovery.replay({ tools: { charge: true, lookup: false } }) }
      })
      yield* server.inject(cutNextCall, { rpcMethod: "tools/call" })
      expect((yield* client.callTool("charge", {})).content).toEqual([{ type: "text", text: "charge #2" }])
      yield* server.inject(cutNextCall, { rpcMethod: "tools/call" })
      const lost = yield* Effect.flip(client.callTool("lookup", {}))
      expect(lost._tag).toBe("RequestLost")
      expect(runs).toEqual({ lookup: 1, charge: 2 })
    }).pipe(Effect.scoped, bounded("the app's policy")))
})

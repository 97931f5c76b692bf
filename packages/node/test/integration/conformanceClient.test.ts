// The generic conformance client (scripts/conformance-client runs it on the built packages; here it
// runs on the sources): its argument synthesis, its elicitation answers, and whole runs against the
// official SDK server and against our test server expiring the session mid-run.
import { describe, expect, it } from "@effect/vitest"
import { McpTestServer } from "@mcp-effect/core/testing"
import { NodeMcpTestServer } from "@mcp-effect/node/testing"
import * as Effect from "effect/Effect"
import { vi } from "vitest"
import { elicitationContent, runConformanceClient, synthesize } from "../support/conformance.mjs"
import { bounded, sdkServer } from "../support/live.js"

// Real HTTP on a shared machine: generous for vitest; `bounded` reports a hang first, and says what hung.
vi.setConfig({ testTimeout: 30_000 })

describe("synthesize (tool arguments from an input schema)", () => {
  it("default, then const, then enum[0], then examples[0], then a value of the type", () => {
    expect(synthesize({ type: "string", default: "d", enum: ["a"] })).toBe("d")
    expect(synthesize({ const: 7, type: "number" })).toBe(7)
    expect(synthesize({ type: "string", enum: ["a", "b"] })).toBe("a")
    expect(synthesize({ type: "string", examples: ["ex"] })).toBe("ex")
    expect(synthesize({ type: "string" })).toBe("test")
    expect(synthesize({ type: "integer" })).toBe(1)
    expect(synthesize({ type: "number" })).toBe(1)
    expect(synthesize({ type: "boolean" })).toBe(true)
    expect(synthesize({ type: "null" })).toBeNull()
    expect(synthesize({ type: ["null", "string"] })).toBe("test")
  })

  it("respects bounds and formats", () => {
    expect(synthesize({ type: "integer", minimum: 5 })).toBe(5)
    expect(synthesize({ type: "integer", exclusiveMinimum: 5 })).toBe(6)
    expect(synthesize({ type: "number", maximum: 0.5 })).toBe(0.5)
    expect(synthesize({ type: "integer", minimum: -3, maximum: -1 })).toBe(-1)
    expect(synthesize({ type: "string", minLength: 10 })).toHaveLength(10)
    expect(synthesize({ type: "string", maxLength: 2 })).toBe("te")
    expect(synthesize({ type: "string", format: "email" })).toBe("user@example.com")
    expect(synthesize({ type: "string", format: "date-time" })).toBe("2025-01-01T00:00:00Z")
    expect(synthesize({ type: "array", items: { type: "integer" }, minItems: 2 })).toEqual([1, 1])
    expect(synthesize({ type: "array", items: { type: "integer" } })).toEqual([])
  })

  it("objects get their required properties and the ones with defaults, recursively", () => {
    expect(synthesize({
      type: "object",
      properties: {
        a: { type: "number" },
        b: { type: "number" },
        mode: { type: "string", enum: ["fast", "slow"] },
        verbose: { type: "boolean", default: false },
        nested: { type: "object", properties: { id: { type: "string" } }, required: ["id"] },
        optional: { type: "string" }
      },
      required: ["a", "b", "mode", "nested"]
    })).toEqual({ a: 1, b: 1, mode: "fast", verbose: false, nested: { id: "test" } })
    expect(synthesize({ type: "object" })).toEqual({})
    expect(synthesize({ required: ["x"] })).toEqual({ x: "test" })
  })

  it("follows local $refs and picks the first non-null alternative", () => {
    expect(synthesize({
      type: "object",
      properties: { item: { $ref: "#/$defs/Item" } },
      required: ["item"],
      $defs: { Item: { type: "object", properties: { n: { type: "integer", minimum: 3 } }, required: ["n"] } }
    })).toEqual({ item: { n: 3 } })
    expect(synthesize({ anyOf: [{ type: "null" }, { type: "integer" }] })).toBe(1)
    expect(synthesize({ oneOf: [{ type: "string", format: "uri" }] })).toBe("https://example.com")
    expect(synthesize({ allOf: [{ type: "object", required: ["a"] }, { type: "object", required: ["b"] }] }))
      .toEqual({ a: "test", b: "test" })
    expect(synthesize({ type: "string", oneOf: [{ const: "x", title: "X" }, { const: "y", title: "Y" }] }))
      .toBe("x")
  })
})

describe("elicitationContent (accepting a form as it is)", () => {
  it("every field with a default, typed as the field says (SEP-1034)", () => {
    expect(elicitationContent({
      type: "object",
      properties: {
        name: { type: "string", default: "John Doe" },
        age: { type: "integer", default: 30 },
        score: { type: "number", default: 95.5 },
        status: { type: "string", enum: ["active", "inactive"], default: "active" },
        verified: { type: "boolean", default: true },
        nickname: { type: "string" }
      },
      required: []
    })).toEqual({ name: "John Doe", age: 30, score: 95.5, status: "active", verified: true })
  })

  it("coerces defaults written with the wrong JSON type, and fills required fields without one", () => {
    expect(elicitationContent({
      type: "object",
      properties: {
        count: { type: "integer", default: "3" },
        on: { type: "boolean", default: "false" },
        label: { type: "string", default: 12 },
        email: { type: "string", format: "email" },
        level: { type: "string", enum: ["low", "high"] },
        tags: { type: "array", items: { type: "string", enum: ["a", "b"] }, minItems: 1 }
      },
      required: ["email", "level", "tags"]
    })).toEqual({ count: 3, on: false, label: "12", email: "user@example.com", level: "low", tags: ["a"] })
  })
})

describe("runConformanceClient", () => {
  it.live("calls every tool of the official SDK server (stateful, SSE), elicitation included, then DELETEs", () =>
    Effect.gen(function*() {
      const server = yield* sdkServer({ stateful: true, json: false })
      const lines: Array<string> = []
      const result = yield* Effect.promise(() => runConformanceClient(server.url, { log: (line) => lines.push(line) }))
      expect(result).toEqual({
        ok: true,
        tools: ["echo", "add", "progress", "elicit", "close_stream"],
        failures: [],
        error: undefined
      })
      expect(lines).toContain("elicitation accepted with {}")
      expect(lines.filter((line) => line.endsWith(" ok"))).toHaveLength(5)
      const log = server.requests()
      expect(log.filter((r) => r.rpcMethod === "tools/call")).toHaveLength(5)
      expect(log.at(-1)).toMatchObject({ method: "DELETE", status: 200 })
      expect(server.sessionIds()).toEqual([])
    }).pipe(Effect.scoped, bounded("conformance run")))

  it.live("survives the session expiring mid-run: recovers by itself, every call succeeds", () =>
    Effect.gen(function*() {
      const tools = McpTestServer.defaultTools.filter((tool) => tool.name === "echo" || tool.name === "add")
      const { server, url } = yield* NodeMcpTestServer.make({ answers: "sse", tools })
      // The first tools/call meets an expired session (404): the client must re-initialize and re-send.
      yield* server.inject(McpTestServer.Fault.ExpireSession({}), { rpcMethod: "tools/call" })
      const lines: Array<string> = []
      const result = yield* Effect.promise(() => runConformanceClient(url, { log: (line) => lines.push(line) }))
      expect(result).toEqual({ ok: true, tools: ["echo", "add"], failures: [], error: undefined })
      expect(yield* server.initializeCount).toBe(2)
      expect(lines.some((line) => line.includes("expired (404); recovering"))).toBe(true)
      expect(lines.some((line) => line.startsWith("recovered: new session"))).toBe(true)
      const log = yield* server.log
      const calls = log.filter((entry) => entry.rpcMethod === "tools/call")
      expect(calls.map((entry) => entry.status)).toEqual([404, 200, 200])
      const deletes = log.filter((entry) => entry.httpMethod === "DELETE")
      expect(deletes).toHaveLength(1)
      expect(deletes[0]?.sessionId).toBe(calls[2]?.sessionId)
      expect(yield* server.sessions).toEqual([])
    }).pipe(Effect.scoped, bounded("conformance run with expiry")))

  it.live("exits not ok when a call fails (isError), and when the server is not there", () =>
    Effect.gen(function*() {
      const tools = McpTestServer.defaultTools.filter((tool) => tool.name === "echo" || tool.name === "fail")
      const { url } = yield* NodeMcpTestServer.make({ tools })
      const lines: Array<string> = []
      const result = yield* Effect.promise(() => runConformanceClient(url, { log: (line) => lines.push(line) }))
      expect(result).toMatchObject({ ok: false, tools: ["echo", "fail"], failures: ["fail"] })
      const gone = yield* Effect.promise(() => runConformanceClient("http://127.0.0.1:9/mcp", { log: () => undefined }))
      expect(gone.ok).toBe(false)
      expect(gone.error).toMatch(/^TransportError/)
    }).pipe(Effect.scoped, bounded("failing runs")))
})

import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Excerpt from "../../src/internal/excerpt.js"
import * as McpTestServer from "../../src/testing/McpTestServer.js"
import { setup } from "../support/harness.js"

describe("internal/excerpt", () => {
  describe("text", () => {
    const cases: ReadonlyArray<{
      readonly name: string
      readonly input: string
      readonly max: number
      readonly text: string
      readonly cutFrom: number | undefined
    }> = [
      { name: "short: kept whole", input: "Method not found", max: 100, text: "Method not found", cutFrom: undefined },
      { name: "exactly the limit: kept whole", input: "abcd", max: 4, text: "abcd", cutFrom: undefined },
      { name: "one over: cut, full length recorded", input: "abcde", max: 4, text: "abcd", cutFrom: 5 },
      {
        name: "3 MiB: cut to the limit",
        input: "x".repeat(3 * 1024 * 1024),
        max: 4096,
        text: "x".repeat(4096),
        cutFrom: 3 * 1024 * 1024
      },
      // "😀" is two UTF-16 units: cutting between them would leave a lone surrogate.
      { name: "never half a surrogate pair", input: "ab😀cd", max: 3, text: "ab", cutFrom: 6 },
      { name: "a whole pair at the end is kept", input: "ab😀cd", max: 4, text: "ab😀", cutFrom: 6 },
      { name: "empty", input: "", max: 0, text: "", cutFrom: undefined }
    ]
    for (const c of cases) {
      it(c.name, () => {
        const result = Excerpt.text(c.input, c.max)
        expect(result).toEqual({ text: c.text, cutFrom: c.cutFrom })
        expect(result.text.length).toBeLessThanOrEqual(Math.max(c.max, 0))
      })
    }
  })

  describe("json", () => {
    const nested = { errors: [{ path: "/a", message: "must be a string" }], retryable: false }
    const cases: ReadonlyArray<{
      readonly name: string
      readonly input: unknown
      readonly max: number
      readonly value: unknown
      readonly cutFrom: number | undefined
    }> = [
      { name: "a small object: kept as it is", input: nested, max: 1000, value: nested, cutFrom: undefined },
      { name: "a number", input: 42, max: 10, value: 42, cutFrom: undefined },
      { name: "null", input: null, max: 10, value: null, cutFrom: undefined },
      {
        name: "a large object: the start of its JSON text",
        input: { detail: "y".repeat(100) },
        max: 20,
        value: `{"detail":"yyyyyyyyy`,
        cutFrom: 113
      },
      {
        name: "a large string: the start of its JSON text (quoted)",
        input: "z".repeat(50),
        max: 10,
        value: `"zzzzzzzzz`,
        cutFrom: 52
      }
    ]
    for (const c of cases) {
      it(c.name, () => {
        const result = Excerpt.json(c.input, c.max)
        expect(result).toEqual({ value: c.value, cutFrom: c.cutFrom })
        // What is kept is bounded: the value itself within the limit, or a string of at most the limit.
        const kept = result.cutFrom === undefined ? JSON.stringify(result.value) : result.value
        expect(typeof kept === "string" && kept.length <= c.max).toBe(true)
      })
    }
  })

  it.scoped("a server's 3 MiB error message and data reach the caller cut, with their sizes", () =>
    Effect.gen(function*() {
      const message = "m".repeat(3 * 1024 * 1024)
      const data = { trace: "d".repeat(1024 * 1024) }
      const { client } = yield* setup({
        tools: [{
          name: "fails",
          handler: () => Effect.fail(new McpTestServer.RpcError({ code: -32000, message, data }))
        }]
      }, { maxMessageSize: 8 * 1024 * 1024 })
      const error = yield* Effect.flip(client.callTool("fails", {}))
      expect(error._tag).toBe("JsonRpcError")
      if (error._tag !== "JsonRpcError") return
      expect(error.code).toBe(-32000)
      expect(error.description).toBe(message.slice(0, Excerpt.MAX_ERROR_MESSAGE))
      expect(error.descriptionLength).toBe(message.length)
      expect(error.data).toBe(JSON.stringify(data).slice(0, Excerpt.MAX_ERROR_DATA))
      expect(error.dataLength).toBe(JSON.stringify(data).length)
      // What the caller prints is bounded too.
      expect(error.message.length).toBeLessThan(Excerpt.MAX_ERROR_MESSAGE + 200)
      expect(error.message).toContain(`(cut; ${message.length} characters in all)`)
    }))

  it.scoped("a server's ordinary error is kept exactly as it was sent", () =>
    Effect.gen(function*() {
      const data = { errors: [{ path: "/text", message: "required" }] }
      const { client } = yield* setup({
        tools: [{
          name: "fails",
          handler: () => Effect.fail(new McpTestServer.RpcError({ code: -32602, message: "Invalid params", data }))
        }]
      })
      const error = yield* Effect.flip(client.callTool("fails", {}))
      expect(error).toMatchObject({ _tag: "JsonRpcError", code: -32602, description: "Invalid params", data })
      if (error._tag !== "JsonRpcError") return
      expect(error.descriptionLength).toBeUndefined()
      expect(error.dataLength).toBeUndefined()
    }))
})

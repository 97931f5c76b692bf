import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as JsonRpc from "../src/JsonRpc.js"

const valid: ReadonlyArray<readonly [string, unknown]> = [
  ["request", { jsonrpc: "2.0", id: 1, method: "tools/list" }],
  ["request with string id and params", { jsonrpc: "2.0", id: "a-1", method: "tools/call", params: { name: "x" } }],
  ["request with array params", { jsonrpc: "2.0", id: 0, method: "m", params: [1, 2] }],
  ["notification", { jsonrpc: "2.0", method: "notifications/initialized" }],
  ["notification with params", { jsonrpc: "2.0", method: "notifications/progress", params: { progress: 1 } }],
  ["success", { jsonrpc: "2.0", id: 7, result: { tools: [] } }],
  ["success with null result", { jsonrpc: "2.0", id: 7, result: null }],
  ["failure", { jsonrpc: "2.0", id: "x", error: { code: -32601, message: "Method not found" } }],
  ["failure with data", { jsonrpc: "2.0", id: 3, error: { code: -32602, message: "bad", data: { why: 1 } } }],
  ["failure with null id", { jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } }]
]

const invalid: ReadonlyArray<readonly [string, unknown, string]> = [
  ["not an object", "hello", "JSON object"],
  ["null", null, "JSON object"],
  ["an array", [], "array"],
  ["missing jsonrpc", { id: 1, method: "m" }, "jsonrpc"],
  ["wrong jsonrpc", { jsonrpc: "1.0", id: 1, method: "m" }, "jsonrpc"],
  ["numeric jsonrpc", { jsonrpc: 2, id: 1, method: "m" }, "jsonrpc"],
  ["method not a string", { jsonrpc: "2.0", id: 1, method: 5 }, "method"],
  ["params a string", { jsonrpc: "2.0", id: 1, method: "m", params: "p" }, "params"],
  ["params null", { jsonrpc: "2.0", method: "m", params: null }, "params"],
  ["request id boolean", { jsonrpc: "2.0", id: true, method: "m" }, "id"],
  ["request id object", { jsonrpc: "2.0", id: {}, method: "m" }, "id"],
  ["request id null", { jsonrpc: "2.0", id: null, method: "m" }, "id"],
  ["both result and error", { jsonrpc: "2.0", id: 1, result: {}, error: { code: 1, message: "x" } }, "both"],
  ["neither method, result nor error", { jsonrpc: "2.0", id: 1 }, "not a request"],
  ["success without id", { jsonrpc: "2.0", result: {} }, "id"],
  ["success with null id", { jsonrpc: "2.0", id: null, result: {} }, "id"],
  ["success with boolean id", { jsonrpc: "2.0", id: false, result: {} }, "id"],
  ["failure with boolean id", { jsonrpc: "2.0", id: false, error: { code: 1, message: "x" } }, "id"],
  ["error not an object", { jsonrpc: "2.0", id: 1, error: "boom" }, "error"],
  ["error code missing", { jsonrpc: "2.0", id: 1, error: { message: "x" } }, "error.code"],
  ["error code fractional", { jsonrpc: "2.0", id: 1, error: { code: 1.5, message: "x" } }, "error.code"],
  ["error code a string", { jsonrpc: "2.0", id: 1, error: { code: "1", message: "x" } }, "error.code"],
  ["error message missing", { jsonrpc: "2.0", id: 1, error: { code: 1 } }, "error.message"]
]

describe("JsonRpc.decodeMessage", () => {
  it.each(valid)("accepts a %s and returns the same object", (_, input) => {
    const result = JsonRpc.decodeMessage(input)
    expect(Either.isRight(result)).toBe(true)
    if (Either.isRight(result)) expect(result.right).toBe(input)
  })

  it.each(invalid)("rejects %s", (_, input, mention) => {
    const result = JsonRpc.decodeMessage(input)
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) expect(result.left).toContain(mention)
  })

  it("agrees with the JsonRpcMessage schema on every sample", () => {
    const decode = Schema.decodeUnknownEither(JsonRpc.JsonRpcMessage)
    for (const [name, input] of valid) {
      expect([name, Either.isRight(decode(input))]).toEqual([name, true])
    }
    for (const [name, input] of invalid) {
      expect([name, Either.isRight(decode(input))]).toEqual([name, false])
    }
  })

  it("classifies with the guards", () => {
    const kinds = valid.map(([name, input]) => {
      const m = Either.getOrThrow(JsonRpc.decodeMessage(input))
      return [
        name,
        JsonRpc.isRequest(m),
        JsonRpc.isNotification(m),
        JsonRpc.isResponse(m),
        JsonRpc.isSuccess(m),
        JsonRpc.isFailure(m)
      ]
    })
    expect(kinds).toEqual([
      ["request", true, false, false, false, false],
      ["request with string id and params", true, false, false, false, false],
      ["request with array params", true, false, false, false, false],
      ["notification", false, true, false, false, false],
      ["notification with params", false, true, false, false, false],
      ["success", false, false, true, true, false],
      ["success with null result", false, false, true, true, false],
      ["failure", false, false, true, false, true],
      ["failure with data", false, false, true, false, true],
      ["failure with null id", false, false, true, false, true]
    ])
  })
})

describe("JsonRpc.parseMessage", () => {
  it("parses one message", () => {
    expect(JsonRpc.parseMessage("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}")).toEqual(
      Either.right({ jsonrpc: "2.0", id: 1, result: {} })
    )
  })

  it("parses a batch of valid messages", () => {
    const text = JSON.stringify([
      { jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: 1, progress: 1 } },
      { jsonrpc: "2.0", id: 1, result: {} }
    ])
    const result = JsonRpc.parseMessage(text)
    expect(Either.isRight(result) && Array.isArray(result.right) && result.right.length).toBe(2)
  })

  it("rejects text that is not JSON without throwing", () => {
    const result = JsonRpc.parseMessage("{not json")
    expect(Either.isLeft(result) && result.left).toMatch(/^invalid JSON: /)
    expect(Either.isLeft(JsonRpc.parseMessage(""))).toBe(true)
  })

  it("rejects an invalid message", () => {
    expect(JsonRpc.parseMessage("{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":\"m\"}")).toEqual(
      Either.left("request \"id\" must be a string or a number")
    )
    expect(Either.isLeft(JsonRpc.parseMessage("42"))).toBe(true)
  })

  it("drops __proto__ keys, spelt literally or with escapes, so no decoded object gets a foreign prototype", () => {
    for (const key of ["__proto__", "\\u005f_proto__", "__pr\\u006fto__"]) {
      const text = `{"jsonrpc":"2.0","id":1,"result":{"content":[],"${key}":{"isError":"yes"},"n":{"${key}":[]}}}`
      const result = JsonRpc.parseMessage(text)
      expect(Either.isRight(result)).toBe(true)
      const message = Either.getOrThrow(result)
      const inner = "result" in message ? message.result : undefined
      expect(inner).toStrictEqual({ content: [], n: {} })
      expect(Object.getPrototypeOf(inner)).toBe(Object.prototype)
    }
    // Unicode escapes elsewhere still parse normally.
    expect(JsonRpc.parseMessage("{\"jsonrpc\":\"2.0\",\"method\":\"caf\\u00e9\"}")).toEqual(
      Either.right({ jsonrpc: "2.0", method: "café" })
    )
  })

  it("rejects an empty batch and a batch with an invalid element", () => {
    expect(JsonRpc.parseMessage("[]")).toEqual(Either.left("empty batch"))
    const text = JSON.stringify([{ jsonrpc: "2.0", id: 1, result: {} }, { jsonrpc: "2.0", id: 2 }])
    const result = JsonRpc.parseMessage(text)
    expect(Either.isLeft(result) && result.left).toMatch(/^batch element 1: /)
  })
})

describe("JsonRpc constructors", () => {
  it("build plain messages without absent keys", () => {
    expect(JsonRpc.request(1, "ping")).toStrictEqual({ jsonrpc: "2.0", id: 1, method: "ping" })
    expect(JsonRpc.request("a", "tools/call", { name: "t" })).toStrictEqual({
      jsonrpc: "2.0",
      id: "a",
      method: "tools/call",
      params: { name: "t" }
    })
    expect(JsonRpc.notification("notifications/initialized")).toStrictEqual({
      jsonrpc: "2.0",
      method: "notifications/initialized"
    })
    expect(JsonRpc.notification("n", { a: 1 })).toStrictEqual({ jsonrpc: "2.0", method: "n", params: { a: 1 } })
    expect(JsonRpc.success(2, {})).toStrictEqual({ jsonrpc: "2.0", id: 2, result: {} })
    expect(JsonRpc.failure(null, JsonRpc.ErrorCode.ParseError, "Parse error")).toStrictEqual({
      jsonrpc: "2.0",
      id: null,
      error: { code: -32700, message: "Parse error" }
    })
    expect(JsonRpc.failure(3, JsonRpc.ErrorCode.ResourceNotFound, "nope", { uri: "x" })).toStrictEqual({
      jsonrpc: "2.0",
      id: 3,
      error: { code: -32002, message: "nope", data: { uri: "x" } }
    })
  })

  it("encode and parseMessage round trip every constructor's output", () => {
    const messages = [
      JsonRpc.request(1, "ping"),
      JsonRpc.notification("n", [1]),
      JsonRpc.success("s", { ok: true }),
      JsonRpc.failure(4, JsonRpc.ErrorCode.UrlElicitationRequired, "go there", { elicitations: [] })
    ]
    for (const m of messages) {
      expect(JsonRpc.parseMessage(JsonRpc.encode(m))).toEqual(Either.right(m))
    }
    expect(JsonRpc.parseMessage(JsonRpc.encode(messages))).toEqual(Either.right(messages))
  })

  it("exposes the error codes", () => {
    expect(JsonRpc.ErrorCode).toEqual({
      ParseError: -32700,
      InvalidRequest: -32600,
      MethodNotFound: -32601,
      InvalidParams: -32602,
      InternalError: -32603,
      UrlElicitationRequired: -32042,
      ResourceNotFound: -32002
    })
  })
})

describe("JsonRpc schemas", () => {
  it("decode each kind into the matching member", () => {
    const decode = Schema.decodeUnknownSync(JsonRpc.JsonRpcMessage)
    expect(decode({ jsonrpc: "2.0", id: 1, method: "m" })).toStrictEqual({ jsonrpc: "2.0", id: 1, method: "m" })
    expect(decode({ jsonrpc: "2.0", id: null, error: { code: 1, message: "x" } })).toStrictEqual({
      jsonrpc: "2.0",
      id: null,
      error: { code: 1, message: "x" }
    })
  })

  it("require `result` on a success", () => {
    expect(Either.isLeft(Schema.decodeUnknownEither(JsonRpc.JsonRpcSuccess)({ jsonrpc: "2.0", id: 1 }))).toBe(true)
  })

  it("reject a notification carrying an id and a non-integer error code", () => {
    const notification = Schema.decodeUnknownEither(JsonRpc.JsonRpcNotification)
    expect(Either.isLeft(notification({ jsonrpc: "2.0", id: 1, method: "m" }))).toBe(true)
    const failure = Schema.decodeUnknownEither(JsonRpc.JsonRpcFailure)
    expect(Either.isLeft(failure({ jsonrpc: "2.0", id: 1, error: { code: 0.5, message: "x" } }))).toBe(true)
  })
})

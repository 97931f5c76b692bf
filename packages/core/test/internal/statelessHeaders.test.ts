import { describe, expect, it } from "@effect/vitest"
import * as Headers from "../../src/internal/http/stateless/headers.js"

const schema = (properties: Record<string, unknown>) => ({ type: "object", properties })

describe("2026-07-28 headers: x-mcp-header validation (SH L376–409)", () => {
  const cases: ReadonlyArray<readonly [string, Record<string, unknown>, "Valid" | "Invalid"]> = [
    ["a string, an integer, a boolean", {
      a: { type: "string", "x-mcp-header": "Region" },
      b: { type: "integer", "x-mcp-header": "Priority" },
      c: { type: "boolean", "x-mcp-header": "Verbose" },
      d: { type: "number" }
    }, "Valid"],
    ["empty", { a: { type: "string", "x-mcp-header": "" } }, "Invalid"],
    ["on an object", { a: { type: "object", "x-mcp-header": "Data" } }, "Invalid"],
    ["on an array", { a: { type: "array", "x-mcp-header": "Items" } }, "Invalid"],
    ["on null", { a: { type: "null", "x-mcp-header": "Nil" } }, "Invalid"],
    ["on a number", { a: { type: "number", "x-mcp-header": "Score" } }, "Invalid"],
    ["duplicate, same case", {
      a: { type: "string", "x-mcp-header": "Region" },
      b: { type: "string", "x-mcp-header": "Region" }
    }, "Invalid"],
    ["duplicate, other case", {
      a: { type: "string", "x-mcp-header": "MyField" },
      b: { type: "string", "x-mcp-header": "myfield" }
    }, "Invalid"],
    ["a space", { a: { type: "string", "x-mcp-header": "My Region" } }, "Invalid"],
    ["a colon", { a: { type: "string", "x-mcp-header": "Region:Primary" } }, "Invalid"],
    ["non-ASCII", { a: { type: "string", "x-mcp-header": "Région" } }, "Invalid"],
    ["a tab", { a: { type: "string", "x-mcp-header": "Region\t1" } }, "Invalid"],
    ["nested below properties", {
      a: { type: "object", properties: { b: { type: "string", "x-mcp-header": "B" } } }
    }, "Invalid"]
  ]
  for (const [name, properties, expected] of cases) {
    it(name, () => expect(Headers.validate(schema(properties))._tag).toBe(expected))
  }

  it("names the mirrors of a valid tool", () =>
    expect(Headers.validate(schema({ q: { type: "string", "x-mcp-header": "Query" } }))).toEqual({
      _tag: "Valid",
      mirrors: [{ property: "q", header: "Query" }]
    }))
})

describe("2026-07-28 headers: values (SH L469–566)", () => {
  const cases: ReadonlyArray<readonly [unknown, string | undefined]> = [
    ["us-west1", "us-west1"],
    ["us west 1", "us west 1"],
    ["", ""],
    [42, "42"],
    [false, "false"],
    [true, "true"],
    [3.5, undefined],
    [null, undefined],
    [undefined, undefined],
    ["Hello, 世界", "=?base64?SGVsbG8sIOS4lueVjA==?="],
    [" padded ", "=?base64?IHBhZGRlZCA=?="],
    ["line1\nline2", "=?base64?bGluZTEKbGluZTI=?="],
    ["line1\r\nline2", "=?base64?bGluZTENCmxpbmUy?="],
    ["\tindented", "=?base64?CWluZGVudGVk?="],
    ["=?base64?abc?=", "=?base64?PT9iYXNlNjQ/YWJjPz0=?="]
  ]
  for (const [value, expected] of cases) {
    it(JSON.stringify(value) ?? "undefined", () => expect(Headers.encodeValue(value)).toBe(expected))
  }

  it("Mcp-Method, Mcp-Name and the mirrored arguments of a tool call", () =>
    expect(
      Headers.forRequest("tools/call", { name: "t", arguments: { q: "x y", n: null, other: 1 } }, [
        { property: "q", header: "Query" },
        { property: "n", header: "N" }
      ])
    ).toEqual({ "mcp-method": "tools/call", "mcp-name": "t", "mcp-param-query": "x y" }))

  it("Mcp-Name is the URI of resources/read, absent for lists", () => {
    expect(Headers.forRequest("resources/read", { uri: "file:///a" }, undefined)["mcp-name"]).toBe("file:///a")
    expect(Headers.forRequest("tools/list", {}, undefined)).toEqual({ "mcp-method": "tools/list" })
  })
})

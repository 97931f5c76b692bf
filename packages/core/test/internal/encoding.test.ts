import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Encoding from "../../src/internal/http/encoding.js"
import type * as McpHttp from "../../src/McpHttp.js"

// Compressed bodies as a backend that does not decode them hands them on: bytes decoded as UTF-8.
const asText = (bytes: ReadonlyArray<number>) => new TextDecoder().decode(new Uint8Array(bytes))

describe("internal/encoding", () => {
  const samples: ReadonlyArray<readonly [string, string, boolean]> = [
    ["a JSON body", `{"jsonrpc":"2.0","id":1,"result":{}}`, false],
    ["a JSON batch after whitespace", `\r\n\t [{"jsonrpc":"2.0"}]`, false],
    ["an SSE body", "event: message\ndata: {}\n\n", false],
    ["an SSE comment with a BOM", "\uFEFF: ping\n\n", false],
    ["non-ASCII text", `{"text":"héllo 😀"}`, false],
    ["gzip (1F 8B 08 ...)", asText([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0x03, 0xab, 0x56]), true],
    ["zlib deflate (78 9C ...)", asText([0x78, 0x9c, 0xab, 0x56, 0xca, 0x2a]), true],
    ["brotli (1B 4D 00 ...)", asText([0x1b, 0x4d, 0x00, 0xf8, 0x2d, 0x0e]), true]
  ]
  it.each(samples)("%s: looks encoded = %s", (_, text, encoded) => {
    expect(Encoding.looksEncoded(text)).toBe(encoded)
  })

  it("declared: the coding unless none or identity, trimmed and lower-cased", () => {
    expect(Encoding.declared({})).toBeUndefined()
    expect(Encoding.declared({ "content-encoding": "identity" })).toBeUndefined()
    expect(Encoding.declared({ "content-encoding": " GZIP " })).toBe("gzip")
  })

  const response = (headers: Record<string, string>, pieces: Array<string>) => {
    let discarded = 0
    const self: McpHttp.Response = {
      status: 200,
      headers,
      read: Effect.sync(() => pieces.shift()),
      discard: Effect.sync(() => {
        discarded++
      })
    }
    return { self, discarded: () => discarded }
  }
  const readAll = (r: McpHttp.Response) =>
    Effect.gen(function*() {
      const out: Array<string> = []
      for (let piece = yield* r.read; piece !== undefined; piece = yield* r.read) out.push(piece)
      return out
    })

  it.effect("a plain body that declares an encoding is read whole, its first piece first", () =>
    Effect.gen(function*() {
      const { self } = response({ "content-encoding": "gzip" }, ["{\"a\":", "1}"])
      const checked = yield* Encoding.checked(self, (e) => e, () => "failure")
      expect(yield* readAll(checked)).toEqual(["{\"a\":", "1}"])
    }))

  it.effect("a body without one is the response itself, nothing read", () =>
    Effect.gen(function*() {
      const { self } = response({}, ["x"])
      expect(yield* Encoding.checked(self, (e) => e, () => "failure")).toBe(self)
    }))

  it.effect("a compressed body fails with its coding, and is released", () =>
    Effect.gen(function*() {
      const { discarded, self } = response({ "content-encoding": "br" }, [asText([0x1b, 0x4d, 0x00])])
      const result = yield* Effect.either(Encoding.checked(self, (e) => `encoded: ${e}`, () => "failure"))
      expect(result).toEqual(Either.left("encoded: br"))
      expect(discarded()).toBe(1)
    }))
})

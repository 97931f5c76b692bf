import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Stream from "effect/Stream"
import * as Sse from "../../src/internal/sse.js"

const encoder = new TextEncoder()

const parse = (chunks: ReadonlyArray<string>, maxEventSize = 1024) =>
  Stream.fromIterable(chunks.map((c) => encoder.encode(c))).pipe(
    Sse.decode(maxEventSize, (description) => description),
    Stream.runCollect,
    Effect.map(Chunk.toReadonlyArray),
    Effect.either
  )

describe("internal/sse", () => {
  it.effect("parses events with id, event type and multi-line data", () =>
    Effect.gen(function*() {
      const result = yield* parse(["id: 1\nevent: message\ndata: a\ndata: b\n\n", "data: c\n\n"])
      expect(result).toEqual(Either.right([
        { _tag: "Event", id: "1", event: "message", data: "a\nb" },
        { _tag: "Event", id: undefined, event: "message", data: "c" }
      ]))
    }))

  it.effect("reports priming events (id, empty data) and retry values", () =>
    Effect.gen(function*() {
      const result = yield* parse(["id: s1:0\nretry: 500\ndata:\n\n"])
      expect(result).toEqual(Either.right([
        { _tag: "Retry", millis: 500 },
        { _tag: "Event", id: "s1:0", event: "message", data: "" }
      ]))
    }))

  it.effect("handles CRLF, CR and line endings split across chunks", () =>
    Effect.gen(function*() {
      const result = yield* parse(["data: x\r", "\ndata: y\r\r", "data: z\r\n", "\r\n"])
      expect(result).toEqual(Either.right([
        { _tag: "Event", id: undefined, event: "message", data: "x\ny" },
        { _tag: "Event", id: undefined, event: "message", data: "z" }
      ]))
    }))

  it.effect("ignores comments, unknown fields, invalid retry and drops an unterminated event", () =>
    Effect.gen(function*() {
      const result = yield* parse([": keep-alive\nfoo: bar\nretry: soon\ndata: ok\n\ndata: cut"])
      expect(result).toEqual(Either.right([{ _tag: "Event", id: undefined, event: "message", data: "ok" }]))
    }))

  it.effect("fails with the caller's error when an event exceeds the maximum size", () =>
    Effect.gen(function*() {
      const big = "x".repeat(600)
      const result = yield* parse([`data: ${big}\n`, `data: ${big}\n\n`], 1000)
      expect(Either.isLeft(result)).toBe(true)
      const line = yield* parse(["data: " + "y".repeat(2000)], 1000)
      expect(Either.isLeft(line)).toBe(true)
    }))
})

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

/** Feeds `text` to a fresh parser in pieces of `piece` characters, as a network would deliver it. */
const feedInPieces = (text: string, piece: number, maxEventSize: number) => {
  const parser = Sse.makeParser(maxEventSize)
  const out: Array<Sse.SseMessage> = []
  let fed = 0
  let maxHeld = 0
  let error: string | undefined = undefined
  for (let i = 0; i < text.length && error === undefined; i += piece) {
    const chunk = text.slice(i, i + piece)
    fed += chunk.length
    error = parser.feed(chunk, out)
    maxHeld = Math.max(maxHeld, parser.held())
  }
  return { out, fed, maxHeld, error, heldAtEnd: parser.held() }
}

const KiB = 1024
const event = (data: string): Sse.SseMessage => ({ _tag: "Event", id: undefined, event: "message", data })

describe("internal/sse: long lines and the size bound", () => {
  // Each case: the input, how it is cut, the limit; the outcome, and a bound on what the parser
  // held (its memory) and on how much it read before failing.
  const limit = 64 * KiB
  const cases: ReadonlyArray<{
    readonly name: string
    readonly text: string
    readonly piece: number
    readonly outcome: ReadonlyArray<Sse.SseMessage> | "too large"
    /** Upper bound on the characters held at any time. */
    readonly maxHeld: number
    /** Upper bound on the characters read before the failure (a too-large event only). */
    readonly maxFed?: number
  }> = [
    {
      name: "one long data line in 1,000 pieces",
      text: `data: ${"a".repeat(limit - 1)}\n\n`,
      piece: 67,
      outcome: [event("a".repeat(limit - 1))],
      maxHeld: limit + 6
    },
    {
      name: "a long line whose CRLF is split between pieces",
      text: `data: ${"b".repeat(5000)}\r\n\r\ndata: c\r\n\r\n`,
      piece: 5007,
      outcome: [event("b".repeat(5000)), event("c")],
      maxHeld: 5000 + 7
    },
    {
      name: "an event exactly at the limit, line cut just before its end",
      text: `data: ${"d".repeat(limit - 1)}\n\n`,
      piece: limit + 5,
      outcome: [event("d".repeat(limit - 1))],
      maxHeld: limit + 6
    },
    {
      name: "an event one character over the limit, line cut just before its end",
      text: `data: ${"e".repeat(limit)}\n\n`,
      piece: limit + 6,
      outcome: "too large",
      maxHeld: limit + 6,
      maxFed: limit + 6
    },
    {
      name: "a line 64 times the limit: rejected as soon as the limit is passed",
      text: `data: ${"f".repeat(64 * limit)}\n\n`,
      piece: 4 * KiB,
      outcome: "too large",
      maxHeld: limit + 4 * KiB + 6,
      maxFed: limit + 4 * KiB + 6
    },
    {
      name: "many data lines past the limit: rejected at the line that passes it",
      text: `data: ${"g".repeat(1000)}\n`.repeat(200) + "\n",
      piece: 4 * KiB,
      outcome: "too large",
      maxHeld: limit + 4 * KiB + 6,
      maxFed: limit + 2 * 4 * KiB
    },
    {
      name: "a comment line past the limit is not held either",
      text: `: ${"h".repeat(4 * limit)}\ndata: ok\n\n`,
      piece: 4 * KiB,
      outcome: "too large",
      maxHeld: limit + 4 * KiB + 6,
      maxFed: limit + 4 * KiB + 6
    },
    {
      name: "many events under the limit: nothing held between them",
      text: `data: ${"i".repeat(limit / 2)}\n\n`.repeat(20),
      piece: 1000,
      outcome: Array.from({ length: 20 }, () => event("i".repeat(limit / 2))),
      maxHeld: limit / 2 + 1000
    }
  ]

  for (const c of cases) {
    it(c.name, () => {
      const result = feedInPieces(c.text, c.piece, limit)
      if (c.outcome === "too large") {
        expect(result.error).toMatch(/exceeded the maximum size of 65536 characters/)
        expect(result.fed).toBeLessThanOrEqual(c.maxFed ?? Infinity)
      } else {
        expect(result.error).toBeUndefined()
        expect(result.out).toEqual(c.outcome)
        expect(result.heldAtEnd).toBe(0)
      }
      expect(result.maxHeld).toBeLessThanOrEqual(c.maxHeld)
    })
  }
})

// Framing of stdout, table-driven: the decoder alone (every way bytes can arrive), then real
// processes that write split lines, batched lines, garbage, a 10 MiB line, a line that never ends
// and a stderr flood — each answered in bounded time and memory.
import { describe, expect, it } from "@effect/vitest"
import type { McpSchema } from "@mcp-effect/core"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Logger from "effect/Logger"
import * as Stream from "effect/Stream"
import * as v8 from "node:v8"
import * as vm from "node:vm"
import { vi } from "vitest"
import * as Framing from "../../src/internal/stdio/framing.js"
import { bounded } from "../support/live.js"
import { connectStdio, forkSubscribed, rawStdioServer, textOf } from "../support/stdio.js"

vi.setConfig({ testTimeout: 60_000 })

const bytes = (text: string) => new TextEncoder().encode(text)
const decode = (chunks: ReadonlyArray<string | Uint8Array>, max = 1024): Array<Framing.Frame> => {
  const lines = new Framing.Lines(max)
  const frames: Array<Framing.Frame> = []
  for (const chunk of chunks) lines.push(typeof chunk === "string" ? bytes(chunk) : chunk, (f) => frames.push(f))
  lines.end((f) => frames.push(f))
  return frames
}
const ping = (id: number) => JSON.stringify({ jsonrpc: "2.0", id, method: "ping" })
const result = (id: number | string, text: string) => JSON.stringify({ jsonrpc: "2.0", id, result: { text } })
const tagsOf = (frames: ReadonlyArray<Framing.Frame>) => frames.map((f) => f._tag)

describe("stdio framing: the decoder", () => {
  const euro = bytes("{\"jsonrpc\":\"2.0\",\"method\":\"n\",\"params\":{\"v\":\"€\"}}\n")
  it.each([
    { name: "one message, one chunk", chunks: [ping(1) + "\n"], tags: ["Message"] },
    {
      name: "split in three chunks",
      chunks: [ping(1).slice(0, 5), ping(1).slice(5, 20), ping(1).slice(20) + "\n"],
      tags: ["Message"]
    },
    {
      name: "three in one chunk",
      chunks: [ping(1) + "\n" + ping(2) + "\n" + ping(3) + "\n"],
      tags: ["Message", "Message", "Message"]
    },
    { name: "a newline alone in a chunk", chunks: [ping(1), "\n"], tags: ["Message"] },
    { name: "CRLF and blank lines", chunks: [ping(1) + "\r\n\r\n\n" + ping(2) + "\r\n"], tags: ["Message", "Message"] },
    {
      name: "a UTF-8 character split between chunks",
      chunks: [euro.subarray(0, 44), euro.subarray(44)],
      tags: ["Message"]
    },
    { name: "the last line without its newline", chunks: [ping(1) + "\n" + ping(2)], tags: ["Message", "Message"] },
    { name: "plain text", chunks: ["Server started on stdio\n"], tags: ["Malformed"] },
    {
      name: "broken JSON between messages",
      chunks: [ping(1) + "\n{\"jsonrpc\":\n" + ping(2) + "\n"],
      tags: ["Message", "Malformed", "Message"]
    },
    { name: "JSON that is not JSON-RPC", chunks: ["{\"hello\":1}\n"], tags: ["Malformed"] },
    { name: "a batch", chunks: [`[${ping(1)},${ping(2)}]\n`], tags: ["Message", "Message"] },
    {
      name: "a line too large, then a message",
      chunks: [result(7, "x".repeat(2000)) + "\n" + ping(2) + "\n"],
      tags: ["TooLarge", "Message"]
    }
  ])("$name", ({ chunks, tags }) => {
    expect(tagsOf(decode(chunks))).toEqual(tags)
  })

  it("a line too large is reported with its size and, from its ends, the id it answered", () => {
    const frames = decode([result(7, "x".repeat(5000)) + "\n", result("a\"b", "y".repeat(5000)) + "\n"])
    expect(frames).toMatchObject([
      { _tag: "TooLarge", id: 7, size: result(7, "x".repeat(5000)).length },
      { _tag: "TooLarge", id: "a\"b" }
    ])
    // Id last (as the SDK writes responses): found at the end; a nested id is never taken.
    const idLast = JSON.stringify({ result: { id: 99, text: "z".repeat(5000) }, jsonrpc: "2.0", id: 8 })
    const nestedOnly = JSON.stringify({ jsonrpc: "2.0", result: { text: "z".repeat(5000), id: 99 } })
    expect(decode([idLast + "\n", nestedOnly + "\n"])).toMatchObject([
      { _tag: "TooLarge", id: 8 },
      { _tag: "TooLarge", id: undefined }
    ])
  })

  it("a never-ending line in many chunks keeps at most the maximum, and the stream goes on after it", () => {
    const lines = new Framing.Lines(64 * 1024)
    const frames: Array<Framing.Frame> = []
    const chunk = new Uint8Array(1 << 16).fill(0x79)
    for (let i = 0; i < 1024; i++) lines.push(chunk, (f) => frames.push(f)) // 64 MiB, no newline
    expect(frames).toEqual([])
    lines.push(bytes("\n" + ping(1) + "\n"), (f) => frames.push(f))
    expect(frames).toMatchObject([{ _tag: "TooLarge", size: 64 * 1024 * 1024, id: undefined }, { _tag: "Message" }])
  })
})

interface LogLine {
  readonly message: string
  readonly annotations: Record<string, unknown>
}

/** Log lines the client wrote, as text, with their annotations; `keep` says which are kept. */
const captured = (keep: (line: LogLine) => boolean = () => true) => {
  const lines: Array<LogLine> = []
  const logger = Logger.make(({ annotations, message }) => {
    const record: Record<string, unknown> = {}
    for (const [key, value] of annotations) record[key] = value
    const line = { message: Array.isArray(message) ? message.join(" ") : String(message), annotations: record }
    if (keep(line)) lines.push(line)
  })
  return { lines, layer: Logger.replace(Logger.defaultLogger, logger) }
}

// A full collection before each sample: what is measured is what is kept, not garbage not yet collected.
v8.setFlagsFromString("--expose-gc")
const gc: unknown = vm.runInNewContext("gc")

/** Peak growth of the memory this process keeps (heap + buffers) while `effect` runs, in MiB. */
const peakGrowth = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const used = () => {
      if (typeof gc === "function") gc()
      const m = process.memoryUsage()
      return m.heapUsed + m.arrayBuffers
    }
    const before = used()
    let peak = before
    const sampler = yield* Effect.fork(
      Effect.forever(Effect.zipRight(Effect.sync(() => (peak = Math.max(peak, used()))), Effect.sleep("100 millis")))
    )
    const value = yield* effect
    yield* Fiber.interrupt(sampler)
    return { value, mib: (peak - before) / (1024 * 1024) }
  })

describe("stdio framing: real processes", () => {
  it.live("split lines, batched lines, garbage: every call answered, the garbage logged as warnings", () => {
    const logs = captured()
    return Effect.gen(function*() {
      const client = yield* connectStdio({ command: process.execPath, args: [rawStdioServer] })
      const notes = yield* forkSubscribed(client.notifications, (s) => Stream.runCollect(Stream.take(s, 3)))
      expect(textOf(yield* client.callTool("split", { text: "across chunks" }))).toBe("across chunks")
      expect(textOf(yield* client.callTool("batched", { text: "after three notes" }))).toBe("after three notes")
      const received = [...(yield* Fiber.join(notes))]
      expect(received.map((n: McpSchema.ServerNotification) => n._tag)).toEqual([
        "LoggingMessage",
        "LoggingMessage",
        "LoggingMessage"
      ])
      expect(textOf(yield* client.callTool("garbage", { text: "still fine" }))).toBe("still fine")
      const warnings = logs.lines.filter((l) => l.message === "ignored a line of stdout that is not JSON-RPC")
      expect(warnings.map((w) => w.annotations.line)).toEqual([
        "Server listening (a stray console.log)",
        "{\"jsonrpc\": \"2.0\", broken",
        "[1, 2, 3]"
      ])
      expect(warnings.every((w) => w.annotations["mcp.server"] === "node")).toBe(true)
    }).pipe(Effect.scoped, Effect.provide(logs.layer), bounded("split, batched, garbage", "30 seconds"))
  })

  it.live("a 10 MiB line: over the maximum, the call it answers fails typed and the session goes on; under it, it arrives whole", () =>
    Effect.gen(function*() {
      const small = yield* connectStdio({
        command: process.execPath,
        args: [rawStdioServer],
        maxMessageSize: 1024 * 1024
      })
      const tooLarge = yield* peakGrowth(Effect.flip(small.callTool("big", { bytes: 10 * 1024 * 1024 })))
      expect(tooLarge.value).toMatchObject({
        _tag: "ProtocolError",
        violation: "MessageTooLarge",
        method: "tools/call"
      })
      // Kept: about the 1 MiB maximum (and the chunks in hand), never the 10 MiB line.
      expect(tooLarge.mib).toBeLessThan(8)
      expect(textOf(yield* small.callTool("echo", { text: "after" }))).toBe("after")

      const large = yield* connectStdio({
        command: process.execPath,
        args: [rawStdioServer],
        maxMessageSize: 16 * 1024 * 1024
      })
      expect(textOf(yield* large.callTool("big", { bytes: 10 * 1024 * 1024 })).length).toBe(10 * 1024 * 1024)
    }).pipe(Effect.scoped, bounded("10 MiB line", "40 seconds")))

  it.live("a line that never ends (64 MiB): the call times out typed, memory stays bounded, the session goes on", () =>
    Effect.gen(function*() {
      const client = yield* connectStdio({
        command: process.execPath,
        args: [rawStdioServer],
        maxMessageSize: 1024 * 1024
      })
      // The server says when the line has ended (a notification after it), so that what follows is not inside it.
      const ended = yield* forkSubscribed(client.notifications, (s) => Stream.runDrain(Stream.take(s, 1)))
      const endless = yield* peakGrowth(Effect.flip(client.callTool("endless", { mib: 64 }, { timeout: "3 seconds" })))
      expect(endless.value).toMatchObject({ _tag: "RequestTimeout", method: "tools/call" })
      // Bounded: well under the 64 MiB the server writes. (Measured 0.2-2 MiB on a quiet branch and
      // 21-24 MiB in the merged suite under load, where other files' workers run beside it: the
      // sampler sees the pipe's and the parser's chunks in flight; see the stop note.)
      expect(endless.mib).toBeLessThan(32)
      yield* Fiber.join(ended)
      expect(textOf(yield* client.callTool("echo", { text: "after" }))).toBe("after")
    }).pipe(Effect.scoped, bounded("never-ending line", "40 seconds")))

  it.live("a stderr flood (16 MiB, and one 1 MiB line): logged line by line, cut, bounded, the call answered", () => {
    // Counted, not kept (the test would hold the flood itself): every line's server and length checked.
    let count = 0
    let wellFormed = true
    const logs = captured((line) => {
      if (line.annotations["mcp.server.stream"] !== "stderr") return false
      count++
      wellFormed &&= line.annotations["mcp.server"] === "raw" && line.message.length <= 2002
      return line.message.length > 1000 || line.message === "last stderr line"
    })
    return Effect.gen(function*() {
      const client = yield* connectStdio({
        command: process.execPath,
        args: [rawStdioServer],
        name: "raw",
        stderr: "Info"
      })
      const flood = yield* peakGrowth(client.callTool("flood", { mib: 16 }))
      expect(textOf(flood.value)).toBe("flooded")
      expect(flood.mib).toBeLessThan(8)
      expect(count).toBeGreaterThan(16 * 1024)
      expect(wellFormed).toBe(true)
      // The 1 MiB line, cut; then the last line, whole.
      expect(logs.lines.map((l) => l.message.length)).toEqual([2002, "last stderr line".length])
    }).pipe(Effect.scoped, Effect.provide(logs.layer), bounded("stderr flood", "40 seconds"))
  })
})

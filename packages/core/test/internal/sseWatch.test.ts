// `Sse.events(...).watch`: an SSE body read by callbacks (the GET stream's reader, which holds no
// fiber while the stream is idle), on a body the test pushes by hand.
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Sse from "../../src/internal/sse.js"

/** A body that pushes: the test hands it pieces; it keeps them while paused, as a backend does. */
class PushedBody {
  sink: Sse.Sink<string> | undefined = undefined
  paused = true
  aborted = false
  private held: Array<string> = []
  private over: "end" | { readonly failure: string } | undefined = undefined

  readonly read = Effect.dieMessage("a pushed body is not read")
  readonly discard = Effect.void

  stream(sink: Sse.Sink<string>): Sse.BodyStream {
    this.sink = sink
    return this
  }
  pause(): void {
    this.paused = true
  }
  resume(): void {
    this.paused = false
    this.flush()
  }
  abort(): void {
    this.aborted = true
  }

  push(text: string): void {
    this.held.push(text)
    this.flush()
  }
  end(): void {
    this.over = "end"
    this.flush()
  }
  fail(failure: string): void {
    this.over = { failure }
    this.flush()
  }

  private flush(): void {
    while (!this.paused && !this.aborted && this.sink !== undefined) {
      const text = this.held.shift()
      if (text !== undefined) {
        this.sink.piece(text)
        continue
      }
      const over = this.over
      if (over === undefined) return
      const sink = this.sink
      this.sink = undefined
      if (over === "end") sink.end()
      else sink.fail(over.failure)
    }
  }
}

/** A watcher that records what it is told; `holdOn` names data it holds back (returns false for). */
const recorder = (holdOn?: string) => {
  const told: Array<string> = []
  const watcher: Sse.Watcher<string> = {
    message: (message) => {
      told.push(message._tag === "Event" ? `event ${message.data}` : `retry ${message.millis}`)
      return message._tag !== "Event" || message.data !== holdOn
    },
    end: (error) => {
      told.push(error === undefined ? "end" : `failed: ${error}`)
    }
  }
  return { told, watcher }
}

const watch = (body: PushedBody, watcher: Sse.Watcher<string>, maxEventSize = 64) => {
  const events = Sse.events(body, maxEventSize, (error) => `body: ${error}`, (description) => `sse: ${description}`)
  const watching = events.watch(watcher)
  if (watching === undefined) throw new Error("a body that pushes is watched")
  return watching
}

describe("internal/sse: watch (a body read by callbacks)", () => {
  it("hands each message on as its piece arrives; an unfinished event at the end is dropped", () => {
    const body = new PushedBody()
    const { told, watcher } = recorder()
    watch(body, watcher)
    expect(body.paused).toBe(false)
    body.push("retry: 50\ndata: a\n\ndata: b")
    expect(told).toEqual(["retry 50", "event a"])
    body.push("\n\ndata: unfinished")
    body.end()
    expect(told).toEqual(["retry 50", "event a", "event b", "end"])
  })

  it("an event over the bound: the body is aborted and the watcher told the typed error", () => {
    const body = new PushedBody()
    const { told, watcher } = recorder()
    watch(body, watcher, 16)
    body.push("data: 0123456789")
    body.push("0123456789")
    expect(body.aborted).toBe(true)
    expect(told).toEqual(["failed: sse: an SSE event exceeded the maximum size of 16 characters"])
  })

  it("a body that fails mid-event: the watcher is told the body's error, once", () => {
    const body = new PushedBody()
    const { told, watcher } = recorder()
    watch(body, watcher)
    body.push("data: {\"half")
    body.fail("reset")
    expect(told).toEqual(["failed: body: reset"])
  })

  it("a message held back pauses the body; the rest, and the end, wait for resume", () => {
    const body = new PushedBody()
    const { told, watcher } = recorder("slow")
    const watching = watch(body, watcher)
    body.push("data: slow\n\ndata: next\n\n")
    expect(told).toEqual(["event slow"])
    expect(body.paused).toBe(true)
    body.push("data: later\n\n")
    body.end()
    expect(told).toEqual(["event slow"])
    watching.resume()
    expect(told).toEqual(["event slow", "event next", "event later", "end"])
  })

  it("the end arriving while a message is held back waits for it", () => {
    const body = new PushedBody()
    const { told, watcher } = recorder("slow")
    const watching = watch(body, watcher)
    // A backend that hands the end over although paused (the browser's reads the last piece first).
    body.push("data: slow\n\ndata: after\n\n")
    body.paused = false
    body.end()
    expect(told).toEqual(["event slow"])
    watching.resume()
    expect(told).toEqual(["event slow", "event after", "end"])
  })

  it("cancel aborts the body and tells the watcher nothing more", () => {
    const body = new PushedBody()
    const { told, watcher } = recorder()
    const watching = watch(body, watcher)
    body.push("data: a\n\n")
    watching.cancel()
    expect(body.aborted).toBe(true)
    watching.resume()
    watching.cancel()
    expect(told).toEqual(["event a"])
  })

  it("a body that cannot push is not watched (it is read with runForEachWhile)", () => {
    const events = Sse.events({ read: Effect.succeed(undefined), discard: Effect.void }, 64, String, String)
    expect(events.watch(recorder().watcher)).toBeUndefined()
  })
})

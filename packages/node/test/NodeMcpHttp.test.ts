// `NodeMcpHttp` (McpHttp on undici's dispatcher handler callbacks) over real HTTP on 127.0.0.1,
// against small `node:http` servers started per test. The module drives the socket itself (pause
// past a high-water mark, discard bounded in bytes and time, abort on interruption), so these tests
// watch both sides: what the client reads and what the server sees (connections, closes, bytes).
// Server and client meet on promises resolved by server events, never on sleeps.
import { describe, expect, it } from "@effect/vitest"
import { McpClient, McpError, McpHttp } from "@mcp-effect/core"
import { NodeMcpHttp } from "@mcp-effect/node"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Tracer from "effect/Tracer"
import * as http from "node:http"
import { Agent, buildConnector } from "undici"
import type { Dispatcher } from "undici"
import { vi } from "vitest"
import { bounded } from "./support/live.js"

// Real HTTP on a shared machine: generous for vitest; `bounded` reports a hang first, and says what hung.
vi.setConfig({ testTimeout: 30_000 })

// --- servers ------------------------------------------------------------------

type Handler = (request: http.IncomingMessage, response: http.ServerResponse) => void

interface Served {
  readonly url: string
  readonly port: number
  /** TCP connections accepted so far. */
  readonly connections: () => number
}

/** A `node:http` server on 127.0.0.1 (port 0) for the duration of the scope. */
const serve = (handler: Handler): Effect.Effect<Served, never, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(
      Effect.async<{ readonly server: http.Server; readonly served: Served }>((resume) => {
        let connections = 0
        const server = http.createServer(handler)
        server.on("connection", () => {
          connections += 1
        })
        server.listen(0, "127.0.0.1", () => {
          const port = portOf(server)
          resume(Effect.succeed({
            server,
            served: { url: `http://127.0.0.1:${port}`, port, connections: () => connections }
          }))
        })
      }),
      ({ server }) => closeServer(server)
    ),
    ({ served }) => served
  )

const portOf = (server: http.Server): number => {
  const address = server.address()
  if (address === null || typeof address === "string") throw new Error("the server has no TCP port")
  return address.port
}

const closeServer = (server: http.Server): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    server.close(() => resume(Effect.void))
    server.closeAllConnections()
  })

/** A port nothing listens on: a server's, once closed. */
const closedPort: Effect.Effect<number> = Effect.async<number>((resume) => {
  const server = http.createServer()
  server.listen(0, "127.0.0.1", () => {
    const port = portOf(server)
    server.close(() => resume(Effect.succeed(port)))
  })
})

/** A one-shot event between the server's callbacks and the test. */
interface Signal<A> {
  readonly resolve: (value: A) => void
  readonly promise: Promise<A>
  /** Waits for it, on the Effect side. */
  readonly await: Effect.Effect<A>
  readonly done: () => boolean
}

const signal = <A = void>(): Signal<A> => {
  let resolveWith: (value: A) => void = () => {}
  let done = false
  const promise = new Promise<A>((resolve) => {
    resolveWith = resolve
  })
  return {
    resolve: (value) => {
      done = true
      resolveWith(value)
    },
    promise,
    await: Effect.promise(() => promise),
    done: () => done
  }
}

/** The request body as the server received it. */
const bodyOf = (request: http.IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    request.on("error", reject)
  })

interface Received {
  readonly method: string | undefined
  readonly url: string | undefined
  readonly headers: http.IncomingHttpHeaders
  readonly body: string
}

/** How a response ended, seen from the server: sent completely, or its connection closed first. */
const whenClosed = (response: http.ServerResponse): Promise<"finished" | "aborted"> =>
  new Promise((resolve) => response.once("close", () => resolve(response.writableFinished ? "finished" : "aborted")))

/** Writes `bytes` in pieces of `piece` bytes, waiting for `drain` when the socket is full. */
const writeAll = (response: http.ServerResponse, bytes: Buffer, piece: number): Promise<void> =>
  new Promise((resolve) => {
    let offset = 0
    const pump = () => {
      while (offset < bytes.length) {
        const next = bytes.subarray(offset, offset + piece)
        offset += next.length
        if (!response.write(next)) {
          response.once("drain", pump)
          return
        }
      }
      resolve()
    }
    pump()
  })

// --- the client side ----------------------------------------------------------

/** An undici Agent of the test's own, destroyed with the scope. */
const agent = (options?: Agent.Options): Effect.Effect<Agent, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => new Agent(options)),
    (dispatcher) => Effect.promise(() => dispatcher.destroy())
  )

const request = (url: string, overrides: Partial<McpHttp.Request> = {}): McpHttp.Request => ({
  method: "GET",
  url,
  headers: {},
  body: undefined,
  tracerPropagation: false,
  ...overrides
})

/** Reads the body to its end, piece by piece. */
const readPieces = (response: McpHttp.Response): Effect.Effect<Array<string>, McpError.HttpFailure> =>
  Effect.gen(function*() {
    const pieces: Array<string> = []
    for (;;) {
      const piece = yield* response.read
      if (piece === undefined) return pieces
      pieces.push(piece)
    }
  })

const readAll = (response: McpHttp.Response): Effect.Effect<string, McpError.HttpFailure> =>
  Effect.map(readPieces(response), (pieces) => pieces.join(""))

/** The failure of an effect that must fail. */
const failureOf = <A>(effect: Effect.Effect<A, McpError.HttpFailure>): Effect.Effect<McpError.HttpFailure> =>
  Effect.matchEffect(effect, {
    onSuccess: (value) => Effect.dieMessage(`expected an HttpFailure, got a success: ${String(value)}`),
    onFailure: (failure) => {
      expect(failure._tag).toBe("HttpFailure")
      expect(failure).toBeInstanceOf(McpError.HttpFailure)
      return Effect.succeed(failure)
    }
  })

/**
 * A dispatcher that shows the controller undici hands the module: its pauses and resumes are
 * counted, the first pause is signalled.
 */
const observed = (dispatcher: Dispatcher) => {
  const events: Array<"pause" | "resume"> = []
  const paused = signal()
  class Observer implements Dispatcher.DispatchController {
    constructor(private readonly inner: Dispatcher.DispatchController) {}
    get aborted() {
      return this.inner.aborted
    }
    get paused() {
      return this.inner.paused
    }
    get reason() {
      return this.inner.reason
    }
    abort(reason: Error) {
      this.inner.abort(reason)
    }
    pause() {
      events.push("pause")
      this.inner.pause()
      paused.resolve()
    }
    resume() {
      events.push("resume")
      this.inner.resume()
    }
  }
  class Handler implements Dispatcher.DispatchHandler {
    private observer: Observer | undefined = undefined
    constructor(private readonly inner: Dispatcher.DispatchHandler) {}
    private wrap(controller: Dispatcher.DispatchController): Observer {
      return (this.observer ??= new Observer(controller))
    }
    onRequestStart(controller: Dispatcher.DispatchController, context: unknown) {
      this.inner.onRequestStart?.(this.wrap(controller), context)
    }
    onResponseStart(
      controller: Dispatcher.DispatchController,
      statusCode: number,
      headers: http.IncomingHttpHeaders,
      statusMessage?: string
    ) {
      this.inner.onResponseStart?.(this.wrap(controller), statusCode, headers, statusMessage)
    }
    onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer) {
      this.inner.onResponseData?.(this.wrap(controller), chunk)
    }
    onResponseEnd(controller: Dispatcher.DispatchController, trailers: http.IncomingHttpHeaders) {
      this.inner.onResponseEnd?.(this.wrap(controller), trailers)
    }
    onResponseError(controller: Dispatcher.DispatchController, error: Error) {
      this.inner.onResponseError?.(this.wrap(controller), error)
    }
  }
  const composed = dispatcher.compose((dispatch) => (options, handler) => dispatch(options, new Handler(handler)))
  return { dispatcher: composed, events, paused }
}

/**
 * Runs `effect` with the global `setTimeout` seen through: every delay is recorded, and a delay of
 * `from` ms becomes `to` ms. For the discard timer (armed synchronously by `discard`), without
 * waiting its 5 s on the real clock.
 */
const withTimeoutDelays = <A, E, R>(
  from: number,
  to: number,
  effect: Effect.Effect<A, E, R>
): Effect.Effect<{ readonly value: A; readonly delays: ReadonlyArray<number | undefined> }, E, R> => {
  const real = globalThis.setTimeout
  const delays: Array<number | undefined> = []
  return Effect.acquireUseRelease(
    Effect.sync(() =>
      vi.stubGlobal(
        "setTimeout",
        (callback: (...args: Array<unknown>) => void, delay?: number, ...args: Array<unknown>) => {
          delays.push(delay)
          return real(callback, delay === from ? to : delay, ...args)
        }
      )
    ),
    () => Effect.map(effect, (value) => ({ value, delays })),
    () => Effect.sync(() => vi.unstubAllGlobals())
  )
}

const KiB = 1024
const MiB = 1024 * KiB

// --- tests --------------------------------------------------------------------

describe("NodeMcpHttp over real HTTP", () => {
  describe("requests and responses", () => {
    it.live("status and headers: names in lower case, a repeated header joined with \", \"", () =>
      Effect.gen(function*() {
        const server = yield* serve((_, response) => {
          response.writeHead(201, [
            "X-Custom",
            "Value",
            "X-Multi",
            "a",
            "X-Multi",
            "b",
            "Content-Type",
            "text/plain; charset=utf-8"
          ])
          response.end("created")
        })
        const client = NodeMcpHttp.make(yield* agent())
        const response = yield* client.execute(request(`${server.url}/mcp`))
        expect(response.status).toBe(201)
        expect(response.headers["x-custom"]).toBe("Value")
        expect(response.headers["x-multi"]).toBe("a, b")
        expect(response.headers["content-type"]).toBe("text/plain; charset=utf-8")
        expect(Object.keys(response.headers).every((name) => name === name.toLowerCase())).toBe(true)
        expect(response.headers["X-Custom"]).toBeUndefined()
        expect(yield* readAll(response)).toBe("created")
      }).pipe(Effect.scoped, bounded("status and headers")))

    it.live("a POST carries its body, its headers and content-type application/json", () =>
      Effect.gen(function*() {
        const received = signal<Received>()
        const server = yield* serve((incoming, response) => {
          void bodyOf(incoming).then((body) => {
            received.resolve({ method: incoming.method, url: incoming.url, headers: incoming.headers, body })
            response.writeHead(200, { "content-type": "application/json" })
            response.end(body)
          })
        })
        const client = NodeMcpHttp.make(yield* agent())
        const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { text: "héllo 😀 ✓" } })
        const response = yield* client.execute(request(`${server.url}/mcp?tenant=a`, {
          method: "POST",
          headers: { "mcp-session-id": "session-1", accept: "application/json, text/event-stream" },
          body
        }))
        const seen = yield* received.await
        expect(seen.method).toBe("POST")
        expect(seen.url).toBe("/mcp?tenant=a")
        expect(seen.headers["content-type"]).toBe("application/json")
        expect(seen.headers["content-length"]).toBe(String(Buffer.byteLength(body)))
        expect(seen.headers["mcp-session-id"]).toBe("session-1")
        expect(seen.headers.accept).toBe("application/json, text/event-stream")
        expect(seen.body).toBe(body)
        expect(response.status).toBe(200)
        expect(yield* readAll(response)).toBe(body)
      }).pipe(Effect.scoped, bounded("POST")))

    it.live("GET and DELETE go without a body and without content-type", () =>
      Effect.gen(function*() {
        const received: Array<Received> = []
        const server = yield* serve((incoming, response) => {
          void bodyOf(incoming).then((body) => {
            received.push({ method: incoming.method, url: incoming.url, headers: incoming.headers, body })
            if (incoming.method === "DELETE") {
              response.writeHead(204)
              response.end()
            } else {
              response.end("stream")
            }
          })
        })
        const client = NodeMcpHttp.make(yield* agent())
        const get = yield* client.execute(
          request(`${server.url}/mcp`, { method: "GET", headers: { accept: "text/event-stream" } })
        )
        expect(get.status).toBe(200)
        expect(yield* readAll(get)).toBe("stream")
        const del = yield* client.execute(
          request(`${server.url}/mcp`, { method: "DELETE", headers: { "mcp-session-id": "s" } })
        )
        expect(del.status).toBe(204)
        expect(yield* del.read).toBeUndefined()
        expect(received.map((r) => r.method)).toEqual(["GET", "DELETE"])
        for (const r of received) {
          expect(r.body).toBe("")
          expect(r.headers["content-type"]).toBeUndefined()
          expect(r.headers["transfer-encoding"]).toBeUndefined()
          expect(r.headers["content-length"] ?? "0").toBe("0")
        }
        expect(received[0]?.headers.accept).toBe("text/event-stream")
        expect(received[1]?.headers["mcp-session-id"]).toBe("s")
      }).pipe(Effect.scoped, bounded("GET and DELETE")))

    it.live("requests to two endpoints in turn each reach their own server", () =>
      Effect.gen(function*() {
        const a = yield* serve((_, response) => response.end("a"))
        const b = yield* serve((_, response) => response.end("b"))
        const client = NodeMcpHttp.make(yield* agent())
        const answers: Array<string> = []
        for (const url of [a.url, b.url, a.url, `${b.url}/other`]) {
          answers.push(yield* Effect.flatMap(client.execute(request(url)), readAll))
        }
        expect(answers).toEqual(["a", "b", "a", "b"])
      }).pipe(Effect.scoped, bounded("two endpoints")))

    it.live("a long-lived GET stream stays open while POSTs are answered beside it", () =>
      Effect.gen(function*() {
        const streamClosed = signal<"finished" | "aborted">()
        const server = yield* serve((incoming, response) => {
          if (incoming.method === "GET") {
            void whenClosed(response).then(streamClosed.resolve)
            response.writeHead(200, { "content-type": "text/event-stream" })
            response.write(": open\n\n")
            return
          }
          void bodyOf(incoming).then((body) => response.end(`echo ${body}`))
        })
        const client = NodeMcpHttp.make(yield* agent())
        const stream = yield* client.execute(request(server.url))
        expect(yield* stream.read).toBe(": open\n\n")
        const answers = yield* Effect.forEach(
          ["1", "2", "3"],
          (n) => Effect.flatMap(client.execute(request(server.url, { method: "POST", body: n })), readAll),
          { concurrency: "unbounded" }
        )
        expect(answers).toEqual(["echo 1", "echo 2", "echo 3"])
        expect(streamClosed.done()).toBe(false)
        // Interrupting the stream's pending read ends it (see the interruption tests).
        const reading = yield* Deferred.make<void>()
        const reader = yield* Effect.fork(Effect.zipRight(Deferred.succeed(reading, undefined), stream.read))
        yield* Deferred.await(reading)
        yield* Fiber.interrupt(reader)
        expect(yield* streamClosed.await).toBe("aborted")
      }).pipe(Effect.scoped, bounded("GET stream beside POSTs")))
  })

  describe("the body", () => {
    it.live("is read piece by piece as it arrives, then undefined (and undefined again)", () =>
      Effect.gen(function*() {
        const readOne = signal()
        const readTwo = signal()
        const server = yield* serve((_, response) => {
          response.writeHead(200, { "content-type": "text/event-stream" })
          response.write("one")
          void readOne.promise
            .then(() => {
              response.write("two")
              return readTwo.promise
            })
            .then(() => response.end())
        })
        const client = NodeMcpHttp.make(yield* agent())
        const response = yield* client.execute(request(server.url))
        expect(yield* response.read).toBe("one")
        readOne.resolve()
        expect(yield* response.read).toBe("two")
        readTwo.resolve()
        expect(yield* response.read).toBeUndefined()
        expect(yield* response.read).toBeUndefined()
        // discard after the end is harmless.
        yield* response.discard
        expect(yield* response.read).toBeUndefined()
      }).pipe(Effect.scoped, bounded("pieces")))

    it.live("a UTF-8 character split across two TCP chunks decodes whole", () =>
      Effect.gen(function*() {
        const firstRead = signal()
        const emoji = Buffer.from("😀", "utf8")
        expect(emoji.length).toBe(4)
        const server = yield* serve((_, response) => {
          response.writeHead(200)
          response.write(Buffer.concat([Buffer.from("a"), emoji.subarray(0, 2)]))
          void firstRead.promise.then(() => response.end(Buffer.concat([emoji.subarray(2), Buffer.from("é")])))
        })
        const client = NodeMcpHttp.make(yield* agent())
        const response = yield* client.execute(request(server.url))
        // The half character is held back by the decoder, not handed out as U+FFFD.
        expect(yield* response.read).toBe("a")
        firstRead.resolve()
        expect(yield* response.read).toBe("😀é")
        expect(yield* response.read).toBeUndefined()
      }).pipe(Effect.scoped, bounded("split character")))

    it.live("a body that ends inside a character ends with U+FFFD", () =>
      Effect.gen(function*() {
        const server = yield* serve((_, response) => {
          response.writeHead(200)
          response.end(Buffer.concat([Buffer.from("x"), Buffer.from("é", "utf8").subarray(0, 1)]))
        })
        const client = NodeMcpHttp.make(yield* agent())
        const response = yield* client.execute(request(server.url))
        expect(yield* readAll(response)).toBe("x\uFFFD")
      }).pipe(Effect.scoped, bounded("truncated character")))

    it.live("a large body (8 MiB) arrives whole: the socket pauses past the high-water mark and resumes as it is read", () =>
      Effect.gen(function*() {
        // Multi-byte characters at every offset: the 64 KiB writes cut through them.
        const unit = "0123456789abcdef é € 😀 ✓\n"
        const expected = unit.repeat(Math.ceil((8 * MiB) / Buffer.byteLength(unit)))
        const bytes = Buffer.from(expected, "utf8")
        const sent = signal<"finished" | "aborted">()
        const server = yield* serve((_, response) => {
          void whenClosed(response).then(sent.resolve)
          response.writeHead(200)
          void writeAll(response, bytes, 64 * KiB).then(() => response.end())
        })
        const { dispatcher, events, paused } = observed(yield* agent())
        const client = NodeMcpHttp.make(dispatcher)
        const response = yield* client.execute(request(server.url))
        // Nobody reads: the held text grows until the module pauses the socket.
        yield* paused.await
        // Then a slow reader: a yield between reads.
        const pieces: Array<string> = []
        for (;;) {
          const piece = yield* response.read
          if (piece === undefined) break
          pieces.push(piece)
          yield* Effect.yieldNow()
        }
        const text = pieces.join("")
        expect(text.length).toBe(expected.length)
        expect(text === expected).toBe(true)
        expect(pieces.length).toBeGreaterThan(1)
        expect(events[0]).toBe("pause")
        expect(events.filter((e) => e === "resume").length).toBeGreaterThanOrEqual(1)
        // Every pause was followed by a resume: the body could not have ended otherwise.
        expect(events.at(-1)).toBe("resume")
        expect(yield* sent.await).toBe("finished")
      }).pipe(Effect.scoped, bounded("large body", "20 seconds")))
  })

  describe("discard", () => {
    it.live("of a body still arriving reads it out in the background: the connection serves the next request", () =>
      Effect.gen(function*() {
        const discarded = signal()
        const streamEnded = signal<"finished" | "aborted">()
        const server = yield* serve((incoming, response) => {
          if (incoming.url === "/stream") {
            void whenClosed(response).then(streamEnded.resolve)
            response.writeHead(200, { "content-type": "text/event-stream" })
            response.write("start")
            void discarded.promise
              .then(() => writeAll(response, Buffer.alloc(200 * KiB, "x"), 16 * KiB))
              .then(() => response.end("last"))
          } else {
            response.end("next")
          }
        })
        // One connection per origin: a second request waits for the first's, or gets a new one if it is closed.
        const client = NodeMcpHttp.make(yield* agent({ connections: 1 }))
        const stream = yield* client.execute(request(`${server.url}/stream`))
        expect(yield* stream.read).toBe("start")
        yield* stream.discard
        // After discard, reading yields the end, not the rest; a second discard is harmless.
        expect(yield* stream.read).toBeUndefined()
        yield* stream.discard
        discarded.resolve()
        const next = yield* client.execute(request(`${server.url}/next`))
        expect(yield* readAll(next)).toBe("next")
        expect(server.connections()).toBe(1)
        expect(streamEnded.done()).toBe(true)
        expect(yield* streamEnded.await).toBe("finished")
      }).pipe(Effect.scoped, bounded("discard keeps the connection")))

    it.live("of a paused body resumes the socket and reads it out: the connection serves the next request", () =>
      Effect.gen(function*() {
        const streamEnded = signal<"finished" | "aborted">()
        const server = yield* serve((incoming, response) => {
          if (incoming.url === "/big") {
            void whenClosed(response).then(streamEnded.resolve)
            response.writeHead(200)
            // Past the high-water mark (256K characters), under the discard bound once paused (1 MiB).
            void writeAll(response, Buffer.alloc(900 * KiB, "y"), 16 * KiB).then(() => response.end())
          } else {
            response.end("next")
          }
        })
        const { dispatcher, events, paused } = observed(yield* agent({ connections: 1 }))
        const client = NodeMcpHttp.make(dispatcher)
        const big = yield* client.execute(request(`${server.url}/big`))
        yield* paused.await
        yield* big.discard
        expect(events[0]).toBe("pause")
        expect(events.at(-1)).toBe("resume")
        expect(yield* big.read).toBeUndefined()
        const next = yield* client.execute(request(`${server.url}/next`))
        expect(yield* readAll(next)).toBe("next")
        expect(yield* streamEnded.await).toBe("finished")
        expect(server.connections()).toBe(1)
      }).pipe(Effect.scoped, bounded("discard of a paused body")))

    it.live("of a body that never ends closes the connection once more than 1 MiB has been thrown away", () =>
      Effect.gen(function*() {
        const discarded = signal()
        const closed = signal<{ readonly how: "finished" | "aborted"; readonly bytesAfterDiscard: number }>()
        const server = yield* serve((incoming, response) => {
          if (incoming.url !== "/endless") {
            response.end("next")
            return
          }
          let bytesAfterDiscard = 0
          let open = true
          void whenClosed(response).then((how) => {
            open = false
            closed.resolve({ how, bytesAfterDiscard })
          })
          response.writeHead(200, { "content-type": "text/event-stream" })
          response.write("start")
          const chunk = Buffer.alloc(64 * KiB, "z")
          const pump = () => {
            while (open) {
              bytesAfterDiscard += chunk.length
              if (!response.write(chunk)) {
                response.once("drain", pump)
                return
              }
            }
          }
          void discarded.promise.then(pump)
        })
        const client = NodeMcpHttp.make(yield* agent())
        const endless = yield* client.execute(request(`${server.url}/endless`))
        expect(yield* endless.read).toBe("start")
        // The discard timer (5 s) is pushed out of reach: only the byte bound can close the connection.
        const { delays } = yield* withTimeoutDelays(5_000, 2 ** 31 - 1, endless.discard)
        expect(delays).toContain(5_000)
        discarded.resolve()
        const seen = yield* closed.await
        expect(seen.how).toBe("aborted")
        expect(seen.bytesAfterDiscard).toBeGreaterThan(1 * MiB)
        // The client goes on, on a new connection.
        const next = yield* client.execute(request(`${server.url}/next`))
        expect(yield* readAll(next)).toBe("next")
        expect(server.connections()).toBeGreaterThanOrEqual(2)
      }).pipe(Effect.scoped, bounded("discard byte bound")))

    it.live("of a body that stalls closes the connection when the discard timer (5 s) fires", () =>
      Effect.gen(function*() {
        const closed = signal<"finished" | "aborted">()
        const server = yield* serve((_, response) => {
          void whenClosed(response).then(closed.resolve)
          response.writeHead(200, { "content-type": "text/event-stream" })
          response.write("start")
          // ...and nothing more, ever.
        })
        const client = NodeMcpHttp.make(yield* agent())
        const stalled = yield* client.execute(request(server.url))
        expect(yield* stalled.read).toBe("start")
        expect(closed.done()).toBe(false)
        // The module's 5 s timer, armed by discard, fires at once instead: the real wait is not the point.
        const { delays } = yield* withTimeoutDelays(5_000, 0, stalled.discard)
        expect(delays).toContain(5_000)
        expect(yield* closed.await).toBe("aborted")
      }).pipe(Effect.scoped, bounded("discard timer")))
  })

  describe("interruption aborts the request", () => {
    it.live("interrupting execute before the headers closes the connection", () =>
      Effect.gen(function*() {
        const arrived = signal()
        const closed = signal<"finished" | "aborted">()
        const server = yield* serve((_, response) => {
          void whenClosed(response).then(closed.resolve)
          arrived.resolve()
          // Never answers.
        })
        const client = NodeMcpHttp.make(yield* agent())
        const executing = yield* Effect.fork(client.execute(request(server.url, { method: "POST", body: "{}" })))
        yield* arrived.await
        const exit = yield* Fiber.interrupt(executing)
        expect(Exit.isInterrupted(exit)).toBe(true)
        expect(yield* closed.await).toBe("aborted")
      }).pipe(Effect.scoped, bounded("interrupt execute")))

    it.live("interrupting execute while still connecting: the request is never sent", () =>
      Effect.gen(function*() {
        const paths: Array<string | undefined> = []
        const server = yield* serve((incoming, response) => {
          paths.push(incoming.url)
          response.end("answered")
        })
        // A connector held at a gate: the request is dispatched, but not yet on a socket.
        const connecting = signal()
        const gate = signal()
        const connector = buildConnector({})
        const client = NodeMcpHttp.make(
          yield* agent({
            connect: (options, callback) => {
              connecting.resolve()
              void gate.promise.then(() => connector(options, callback))
            }
          })
        )
        const started = yield* Deferred.make<void>()
        const executing = yield* Effect.fork(
          Effect.zipRight(Deferred.succeed(started, undefined), client.execute(request(`${server.url}/first`)))
        )
        yield* Deferred.await(started)
        yield* connecting.await
        const exit = yield* Fiber.interrupt(executing)
        expect(Exit.isInterrupted(exit)).toBe(true)
        gate.resolve()
        // The client goes on; the server never saw the interrupted request.
        expect(yield* Effect.flatMap(client.execute(request(`${server.url}/second`)), readAll)).toBe("answered")
        expect(paths).toEqual(["/second"])
      }).pipe(Effect.scoped, bounded("interrupt while connecting")))

    it.live("interrupting a pending read closes the connection; later reads fail", () =>
      Effect.gen(function*() {
        const closed = signal<"finished" | "aborted">()
        const server = yield* serve((_, response) => {
          void whenClosed(response).then(closed.resolve)
          response.writeHead(200, { "content-type": "text/event-stream" })
          response.write("start")
          // Then stalls.
        })
        const client = NodeMcpHttp.make(yield* agent())
        const response = yield* client.execute(request(server.url))
        expect(yield* response.read).toBe("start")
        const reading = yield* Deferred.make<void>()
        // The forked fiber runs on into `read` (and suspends there) before this fiber resumes.
        const reader = yield* Effect.fork(Effect.zipRight(Deferred.succeed(reading, undefined), response.read))
        yield* Deferred.await(reading)
        const exit = yield* Fiber.interrupt(reader)
        expect(Exit.isInterrupted(exit)).toBe(true)
        expect(yield* closed.await).toBe("aborted")
        yield* failureOf(response.read)
        // discard after an abort is harmless.
        yield* response.discard
      }).pipe(Effect.scoped, bounded("interrupt read")))
  })

  describe("the request's signal (the client gave up: its deadline passed)", () => {
    /** A signal the test aborts, like the client's per-request deadline. */
    const abortSignal = () => {
      let aborted = false
      const listeners: Array<() => void> = []
      const signal: McpHttp.Signal = {
        get aborted() {
          return aborted
        },
        onAbort: (f) => {
          if (aborted) {
            f()
            return () => {}
          }
          listeners.push(f)
          return () => {
            const i = listeners.indexOf(f)
            if (i !== -1) listeners.splice(i, 1)
          }
        }
      }
      return {
        signal,
        abort: () => {
          aborted = true
          for (const f of listeners.splice(0)) f()
        },
        listening: () => listeners.length
      }
    }

    it.live("an abort before the headers fails execute with HttpFailure and closes the request", () =>
      Effect.gen(function*() {
        const arrived = signal()
        const closed = signal<"finished" | "aborted">()
        const server = yield* serve((_, response) => {
          void whenClosed(response).then(closed.resolve)
          arrived.resolve()
          // Never answers.
        })
        const client = NodeMcpHttp.make(yield* agent())
        const abort = abortSignal()
        const executing = yield* Effect.fork(
          failureOf(client.execute(request(server.url, { method: "POST", body: "{}", signal: abort.signal })))
        )
        yield* arrived.await
        abort.abort()
        const failure = yield* Fiber.join(executing)
        expect(failure.description).toBe("the request was aborted by the client")
        expect(yield* closed.await).toBe("aborted")
      }).pipe(Effect.scoped, bounded("abort before headers")))

    it.live("an abort while a read waits fails that read and every later one", () =>
      Effect.gen(function*() {
        const closed = signal<"finished" | "aborted">()
        const server = yield* serve((_, response) => {
          void whenClosed(response).then(closed.resolve)
          response.writeHead(200, { "content-type": "text/event-stream" })
          response.write("start")
          // Then stalls.
        })
        const client = NodeMcpHttp.make(yield* agent())
        const abort = abortSignal()
        const response = yield* client.execute(request(server.url, { signal: abort.signal }))
        expect(yield* response.read).toBe("start")
        const reading = yield* Deferred.make<void>()
        const reader = yield* Effect.fork(
          Effect.zipRight(Deferred.succeed(reading, undefined), failureOf(response.read))
        )
        yield* Deferred.await(reading)
        abort.abort()
        expect((yield* Fiber.join(reader)).description).toBe("the request was aborted by the client")
        expect(yield* closed.await).toBe("aborted")
        yield* failureOf(response.read)
      }).pipe(Effect.scoped, bounded("abort while reading")))

    it.live("a signal aborted already: execute fails at once and nothing is sent", () =>
      Effect.gen(function*() {
        let requests = 0
        const server = yield* serve((_, response) => {
          requests += 1
          response.end("answered")
        })
        const client = NodeMcpHttp.make(yield* agent())
        const abort = abortSignal()
        abort.abort()
        yield* failureOf(client.execute(request(server.url, { signal: abort.signal })))
        // The same client answers a request without a signal: the server saw only that one.
        expect(yield* Effect.flatMap(client.execute(request(server.url)), readAll)).toBe("answered")
        expect(requests).toBe(1)
      }).pipe(Effect.scoped, bounded("aborted already")))

    it.live("a request that ended lets go of its signal; a later abort changes nothing", () =>
      Effect.gen(function*() {
        const server = yield* serve((_, response) => response.end("whole"))
        const client = NodeMcpHttp.make(yield* agent())
        const abort = abortSignal()
        const response = yield* client.execute(request(server.url, { signal: abort.signal }))
        expect(yield* readAll(response)).toBe("whole")
        expect(abort.listening()).toBe(0)
        abort.abort()
        expect(yield* response.read).toBeUndefined()
      }).pipe(Effect.scoped, bounded("ended, then aborted")))
  })

  describe("through the client", () => {
    /** A minimal MCP server: initialize, 202 for notifications, 405 for GET; tools/call never answers. */
    const hangingServer = Effect.gen(function*() {
      const callArrived = signal()
      const callClosed = signal<"finished" | "aborted">()
      const cancelled = signal<string>()
      const server = yield* serve((incoming, response) => {
        if (incoming.method !== "POST") {
          response.writeHead(405).end()
          return
        }
        void bodyOf(incoming).then((body) => {
          const message = JSON.parse(body)
          if (message.method === "initialize") {
            response.writeHead(200, { "content-type": "application/json", "mcp-session-id": "s-1" })
            response.end(JSON.stringify({
              jsonrpc: "2.0",
              id: message.id,
              result: { protocolVersion: "2025-11-25", capabilities: {}, serverInfo: { name: "hang", version: "1" } }
            }))
          } else if (message.method === "tools/call") {
            void whenClosed(response).then(callClosed.resolve)
            callArrived.resolve()
          } else {
            if (message.method === "notifications/cancelled") cancelled.resolve(body)
            response.writeHead(202).end()
          }
        })
      })
      return { server, callArrived, callClosed, cancelled }
    })

    it.live("a call its caller interrupts: its HTTP request is aborted and the server told", () =>
      Effect.gen(function*() {
        const { callArrived, callClosed, cancelled, server } = yield* hangingServer
        const client = yield* McpClient.make({ url: `${server.url}/mcp` }).pipe(
          Effect.provideService(McpHttp.McpHttp, NodeMcpHttp.make(yield* agent()))
        )
        const call = yield* Effect.fork(client.callTool("echo", { text: "x" }))
        yield* callArrived.await
        yield* Fiber.interrupt(call)
        expect(yield* callClosed.await).toBe("aborted")
        expect(JSON.parse(yield* cancelled.await).params.reason).toBe("request cancelled by the client")
      }).pipe(Effect.scoped, bounded("client interrupt")))

    it.live("a call whose deadline passes: RequestTimeout, its HTTP request aborted, the server told", () =>
      Effect.gen(function*() {
        const { callArrived, callClosed, cancelled, server } = yield* hangingServer
        const client = yield* McpClient.make({
          url: `${server.url}/mcp`,
          requestTimeout: "200 millis",
          era: "sessions"
        }).pipe(
          Effect.provideService(McpHttp.McpHttp, NodeMcpHttp.make(yield* agent()))
        )
        const error = yield* Effect.flip(client.callTool("echo", { text: "x" }))
        expect(error).toMatchObject({ _tag: "RequestTimeout", reason: "idle", timeoutMillis: 200 })
        expect(callArrived.done()).toBe(true)
        expect(yield* callClosed.await).toBe("aborted")
        expect(JSON.parse(yield* cancelled.await).params.requestId).toBe(1)
      }).pipe(Effect.scoped, bounded("client deadline")))
  })

  describe("informational answers", () => {
    it.live("a 103 Early Hints before the answer: execute resolves with the final status and headers", () =>
      Effect.gen(function*() {
        const server = yield* serve((_, response) => {
          response.writeEarlyHints({ link: "</style.css>; rel=preload" }, () => {
            response.writeHead(200, { "x-final": "yes", "content-type": "text/plain" })
            response.end("final")
          })
        })
        const client = NodeMcpHttp.make(yield* agent())
        const response = yield* client.execute(request(server.url))
        expect(response.status).toBe(200)
        expect(response.headers["x-final"]).toBe("yes")
        expect(response.headers["link"]).toBeUndefined()
        expect(yield* readAll(response)).toBe("final")
      }).pipe(Effect.scoped, bounded("103 then 200")))
  })

  describe("failures are HttpFailure", () => {
    it.live("connection refused", () =>
      Effect.gen(function*() {
        const port = yield* closedPort
        const client = NodeMcpHttp.make(yield* agent())
        const failure = yield* failureOf(client.execute(request(`http://127.0.0.1:${port}/mcp`)))
        expect(failure.description).toContain("ECONNREFUSED")
      }).pipe(Effect.scoped, bounded("connection refused")))

    it.live("the server closing the connection before the headers", () =>
      Effect.gen(function*() {
        const server = yield* serve((incoming) => incoming.socket.destroy())
        const client = NodeMcpHttp.make(yield* agent())
        const failure = yield* failureOf(client.execute(request(server.url)))
        expect(failure.description.length).toBeGreaterThan(0)
      }).pipe(Effect.scoped, bounded("closed before headers")))

    it.live("the server destroying the socket mid-body fails the pending read", () =>
      Effect.gen(function*() {
        const cut = signal()
        const server = yield* serve((incoming, response) => {
          response.writeHead(200, { "content-type": "text/event-stream" })
          response.write("start")
          void cut.promise.then(() => incoming.socket.destroy())
        })
        const client = NodeMcpHttp.make(yield* agent())
        const response = yield* client.execute(request(server.url))
        expect(yield* response.read).toBe("start")
        const reading = yield* Deferred.make<void>()
        const reader = yield* Effect.fork(Effect.zipRight(Deferred.succeed(reading, undefined), response.read))
        yield* Deferred.await(reading)
        cut.resolve()
        const exit = yield* Fiber.await(reader)
        expect(Exit.isFailure(exit) && !Exit.isInterrupted(exit)).toBe(true)
        const failure = yield* failureOf(Fiber.join(reader))
        expect(failure.description.length).toBeGreaterThan(0)
        // The failure stays: the next read fails the same way; discard is harmless.
        const again = yield* failureOf(response.read)
        expect(again.description).toBe(failure.description)
        yield* response.discard
      }).pipe(Effect.scoped, bounded("cut mid-body")))

    it.live("an invalid URL, and a URL undici cannot serve; the client works on after them", () =>
      Effect.gen(function*() {
        const server = yield* serve((_, response) => response.end("fine"))
        const client = NodeMcpHttp.make(yield* agent())
        const invalid = yield* failureOf(client.execute(request("not a url")))
        expect(invalid.description).toBe("invalid URL: not a url")
        const ftp = yield* failureOf(client.execute(request("ftp://127.0.0.1/mcp")))
        expect(ftp.description.length).toBeGreaterThan(0)
        expect(yield* Effect.flatMap(client.execute(request(server.url)), readAll)).toBe("fine")
        // ...and again after a good one (the module keeps the last URL parsed).
        yield* failureOf(client.execute(request("http://")))
        expect(yield* Effect.flatMap(client.execute(request(server.url)), readAll)).toBe("fine")
      }).pipe(Effect.scoped, bounded("invalid URL")))
  })

  describe("tracing", () => {
    /** A server that answers every request with 200 and records the trace headers it got. */
    const traceServer = Effect.gen(function*() {
      const seen: Array<{ readonly traceparent: string | undefined; readonly b3: string | undefined }> = []
      const server = yield* serve((incoming, response) => {
        const { b3, traceparent } = incoming.headers
        seen.push({
          traceparent: typeof traceparent === "string" ? traceparent : undefined,
          b3: typeof b3 === "string" ? b3 : undefined
        })
        void bodyOf(incoming).then(() => response.end("ok"))
      })
      return { server, seen }
    })

    /** A tracer that records every span it makes (Effect's own spans underneath). */
    const recordingTracer = Effect.map(Effect.tracer, (native) => {
      const spans: Array<Tracer.Span> = []
      const tracer = Tracer.make({
        span: (name, parent, context, links, startTime, kind, options) => {
          const span = native.span(name, parent, context, links, startTime, kind, options)
          spans.push(span)
          return span
        },
        context: (f, fiber) => native.context(f, fiber)
      })
      return { tracer, spans }
    })

    const post = (client: McpHttp.Service, url: string, tracerPropagation: boolean) =>
      Effect.flatMap(client.execute(request(url, { method: "POST", body: "{}", tracerPropagation })), readAll)

    it.live("with Effect's default tracer: no span of its own; the current span is sent, if any and if asked", () =>
      Effect.gen(function*() {
        const { seen, server } = yield* traceServer
        const client = NodeMcpHttp.make(yield* agent())
        // No current span: nothing to send.
        yield* post(client, server.url, true)
        // A current span, propagation on: that very span (no child span in between).
        const outer = yield* Effect.withSpan(
          Effect.zipLeft(Effect.orDie(Effect.currentSpan), post(client, server.url, true)),
          "outer"
        )
        // A nested span: b3 names its parent too.
        const inner = yield* Effect.withSpan(
          Effect.withSpan(Effect.zipLeft(Effect.orDie(Effect.currentSpan), post(client, server.url, true)), "inner"),
          "outer"
        )
        const parent = Option.getOrThrow(inner.parent)
        // A current span, propagation off: nothing.
        yield* Effect.withSpan(post(client, server.url, false), "quiet")
        expect(seen).toHaveLength(4)
        expect(seen[0]).toEqual({ traceparent: undefined, b3: undefined })
        expect(seen[1]).toEqual({
          traceparent: `00-${outer.traceId}-${outer.spanId}-01`,
          b3: `${outer.traceId}-${outer.spanId}-1`
        })
        expect(seen[2]).toEqual({
          traceparent: `00-${inner.traceId}-${inner.spanId}-01`,
          b3: `${inner.traceId}-${inner.spanId}-1-${parent.spanId}`
        })
        expect(seen[3]).toEqual({ traceparent: undefined, b3: undefined })
      }).pipe(Effect.scoped, bounded("default tracer")))

    it.live("with a tracer installed: an http.client span with its attributes (path and query apart), and its id in traceparent", () =>
      Effect.gen(function*() {
        const { seen, server } = yield* traceServer
        const client = NodeMcpHttp.make(yield* agent())
        const { spans, tracer } = yield* recordingTracer
        const url = `${server.url}/mcp?tenant=a`
        const outer = yield* Effect.withSpan(
          Effect.zipLeft(Effect.orDie(Effect.currentSpan), post(client, url, true)),
          "outer"
        ).pipe(Effect.withTracer(tracer))
        const httpSpans = spans.filter((span) => span.name.startsWith("http.client"))
        expect(httpSpans).toHaveLength(1)
        const span = httpSpans[0]
        expect(span.name).toBe("http.client POST")
        expect(span.kind).toBe("client")
        expect(Object.fromEntries(span.attributes)).toEqual({
          "http.request.method": "POST",
          "server.address": "127.0.0.1",
          "server.port": server.port,
          "url.full": url,
          "url.path": "/mcp",
          "url.query": "tenant=a",
          "url.scheme": "http",
          "http.response.status_code": 200
        })
        expect(Option.map(span.parent, (p) => p.spanId)).toEqual(Option.some(outer.spanId))
        expect(span.traceId).toBe(outer.traceId)
        expect(span.status._tag).toBe("Ended")
        expect(seen).toEqual([{
          traceparent: `00-${span.traceId}-${span.spanId}-01`,
          b3: `${span.traceId}-${span.spanId}-1-${outer.spanId}`
        }])
      }).pipe(Effect.scoped, bounded("custom tracer")))

    it.live("with a tracer installed: the span is named by method, made without propagation, and ends failed on a failure", () =>
      Effect.gen(function*() {
        const { seen, server } = yield* traceServer
        const client = NodeMcpHttp.make(yield* agent())
        const { spans, tracer } = yield* recordingTracer
        const refused = yield* closedPort
        yield* Effect.withTracer(
          Effect.gen(function*() {
            yield* Effect.flatMap(client.execute(request(server.url, { tracerPropagation: false })), readAll)
            yield* failureOf(client.execute(request(`http://127.0.0.1:${refused}/mcp`, { tracerPropagation: true })))
          }),
          tracer
        )
        expect(spans.map((span) => span.name)).toEqual(["http.client GET", "http.client GET"])
        expect(seen).toEqual([{ traceparent: undefined, b3: undefined }])
        const [ok, failed] = spans
        expect(ok.attributes.get("http.response.status_code")).toBe(200)
        expect(failed.attributes.get("server.port")).toBe(refused)
        expect(failed.attributes.has("http.response.status_code")).toBe(false)
        expect(failed.status._tag === "Ended" && Exit.isFailure(failed.status.exit)).toBe(true)
      }).pipe(Effect.scoped, bounded("custom tracer, GET and failure")))

    it.live("a tracer installed as a layer is used too", () =>
      Effect.gen(function*() {
        const { seen, server } = yield* traceServer
        const client = NodeMcpHttp.make(yield* agent())
        const { spans, tracer } = yield* recordingTracer
        yield* post(client, server.url, true).pipe(Effect.provide(Layer.setTracer(tracer)))
        expect(spans.map((span) => span.name)).toEqual(["http.client POST"])
        expect(seen[0]?.traceparent).toBe(`00-${spans[0].traceId}-${spans[0].spanId}-01`)
      }).pipe(Effect.scoped, bounded("Layer.setTracer")))

    it.live("with the tracer disabled: no span, no trace headers, even inside a span", () =>
      Effect.gen(function*() {
        const { seen, server } = yield* traceServer
        const client = NodeMcpHttp.make(yield* agent())
        const { spans, tracer } = yield* recordingTracer
        yield* Effect.withSpan(post(client, server.url, true), "outer").pipe(
          Effect.withTracerEnabled(false),
          Effect.withTracer(tracer)
        )
        // The default tracer, disabled, inside a span.
        yield* Effect.withSpan(post(client, server.url, true), "outer").pipe(Effect.withTracerEnabled(false))
        expect(spans).toEqual([])
        expect(seen).toEqual([{ traceparent: undefined, b3: undefined }, { traceparent: undefined, b3: undefined }])
      }).pipe(Effect.scoped, bounded("tracer disabled")))
  })

  describe("the dispatcher", () => {
    it.live("passed to make or layerDispatcher stays open: the module never closes it", () =>
      Effect.gen(function*() {
        const server = yield* serve((_, response) => response.end("ok"))
        const dispatcher = yield* agent()
        const client = NodeMcpHttp.make(dispatcher)
        expect(yield* Effect.flatMap(client.execute(request(server.url)), readAll)).toBe("ok")
        // A layer on it, built and closed.
        const scope = yield* Scope.make()
        const context = yield* Layer.buildWithScope(NodeMcpHttp.layerDispatcher(dispatcher), scope)
        const layered = Context.get(context, McpHttp.McpHttp)
        expect(yield* Effect.flatMap(layered.execute(request(server.url)), readAll)).toBe("ok")
        yield* Scope.close(scope, Exit.void)
        expect(dispatcher.closed).toBe(false)
        expect(dispatcher.destroyed).toBe(false)
        expect(yield* Effect.flatMap(client.execute(request(server.url)), readAll)).toBe("ok")
        expect(yield* Effect.flatMap(layered.execute(request(server.url)), readAll)).toBe("ok")
      }).pipe(Effect.scoped, bounded("caller's dispatcher")))

    it.live("of layer is the process's one Agent: layers built and closed share its connections", () =>
      Effect.gen(function*() {
        const server = yield* serve((_, response) => response.end("ok"))
        // Every connection the server sees is one the process's Agent made.
        let made = 0
        const counted = () => made++
        NodeMcpHttp.sharedDispatcher().on("connect", counted)
        yield* Effect.addFinalizer(() => Effect.sync(() => NodeMcpHttp.sharedDispatcher().off("connect", counted)))
        const first = yield* Scope.make()
        const a = Context.get(yield* Layer.buildWithScope(NodeMcpHttp.layer, first), McpHttp.McpHttp)
        expect(yield* Effect.flatMap(a.execute(request(server.url)), readAll)).toBe("ok")
        yield* Scope.close(first, Exit.void)
        // Closing a client's layer leaves the Agent open for the others.
        expect(NodeMcpHttp.sharedDispatcher().closed).toBe(false)
        const second = yield* Scope.make()
        const b = Context.get(yield* Layer.buildWithScope(NodeMcpHttp.layer, second), McpHttp.McpHttp)
        expect(yield* Effect.flatMap(b.execute(request(server.url)), readAll)).toBe("ok")
        expect(yield* Effect.flatMap(a.execute(request(server.url)), readAll)).toBe("ok")
        expect(server.connections()).toBeGreaterThan(0)
        expect(made).toBe(server.connections())
        expect(NodeMcpHttp.sharedDispatcher()).toBe(NodeMcpHttp.sharedDispatcher())
        yield* Scope.close(second, Exit.void)
      }).pipe(Effect.scoped, bounded("the process's agent")))

    it.live("of layerPrivate is its own, closed with the layer's scope", () =>
      Effect.gen(function*() {
        const socketClosed = signal()
        const server = yield* serve((incoming, response) => {
          incoming.socket.once("close", () => socketClosed.resolve())
          response.end("ok")
        })
        const scope = yield* Scope.make()
        const context = yield* Layer.buildWithScope(NodeMcpHttp.layerPrivate, scope)
        const client = Context.get(context, McpHttp.McpHttp)
        expect(yield* Effect.flatMap(client.execute(request(server.url)), readAll)).toBe("ok")
        expect(socketClosed.done()).toBe(false)
        yield* Scope.close(scope, Exit.void)
        // Its kept-alive connection is closed with it...
        yield* socketClosed.await
        // ...and a request through a kept reference fails.
        const failure = yield* failureOf(client.execute(request(server.url)))
        expect(failure.description.length).toBeGreaterThan(0)
        expect(server.connections()).toBe(1)
      }).pipe(Effect.scoped, bounded("layer's own agent")))
  })
})

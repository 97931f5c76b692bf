// `NodeMcpHttp`'s body read by callbacks (`Response.stream`: what the GET stream is read with, so
// that no fiber waits on an idle stream), over real HTTP on 127.0.0.1 against `node:http` servers
// started per test, and the GET stream of a client on it (the test kit's server over HTTP). Server
// and client meet on promises and queues fed by their callbacks, never on sleeps.
import { describe, expect, it } from "@effect/vitest"
import { McpClient, McpError, McpHttp } from "@mcp-effect/core"
import { NodeMcpHttp } from "@mcp-effect/node"
import { NodeMcpTestServer } from "@mcp-effect/node/testing"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Queue from "effect/Queue"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as http from "node:http"
import { Agent } from "undici"
import { vi } from "vitest"
import { bounded } from "./support/live.js"

vi.setConfig({ testTimeout: 30_000 })

/** What the sink was told, in order. */
type Heard =
  | { readonly _tag: "Piece"; readonly text: string }
  | { readonly _tag: "End" }
  | { readonly _tag: "Fail"; readonly failure: McpError.HttpFailure }

const listening = Effect.gen(function*() {
  const heard = yield* Queue.unbounded<Heard>()
  const sink: McpHttp.Sink = {
    piece: (text) => void Queue.unsafeOffer(heard, { _tag: "Piece", text }),
    end: () => void Queue.unsafeOffer(heard, { _tag: "End" }),
    fail: (failure) => void Queue.unsafeOffer(heard, { _tag: "Fail", failure })
  }
  return { heard, sink }
})

/** The response the server is writing, handed to the test; and how it ended for the server. */
interface Open {
  readonly response: http.ServerResponse
  readonly closed: Promise<"finished" | "aborted">
}

/** A `node:http` server on 127.0.0.1 (port 0) that opens an SSE response and hands it to the test. */
const serveStream = Effect.acquireRelease(
  Effect.async<{ readonly server: http.Server; readonly url: string; readonly opened: Queue.Queue<Open> }>(
    (resume) => {
      const opened = Effect.runSync(Queue.unbounded<Open>())
      const server = http.createServer((_request, response) => {
        const closed = new Promise<"finished" | "aborted">((resolve) =>
          response.once("close", () => resolve(response.writableFinished ? "finished" : "aborted"))
        )
        response.writeHead(200, { "content-type": "text/event-stream" })
        response.flushHeaders()
        Queue.unsafeOffer(opened, { response, closed })
      })
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        if (address === null || typeof address === "string") throw new Error("the server has no TCP port")
        resume(Effect.succeed({ server, url: `http://127.0.0.1:${address.port}`, opened }))
      })
    }
  ),
  ({ server }) =>
    Effect.async<void>((resume) => {
      server.close(() => resume(Effect.void))
      server.closeAllConnections()
    })
)

const agent = Effect.acquireRelease(
  Effect.sync(() => new Agent()),
  (dispatcher) => Effect.promise(() => dispatcher.destroy())
)

const get = (url: string): McpHttp.Request => ({
  method: "GET",
  url,
  headers: {},
  body: undefined,
  tracerPropagation: false
})

/** A response whose body is read by callbacks, with the server's side of it. */
const opened = Effect.gen(function*() {
  const { opened, url } = yield* serveStream
  const client = NodeMcpHttp.make(yield* agent)
  const response = yield* client.execute(get(url))
  const server = yield* Queue.take(opened)
  const stream = response.stream
  if (stream === undefined) return yield* Effect.dieMessage("NodeMcpHttp's responses can be read by callbacks")
  const { heard, sink } = yield* listening
  return { server, body: stream.call(response, sink), heard }
})

/** The pieces heard up to the end, joined; a failure fails the test. */
const untilEnd = (heard: Queue.Queue<Heard>): Effect.Effect<string> =>
  Effect.gen(function*() {
    let text = ""
    while (true) {
      const next = yield* Queue.take(heard)
      if (next._tag === "End") return text
      if (next._tag === "Fail") return yield* Effect.die(next.failure)
      text += next.text
    }
  })

const write = (open: Open, text: string) => Effect.sync(() => open.response.write(text))

describe("NodeMcpHttp: a body read by callbacks (Response.stream)", () => {
  it.live("hands every piece over as it arrives, then the end", () =>
    Effect.gen(function*() {
      const { body, heard, server } = yield* opened
      body.resume()
      yield* write(server, "data: 1\n\n")
      expect(yield* Queue.take(heard)).toEqual({ _tag: "Piece", text: "data: 1\n\n" })
      yield* write(server, "data: 2\n\n")
      expect(yield* Queue.take(heard)).toEqual({ _tag: "Piece", text: "data: 2\n\n" })
      server.response.end()
      expect(yield* Queue.take(heard)).toEqual({ _tag: "End" })
      expect(yield* Effect.promise(() => server.closed)).toBe("finished")
    }).pipe(Effect.scoped, bounded("pieces then the end")))

  it.live("nothing reaches the sink before `resume`; what came meanwhile is handed over first, the end after it", () =>
    Effect.gen(function*() {
      const { body, heard, server } = yield* opened
      yield* write(server, "data: early\n\n")
      server.response.end()
      expect(yield* Effect.promise(() => server.closed)).toBe("finished")
      // The body may still be on its way: the queue stays empty until `resume` either way.
      expect(yield* Queue.size(heard)).toBe(0)
      body.resume()
      expect(yield* untilEnd(heard)).toBe("data: early\n\n")
    }).pipe(Effect.scoped, bounded("held until resume")))

  it.live("paused: pieces wait; `resume` hands them over in order", () =>
    Effect.gen(function*() {
      const { body, heard, server } = yield* opened
      body.resume()
      yield* write(server, "a")
      expect(yield* Queue.take(heard)).toEqual({ _tag: "Piece", text: "a" })
      body.pause()
      yield* write(server, "b")
      server.response.end()
      expect(yield* Effect.promise(() => server.closed)).toBe("finished")
      body.resume()
      expect(yield* untilEnd(heard)).toBe("b")
    }).pipe(Effect.scoped, bounded("pause and resume")))

  it.live("a connection cut mid-event: the sink hears an HttpFailure, once", () =>
    Effect.gen(function*() {
      const { body, heard, server } = yield* opened
      body.resume()
      yield* write(server, "data: {\"half")
      expect(yield* Queue.take(heard)).toEqual({ _tag: "Piece", text: "data: {\"half" })
      server.response.destroy()
      const failed = yield* Queue.take(heard)
      expect(failed._tag).toBe("Fail")
      if (failed._tag === "Fail") expect(failed.failure).toBeInstanceOf(McpError.HttpFailure)
      body.abort()
      expect(yield* Queue.size(heard)).toBe(0)
    }).pipe(Effect.scoped, bounded("cut mid-event")))

  it.live("`abort` while idle ends the request (the server sees it closed) and tells the sink nothing", () =>
    Effect.gen(function*() {
      const { body, heard, server } = yield* opened
      body.resume()
      yield* write(server, ": open\n\n")
      expect(yield* Queue.take(heard)).toEqual({ _tag: "Piece", text: ": open\n\n" })
      body.abort()
      expect(yield* Effect.promise(() => server.closed)).toBe("aborted")
      body.abort()
      expect(yield* Queue.size(heard)).toBe(0)
    }).pipe(Effect.scoped, bounded("abort while idle")))
})

describe("the GET stream on NodeMcpHttp", () => {
  it.live("notifications and server requests arrive; closing the client's scope aborts the idle stream", () =>
    Effect.gen(function*() {
      const { server, url } = yield* NodeMcpTestServer.make()
      const scope = yield* Scope.make()
      const client = yield* McpClient.make({ url }).pipe(
        Effect.provideService(McpHttp.McpHttp, NodeMcpHttp.make(yield* agent)),
        Scope.extend(scope)
      )
      const seen = yield* Queue.unbounded<unknown>()
      yield* Stream.runForEach(client.notifications, (n) => Queue.offer(seen, n)).pipe(
        Effect.forkIn(scope)
      )
      yield* server.awaitGetStream()
      yield* server.notify("notifications/message", { level: "info", data: "one" })
      const first = yield* Queue.take(seen)
      expect(first).toMatchObject({ params: { level: "info", data: "one" } })
      // A server request on the GET stream is answered in a fiber of its own; the stream goes on after.
      expect(yield* server.request("ping")).toEqual({})
      yield* server.notify("notifications/message", { level: "info", data: "two" })
      expect(yield* Queue.take(seen)).toMatchObject({ params: { level: "info", data: "two" } })
      const gets = (yield* server.log).filter((entry) => entry.httpMethod === "GET")
      expect(gets.length).toBe(1)
      yield* Scope.close(scope, Exit.void)
      yield* server.awaitStreams((streams) => streams.length === 0)
    }).pipe(Effect.scoped, bounded("the GET stream on NodeMcpHttp")))
})

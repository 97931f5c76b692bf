// HTTP as a careless or hostile server speaks it, over real HTTP on 127.0.0.1 (node:http, the
// NodeMcpClient on undici): each case answers `tools/call` its own way, and the client's outcome
// must be the typed error that says what happened (or the answer, where nothing is wrong).
import { describe, expect, it } from "@effect/vitest"
import type { McpError } from "@mcp-effect/core"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as http from "node:http"
import * as zlib from "node:zlib"
import { vi } from "vitest"
import { connect } from "../support/live.js"

vi.setConfig({ testTimeout: 30_000 })

type Answer = (response: http.ServerResponse, id: unknown) => void

const json = (id: unknown, text: string) =>
  JSON.stringify({ jsonrpc: "2.0", id, result: { content: [{ type: "text", text }] } })

/** What `tools/list` says: `anything` has no annotations (never replayed), `reader` is read-only. */
const listed = [
  { name: "anything", inputSchema: { type: "object" } },
  { name: "reader", inputSchema: { type: "object" }, annotations: { readOnlyHint: true } }
]

/**
 * An MCP endpoint: initialize, tools/list and notifications answered normally, `tools/call` by `answer`.
 * Records the Accept-Encoding of each request.
 */
const serve = (answer: Answer): Effect.Effect<{ url: string; acceptEncodings: Array<string> }, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<{ server: http.Server; url: string; acceptEncodings: Array<string> }>((resume) => {
      const acceptEncodings: Array<string> = []
      const server = http.createServer((request, response) => {
        acceptEncodings.push(request.headers["accept-encoding"] ?? "(none)")
        if (request.method !== "POST") return void response.writeHead(405).end()
        let body = ""
        request.on("data", (chunk: Buffer) => (body += chunk.toString()))
        request.on("end", () => {
          const message: { id?: unknown; method?: string } = JSON.parse(body)
          if (message.id === undefined) return void response.writeHead(202).end()
          if (message.method === "initialize") {
            return void response.writeHead(200, { "content-type": "application/json", "mcp-session-id": "s1" }).end(
              JSON.stringify({
                jsonrpc: "2.0",
                id: message.id,
                result: {
                  protocolVersion: "2025-11-25",
                  capabilities: { tools: {} },
                  serverInfo: { name: "hostile", version: "1" }
                }
              })
            )
          }
          if (message.method === "tools/list") {
            return void response.writeHead(200, { "content-type": "application/json" }).end(
              JSON.stringify({ jsonrpc: "2.0", id: message.id, result: { tools: listed } })
            )
          }
          answer(response, message.id)
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        const port = address !== null && typeof address === "object" ? address.port : 0
        resume(Effect.succeed({ server, url: `http://127.0.0.1:${port}/mcp`, acceptEncodings }))
      })
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.close(() => resume(Effect.void))
        server.closeAllConnections()
      })
  )

const compressed = (coding: "gzip" | "deflate" | "br", text: string): Buffer =>
  coding === "gzip"
    ? zlib.gzipSync(text)
    : coding === "deflate"
    ? zlib.deflateSync(text)
    : zlib.brotliCompressSync(text)

const encodedAnswer = (coding: "gzip" | "deflate" | "br", type: "json" | "sse"): Answer => (response, id) => {
  const text = type === "json" ? json(id, "hello") : `event: message\ndata: ${json(id, "hello")}\n\n`
  response.writeHead(200, {
    "content-type": type === "json" ? "application/json" : "text/event-stream",
    "content-encoding": coding
  }).end(compressed(coding, text))
}

/** A body that never ends: 64 KiB pieces for as long as the client reads (bounded only by the client). */
const endless = (contentType: string, start: string): Answer => (response) => {
  response.writeHead(200, { "content-type": contentType })
  const piece = "x".repeat(64 * 1024)
  const write = () => {
    while (!response.destroyed && response.write(piece)) {
      // keep writing until the socket pushes back
    }
    if (!response.destroyed) response.once("drain", write)
  }
  response.write(start)
  write()
}

type Expected =
  | { readonly _tag: "Ok"; readonly text: string }
  | {
    readonly _tag: "Fail"
    readonly error: Partial<Record<string, unknown>>
    readonly message: RegExp
    /** Fields the error must not have. */
    readonly absent?: ReadonlyArray<string>
  }

/** Refuses the first `times` calls with `status` and `Retry-After: 1`, then answers "served". */
const refusing = (status: number, times: number): Answer => {
  let refused = 0
  return (response, id) =>
    refused++ < times
      ? response.writeHead(status, { "retry-after": "1" }).end("busy")
      : response.writeHead(200, { "content-type": "application/json" }).end(json(id, `served after ${refused - 1}`))
}

const cases: ReadonlyArray<
  { readonly name: string; readonly answer: Answer; readonly expected: Expected; readonly tool?: string }
> = [
  {
    name: "429 with Retry-After: 1 to a read-only tool: sent again a second later, answered",
    answer: refusing(429, 1),
    tool: "reader",
    expected: { _tag: "Ok", text: "served after 1" }
  },
  {
    name: "503 three times with Retry-After: 1 to a read-only tool: answered on the fourth",
    answer: refusing(503, 3),
    tool: "reader",
    expected: { _tag: "Ok", text: "served after 3" }
  },
  {
    name: "429 with Retry-After in seconds to a tool not known to be safe: at once, UnexpectedStatus keeps the header",
    answer: (response) => response.writeHead(429, { "retry-after": "7" }).end("slow down"),
    expected: { _tag: "Fail", error: { _tag: "UnexpectedStatus", status: 429, retryAfter: "7" }, message: /429/ }
  },
  {
    name: "503 with Retry-After as a date: kept as sent",
    answer: (response) => response.writeHead(503, { "retry-after": "Sat, 05 Dec 2026 12:00:00 GMT" }).end(),
    expected: {
      _tag: "Fail",
      error: { _tag: "UnexpectedStatus", status: 503, retryAfter: "Sat, 05 Dec 2026 12:00:00 GMT" },
      message: /503/
    }
  },
  {
    name: "a redirect: UnexpectedStatus keeps Location",
    answer: (response) => response.writeHead(301, { location: "https://elsewhere.example/mcp" }).end(),
    expected: {
      _tag: "Fail",
      error: { _tag: "UnexpectedStatus", status: 301, location: "https://elsewhere.example/mcp" },
      message: /301/
    }
  },
  {
    name: "a plain 500: neither header is made up",
    answer: (response) => response.writeHead(500).end("boom"),
    expected: {
      _tag: "Fail",
      error: { _tag: "UnexpectedStatus", status: 500, body: "boom" },
      message: /500/,
      absent: ["retryAfter", "location"]
    }
  },
  {
    name: "204 to a request: NoContent, saying so (not a content-type problem)",
    answer: (response) => response.writeHead(204).end(),
    expected: {
      _tag: "Fail",
      error: { _tag: "ProtocolError", violation: "NoContent" },
      message: /204 No Content/
    }
  },
  ...(["gzip", "deflate", "br"] as const).flatMap((coding) =>
    (["json", "sse"] as const).map((type) => ({
      name: `a ${coding} ${type} body although identity was asked for: ContentEncoding naming ${coding}`,
      answer: encodedAnswer(coding, type),
      expected: {
        _tag: "Fail" as const,
        error: { _tag: "ProtocolError", violation: "ContentEncoding" },
        message: new RegExp(`Content-Encoding: ${coding}`)
      }
    }))
  ),
  {
    // Memory bounded by the limit (64 KiB here), whatever the server sends: an endless event ends typed.
    name: "an SSE event that never ends: MessageTooLarge at the limit",
    answer: endless("text/event-stream", "event: message\ndata: "),
    expected: { _tag: "Fail", error: { _tag: "ProtocolError", violation: "MessageTooLarge" }, message: /65536/ }
  },
  {
    name: "a JSON body that never ends: MessageTooLarge at the limit",
    answer: endless("application/json", `{"jsonrpc":"2.0","id":2,"result":{"content":[{"type":"text","text":"`),
    expected: { _tag: "Fail", error: { _tag: "ProtocolError", violation: "MessageTooLarge" }, message: /65536/ }
  },
  {
    // What a browser shows after decoding: the header stays, the text is plain. No false alarm.
    name: "a Content-Encoding header on a plain body: the answer is read",
    answer: (response, id) =>
      response.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" }).end(
        json(id, "plain after all")
      ),
    expected: { _tag: "Ok", text: "plain after all" }
  }
]

describe("hostile HTTP answers to tools/call", () => {
  for (const c of cases) {
    // On the real clock: a refusal waits the real second its Retry-After asks for.
    it.scopedLive(c.name, () =>
      Effect.gen(function*() {
        const server = yield* serve(c.answer)
        // Pinned: this server answers every request but initialize with the case's answer, the
        // detection probe included; what is tested is the answer to tools/call, not detection.
        const client = yield* connect({
          url: server.url,
          era: "sessions",
          getStream: false,
          requestTimeout: "10 seconds",
          maxMessageSize: 64 * 1024
        })
        const outcome = yield* Effect.either(client.callTool(c.tool ?? "anything", {}))
        // Every request asked for an uncompressed body.
        expect(server.acceptEncodings.length).toBeGreaterThan(0)
        expect(new Set(server.acceptEncodings)).toEqual(new Set(["identity"]))
        if (c.expected._tag === "Ok") {
          expect(outcome._tag).toBe("Right")
          if (outcome._tag === "Right") expect(outcome.right.content).toEqual([{ type: "text", text: c.expected.text }])
          return
        }
        expect(outcome._tag).toBe("Left")
        if (outcome._tag !== "Left") return
        const error: McpError.McpError = outcome.left
        expect(error).toMatchObject(c.expected.error)
        expect(error.message).toMatch(c.expected.message)
        for (const field of c.expected.absent ?? []) expect(Object.keys(error)).not.toContain(field)
        // Never binary bytes in what the caller prints.
        expect(error.message).not.toMatch(/\uFFFD/)
      }))
  }
})

// How the servers we can run here say "unknown session": each is started, a real session is
// opened, then requests carry an id the server never issued. The table in
// docs/session-recovery.md is this test's output: the test fails when a server answers otherwise
// than the doc says (run it and copy the rows it prints to update the doc).
import { describe, expect, it } from "@effect/vitest"
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { randomUUID } from "node:crypto"
import { readFileSync } from "node:fs"
import * as http from "node:http"
import { vi } from "vitest"
import { everythingServer } from "../support/everythingServer.js"
import { sdkServer } from "../support/live.js"
import { createSdkMcpServer } from "../support/sdkServer.mjs"

/** The SDK's transport answering alone: one transport (one session), every request handed to it. */
const sdkSingleTransport: Effect.Effect<{ readonly url: string }, never, Scope.Scope> = Effect.acquireRelease(
  Effect.promise(async () => {
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID() })
    await createSdkMcpServer().connect(transport)
    const server = http.createServer((request, response) => void transport.handleRequest(request, response))
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const address = server.address()
    const port = address !== null && typeof address === "object" ? address.port : 0
    return { server, transport, url: `http://127.0.0.1:${port}/mcp` }
  }),
  ({ server, transport }) =>
    Effect.promise(async () => {
      await transport.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    })
)

vi.setConfig({ testTimeout: 60_000 })

const UNKNOWN = "b2a5c1e0-dead-4bad-9f00-000000000000"
const PROTOCOL = "2025-11-25"

const initialize = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: PROTOCOL, capabilities: {}, clientInfo: { name: "dialects", version: "1" } }
}

/** One exchange: status and the body (first 160 characters, white space as one space). */
const send = (url: string, method: "POST" | "GET" | "DELETE", sessionId: string | undefined, body?: unknown) =>
  Effect.promise(async () => {
    const headers: Record<string, string> = {
      accept: "application/json, text/event-stream",
      "content-type": "application/json",
      "mcp-protocol-version": PROTOCOL
    }
    if (sessionId !== undefined) headers["mcp-session-id"] = sessionId
    const controller = new AbortController()
    const response = await fetch(url, {
      method,
      headers,
      signal: controller.signal,
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    // A GET that opened a stream would never end: its head says enough.
    const text = response.headers.get("content-type")?.startsWith("text/event-stream") === true
      ? "(an SSE stream)"
      : (await response.text()).replace(/\s+/g, " ").trim().slice(0, 160)
    controller.abort()
    return { status: response.status, body: text, sessionId: response.headers.get("mcp-session-id") ?? undefined }
  })

/** The rows of one server: its answers to requests with an unknown id (and, for contrast, none). */
const measure = (name: string, url: string) =>
  Effect.gen(function*() {
    // A real session first, so that the server is in its ordinary state.
    const opened = yield* send(url, "POST", undefined, initialize)
    expect(opened.status).toBe(200)
    const request = { jsonrpc: "2.0", id: 2, method: "tools/list", params: {} }
    const probes = [
      ["POST a request, unknown id", "POST", UNKNOWN, request],
      ["GET, unknown id", "GET", UNKNOWN, undefined],
      ["DELETE, unknown id", "DELETE", UNKNOWN, undefined],
      ["POST a request, no id", "POST", undefined, request]
    ] as const
    const rows: Array<string> = []
    for (const [what, method, id, body] of probes) {
      const answer = yield* send(url, method, id, body)
      rows.push(`| ${name} | ${what} | ${answer.status} | \`${answer.body.replace(/\|/g, "\\|") || "(empty)"}\` |`)
    }
    return rows
  })

const servers: ReadonlyArray<readonly [string, Effect.Effect<{ readonly url: string }, Error, Scope.Scope>]> = [
  ["official TS SDK transport alone (one session)", sdkSingleTransport],
  ["official TS SDK, stateful (a transport per session, a lookup that 404s)", sdkServer({ stateful: true })],
  ["official TS SDK, stateless (`sessionIdGenerator: undefined`)", sdkServer({ stateful: false })],
  ["`@modelcontextprotocol/server-everything` (the SDK README's transports map)", everythingServer()]
]

describe("unknown-session dialects of the servers we can run", () => {
  it.scoped("match the table in docs/session-recovery.md", () =>
    Effect.gen(function*() {
      const rows: Array<string> = []
      for (const [name, start] of servers) {
        const server = yield* start
        rows.push(...yield* measure(name, server.url))
      }
      process.stdout.write(`${rows.join("\n")}\n`)
      const doc = readFileSync(new URL("../../../../docs/session-recovery.md", import.meta.url), "utf8")
      for (const row of rows) expect(doc).toContain(row)
    }))
})

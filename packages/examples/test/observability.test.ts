import { describe, expect, it } from "@effect/vitest"
import { McpClient, McpHttp } from "@mcp-effect/core"
import { McpTestServer } from "@mcp-effect/core/testing"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"
import { logSessionEvents, recoveryStats, withClientDebugLogs } from "../src/observability.js"

interface Line {
  readonly level: string
  readonly message: string
  readonly annotations: Readonly<Record<string, unknown>>
}

/** A logger that records instead of printing. */
const recordingLogger = (lines: Array<Line>) =>
  Logger.replace(
    Logger.defaultLogger,
    Logger.make(({ annotations, logLevel, message }) => {
      lines.push({
        level: logLevel.label,
        message: (Array.isArray(message) ? message : [message]).map(String).join(" "),
        annotations: Object.fromEntries(annotations)
      })
    })
  )

/** A tracer that records the name and attributes of every span, on top of the current one. */
const recordSpans = (spans: Array<{ readonly name: string; readonly attributes: ReadonlyMap<string, unknown> }>) =>
  Effect.map(Effect.tracer, (base) =>
    Tracer.make({
      context: base.context,
      span: (name, parent, context, links, startTime, kind, options) => {
        const span = base.span(name, parent, context, links, startTime, kind, options)
        spans.push({ name, attributes: span.attributes })
        return span
      }
    }))

const inMemory = McpClient.layer({ url: McpTestServer.inMemoryUrl, getStream: false }).pipe(
  Layer.provide(McpHttp.layerHttpClient),
  Layer.provideMerge(McpTestServer.layerInMemory({ getStream: false }))
)

describe("observability", () => {
  it.scoped("session events, debug logs, metrics and spans of one recovery", () =>
    Effect.gen(function*() {
      const lines: Array<Line> = []
      const spans: Array<{ readonly name: string; readonly attributes: ReadonlyMap<string, unknown> }> = []
      const tracer = yield* recordSpans(spans)
      const before = yield* recoveryStats
      yield* Effect.gen(function*() {
        const server = yield* McpTestServer.McpTestServer
        const client = yield* McpClient.McpClient
        yield* logSessionEvents
        yield* Effect.yieldNow()
        const old = (yield* client.session).sessionId
        yield* server.expire()
        yield* client.ping()
        const current = (yield* client.session).sessionId
        yield* Effect.yieldNow()

        const messages = lines.map((l) => `${l.level} ${l.message}`)
        expect(messages).toContain(`WARN MCP session ${old} expired (HTTP 404 to ping)`)
        expect(messages.some((m) => m.startsWith(`INFO MCP session ${old} replaced by ${current} in `))).toBe(true)
        // The client's own debug lines (the in-memory transport adds Effect's "Fiber terminated…" ones).
        const debug = lines.filter((l) => l.level === "DEBUG" && l.message.startsWith("session"))
        expect(debug.map((l) => l.message)).toEqual(["session expired; re-initializing", "session recovered"])
        expect(debug[0].annotations).toMatchObject({ sessionId: old, status: 404, method: "ping" })
        expect(debug[1].annotations).toMatchObject({ previousSessionId: old, sessionId: current })
      }).pipe(
        Effect.provide(inMemory),
        withClientDebugLogs,
        Effect.provide(recordingLogger(lines)),
        Effect.withTracer(tracer)
      )
      const after = yield* recoveryStats
      expect(after.expirations - before.expirations).toBe(1)
      expect(after.recoveries - before.recoveries).toBe(1)
      expect(after.failures - before.failures).toBe(0)
      const names = spans.map((s) => s.name)
      expect(names.filter((n) => n === "McpClient.initialize").length).toBe(2)
      expect(names).toContain("http.client POST") // @effect/platform's own span for each HTTP request
      const recover = spans.find((s) => s.name === "McpClient.recoverSession")
      expect(Option.fromNullable(recover).pipe(Option.map((s) => [...s.attributes.keys()].sort()))).toEqual(
        Option.some(["mcp.method", "mcp.session.expired_id"])
      )
      const initialize = spans.filter((s) => s.name === "McpClient.initialize").map((s) => s.attributes)
      expect(initialize.map((a) => a.get("mcp.session.generation"))).toEqual([0, 1])
    }))
})

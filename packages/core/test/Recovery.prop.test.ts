import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FastCheck from "effect/FastCheck"
import * as Fiber from "effect/Fiber"
import * as Schedule from "effect/Schedule"
import * as TestClock from "effect/TestClock"
import * as McpError from "../src/McpError.js"
import { setup } from "./support/harness.js"

type Op =
  | { readonly _tag: "calls"; readonly count: number }
  | { readonly _tag: "expire" }
  | { readonly _tag: "restart" }
  | { readonly _tag: "ttl" }
  | { readonly _tag: "yield"; readonly times: number }

const op: FastCheck.Arbitrary<Op> = FastCheck.oneof(
  FastCheck.record({ _tag: FastCheck.constant("calls" as const), count: FastCheck.integer({ min: 1, max: 12 }) }),
  FastCheck.constant({ _tag: "expire" as const }),
  FastCheck.constant({ _tag: "restart" as const }),
  FastCheck.constant({ _tag: "ttl" as const }),
  FastCheck.record({ _tag: FastCheck.constant("yield" as const), times: FastCheck.integer({ min: 1, max: 20 }) })
)

const recurs = 3

describe("session recovery (property)", () => {
  it.effect.prop(
    "random interleavings of calls, TTL expiries and restarts",
    {
      ops: FastCheck.array(op, { minLength: 1, maxLength: 25 }),
      answers: FastCheck.constantFrom("json" as const, "sse" as const),
      getStream: FastCheck.boolean()
    },
    ({ answers, getStream, ops }) =>
      Effect.scoped(Effect.gen(function*() {
        const { client, server } = yield* setup(
          { sessionTtl: "1 minute", answers, getStream },
          { recovery: { schedule: Schedule.recurs(recurs) } }
        )
        const calls: Array<Fiber.RuntimeFiber<string, McpError.McpError>> = []
        let n = 0
        for (const o of ops) {
          switch (o._tag) {
            case "calls": {
              for (let i = 0; i < o.count; i++) {
                const text = `call-${n++}`
                calls.push(
                  yield* Effect.fork(
                    Effect.map(client.callTool("echo", { text }), (r) => JSON.stringify(r.content))
                  )
                )
              }
              break
            }
            case "expire":
              yield* server.expire()
              break
            case "restart":
              yield* server.restart
              break
            case "ttl":
              yield* TestClock.adjust("61 seconds")
              break
            case "yield":
              for (let i = 0; i < o.times; i++) yield* Effect.yieldNow()
          }
        }
        const exits = yield* Effect.forEach(calls, Fiber.await)

        // 1. every call completed exactly once: its own result, or a typed error (no defect, no interruption)
        exits.forEach((exit, i) => {
          if (Exit.isSuccess(exit)) {
            expect(exit.value).toContain(`"call-${i}"`)
          } else {
            const failure = exit.cause._tag === "Fail" ? exit.cause.error : undefined
            expect(McpError.isMcpError(failure)).toBe(true)
          }
        })

        // 2. the client is healthy afterwards, on a live session (this also waits out a
        //    recovery the GET stream may have started in the background)
        const after = yield* client.callTool("echo", { text: "after" })
        expect(JSON.stringify(after.content)).toContain("after")
        const current = (yield* client.session).sessionId
        expect(yield* server.sessions).toContain(current)
        // 3. one handshake per dead session id that met a 404, plus the first one
        const log = yield* server.log
        const dead = new Set(log.filter((e) => e.status === 404 && e.sessionId !== undefined).map((e) => e.sessionId))
        expect(yield* server.initializeCount).toBe(1 + dead.size)
        expect(yield* server.initializeCount).toBeLessThanOrEqual(1 + Math.max(1, dead.size) * (1 + recurs))

        // 4. once a dead id's replacement was initialized, only requests already in flight may
        //    still carry it: at most one per call, never more
        for (const id of dead) {
          const firstDeath = log.findIndex((e) => e.sessionId === id && e.status === 404)
          const replaced = log.findIndex((e, i) => i > firstDeath && e.rpcMethod === "notifications/initialized")
          if (replaced === -1) continue
          const late = log.slice(replaced + 1).filter((e) => e.sessionId === id && e.httpMethod === "POST")
          expect(late.length).toBeLessThanOrEqual(calls.length)
          expect(late.every((e) => e.status === 404)).toBe(true)
        }
      })),
    { timeout: 120_000, fastCheck: { numRuns: 60 } }
  )
})

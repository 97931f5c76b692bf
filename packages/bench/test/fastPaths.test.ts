// The fast paths the benchmark led to must give exactly what the slow paths give. Run with the
// other projects (`vitest run`), against the sources of @mcp-effect/core.
import { describe, expect, it } from "@effect/vitest"
import { McpSchema } from "@mcp-effect/core"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Schema from "effect/Schema"

const bySchema = Schema.decodeUnknownEither(McpSchema.ProgressNotificationParams)

/** decodeServerNotification (fast path or schema) against the schema alone: same result, same key order. */
const sameAsSchema = (params: unknown): boolean => {
  const notification = McpSchema.decodeServerNotification("notifications/progress", params)
  const expected = bySchema(params)
  if (Either.isLeft(expected)) {
    expect(notification._tag).toBe("Other")
    return false
  }
  expect(notification._tag).toBe("Progress")
  if (notification._tag !== "Progress") return false
  expect(notification.params).toStrictEqual(expected.right)
  expect(Object.keys(notification.params)).toEqual(Object.keys(expected.right))
  expect(notification.params).not.toBe(params)
  return true
}

const value = FastCheck.oneof(
  FastCheck.string(),
  FastCheck.integer(),
  FastCheck.double(),
  FastCheck.boolean(),
  FastCheck.constant(null),
  FastCheck.constant(undefined),
  FastCheck.object({ maxDepth: 1 })
)
const key = FastCheck.oneof(
  FastCheck.constantFrom("progressToken", "progress", "total", "message", "_meta"),
  FastCheck.string({ maxLength: 6 })
)
/** Objects built entry by entry, in any key order, sometimes without a prototype. */
const objectOf = (entries: FastCheck.Arbitrary<ReadonlyArray<readonly [string, unknown]>>) =>
  FastCheck.tuple(entries, FastCheck.boolean()).map(([list, bare]) => {
    const o: Record<string, unknown> = bare ? Object.create(null) : {}
    for (const [k, v] of list) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true })
    return o
  })
/** What servers send: well-formed progress params, fields in any order, sometimes one extra field. */
const progressLike = FastCheck.tuple(
  FastCheck.oneof(FastCheck.string(), FastCheck.double()),
  FastCheck.double(),
  FastCheck.option(FastCheck.double(), { nil: undefined }),
  FastCheck.option(FastCheck.string(), { nil: undefined }),
  FastCheck.option(FastCheck.tuple(key, value), { nil: undefined })
).chain(([token, progress, total, message, extra]) => {
  const entries: Array<readonly [string, unknown]> = [["progressToken", token], ["progress", progress]]
  if (total !== undefined) entries.push(["total", total])
  if (message !== undefined) entries.push(["message", message])
  if (extra !== undefined) entries.push(extra)
  return objectOf(FastCheck.shuffledSubarray(entries, { minLength: entries.length, maxLength: entries.length }))
})

describe("decodeServerNotification: the progress fast path", () => {
  it("gives what the schema gives for well-formed params in any order", () => {
    let decoded = 0
    FastCheck.assert(
      FastCheck.property(progressLike, (params) => {
        if (sameAsSchema(params)) decoded++
      }),
      { numRuns: 2000 }
    )
    expect(decoded).toBeGreaterThan(1000)
  })

  it("gives what the schema gives for anything else", () => {
    FastCheck.assert(
      FastCheck.property(
        FastCheck.oneof(objectOf(FastCheck.array(FastCheck.tuple(key, value), { maxLength: 6 })), FastCheck.anything()),
        (params) => {
          sameAsSchema(params)
        }
      ),
      { numRuns: 2000 }
    )
  })

  it("keeps what the schema keeps: _meta, unknown fields, an explicit undefined", () => {
    for (
      const params of [
        { progressToken: "t", progress: 1, _meta: { trace: "x" } },
        { progress: 1, progressToken: 7, note: { deep: [1] } },
        { progressToken: 1, progress: 2, total: undefined },
        { progressToken: 1, progress: Number.NaN, message: "" }
      ]
    ) {
      expect(sameAsSchema(params)).toBe(true)
    }
    expect(sameAsSchema({ progressToken: true, progress: 1 })).toBe(false)
    expect(sameAsSchema({ progressToken: 1 })).toBe(false)
  })
})

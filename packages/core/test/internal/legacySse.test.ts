import { describe, expect, it } from "@effect/vitest"
import { sameOrigin } from "../../src/internal/legacySse/transport.js"

describe("HTTP+SSE: the endpoint event must name the stream's origin", () => {
  const base = "http://127.0.0.1:3000/mcp"
  const cases: ReadonlyArray<readonly [string, string | undefined]> = [
    ["/messages?sessionId=1", "http://127.0.0.1:3000/messages?sessionId=1"],
    ["messages", "http://127.0.0.1:3000/messages"],
    ["http://127.0.0.1:3000/x", "http://127.0.0.1:3000/x"],
    ["http://127.0.0.1:3001/x", undefined],
    ["https://127.0.0.1:3000/x", undefined],
    ["http://evil.example/messages", undefined],
    ["//evil.example/messages", undefined]
  ]
  for (const [endpoint, expected] of cases) {
    it(endpoint, () => expect(sameOrigin(base, endpoint)).toBe(expected))
  }
})

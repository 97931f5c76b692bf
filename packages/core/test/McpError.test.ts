import { describe, expect, it } from "@effect/vitest"
import * as McpError from "../src/McpError.js"

describe("McpError", () => {
  it("recognises its own errors", () => {
    const e = new McpError.SessionExpired({ method: "ping", sessionId: "s1", status: 404, accepted: false })
    expect(McpError.isMcpError(e)).toBe(true)
    expect(McpError.isMcpError(new Error("x"))).toBe(false)
    expect(e.message).toBe("ping: session s1 expired (HTTP 404)")
  })
})

import { describe, expect, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import * as McpError from "../src/McpError.js"

describe("McpError", () => {
  it("recognises its own errors", () => {
    const e = new McpError.SessionExpired({ method: "ping", sessionId: "s1", status: 404, accepted: false })
    expect(McpError.isMcpError(e)).toBe(true)
    expect(McpError.isMcpError(new Error("x"))).toBe(false)
    expect(e.message).toBe("ping: session s1 expired (HTTP 404)")
  })

  it("the authorization errors are McpErrors: recognised, encoded and decoded by the union's schema", () => {
    const failed = new McpError.AuthorizationFailed({
      method: "tools/call",
      requestId: 7,
      sessionId: "s1",
      resource: "https://mcp.example.com/mcp",
      step: "token",
      description: "the token request was refused",
      error: "invalid_grant",
      error_description: "code expired",
      status: 400
    })
    const required = new McpError.AuthorizationRequired({
      resource: "https://mcp.example.com/mcp",
      description: "no Authorizer"
    })
    for (const error of [failed, required]) {
      expect(McpError.isMcpError(error)).toBe(true)
      expect(McpError.isAuthorizationError(error)).toBe(true)
      const encoded = Schema.encodeSync(McpError.McpError)(error)
      const decoded = Schema.decodeSync(McpError.McpError)(encoded)
      expect(decoded).toBeInstanceOf(error.constructor)
      expect(decoded).toEqual(error)
    }
    expect(failed.message).toBe(
      "tools/call: https://mcp.example.com/mcp: authorization failed at token: the token request was refused " +
        "(invalid_grant: code expired)"
    )
    // Without a request (the layer's own operations): no method prefix.
    expect(required.message).toBe("https://mcp.example.com/mcp: authorization required: no Authorizer")
    // As the cause of a RecoveryFailed, through the recursive schema.
    const recovery = new McpError.RecoveryFailed({ method: "tools/call", attempts: 1, cause: failed })
    expect(Schema.decodeSync(McpError.McpError)(Schema.encodeSync(McpError.McpError)(recovery))).toEqual(recovery)
    expect(
      McpError.isAuthorizationError(new McpError.TransportError({ method: "x", phase: "request", description: "" }))
    )
      .toBe(false)
  })
})

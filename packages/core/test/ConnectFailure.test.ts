// McpHttp.isConnectFailure: the failures after which nothing reached the server. Issue 17: out of
// file descriptors (EMFILE, ENFILE: no socket could be made, as when thousands of clients in one
// process reconnect at once) is one of them, so such a request is sent again after a wait.
import { describe, expect, it } from "@effect/vitest"
import * as McpHttp from "../src/McpHttp.js"

const systemError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:8080`), { code })

describe("McpHttp.isConnectFailure", () => {
  it("EMFILE and ENFILE, as undici reports them (nested in a cause), mean no connection was made", () => {
    for (const code of ["EMFILE", "ENFILE", "ECONNREFUSED"]) {
      expect(McpHttp.isConnectFailure(systemError(code))).toBe(true)
      expect(McpHttp.isConnectFailure(new TypeError("fetch failed", { cause: systemError(code) }))).toBe(true)
    }
  })

  it("a connection cut on the way is not: the server may have the request", () => {
    for (const code of ["ECONNRESET", "EPIPE", "UND_ERR_SOCKET"]) {
      expect(McpHttp.isConnectFailure(systemError(code))).toBe(false)
    }
  })
})

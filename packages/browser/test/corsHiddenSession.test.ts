import { assert, describe, it } from "@effect/vitest"
import { BrowserMcpClient } from "@mcp-effect/browser"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { control, servers } from "./support/servers.js"

const { hiddenSession, json } = servers()

const initialize = (url: string) =>
  Effect.promise(() =>
    fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "0" } }
      })
    })
  )

describe("a server without Access-Control-Expose-Headers: Mcp-Session-Id", () => {
  it.live("the browser really hides the header (and shows it when exposed)", () =>
    Effect.gen(function*() {
      const before = yield* control(hiddenSession).sessions
      const hidden = yield* initialize(hiddenSession.url)
      assert.strictEqual(hidden.status, 200)
      assert.isNull(hidden.headers.get("mcp-session-id"))
      // The server did create a session and send its id: only the page cannot read it.
      const after = yield* control(hiddenSession).sessions
      assert.strictEqual(after.length, before.length + 1)

      const exposed = yield* initialize(json.url)
      assert.strictEqual(exposed.status, 200)
      assert.isString(exposed.headers.get("mcp-session-id"))
      assert.include(yield* control(json).sessions, exposed.headers.get("mcp-session-id"))
    }))

  it.live("connecting fails with ProtocolError SessionHeaderHidden, which names the missing header", () =>
    Effect.gen(function*() {
      const error = yield* Layer.build(BrowserMcpClient.layer({ url: hiddenSession.url })).pipe(
        Effect.scoped,
        Effect.flip
      )
      assert.strictEqual(error._tag, "ProtocolError")
      if (error._tag !== "ProtocolError") return
      assert.strictEqual(error.violation, "SessionHeaderHidden")
      assert.strictEqual(error.method, "notifications/initialized")
      assert.include(error.message, "Access-Control-Expose-Headers: Mcp-Session-Id")
    }))
})

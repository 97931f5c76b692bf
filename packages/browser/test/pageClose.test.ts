import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import { control, servers } from "./support/servers.js"

const server = servers().json
const ctl = control(server)

/** Loads test/fixtures/pageClose.html in an iframe; succeeds with the page's session id. */
const openPage = (query: Record<string, string>) =>
  Effect.async<{ readonly frame: HTMLIFrameElement; readonly sessionId: string }, Error>((resume) => {
    const frame = document.createElement("iframe")
    const onMessage = (event: MessageEvent) => {
      if (event.source !== frame.contentWindow) return
      removeEventListener("message", onMessage)
      const data: unknown = event.data
      if (typeof data === "object" && data !== null && "sessionId" in data && typeof data.sessionId === "string") {
        resume(Effect.succeed({ frame, sessionId: data.sessionId }))
      } else {
        resume(Effect.fail(new Error(`the page failed: ${JSON.stringify(data)}`)))
      }
    }
    addEventListener("message", onMessage)
    const page = new URL("./fixtures/pageClose.html", import.meta.url)
    page.searchParams.set("server", server.url)
    for (const [key, value] of Object.entries(query)) page.searchParams.set(key, value)
    frame.src = page.href
    document.body.append(frame)
    return Effect.sync(() => {
      removeEventListener("message", onMessage)
      frame.remove()
    })
  }).pipe(Effect.timeout("10 seconds"))

const deletesOf = (sessionId: string) =>
  Effect.map(ctl.logOf(sessionId), (log) => log.filter((e) => e.httpMethod === "DELETE"))

describe("unloading the page (an iframe that is removed)", () => {
  it.live("ends the session with a keepalive DELETE sent from the pagehide listener", () =>
    Effect.gen(function*() {
      const { frame, sessionId } = yield* openPage({})
      assert.include(yield* ctl.sessions, sessionId)
      frame.remove()
      const deletes = yield* deletesOf(sessionId).pipe(
        Effect.filterOrFail((d) => d.length > 0, () => "no DELETE yet"),
        Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.intersect(Schedule.recurs(100)))),
        Effect.orElseSucceed(() => [])
      )
      assert.strictEqual(deletes.length, 1)
      assert.strictEqual(deletes[0].status, 200)
      // The headers of the client's own requests: session id, protocol version, credentials.
      assert.strictEqual(deletes[0].headers["mcp-protocol-version"], "2025-11-25")
      assert.strictEqual(deletes[0].headers["authorization"], "Bearer page-token")
      assert.notInclude(yield* ctl.sessions, sessionId)
    }))

  it.live("sends nothing with endSessionOnPageHide: false, or after the runtime already ended the session", () =>
    Effect.gen(function*() {
      const off = yield* openPage({ endSessionOnPageHide: "false" })
      const disposed = yield* openPage({ dispose: "" })
      const on = yield* openPage({})
      // The disposed runtime already sent its DELETE.
      assert.deepStrictEqual((yield* deletesOf(disposed.sessionId)).map((e) => e.status), [200])
      off.frame.remove()
      disposed.frame.remove()
      on.frame.remove()
      // The last page's DELETE arriving means the two pages before it were unloaded too.
      yield* deletesOf(on.sessionId).pipe(
        Effect.filterOrFail((d) => d.length > 0, () => "no DELETE yet"),
        Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.intersect(Schedule.recurs(100)))),
        Effect.orDie
      )
      assert.deepStrictEqual(yield* deletesOf(off.sessionId), [])
      assert.include(yield* ctl.sessions, off.sessionId)
      assert.deepStrictEqual((yield* deletesOf(disposed.sessionId)).map((e) => e.status), [200])
    }))
})

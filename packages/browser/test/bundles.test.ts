import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import { inject } from "vitest"
import { servers } from "./support/servers.js"

const server = servers().json

/**
 * Runs a bundle as the app of a page in an iframe; succeeds with what it printed.
 * (The page has a real URL: in an about:srcdoc page @effect/platform cannot build
 * request URLs, see docs/browser.md.)
 */
const runApp = (code: string) =>
  Effect.acquireUseRelease(
    Effect.sync(() => {
      const script = URL.createObjectURL(new Blob([code], { type: "text/javascript" }))
      const page = new URL("./fixtures/app.html", import.meta.url)
      page.searchParams.set("server", server.url)
      page.searchParams.set("bundle", script)
      const frame = document.createElement("iframe")
      frame.src = page.href
      document.body.append(frame)
      return { frame, script }
    }),
    ({ frame }) =>
      Effect.sync(() => frame.contentDocument?.body?.textContent ?? "").pipe(
        Effect.filterOrFail((text) => text !== "", () => "nothing printed yet"),
        Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.intersect(Schedule.recurs(200)))),
        Effect.orDie
      ),
    ({ frame, script }) =>
      Effect.sync(() => {
        frame.remove()
        URL.revokeObjectURL(script)
      })
  )

describe("the bundle-size apps work in Chromium (so their sizes compare working apps)", () => {
  for (const bundle of inject("bundles")) {
    it.live(bundle.name, () =>
      Effect.gen(function*() {
        const printed = yield* runApp(bundle.code)
        assert.strictEqual(printed, `5 tools; echo: ${JSON.stringify([{ type: "text", text: "hello" }])}`)
      }))
  }
})

/**
 * The browser's interactive authorization step in real Chromium: a web app
 * (test/fixtures/authApp.html, in an iframe, served by vitest from
 * localhost) calls a tool on a protected MCP server on 127.0.0.1 (the
 * McpTestAuth authorization server over real HTTP, see
 * support/authServer.ts). It is sent to the authorization server, which
 * approves at once and redirects to test/fixtures/authCallback.html; the
 * client's call then succeeds with the token.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { inject } from "vitest"

const auth = inject("auth")

const Stats = Schema.Struct({ authorizations: Schema.Number, codeGrants: Schema.Number, registrations: Schema.Number })
const stats = Effect.promise(() => fetch(`${auth.controlUrl}stats`).then((r) => r.json())).pipe(
  Effect.flatMap(Schema.decodeUnknown(Stats)),
  Effect.orDie
)
const injectFault = (fault: { readonly _tag: string }) =>
  Effect.promise(() =>
    fetch(`${auth.controlUrl}inject`, { method: "POST", body: JSON.stringify(fault) }).then((r) => r.text())
  )

const Outcome = Schema.Union(
  Schema.Struct({ type: Schema.Literal("auth-app"), content: Schema.Array(Schema.Unknown) }),
  Schema.Struct({
    type: Schema.Literal("auth-app"),
    error: Schema.Struct({ _tag: Schema.String, step: Schema.optional(Schema.Unknown), message: Schema.String })
  })
)
const PageShown = Schema.Struct({ type: Schema.Literal("auth-page"), page: Schema.String })
type Outcome = typeof Outcome.Type

/** Loads the app in an iframe; succeeds with what it (or its callback page) reports. */
const runApp = (mode: "redirect" | "popup") =>
  Effect.acquireRelease(
    Effect.sync(() => document.createElement("iframe")),
    (frame) => Effect.sync(() => frame.remove())
  ).pipe(
    Effect.flatMap((frame) =>
      Effect.async<{ readonly outcome: Outcome; readonly pages: ReadonlyArray<string> }>((resume) => {
        // Every page the frame shows, in order: the app, the callback, the app again.
        const pages: Array<string> = []
        const onMessage = (event: MessageEvent) => {
          if (event.source !== frame.contentWindow) return
          const shown = Schema.decodeUnknownEither(PageShown)(event.data)
          if (shown._tag === "Right") pages.push(shown.right.page)
          const decoded = Schema.decodeUnknownEither(Outcome)(event.data)
          if (decoded._tag === "Right") resume(Effect.succeed({ outcome: decoded.right, pages }))
        }
        addEventListener("message", onMessage)
        const page = new URL("./fixtures/authApp.html", import.meta.url)
        page.searchParams.set("server", auth.url)
        page.searchParams.set("mode", mode)
        frame.src = page.href
        document.body.append(frame)
        return Effect.sync(() => removeEventListener("message", onMessage))
      })
    ),
    Effect.timeout("30 seconds"),
    Effect.scoped
  )

const pendingKeys = () =>
  Object.keys(globalThis.sessionStorage).filter((key) => key.startsWith("mcp-effect:auth:pending:"))

describe("authorization in the browser (redirect, popup, callback)", () => {
  it.live("full-page redirect: the app leaves for the authorization server, comes back, and its call succeeds", () =>
    Effect.gen(function*() {
      globalThis.sessionStorage.clear()
      const before = yield* stats
      const { outcome, pages } = yield* runApp("redirect")
      assert.deepStrictEqual(outcome, {
        type: "auth-app",
        content: [{ type: "text", text: "authorized in the browser" }]
      })
      // The app, the callback page, the app again (the authorization server's page is a 302 in between).
      assert.deepStrictEqual(pages, ["authApp.html", "authCallback.html", "authApp.html"])
      const after = yield* stats
      assert.strictEqual(after.authorizations - before.authorizations, 1)
      assert.strictEqual(after.codeGrants - before.codeGrants, 1)
      // The pending authorization (state + verifier) is consumed; the token is kept for the tab.
      assert.deepStrictEqual(pendingKeys(), [])
      assert.include(globalThis.sessionStorage.getItem(`mcp-effect:auth:grant:${auth.url}`) ?? "", "access_token")
    }))

  it.live("popup: the app stays, the callback page in the popup posts the code back, the call succeeds", () =>
    Effect.gen(function*() {
      globalThis.sessionStorage.clear()
      const before = yield* stats
      const { outcome, pages } = yield* runApp("popup")
      assert.deepStrictEqual(outcome, {
        type: "auth-app",
        content: [{ type: "text", text: "authorized in the browser" }]
      })
      assert.deepStrictEqual(pages, ["authApp.html"])
      const after = yield* stats
      assert.strictEqual(after.authorizations - before.authorizations, 1)
      assert.strictEqual(after.codeGrants - before.codeGrants, 1)
    }))

  it.live("redirect with a forged state: the callback page fails with AuthorizationFailed, the code is never used", () =>
    Effect.gen(function*() {
      globalThis.sessionStorage.clear()
      const before = yield* stats
      yield* injectFault({ _tag: "WrongState" })
      const { outcome, pages } = yield* runApp("redirect")
      assert.strictEqual("error" in outcome ? outcome.error._tag : "none", "AuthorizationFailed")
      assert.strictEqual("error" in outcome ? outcome.error.step : "none", "authorization")
      assert.include("error" in outcome ? outcome.error.message : "", "state matches no pending authorization")
      assert.deepStrictEqual(pages, ["authApp.html", "authCallback.html"])
      const after = yield* stats
      assert.strictEqual(after.authorizations - before.authorizations, 1)
      assert.strictEqual(after.codeGrants - before.codeGrants, 0)
      assert.deepStrictEqual(pendingKeys(), [])
    }))

  it.live("popup with a forged state: the app's call fails with AuthorizationFailed", () =>
    Effect.gen(function*() {
      globalThis.sessionStorage.clear()
      const before = yield* stats
      yield* injectFault({ _tag: "WrongState" })
      const { outcome } = yield* runApp("popup")
      assert.strictEqual("error" in outcome ? outcome.error._tag : "none", "AuthorizationFailed")
      assert.include("error" in outcome ? outcome.error.message : "", "state does not match", JSON.stringify(outcome))
      const after = yield* stats
      assert.strictEqual(after.codeGrants - before.codeGrants, 0)
    }))
})

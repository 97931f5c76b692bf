import { describe, expect, it } from "@effect/vitest"
import { McpAuth } from "@mcp-effect/core"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { promises as fs } from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as NodeMcpAuth from "../src/NodeMcpAuth.js"

const tempFile = Effect.acquireRelease(
  Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "mcp-auth-"))),
  (dir) => Effect.promise(() => fs.rm(dir, { recursive: true, force: true }))
).pipe(Effect.map((dir) => path.join(dir, "nested", "auth.json")))

describe("NodeMcpAuth", () => {
  it.scoped("fileStore keeps values in a 0600 file in a 0700 directory, across instances", () =>
    Effect.gen(function*() {
      const file = yield* tempFile
      const store = yield* NodeMcpAuth.fileStore(file)
      expect(yield* store.get("grant:x")).toBeUndefined()
      yield* Effect.all([store.set("grant:x", "{\"a\":1}"), store.set("client:y", "{}")], { concurrency: "unbounded" })
      const stat = yield* Effect.promise(() => fs.stat(file))
      expect(stat.mode & 0o777).toBe(0o600)
      const dirStat = yield* Effect.promise(() => fs.stat(path.dirname(file)))
      expect(dirStat.mode & 0o777).toBe(0o700)
      const again = yield* NodeMcpAuth.fileStore(file)
      expect(yield* again.get("grant:x")).toBe("{\"a\":1}")
      expect(yield* again.get("client:y")).toBe("{}")
      yield* again.remove("grant:x")
      expect(yield* store.get("grant:x")).toBeUndefined()
    }))

  it.scoped("fileStore reads a damaged file as empty", () =>
    Effect.gen(function*() {
      const file = yield* tempFile
      yield* Effect.promise(() => fs.mkdir(path.dirname(file), { recursive: true }))
      yield* Effect.promise(() => fs.writeFile(file, "not json"))
      const store = yield* NodeMcpAuth.fileStore(file)
      expect(yield* store.get("grant:x")).toBeUndefined()
      yield* store.set("grant:x", "v")
      expect(yield* store.get("grant:x")).toBe("v")
    }))

  it.scoped("layerLoopback takes the redirect with the pending state over real HTTP on 127.0.0.1", () =>
    Effect.gen(function*() {
      const seen: Array<number> = []
      const layer = NodeMcpAuth.layerLoopback({
        // The "browser": first a stray request (wrong state), then the authorization server's redirect.
        open: (url) =>
          Effect.promise(async () => {
            const state = new URL(url).searchParams.get("state") ?? ""
            const redirect = new URL(new URL(url).searchParams.get("redirect_uri") ?? "")
            const stray = await fetch(`${redirect.href}?code=evil&state=forged`)
            seen.push(stray.status)
            await stray.text()
            const ok = await fetch(`${redirect.href}?code=abc&state=${state}&iss=https%3A%2F%2Fas.test`)
            seen.push(ok.status)
            await ok.text()
          })
      })
      const authorizer = Context.get(yield* Layer.build(layer), McpAuth.Authorizer)
      expect(authorizer.redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/)
      const url = new URL("https://as.test/authorize")
      url.searchParams.set("state", "s-1")
      url.searchParams.set("redirect_uri", authorizer.redirectUri)
      const answer = yield* authorizer.authorize({
        url: url.href,
        state: "s-1",
        resource: "https://mcp.test/mcp",
        codeVerifier: Redacted.make("v")
      })
      expect(answer).toEqual({ code: "abc", state: "s-1", iss: "https://as.test" })
      expect(seen).toEqual([400, 200])
    }))

  it.scopedLive("layerLoopback gives up after its timeout with AuthorizationFailed", () =>
    Effect.gen(function*() {
      const authorizer = Context.get(
        yield* Layer.build(NodeMcpAuth.layerLoopback({ open: () => Effect.void, timeout: "50 millis" })),
        McpAuth.Authorizer
      )
      const exit = yield* Effect.exit(
        authorizer.authorize({
          url: "https://as.test/authorize",
          state: "s",
          resource: "https://mcp.test/mcp",
          codeVerifier: Redacted.make("v")
        })
      )
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isFailure(exit) && exit.cause._tag === "Fail") expect(exit.cause.error.step).toBe("authorization")
    }))
})

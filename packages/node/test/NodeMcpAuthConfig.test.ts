// NodeMcpAuth.config: the token file and the loopback listener from Config.
import { describe, expect, it } from "@effect/vitest"
import { McpAuth } from "@mcp-effect/core"
import { NodeMcpAuth } from "@mcp-effect/node"
import * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { existsSync, mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const authConfig = Config.nested(NodeMcpAuth.config, "MCP_AUTH")
const env = (entries: ReadonlyArray<readonly [string, string]>) =>
  ConfigProvider.fromMap(new Map(entries.map(([key, value]) => [`MCP_AUTH_${key}`, value])), { pathDelim: "_" })

describe("NodeMcpAuth.config", () => {
  it.effect("reads every key", () =>
    Effect.gen(function*() {
      const options = yield* authConfig.pipe(Effect.withConfigProvider(env([
        ["STORE_PATH", "/var/lib/app/auth.json"],
        ["LOOPBACK_PORT", "8765"],
        ["LOOPBACK_TIMEOUT", "2 minutes"]
      ])))
      expect(options).toEqual({ storePath: "/var/lib/app/auth.json", port: 8765, timeout: Duration.minutes(2) })
    }))

  it.scoped("layerConfig: tokens in STORE_PATH, the listener on a free loopback port, LOOPBACK_TIMEOUT bounds the wait", () =>
    Effect.gen(function*() {
      const file = join(mkdtempSync(join(tmpdir(), "mcp-auth-config-")), "nested", "auth.json")
      const shown = yield* Deferred.make<string>()
      const { authorizer, store } = yield* Effect.all({ store: McpAuth.Store, authorizer: McpAuth.Authorizer }).pipe(
        Effect.provide(NodeMcpAuth.layerConfig(authConfig, {
          open: (url) => Deferred.succeed(shown, url),
          timeout: "1 hour"
        })),
        Effect.withConfigProvider(env([["STORE_PATH", file], ["LOOPBACK_PORT", "0"], ["LOOPBACK_TIMEOUT", "1 minute"]]))
      )
      yield* store.set("grant:test", "{\"access_token\":\"t\"}")
      expect(existsSync(file)).toBe(true)
      expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ "grant:test": "{\"access_token\":\"t\"}" })
      expect(authorizer.redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:[1-9]\d*\/callback$/)
      const waiting = yield* Effect.fork(
        authorizer.authorize({
          url: "https://as.test/authorize",
          state: "s",
          resource: "https://mcp.test/mcp",
          codeVerifier: Redacted.make("v")
        })
      )
      // The URL is shown before the wait starts: after it, a minute is the configured bound.
      expect(yield* Deferred.await(shown)).toBe("https://as.test/authorize")
      yield* TestClock.adjust("1 minute")
      const error = yield* Fiber.join(waiting).pipe(Effect.flip)
      expect(error).toMatchObject({ _tag: "AuthorizationFailed", step: "authorization" })
      expect(error.description).toContain("1m")
    }))

  it.effect.each(
    [
      ["LOOPBACK_PORT", "70000"],
      ["LOOPBACK_PORT", "http"],
      ["LOOPBACK_TIMEOUT", "a while"]
    ] as const
  )("%s=%s fails with a ConfigError naming the key", ([key, value]) =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(authConfig.pipe(Effect.withConfigProvider(env([[key, value]]))))
      expect(error).toMatchObject({ _tag: "ConfigError", _op: "InvalidData", path: ["MCP_AUTH", key] })
    }))
})

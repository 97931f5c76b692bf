// The browser layers' Config: the keys against docs/configuration.md (read through vitest's
// browser commands), and each layer configured from Config alone.
import { assert, describe, it } from "@effect/vitest"
import { BrowserMcpAuth, BrowserMcpClient } from "@mcp-effect/browser"
import { McpAuth, McpClient, McpConfig } from "@mcp-effect/core"
import { commands } from "@vitest/browser/context"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import { control, idOf, servers } from "./support/servers.js"

const server = servers().json
const ctl = control(server)

/** The keys of the page's `### \`X.config\`` table, `HEADERS_<name>` as `HEADERS`. */
const documented = (page: string, name: string): ReadonlyArray<string> => {
  const section = page.split(/^### /m).find((s) => s.startsWith(`\`${name}.config\``)) ?? ""
  return section.split("\n").flatMap((line) => {
    const row = /^\| `([A-Z_]+?)(?:_<name>)?` \|/.exec(line)
    return row === null ? [] : [row[1]]
  })
}

describe("the browser layers' Config", () => {
  it.effect("docs/configuration.md lists exactly the keys each config reads", () =>
    Effect.gen(function*() {
      const page = yield* Effect.promise(() => commands.readFile("../../docs/configuration.md"))
      assert.sameMembers(
        [...McpConfig.keys(BrowserMcpClient.config)],
        [...documented(page, "McpClient"), ...documented(page, "BrowserMcpClient")]
      )
      assert.sameMembers([...McpConfig.keys(BrowserMcpAuth.config)], [...documented(page, "BrowserMcpAuth")])
    }))

  it.effect("BrowserMcpClient.config reads END_SESSION_ON_PAGE_HIDE with the client's keys", () =>
    Effect.gen(function*() {
      const options = yield* BrowserMcpClient.config.pipe(Effect.withConfigProvider(ConfigProvider.fromMap(
        new Map([["URL", server.url], ["END_SESSION_ON_PAGE_HIDE", "false"], ["GET_STREAM", "false"]])
      )))
      assert.deepStrictEqual(options, { url: server.url, endSessionOnPageHide: false, getStream: false })
      const bad = yield* Effect.flip(BrowserMcpClient.config.pipe(Effect.withConfigProvider(ConfigProvider.fromMap(
        new Map([["URL", server.url], ["END_SESSION_ON_PAGE_HIDE", "sometimes"]])
      ))))
      assert.deepInclude(bad, { _op: "InvalidData", path: ["END_SESSION_ON_PAGE_HIDE"] })
    }))

  it.live("BrowserMcpClient.layerConfig: the client speaks as configured, without trace headers", () =>
    Effect.gen(function*() {
      const client = yield* McpClient.McpClient
      const session = yield* client.session
      assert.strictEqual(session.protocolVersion, "2025-06-18")
      yield* client.ping()
      const log = yield* ctl.logOf(idOf(session))
      assert.isFalse(log.some((e) => e.httpMethod === "GET"))
      assert.isFalse(log.some((e) => "traceparent" in e.headers))
    }).pipe(
      Effect.withSpan("app"),
      Effect.provide(BrowserMcpClient.layerConfig()),
      Effect.withConfigProvider(ConfigProvider.fromMap(
        new Map([["URL", server.url], ["PROTOCOL_VERSION", "2025-06-18"], ["GET_STREAM", "false"]])
      ))
    ))

  it.effect("BrowserMcpAuth.layerConfig: STORAGE and STORAGE_PREFIX choose where tokens go", () =>
    Effect.gen(function*() {
      globalThis.localStorage.removeItem("cfg:grant:x")
      const store = yield* McpAuth.Store.pipe(
        Effect.provide(BrowserMcpAuth.layerConfig()),
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["STORAGE", "local"], ["STORAGE_PREFIX", "cfg:"]])))
      )
      yield* store.set("grant:x", "v")
      assert.strictEqual(globalThis.localStorage.getItem("cfg:grant:x"), "v")
      globalThis.localStorage.removeItem("cfg:grant:x")
      const bad = yield* Effect.flip(BrowserMcpAuth.config.pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["STORAGE", "cookie"]])))
      ))
      assert.deepInclude(bad, { _op: "InvalidData", path: ["STORAGE"] })
    }))
})

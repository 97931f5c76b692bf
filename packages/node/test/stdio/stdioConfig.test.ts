// NodeMcpStdio.config: every key, a server process configured from Config alone (command,
// arguments, environment, working directory, client keys), and malformed values named by key.
import { describe, expect, it } from "@effect/vitest"
import { McpClient } from "@mcp-effect/core"
import { NodeMcpStdio } from "@mcp-effect/node"
import * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { vi } from "vitest"
import { bounded } from "../support/live.js"
import { sdkStdioServer, textOf } from "../support/stdio.js"

vi.setConfig({ testTimeout: 30_000 })

const stdioConfig = Config.nested(NodeMcpStdio.config, "MCP")
const env = (entries: ReadonlyArray<readonly [string, string]>) =>
  ConfigProvider.fromMap(new Map(entries.map(([key, value]) => [`MCP_${key}`, value])), { pathDelim: "_" })

describe("NodeMcpStdio.config", () => {
  it.effect("reads every key", () =>
    Effect.gen(function*() {
      const { recovery, ...options } = yield* stdioConfig.pipe(Effect.withConfigProvider(env([
        ["COMMAND", "node"],
        ["ARGS", "server.js,--verbose"],
        ["ENV", "API_KEY=s3cret,MODE=a=b"],
        ["INHERIT_ENV", "PATH,HOME"],
        ["CWD", "/srv/mcp"],
        ["NAME", "notes"],
        ["STDERR", "Debug"],
        ["STDERR_LINES", "50"],
        ["MAX_MESSAGE_SIZE", "65536"],
        ["SHUTDOWN_TIMEOUT", "5 seconds"],
        ["LIVENESS_INTERVAL", "30 seconds"],
        ["LIVENESS_TIMEOUT", "5 seconds"],
        ["CLIENT_NAME", "notes-app"],
        ["CLIENT_VERSION", "2.0.0"],
        ["CLIENT_TITLE", "Notes"],
        ["PROTOCOL_VERSION", "2025-06-18"],
        ["REQUEST_TIMEOUT", "20 seconds"],
        ["MAX_REQUEST_TIMEOUT", "3 minutes"],
        ["CONNECT_TIMEOUT", "9 seconds"],
        ["GET_STREAM", "false"],
        ["ERA", "sessions"],
        ["RECOVERY_ENABLED", "true"],
        ["RECOVERY_MAX_ATTEMPTS", "2"],
        ["RECOVERY_BACKOFF", "10 millis"],
        ["RECOVERY_MAX_DELAY", "1 second"],
        ["RECOVERY_REPLAY", "always"],
        ["RECOVERY_UNSENT_BACKOFF", "10 millis"],
        ["RECOVERY_UNSENT_MAX_DELAY", "1 second"]
      ])))
      expect(options).toEqual({
        command: "node",
        args: ["server.js", "--verbose"],
        env: { API_KEY: "s3cret", MODE: "a=b" },
        inheritEnv: ["PATH", "HOME"],
        cwd: "/srv/mcp",
        name: "notes",
        stderr: "Debug",
        stderrLines: 50,
        maxMessageSize: 65536,
        shutdownTimeout: Duration.seconds(5),
        liveness: { interval: Duration.seconds(30), timeout: Duration.seconds(5) },
        clientInfo: { name: "notes-app", version: "2.0.0", title: "Notes" },
        protocolVersion: "2025-06-18",
        requestTimeout: Duration.seconds(20),
        maxRequestTimeout: Duration.minutes(3),
        connectTimeout: Duration.seconds(9),
        getStream: false,
        era: "sessions"
      })
      expect(Object.keys(recovery ?? {}).sort()).toEqual(["enabled", "replay", "schedule", "unsent"])
      expect(recovery?.replay?.({ method: "tools/call", params: {}, toolName: "x", tool: undefined })).toBe(true)
    }))

  it.live("layerConfig: the server runs as Config says (command, args, env, cwd, client keys)", () =>
    Effect.gen(function*() {
      const directory = mkdtempSync(join(tmpdir(), "mcp-stdio-config-"))
      const result = yield* Effect.gen(function*() {
        const client = yield* McpClient.McpClient
        const session = yield* client.session
        const names = textOf(yield* client.callTool("env", {})).split(",")
        return { protocolVersion: session.protocolVersion, names }
      }).pipe(
        Effect.provide(NodeMcpStdio.layerConfig(stdioConfig, { stderr: "Info" })),
        Effect.withConfigProvider(env([
          ["COMMAND", process.execPath],
          ["ARGS", sdkStdioServer],
          // A relative log file: it lands in CWD only if CWD was honoured.
          ["ENV", "MCP_TEST_LOG=events.log,MCP_EFFECT_FROM_CONFIG=1"],
          ["INHERIT_ENV", "PATH"],
          ["CWD", directory],
          ["STDERR", "ignore"],
          ["PROTOCOL_VERSION", "2025-06-18"],
          ["CLIENT_NAME", "notes-app"],
          ["CLIENT_VERSION", "2.0.0"]
        ]))
      )
      expect(result.protocolVersion).toBe("2025-06-18")
      expect(result.names).toEqual(["MCP_EFFECT_FROM_CONFIG", "MCP_TEST_LOG", "PATH"])
      expect(readFileSync(join(directory, "events.log"), "utf8")).toMatch(/^start \d+\ninitialized \d+\n/)
    }).pipe(bounded("the configured server")))

  it.effect.each(
    [
      [[["STDERR", "loud"]], "InvalidData", "STDERR"],
      [[["STDERR_LINES", "-1"]], "InvalidData", "STDERR_LINES"],
      [[["MAX_MESSAGE_SIZE", "0"]], "InvalidData", "MAX_MESSAGE_SIZE"],
      [[["SHUTDOWN_TIMEOUT", "soon"]], "InvalidData", "SHUTDOWN_TIMEOUT"],
      [[["ENV", "NO_VALUE"]], "InvalidData", "ENV"],
      [[["LIVENESS_INTERVAL", "10 seconds"]], "MissingData", "LIVENESS_TIMEOUT"],
      [[["LIVENESS_TIMEOUT", "10 seconds"]], "MissingData", "LIVENESS_INTERVAL"],
      [[["RECOVERY_REPLAY", "twice"]], "InvalidData", "RECOVERY_REPLAY"],
      [[["ERA", "modern"]], "InvalidData", "ERA"],
      [[], "MissingData", "COMMAND"]
    ] as const
  )("%j fails with %s naming %s", ([entries, op, key]) =>
    Effect.gen(function*() {
      const given = key === "COMMAND" ? entries : [["COMMAND", "node"] as const, ...entries]
      const error = yield* Effect.flip(stdioConfig.pipe(Effect.withConfigProvider(env(given))))
      expect(error).toMatchObject({ _tag: "ConfigError", _op: op, path: ["MCP", key] })
      // A secret never shows in the message.
      expect(JSON.stringify(error)).not.toContain("NO_VALUE")
    }))
})

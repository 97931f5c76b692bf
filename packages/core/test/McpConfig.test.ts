// Every key of McpClient.config, read from a ConfigProvider and seen through the client's public
// surface against the test server; malformed values fail with a ConfigError naming the key.
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as EraCache from "../src/EraCache.js"
import * as McpClient from "../src/McpClient.js"
import * as McpConfig from "../src/McpConfig.js"
import * as McpHttp from "../src/McpHttp.js"
import * as Recovery from "../src/Recovery.js"
import * as McpTestServer from "../src/testing/McpTestServer.js"

const { Fault } = McpTestServer

/** `MCP_*` variables as `ConfigProvider.fromEnv` reads them (path segments joined by `_`). */
const env = (entries: ReadonlyArray<readonly [string, string]>) =>
  ConfigProvider.fromMap(new Map(entries.map(([key, value]) => [`MCP_${key}`, value])), { pathDelim: "_" })

const mcpConfig = Config.nested(McpClient.config, "MCP")

/** The client `layerConfig` builds from `entries` over `options`, on an in-memory server. */
const clientFrom = (
  server: McpTestServer.Handle,
  entries: ReadonlyArray<readonly [string, string]>,
  options?: Omit<McpClient.Options, "url">
) =>
  Layer.build(
    McpClient.layerConfig(mcpConfig, options).pipe(
      Layer.provide(Layer.succeed(McpHttp.McpHttp, McpHttp.fromHttpClient(McpTestServer.httpClient(server))))
    )
  ).pipe(
    Effect.map((context) => Context.get(context, McpClient.McpClient)),
    Effect.withConfigProvider(env([["URL", McpTestServer.inMemoryUrl], ...entries]))
  )

/** The delays a schedule asks for, `n` recurrences at most (and a last 0 when it is done). */
const delaysOf = (schedule: Schedule.Schedule<unknown>, n: number) =>
  Effect.map(
    Schedule.run(Schedule.delays(schedule), 0, Array.from({ length: n }, () => undefined)),
    (delays) => Chunk.toReadonlyArray(delays).map(Duration.toMillis)
  )

/** `Schedule.jittered` scales each delay by 0.8 to 1.2. */
const expectJittered = (actual: ReadonlyArray<number>, expected: ReadonlyArray<number>) => {
  expect(actual).toHaveLength(expected.length)
  actual.forEach((delay, i) => {
    expect(delay).toBeGreaterThanOrEqual(expected[i] * 0.8)
    expect(delay).toBeLessThanOrEqual(expected[i] * 1.2)
  })
}

describe("McpClient.config", () => {
  it.effect("reads every key", () =>
    Effect.gen(function*() {
      const options = yield* mcpConfig.pipe(Effect.withConfigProvider(env([
        ["URL", "http://127.0.0.1:1/mcp"],
        ["CLIENT_NAME", "notes-app"],
        ["CLIENT_VERSION", "2.0.0"],
        ["CLIENT_TITLE", "Notes"],
        ["PROTOCOL_VERSION", "2025-06-18"],
        ["HEADERS_AUTHORIZATION", "Bearer t0ken"],
        ["REQUEST_TIMEOUT", "5 seconds"],
        ["MAX_REQUEST_TIMEOUT", "2 minutes"],
        ["CONNECT_TIMEOUT", "7 seconds"],
        ["GET_STREAM", "false"],
        ["ERA", "stateless"],
        ["MAX_MESSAGE_SIZE", "1000"],
        ["MAX_BODY_EXCERPT", "10"],
        ["TRACER_PROPAGATION", "no"],
        ["RECONNECT_MAX_ATTEMPTS", "3"],
        ["RECONNECT_BACKOFF", "100 millis"],
        ["RECONNECT_MAX_DELAY", "250 millis"],
        ["RECOVERY_ENABLED", "true"],
        ["RECOVERY_MAX_ATTEMPTS", "4"],
        ["RECOVERY_BACKOFF", "10 millis"],
        ["RECOVERY_MAX_DELAY", "15 millis"],
        ["RECOVERY_REPLAY", "never"],
        ["RECOVERY_UNSENT_BACKOFF", "20 millis"],
        ["RECOVERY_UNSENT_MAX_DELAY", "50 millis"],
        ["RECOVERY_THROTTLED_MAX_ATTEMPTS", "2"],
        ["RECOVERY_THROTTLED_BACKOFF", "30 millis"],
        ["RECOVERY_THROTTLED_MAX_DELAY", "45 millis"],
        ["RECOVERY_MAX_RETRY_AFTER", "3 seconds"],
        ["EXPIRED_STATUSES", "400,410"]
      ])))
      const { reconnect, recovery, ...plain } = options
      expect(plain).toEqual({
        url: "http://127.0.0.1:1/mcp",
        clientInfo: { name: "notes-app", version: "2.0.0", title: "Notes" },
        protocolVersion: "2025-06-18",
        headers: { authorization: "Bearer t0ken" },
        requestTimeout: Duration.seconds(5),
        maxRequestTimeout: Duration.minutes(2),
        connectTimeout: Duration.seconds(7),
        getStream: false,
        era: "stateless",
        maxMessageSize: 1000,
        maxBodyExcerpt: 10,
        tracerPropagation: false
      })
      expect(recovery?.enabled).toBe(true)
      expect(recovery?.replay).toBe(Recovery.neverReplay)
      expect(recovery?.expiredStatuses).toEqual([400, 410])
      // 4 attempts: the first at once (outside the schedule), then 0, 10 ms doubling, capped at 15 ms; done.
      expectJittered(yield* delaysOf(recovery?.schedule ?? Schedule.stop, 10), [0, 10, 15, 0])
      // Unbounded here (the request's deadline bounds it): 20 ms doubling to 50 ms.
      expectJittered(yield* delaysOf(recovery?.unsent ?? Schedule.stop, 4), [20, 40, 50, 50])
      // 2 retries after a 429 / 503 without Retry-After: 30 ms, then 60 capped at 45; done.
      expectJittered(yield* delaysOf(recovery?.throttled ?? Schedule.stop, 4), [30, 45, 0])
      expect(recovery?.maxRetryAfter).toEqual(Duration.seconds(3))
      expectJittered(yield* delaysOf(reconnect ?? Schedule.stop, 10), [100, 200, 250, 0])
    }))

  it.effect("only the keys that are set: the URL alone is the URL alone", () =>
    Effect.gen(function*() {
      const options = yield* mcpConfig.pipe(Effect.withConfigProvider(env([["URL", "http://127.0.0.1:1/mcp"]])))
      expect(options).toStrictEqual({ url: "http://127.0.0.1:1/mcp" })
    }))

  it.effect("a schedule's unset keys take the defaults", () =>
    Effect.gen(function*() {
      const options = yield* mcpConfig.pipe(Effect.withConfigProvider(env([
        ["URL", "http://127.0.0.1:1/mcp"],
        ["RECOVERY_MAX_ATTEMPTS", "3"],
        ["RECONNECT_BACKOFF", "1 second"]
      ])))
      expectJittered(yield* delaysOf(options.recovery?.schedule ?? Schedule.stop, 10), [0, 50, 0])
      expectJittered(yield* delaysOf(options.reconnect ?? Schedule.stop, 10), [1000, 2000, 4000, 8000, 16000, 32000, 0])
      // The recovery keys at their defaults are the default schedule.
      const defaults = yield* mcpConfig.pipe(Effect.withConfigProvider(env([
        ["URL", "http://127.0.0.1:1/mcp"],
        ["RECOVERY_BACKOFF", "50 millis"]
      ])))
      expect((yield* delaysOf(defaults.recovery?.schedule ?? Schedule.stop, 10)).length).toBe(
        (yield* delaysOf(Recovery.defaultSchedule, 10)).length
      )
      expect(options.recovery?.unsent).toBeUndefined()
    }))

  it.effect.each(
    [
      ["REQUEST_TIMEOUT", "soon", "InvalidData"],
      ["MAX_REQUEST_TIMEOUT", "forever", "InvalidData"],
      ["CONNECT_TIMEOUT", "12 parsecs", "InvalidData"],
      ["GET_STREAM", "maybe", "InvalidData"],
      ["ERA", "modern", "InvalidData"],
      ["MAX_MESSAGE_SIZE", "0", "InvalidData"],
      ["MAX_BODY_EXCERPT", "-1", "InvalidData"],
      ["TRACER_PROPAGATION", "sometimes", "InvalidData"],
      ["RECONNECT_MAX_ATTEMPTS", "many", "InvalidData"],
      ["RECOVERY_MAX_ATTEMPTS", "0", "InvalidData"],
      ["RECOVERY_BACKOFF", "quickly", "InvalidData"],
      ["RECOVERY_REPLAY", "sometimes", "InvalidData"],
      ["RECOVERY_UNSENT_MAX_DELAY", "later", "InvalidData"],
      ["EXPIRED_STATUSES", "410,gone", "InvalidData"],
      ["CLIENT_NAME", "alone", "MissingData"]
    ] as const
  )("%s=%s fails with a ConfigError naming the key", ([key, value, op]) =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(mcpConfig.pipe(
        Effect.withConfigProvider(env([["URL", "http://127.0.0.1:1/mcp"], [key, value]]))
      ))
      // A name without its version names the key that is missing.
      const named = key === "CLIENT_NAME" ? "CLIENT_VERSION" : key
      expect(error).toMatchObject({ _tag: "ConfigError", _op: op, path: ["MCP", named] })
    }))

  it.effect("a missing URL names the key", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(mcpConfig.pipe(Effect.withConfigProvider(env([]))))
      expect(error).toMatchObject({ _tag: "ConfigError", _op: "MissingData", path: ["MCP", "URL"] })
    }))
})

describe("McpClient.layerConfig: the keys through the client", () => {
  it.scoped("clientInfo, headers, protocol version, era pin, GET stream and tracing as configured", () =>
    Effect.gen(function*() {
      const server = yield* McpTestServer.make()
      const client = yield* clientFrom(server, [
        ["CLIENT_NAME", "notes-app"],
        ["CLIENT_VERSION", "2.0.0"],
        ["CLIENT_TITLE", "Notes"],
        ["PROTOCOL_VERSION", "2025-06-18"],
        ["HEADERS_AUTHORIZATION", "Bearer t0ken"],
        ["HEADERS_X-API-KEY", "k3y"],
        ["ERA", "sessions"],
        ["GET_STREAM", "false"],
        ["TRACER_PROPAGATION", "false"]
      ], {
        // Headers from code (an Effect, read per request) are kept; the configured ones are added.
        headers: Effect.succeed({ "x-from-code": "yes" }),
        getStream: true
      })
      yield* client.ping().pipe(Effect.withSpan("app"))
      const log = yield* server.log
      // Pinned to the session era: the handshake first, no probe; GET_STREAM=false wins over the option.
      expect(log.map((e) => e.rpcMethod ?? e.httpMethod)).toEqual(["initialize", "notifications/initialized", "ping"])
      expect(log[0].message).toMatchObject({
        params: { protocolVersion: "2025-06-18", clientInfo: { name: "notes-app", version: "2.0.0", title: "Notes" } }
      })
      for (const entry of log) {
        expect(entry.headers).toMatchObject({ authorization: "Bearer t0ken", "x-api-key": "k3y", "x-from-code": "yes" })
        expect(entry.headers["traceparent"]).toBeUndefined()
      }
      expect((yield* client.session).protocolVersion).toBe("2025-06-18")
    }))

  it.scoped("TRACER_PROPAGATION=true sends the caller's span", () =>
    Effect.gen(function*() {
      const server = yield* McpTestServer.make({ getStream: false })
      const client = yield* clientFrom(server, [["TRACER_PROPAGATION", "true"], ["GET_STREAM", "false"]])
      yield* client.ping().pipe(Effect.withSpan("app"))
      const ping = (yield* server.log).find((e) => e.rpcMethod === "ping")
      expect(ping?.headers["traceparent"]).toMatch(/^00-/)
    }))

  it.scoped("RECOVERY_MAX_ATTEMPTS bounds the re-sends after lost sessions", () =>
    Effect.gen(function*() {
      const server = yield* McpTestServer.make({ getStream: false })
      const client = yield* clientFrom(server, [["RECOVERY_MAX_ATTEMPTS", "2"], ["RECOVERY_BACKOFF", "0 millis"]])
      yield* server.inject(Fault.Status({ status: 404 }), { rpcMethod: "tools/call", times: 1000 })
      const error = yield* Effect.flip(client.callTool("echo", { text: "x" }))
      expect(error).toMatchObject({ _tag: "RecoveryFailed", attempts: 2 })
      expect(yield* server.initializeCount).toBe(1 + 2)
    }))

  it.scoped("RECOVERY_ENABLED=false: a lost session surfaces", () =>
    Effect.gen(function*() {
      const server = yield* McpTestServer.make({ getStream: false })
      const client = yield* clientFrom(server, [["RECOVERY_ENABLED", "false"]])
      yield* server.expire()
      expect(yield* Effect.flip(client.ping())).toMatchObject({ _tag: "SessionExpired", status: 404 })
    }))

  it.scoped("EXPIRED_STATUSES: a server's 410 means unknown session, merged with the options' recovery", () =>
    Effect.gen(function*() {
      const server = yield* McpTestServer.make({ getStream: false, unknownSessionStatus: 410 })
      const client = yield* clientFrom(server, [["EXPIRED_STATUSES", "410"]], {
        recovery: { schedule: Schedule.recurs(1) }
      })
      yield* server.expire()
      yield* client.ping()
      expect(yield* server.initializeCount).toBe(2)
    }))

  it.scoped("MAX_BODY_EXCERPT and MAX_MESSAGE_SIZE bound what the client keeps and reads", () =>
    Effect.gen(function*() {
      const server = yield* McpTestServer.make({ getStream: false })
      const client = yield* clientFrom(server, [["MAX_BODY_EXCERPT", "8"], ["MAX_MESSAGE_SIZE", "300"]])
      yield* server.inject(Fault.Status({ status: 500, body: "x".repeat(100), contentType: "text/plain" }), {
        rpcMethod: "ping"
      })
      const status = yield* Effect.flip(client.ping())
      expect(status).toMatchObject({ _tag: "UnexpectedStatus", status: 500, body: "x".repeat(8) })
      const large = yield* Effect.flip(client.callTool("echo", { text: "y".repeat(400) }))
      expect(large).toMatchObject({ _tag: "ProtocolError", violation: "MessageTooLarge" })
    }))
})

describe("McpConfig", () => {
  it.effect("merge: a key that is set wins, recovery merges key by key, headers add up", () =>
    Effect.gen(function*() {
      const fromCode = McpConfig.merge<Omit<McpClient.Options, "url">>(
        { headers: Effect.succeed({ a: "1" }) },
        { headers: { b: "2" } }
      ).headers
      expect(fromCode !== undefined && Effect.isEffect(fromCode) ? yield* fromCode : fromCode).toEqual({
        a: "1",
        b: "2"
      })
      const merged = McpConfig.merge<Omit<McpClient.Options, "url">>(
        { requestTimeout: "1 second", recovery: { enabled: false, expiredStatuses: [400] }, headers: { a: "1" } },
        { requestTimeout: "2 seconds", recovery: { expiredStatuses: [410] }, headers: { b: "2" } }
      )
      expect(merged).toEqual({
        requestTimeout: "2 seconds",
        recovery: { enabled: false, expiredStatuses: [410] },
        headers: { a: "1", b: "2" }
      })
      expect(McpConfig.merge<Omit<McpClient.Options, "url">>(undefined, {})).toStrictEqual({})
    }))

  it("keys lists what a config reads", () => {
    expect(McpConfig.keys(Config.all({ a: Config.string("A"), b: McpConfig.optional(Config.integer("B")) })))
      .toEqual(["A", "B"])
  })
})

describe("EraCache.config", () => {
  it.effect("SEED seeds the cache; an endpoint in Config wins over the code's seed", () =>
    Effect.gen(function*() {
      const cache = yield* EraCache.EraCache.pipe(
        Effect.provide(
          EraCache.layerConfig(Config.nested(EraCache.config, "MCP_ERA_CACHE"), {
            "https://a.test/mcp": "sessions",
            "https://c.test/mcp": "http-sse"
          })
        ),
        Effect.withConfigProvider(ConfigProvider.fromMap(
          new Map([["MCP_ERA_CACHE_SEED", "https://a.test/mcp?x=1=stateless,https://a.test/mcp=stateless"]]),
          { pathDelim: "_" }
        ))
      )
      expect(yield* cache.get("https://a.test/mcp?x=1")).toBe("stateless")
      expect(yield* cache.get("https://a.test/mcp")).toBe("stateless")
      expect(yield* cache.get("https://c.test/mcp")).toBe("http-sse")
    }))

  it.effect("a malformed pair names the key", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Config.nested(EraCache.config, "CACHE").pipe(
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["CACHE.SEED", "https://a.test/mcp=modern"]])))
        )
      )
      expect(error).toMatchObject({ _tag: "ConfigError", _op: "InvalidData", path: ["CACHE", "SEED"] })
    }))
})

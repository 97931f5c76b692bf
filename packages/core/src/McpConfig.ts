/**
 * Reading options from Effect's `Config`: the pieces every layer's `config`
 * is built from, so that every package reads its keys the same way.
 *
 * Each layer exports `config` (its options, under keys documented in
 * `docs/configuration.md`, nested under a prefix of yours with
 * `Config.nested`) and `layerConfig(config?, options?)`: a key that is set
 * wins over `options`, a key that is not set leaves `options` alone. That
 * rule holds because a `config` yields only the keys that are set
 * ({@link optional} and {@link defined}).
 *
 * What cannot live in an environment variable (handlers, functions, a
 * `Schedule` of any shape) stays in code; where an option has a natural data
 * form, `Config` reads that form: {@link backoff} builds the recovery,
 * reconnect and unsent schedules from an attempt count and delays,
 * `RECOVERY_REPLAY` picks one of the `Recovery` policies by name.
 *
 * @example
 * ```ts
 * import { McpConfig } from "@mcp-effect/core"
 * import { Config } from "effect"
 *
 * // A config of your own, by the same rule: only the keys that are set.
 * const mine = Config.all({
 *   greeting: McpConfig.optional(Config.string("GREETING")),
 *   retries: McpConfig.optional(McpConfig.count("RETRIES"))
 * }).pipe(Config.map(McpConfig.defined))
 * ```
 *
 * @since 0.2.0
 */
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as ConfigProvider from "effect/ConfigProvider"
import * as PathPatch from "effect/ConfigProviderPathPatch"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as HashSet from "effect/HashSet"
import * as Schedule from "effect/Schedule"
import type * as McpClient from "./McpClient.js"
import type * as McpTransport from "./McpTransport.js"
import * as Recovery from "./Recovery.js"
import type * as Session from "./Session.js"

/**
 * A key that may be unset: `undefined` then (only a missing key; a malformed
 * one still fails with its `ConfigError`).
 *
 * @since 0.2.0
 * @category combinators
 */
export const optional = <A>(config: Config.Config<A>): Config.Config<A | undefined> =>
  Config.withDefault(config, undefined)

/**
 * The object without its `undefined` entries: what a `config` yields, so that
 * spreading it over options never erases an option with an unset key.
 *
 * @since 0.2.0
 * @category combinators
 */
export const defined = <A extends object>(value: A): A => {
  const out = { ...value }
  for (const [key, entry] of Object.entries(value)) {
    if (entry === undefined) Reflect.deleteProperty(out, key)
  }
  return out
}

/**
 * An integer ≥ 0 (a count, a size). Anything else fails with `InvalidData` naming the key.
 *
 * @since 0.2.0
 * @category primitives
 */
export const count = (name: string): Config.Config<number> =>
  Config.validate(Config.integer(name), { message: "Expected an integer ≥ 0", validation: (n) => n >= 0 })

/**
 * An integer ≥ 1 (a size that cannot be zero).
 *
 * @since 0.2.0
 * @category primitives
 */
export const positive = (name: string): Config.Config<number> =>
  Config.validate(Config.integer(name), { message: "Expected an integer ≥ 1", validation: (n) => n >= 1 })

/**
 * Two keys that go together (a name and a version, an interval and a timeout):
 * both unset is `undefined`, both set is the pair, one without the other fails
 * with `MissingData` naming the missing key.
 *
 * @since 0.2.0
 * @category combinators
 */
export const both = <A, B>(
  first: readonly [name: string, config: Config.Config<A>],
  second: readonly [name: string, config: Config.Config<B>]
): Config.Config<readonly [A, B] | undefined> =>
  Config.all([optional(first[1]), optional(second[1])]).pipe(
    Config.mapOrFail(([a, b]) => {
      if (a === undefined && b === undefined) return Either.right(undefined)
      if (a !== undefined && b !== undefined) return Either.right([a, b] as const)
      const [missing, other] = a === undefined ? [first[0], second[0]] : [second[0], first[0]]
      return Either.left(ConfigError.MissingData([missing], `Expected ${missing} to be set along with ${other}`))
    })
  )

/**
 * The data form of a backoff schedule.
 *
 * @since 0.2.0
 * @category models
 */
export interface Backoff {
  /** How many recurrences; unset: unbounded (a bound elsewhere applies). */
  readonly attempts?: number | undefined
  /** The first delay; each next one doubles. */
  readonly base: Duration.DurationInput
  /** The longest delay. Default: none. */
  readonly cap?: Duration.DurationInput | undefined
  /** The first recurrence at once, the backoff from the second on (recovery's shape). Default: false. */
  readonly immediateFirst?: boolean | undefined
}

/**
 * A jittered exponential backoff from its data form: what the `*_MAX_ATTEMPTS`,
 * `*_BACKOFF` and `*_MAX_DELAY` keys make.
 *
 * @since 0.2.0
 * @category constructors
 */
export const backoff = (options: Backoff): Schedule.Schedule<number> => {
  const base = Duration.toMillis(Duration.decode(options.base))
  const cap = options.cap === undefined ? Infinity : Duration.toMillis(Duration.decode(options.cap))
  const counted = options.attempts === undefined ? Schedule.forever : Schedule.recurs(options.attempts)
  return counted.pipe(
    Schedule.addDelay((n) => {
      const step = options.immediateFirst === true ? n - 1 : n
      return step < 0 ? Duration.zero : Duration.millis(Math.min(base * 2 ** step, cap))
    }),
    Schedule.jittered
  )
}

/**
 * The replay policies `RECOVERY_REPLAY` names: `default` (`Recovery.defaultReplay`),
 * `never`, `always`.
 *
 * @since 0.2.0
 * @category constants
 */
export const replayPolicies: Readonly<Record<"default" | "never" | "always", Recovery.ReplayPolicy>> = {
  default: Recovery.defaultReplay,
  never: Recovery.neverReplay,
  always: Recovery.alwaysReplay
}

/**
 * A {@link backoff} from the keys `<prefix>_MAX_ATTEMPTS` (unless `attempts`
 * is `"none"`), `<prefix>_BACKOFF` and `<prefix>_MAX_DELAY`, the unset ones at
 * `defaults`; `undefined` when none is set (the option keeps its own default).
 * `attempts: "attempts"` reads a count of attempts of which the first is not
 * the schedule's (recovery's), `"recurrences"` the schedule's recurrences.
 *
 * @since 0.2.0
 * @category config
 */
export const backoffConfig = (
  prefix: string,
  defaults: Backoff,
  keys: { readonly attempts: "recurrences" | "attempts" | "none" }
): Config.Config<Schedule.Schedule<number> | undefined> =>
  Config.all({
    attempts: keys.attempts === "none"
      ? Config.succeed(undefined)
      // Recovery counts its first re-send outside the schedule: N attempts are N - 1 recurrences.
      : keys.attempts === "attempts"
      ? optional(Config.map(positive(`${prefix}_MAX_ATTEMPTS`), (n) => n - 1))
      : optional(count(`${prefix}_MAX_ATTEMPTS`)),
    base: optional(Config.duration(`${prefix}_BACKOFF`)),
    cap: optional(Config.duration(`${prefix}_MAX_DELAY`))
  }).pipe(Config.map((set) =>
    set.attempts === undefined && set.base === undefined && set.cap === undefined
      ? undefined
      : backoff({
        ...defaults,
        attempts: set.attempts ?? defaults.attempts,
        base: set.base ?? defaults.base,
        cap: set.cap ?? defaults.cap
      })
  ))

/**
 * The recovery policy's keys: `RECOVERY_ENABLED`, `RECOVERY_MAX_ATTEMPTS`,
 * `RECOVERY_BACKOFF`, `RECOVERY_MAX_DELAY` (the re-send schedule: at most
 * that many attempts on new sessions, as `RecoveryFailed.attempts` counts
 * them, the first at once, then from the backoff, doubling; by default 5,
 * 50 ms, no cap: `Recovery.defaultSchedule`), `RECOVERY_REPLAY` (`default`, `never`, `always`),
 * `RECOVERY_UNSENT_BACKOFF`, `RECOVERY_UNSENT_MAX_DELAY` (the schedule for
 * requests that never reached the server; by default 100 ms, 2 s),
 * `RECOVERY_THROTTLED_MAX_ATTEMPTS`, `RECOVERY_THROTTLED_BACKOFF`,
 * `RECOVERY_THROTTLED_MAX_DELAY` (retries of a request refused with 429 / 503
 * and no `Retry-After`; by default 5, 1 s, no cap) and
 * `RECOVERY_MAX_RETRY_AFTER` (the longest `Retry-After` honoured; 30 s).
 * `undefined` when none is set.
 *
 * @since 0.2.0
 * @category config
 */
export const recovery: Config.Config<Recovery.Options | undefined> = /*#__PURE__*/ (() =>
  // A pure call: a bundle that never reads this config leaves it (and effect's Config) out.
  Config.all({
    enabled: optional(Config.boolean("RECOVERY_ENABLED")),
    schedule: backoffConfig("RECOVERY", { attempts: 4, base: "50 millis", immediateFirst: true }, {
      attempts: "attempts"
    }),
    replay: optional(Config.literal("default", "never", "always")("RECOVERY_REPLAY")).pipe(
      Config.map((name) => name === undefined ? undefined : replayPolicies[name])
    ),
    unsent: backoffConfig("RECOVERY_UNSENT", { base: "100 millis", cap: "2 seconds" }, { attempts: "none" }),
    throttled: backoffConfig("RECOVERY_THROTTLED", { attempts: 5, base: "1 second" }, { attempts: "recurrences" }),
    maxRetryAfter: optional(Config.duration("RECOVERY_MAX_RETRY_AFTER"))
  }).pipe(Config.map((set) => {
    const options = defined(set)
    return Object.keys(options).length === 0 ? undefined : options
  })))()

/**
 * The protocol generations `ERA` accepts.
 *
 * @since 0.2.0
 * @category config
 */
export const era: (name: string) => Config.Config<Session.Era | "auto"> = (name) =>
  Config.literal("sessions", "stateless", "http-sse", "auto")(name)

/**
 * The client's keys that hold on any transport: `CLIENT_NAME` with
 * `CLIENT_VERSION` (both or neither), `CLIENT_TITLE`, `PROTOCOL_VERSION`,
 * `REQUEST_TIMEOUT`, `MAX_REQUEST_TIMEOUT`, `CONNECT_TIMEOUT`, `GET_STREAM`,
 * `ERA`, and the {@link recovery} keys. Only the keys that are set.
 *
 * @since 0.2.0
 * @category config
 */
export const client: Config.Config<McpTransport.ClientOptions> = /*#__PURE__*/ (() =>
  // A pure call, as `recovery` is.
  Config.all({
    info: both(["CLIENT_NAME", Config.string("CLIENT_NAME")], ["CLIENT_VERSION", Config.string("CLIENT_VERSION")]),
    title: optional(Config.string("CLIENT_TITLE")),
    protocolVersion: optional(Config.string("PROTOCOL_VERSION")),
    requestTimeout: optional(Config.duration("REQUEST_TIMEOUT")),
    maxRequestTimeout: optional(Config.duration("MAX_REQUEST_TIMEOUT")),
    connectTimeout: optional(Config.duration("CONNECT_TIMEOUT")),
    getStream: optional(Config.boolean("GET_STREAM")),
    era: optional(era("ERA")),
    recovery
  }).pipe(Config.mapOrFail(({ info, title, ...rest }) =>
    info === undefined && title !== undefined
      ? Either.left(
        ConfigError.MissingData(["CLIENT_NAME"], "Expected CLIENT_NAME and CLIENT_VERSION with CLIENT_TITLE")
      )
      : Either.right(defined({
        ...rest,
        clientInfo: info === undefined ? undefined : defined({ name: info[0], version: info[1], title })
      }))
  )))()

/**
 * `fromConfig` over `options` (the rule of every `layerConfig`): the keys
 * `Config` set win, the others keep the option; `recovery` is merged key by
 * key, and headers from `Config` are added to those of `options` (also when
 * `options.headers` is an Effect).
 *
 * @since 0.2.0
 * @category combinators
 */
export const merge = <A extends Partial<Pick<McpClient.Options, "recovery" | "headers">>>(
  options: Partial<A> | undefined,
  fromConfig: A
): A => {
  const recovery = { ...options?.recovery, ...fromConfig.recovery }
  const headers = mergeHeaders(options?.headers, fromConfig.headers)
  return defined({
    ...options,
    ...fromConfig,
    recovery: Object.keys(recovery).length === 0 ? undefined : recovery,
    headers
  })
}

type Headers = McpClient.Options["headers"]

const mergeHeaders = (options: Headers, fromConfig: Headers): Headers => {
  if (options === undefined || fromConfig === undefined) return fromConfig ?? options
  // A config of yours may yield an Effect: it wins whole, as any other key.
  if (Effect.isEffect(fromConfig)) return fromConfig
  return Effect.isEffect(options)
    ? Effect.map(options, (h) => ({ ...h, ...fromConfig }))
    : { ...options, ...fromConfig }
}

/**
 * The keys a config reads, in the order it reads them, without running
 * anything it maps to: what to document, or to list in a deployment's
 * manifest. A record (`HEADERS_<name>`) is listed by its own key (`HEADERS`).
 *
 * @example
 * ```ts
 * import { McpClient, McpConfig } from "@mcp-effect/core"
 *
 * McpConfig.keys(McpClient.config) // ["URL", "CLIENT_NAME", "CLIENT_VERSION", ...]
 * ```
 *
 * @since 0.2.0
 * @category utils
 */
export const keys = (config: Config.Config<unknown>): ReadonlyArray<string> => {
  const seen: Array<string> = []
  const note = (path: ReadonlyArray<string>) => {
    const key = path.join("_")
    if (!seen.includes(key)) seen.push(key)
  }
  // Every key missing: a config reads all of its keys (`Config.all` reads past a failure).
  const provider = ConfigProvider.fromFlat(ConfigProvider.makeFlat({
    load: (path) => {
      note(path)
      return Effect.fail(ConfigError.MissingData([...path], "recording the keys"))
    },
    enumerateChildren: (path) => {
      note(path)
      return Effect.succeed(HashSet.empty())
    },
    patch: PathPatch.empty
  }))
  Effect.runSync(Effect.either(Effect.withConfigProvider(config, provider)))
  return seen
}

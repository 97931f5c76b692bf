/**
 * The MCP client on a local server process, over stdio: newline-delimited
 * JSON-RPC on the process's stdin and stdout, its stderr as log lines.
 *
 * One process per session. A process that ends (crashes, is killed, or fails
 * the optional liveness check) is a lost session: the client spawns a new one
 * and re-initializes under the recovery policy, restores subscriptions and
 * the log level, and re-sends or fails the requests in flight per the replay
 * policy — exactly as when an HTTP server forgets a session. A server that
 * ends at start-up every time ends in `RecoveryFailed` within the policy's
 * bound. Closing the scope shuts the process down as the MCP spec says:
 * stdin closed, then SIGTERM, then SIGKILL, each step bounded.
 *
 * The process gets a minimal environment (see {@link defaultEnvironment}) plus
 * `env`, and its arguments are never interpreted by a shell.
 *
 * @example
 * ```ts
 * import { McpClient } from "@mcp-effect/core"
 * import { NodeMcpStdio } from "@mcp-effect/node"
 * import { Effect } from "effect"
 *
 * Effect.gen(function*() {
 *   const client = yield* McpClient.McpClient
 *   yield* client.callTool("echo", { message: "hi" })
 * }).pipe(
 *   Effect.provide(NodeMcpStdio.layer({ command: "npx", args: ["-y", "@modelcontextprotocol/server-everything"] })),
 *   Effect.runPromise
 * )
 * ```
 *
 * @since 0.2.0
 */
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import * as McpClient from "@mcp-effect/core/McpClient"
import * as McpConfig from "@mcp-effect/core/McpConfig"
import type * as McpError from "@mcp-effect/core/McpError"
import * as McpTransport from "@mcp-effect/core/McpTransport"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import type * as LogLevel from "effect/LogLevel"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as path from "node:path"
import type * as StdioTransport from "./internal/stdio/transport.js"

/**
 * @since 0.2.0
 * @category models
 */
export interface Options extends McpTransport.ClientOptions {
  /** The program to run (looked up on the child's `PATH`); never run through a shell. */
  readonly command: string
  readonly args?: ReadonlyArray<string> | undefined
  /** Added to the {@link defaultEnvironment} (which `inheritEnv` replaces). */
  readonly env?: Readonly<Record<string, string>> | undefined
  /** The names of the variables passed on from this process. Default: {@link defaultInherited}. */
  readonly inheritEnv?: ReadonlyArray<string> | undefined
  /** The working directory of the server. Default: this process's. */
  readonly cwd?: string | undefined
  /** The server's name in logs and errors. Default: the command's base name. */
  readonly name?: string | undefined
  /** The level the server's stderr lines are logged at, or "ignore". Default: "Info". */
  readonly stderr?: LogLevel.Literal | "ignore" | undefined
  /** How many of the last stderr lines are kept for error reports. Default: 20. */
  readonly stderrLines?: number | undefined
  /** The longest message (one line of stdout) accepted, in bytes. Default: 4 MiB. */
  readonly maxMessageSize?: number | undefined
  /** The bound of each step of the shutdown (stdin closed, SIGTERM, SIGKILL). Default: 2 seconds. */
  readonly shutdownTimeout?: Duration.DurationInput | undefined
  /**
   * Ping the server every `interval`; a server that does not answer within
   * `timeout` is killed, and replaced like one that crashed. Default: off
   * (requests are bounded by their own timeouts).
   */
  readonly liveness?: {
    readonly interval: Duration.DurationInput
    readonly timeout: Duration.DurationInput
  } | undefined
}

/**
 * The variables a server inherits from this process by default, as the MCP
 * SDKs do: enough to find programs and a home, nothing secret.
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultInherited: ReadonlyArray<string> = process.platform === "win32"
  ? [
    "APPDATA",
    "HOMEDRIVE",
    "HOMEPATH",
    "LOCALAPPDATA",
    "PATH",
    "PROCESSOR_ARCHITECTURE",
    "SYSTEMDRIVE",
    "SYSTEMROOT",
    "TEMP",
    "USERNAME",
    "USERPROFILE",
    "PROGRAMFILES"
  ]
  : ["HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER"]

/**
 * The environment a server gets from this process: the `names` that are set
 * here, except values that look like shell functions (`() {…}`, a known
 * injection vector).
 *
 * @since 0.2.0
 * @category constructors
 */
export const defaultEnvironment = (
  names: ReadonlyArray<string> = defaultInherited
): Readonly<Record<string, string>> => {
  const env: Record<string, string> = {}
  for (const name of names) {
    const value = process.env[name]
    if (value !== undefined && !value.startsWith("()")) env[name] = value
  }
  return env
}

/**
 * Spawns the server and connects (initialize + initialized). Closing the
 * scope shuts the server down.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (
  options: Options
): Effect.Effect<McpClient.Service, McpError.McpError, CommandExecutor.CommandExecutor | Scope.Scope> =>
  Effect.flatMap(
    load,
    ([Stdio, Executor]) =>
      Effect.flatMap(Executor.CommandExecutor, (executor) =>
        McpTransport.makeClient(options).pipe(
          Effect.provideService(
            McpTransport.McpTransport,
            (inbox) => Stdio.make(transportConfig(options), executor, inbox)
          )
        ))
  )

/**
 * {@link make} as a layer, on Node's command executor.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<McpClient.McpClient, McpError.McpError> =>
  Layer.scoped(McpClient.McpClient, make(options)).pipe(Layer.provide(executorLayer))

/**
 * The options read from `Config`, only the keys that are set. Keys (under an
 * optional prefix, see `Config.nested`; types and defaults in
 * `docs/configuration.md`): `COMMAND` (required), `ARGS` (comma-separated),
 * `ENV` (comma-separated `NAME=value` pairs, values redacted), `INHERIT_ENV`
 * (comma-separated names), `CWD`, `NAME`, `STDERR` (a log level or `ignore`),
 * `STDERR_LINES`, `MAX_MESSAGE_SIZE`, `SHUTDOWN_TIMEOUT`, `LIVENESS_INTERVAL`
 * with `LIVENESS_TIMEOUT` (both or neither), and the client's keys of any
 * transport (`McpConfig.client`: `CLIENT_NAME`, `REQUEST_TIMEOUT`,
 * `RECOVERY_*`...). `ERA` is read with them but changes nothing: stdio has
 * one generation, the session era, and no detection.
 *
 * @since 0.2.0
 * @category config
 */
export const config: Config.Config<Options> = Config.all({
  command: Config.string("COMMAND"),
  client: McpConfig.client,
  args: McpConfig.optional(Config.array(Config.string(), "ARGS")),
  env: McpConfig.optional(Config.array(Config.redacted(), "ENV")),
  inheritEnv: McpConfig.optional(Config.array(Config.string(), "INHERIT_ENV")),
  cwd: McpConfig.optional(Config.string("CWD")),
  name: McpConfig.optional(Config.string("NAME")),
  stderr: McpConfig.optional(
    Config.literal("All", "Fatal", "Error", "Warning", "Info", "Debug", "Trace", "None", "ignore")("STDERR")
  ),
  stderrLines: McpConfig.optional(McpConfig.count("STDERR_LINES")),
  maxMessageSize: McpConfig.optional(McpConfig.positive("MAX_MESSAGE_SIZE")),
  shutdownTimeout: McpConfig.optional(Config.duration("SHUTDOWN_TIMEOUT")),
  liveness: McpConfig.both(
    ["LIVENESS_INTERVAL", Config.duration("LIVENESS_INTERVAL")],
    ["LIVENESS_TIMEOUT", Config.duration("LIVENESS_TIMEOUT")]
  )
}).pipe(Config.mapOrFail(({ client, env, liveness, ...rest }): Either.Either<Options, ConfigError.ConfigError> => {
  const variables: Record<string, string> = {}
  for (const pair of env ?? []) {
    const text = Redacted.value(pair)
    const at = text.indexOf("=")
    // The value stays out of the message: it may be a secret.
    if (at <= 0) return Either.left(ConfigError.InvalidData(["ENV"], "Expected NAME=value pairs"))
    variables[text.slice(0, at)] = text.slice(at + 1)
  }
  return Either.right(McpConfig.defined({
    ...client,
    ...rest,
    env: env === undefined ? undefined : variables,
    liveness: liveness === undefined ? undefined : { interval: liveness[0], timeout: liveness[1] }
  }))
}))

/**
 * The client configured from `Config` (see {@link config} for the keys);
 * `options` adds what `Config` cannot hold (handlers, custom schedules and
 * policies) and defaults for the keys: a key that is set wins, `recovery` is
 * merged key by key.
 *
 * @example
 * ```ts
 * // MCP_COMMAND=node MCP_ARGS=server.js
 * NodeMcpStdio.layerConfig(Config.nested(NodeMcpStdio.config, "MCP"))
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layerConfig = (
  configs: Config.Config<Options> = config,
  options?: Omit<Options, "command">
): Layer.Layer<McpClient.McpClient, McpError.McpError | ConfigError.ConfigError> =>
  Layer.scoped(
    McpClient.McpClient,
    Effect.flatMap(configs, (fromConfig) => make(McpConfig.merge(options, fromConfig)))
  ).pipe(Layer.provide(executorLayer))

/**
 * The stdio transport and Node's command executor are loaded when a stdio
 * client is first built, not with the package: `@mcp-effect/node`'s index
 * re-exports this module, and an application on HTTP would otherwise load
 * `@effect/platform-node`'s executor and file system, `@effect/platform`'s
 * `Command` and the stdio internals (36 modules) at start-up for nothing.
 */
const load = Effect.promise(() =>
  Promise.all([import("./internal/stdio/transport.js"), import("@effect/platform/CommandExecutor")])
)

const executorLayer = Layer.unwrapEffect(
  Effect.promise(() =>
    Promise.all([import("@effect/platform-node/NodeCommandExecutor"), import("@effect/platform-node/NodeFileSystem")])
  ).pipe(
    Effect.map(([NodeCommandExecutor, NodeFileSystem]) =>
      NodeCommandExecutor.layer.pipe(Layer.provide(NodeFileSystem.layer))
    )
  )
)

const defaults = {
  stderrLines: 20,
  maxMessageSize: 4 * 1024 * 1024,
  shutdownTimeout: Duration.seconds(2)
} as const

const transportConfig = (options: Options): StdioTransport.Config => ({
  child: {
    name: options.name ?? path.basename(options.command),
    command: options.command,
    args: options.args ?? [],
    env: { ...defaultEnvironment(options.inheritEnv), ...options.env },
    cwd: options.cwd,
    stderr: options.stderr ?? "Info",
    stderrLines: options.stderrLines ?? defaults.stderrLines,
    shutdownStepMillis: millisOf(options.shutdownTimeout ?? defaults.shutdownTimeout)
  },
  maxMessageSize: options.maxMessageSize ?? defaults.maxMessageSize,
  liveness: options.liveness === undefined ? undefined : {
    intervalMillis: millisOf(options.liveness.interval),
    timeoutMillis: millisOf(options.liveness.timeout)
  }
})

const millisOf = (duration: Duration.DurationInput): number => Duration.toMillis(Duration.decode(duration))

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
import * as NodeCommandExecutor from "@effect/platform-node/NodeCommandExecutor"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as CommandExecutor from "@effect/platform/CommandExecutor"
import type { McpError } from "@mcp-effect/core"
import { McpClient, McpTransport } from "@mcp-effect/core"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as LogLevel from "effect/LogLevel"
import type * as Scope from "effect/Scope"
import * as path from "node:path"
import * as Transport from "./internal/stdio/transport.js"

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
  Effect.flatMap(CommandExecutor.CommandExecutor, (executor) =>
    McpTransport.makeClient(options).pipe(
      Effect.provideService(
        McpTransport.McpTransport,
        (inbox) => Transport.make(transportConfig(options), executor, inbox)
      )
    ))

/**
 * {@link make} as a layer, on Node's command executor.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<McpClient.McpClient, McpError.McpError> =>
  Layer.scoped(McpClient.McpClient, make(options)).pipe(Layer.provide(executorLayer))

/**
 * The options read from `Config`. Keys (under an optional prefix, see
 * `Config.nested`): `COMMAND` (required), `ARGS` (comma-separated), `CWD`,
 * `NAME`, `REQUEST_TIMEOUT`, `MAX_REQUEST_TIMEOUT` (durations such as
 * "30 seconds"), `PROTOCOL_VERSION`, `MAX_MESSAGE_SIZE`.
 *
 * @since 0.2.0
 * @category config
 */
export const config: Config.Config<Options> = Config.all({
  command: Config.string("COMMAND"),
  args: Config.option(Config.array(Config.string(), "ARGS")),
  cwd: Config.option(Config.string("CWD")),
  name: Config.option(Config.string("NAME")),
  requestTimeout: Config.option(Config.duration("REQUEST_TIMEOUT")),
  maxRequestTimeout: Config.option(Config.duration("MAX_REQUEST_TIMEOUT")),
  protocolVersion: Config.option(Config.string("PROTOCOL_VERSION")),
  maxMessageSize: Config.option(Config.integer("MAX_MESSAGE_SIZE"))
}).pipe(Config.map((c): Options => ({
  command: c.command,
  // Only the keys that are set: `layerConfig` spreads these over its `options`, where an
  // explicit `undefined` would erase what the caller passed.
  ...(c.args._tag === "Some" ? { args: c.args.value } : {}),
  ...(c.cwd._tag === "Some" ? { cwd: c.cwd.value } : {}),
  ...(c.name._tag === "Some" ? { name: c.name.value } : {}),
  ...(c.requestTimeout._tag === "Some" ? { requestTimeout: c.requestTimeout.value } : {}),
  ...(c.maxRequestTimeout._tag === "Some" ? { maxRequestTimeout: c.maxRequestTimeout.value } : {}),
  ...(c.protocolVersion._tag === "Some" ? { protocolVersion: c.protocolVersion.value } : {}),
  ...(c.maxMessageSize._tag === "Some" ? { maxMessageSize: c.maxMessageSize.value } : {})
})))

/**
 * The client configured from `Config` (see {@link config} for the keys);
 * `options` adds what `Config` cannot hold (env, handlers, schedules).
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
    Effect.flatMap(configs, (fromConfig) => make({ ...options, ...fromConfig }))
  ).pipe(Layer.provide(executorLayer))

const executorLayer = NodeCommandExecutor.layer.pipe(Layer.provide(NodeFileSystem.layer))

const defaults = {
  stderrLines: 20,
  maxMessageSize: 4 * 1024 * 1024,
  shutdownTimeout: Duration.seconds(2)
} as const

const transportConfig = (options: Options): Transport.Config => ({
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

/**
 * Local servers from the command line: `--stdio -- <command> [args…]`.
 *
 * The server's command line is everything after `--`, taken out of argv
 * before `@effect/cli` parses it (`split`): its words are the server's, never
 * options of the CLI (a server's own `--help` must not show ours), and they
 * are never interpreted by a shell. In its place the command gets its label
 * as the `<url>` argument, so every command keeps one grammar.
 *
 * `--env KEY=VALUE` (repeatable) adds to the minimal environment
 * `NodeMcpStdio` gives the process, `--cwd` sets its directory, `--stderr`
 * says whether what the server writes on stderr is shown (its last lines are
 * in every error about the process either way).
 *
 * @internal
 */
import * as Options from "@effect/cli/Options"
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import { isPlatformError } from "@effect/platform/Error"
import type { McpClient, McpError } from "@mcp-effect/core"
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as HashMap from "effect/HashMap"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import { statSync } from "node:fs"
import { resolve } from "node:path"
import * as NodeMcpStdio from "../../NodeMcpStdio.js"
import * as Errors from "./errors.js"

/**
 * The server's command line (everything after `--`), when `--stdio` was
 * given; empty when nothing followed `--` (then `MCP_COMMAND` and `MCP_ARGS`).
 *
 * @internal
 */
export class ServerCommand extends Context.Tag("@mcp-effect/node/CliServerCommand")<
  ServerCommand,
  ReadonlyArray<string>
>() {}

/** The marker of a local server. @internal */
export const flag = "--stdio"

/** @internal */
export const stdio = Options.boolean("stdio").pipe(
  Options.withDescription(
    "The server is a local process spoken to over stdio: its command and arguments follow --, in place of " +
      "<url> (e.g. --stdio -- node server.js); never run through a shell. Default command: MCP_COMMAND " +
      "with MCP_ARGS (comma-separated)"
  )
)

/** @internal */
export const env = Options.text("env").pipe(
  Options.repeated,
  Options.withDefault([]),
  Options.withDescription(
    "With --stdio: a variable for the server, as KEY=VALUE; repeatable. The server gets only these and " +
      "HOME, LOGNAME, PATH, SHELL, TERM, USER from this environment"
  )
)

/** @internal */
export const cwd = Options.text("cwd").pipe(
  Options.withFallbackConfig(Config.string("MCP_CWD")),
  Options.optional,
  Options.withDescription("With --stdio: the server's working directory. Default: MCP_CWD, else this one")
)

/** @internal */
export const stderr = Options.choice("stderr", ["quiet", "show"] as const).pipe(
  Options.withFallbackConfig(Config.literal("quiet", "show")("MCP_STDERR")),
  Options.withDefault("quiet" as const),
  Options.withDescription(
    "With --stdio: show what the server writes on stderr (each line as \"[stderr] …\" on our stderr), or keep " +
      "it quiet; its last lines are in every error about the process either way. Default: MCP_STDERR, else quiet"
  )
)

/** The options of a local server. @internal */
export const options = { stdio, env, cwd, stderr }

/** @internal */
export interface StdioOptions {
  readonly stdio: boolean
  readonly env: ReadonlyArray<string>
  readonly cwd: Option.Option<string>
  readonly stderr: "quiet" | "show"
}

/** A command line as a shell would need it typed (for labels only: it is never given to a shell). @internal */
export const label = (words: ReadonlyArray<string>): string =>
  words.map((word) => /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`).join(" ")

/**
 * `argv` (without node and the script) with the server's command line taken
 * out: with `--stdio` after the subcommand, what follows the first `--` is
 * the server's, and its label takes the place of `<url>` (right after the
 * subcommand's name, where `@effect/cli` reads the first argument whatever
 * options come later).
 *
 * @internal
 */
export const split = (
  argv: ReadonlyArray<string>,
  subcommands: ReadonlyArray<string>
): { readonly argv: ReadonlyArray<string>; readonly server: ReadonlyArray<string> | undefined } => {
  const at = argv.findIndex((arg) => subcommands.includes(arg))
  if (at === -1) return { argv, server: undefined }
  const dashes = argv.indexOf("--", at)
  const own = dashes === -1 ? argv.slice(at + 1) : argv.slice(at + 1, dashes)
  if (!own.includes(flag)) return { argv, server: undefined }
  const server = dashes === -1 ? [] : argv.slice(dashes + 1)
  return {
    argv: [...argv.slice(0, at + 1), server.length === 0 ? "$MCP_COMMAND" : label(server), ...own],
    server
  }
}

const usage = (message: string) => new Errors.UsageError({ message })

/** The server's command line: after `--`, else `MCP_COMMAND` and `MCP_ARGS`. */
const commandLine = (server: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    if (server.length > 0) return server
    const command = yield* Config.option(Config.string("MCP_COMMAND"))
    const args = yield* Config.array(Config.string(), "MCP_ARGS").pipe(Config.withDefault([]))
    if (Option.isNone(command) || command.value.trim() === "") {
      return yield* usage(
        "--stdio needs the server's command after --, e.g. mcp-effect inspect --stdio -- node server.js " +
          "(or MCP_COMMAND)"
      )
    }
    return [command.value, ...args]
  }).pipe(Effect.catchTag("ConfigError", (error) => Effect.fail(usage(`MCP_COMMAND / MCP_ARGS: ${String(error)}`))))

/** `--env` as a record; each must be KEY=VALUE. @internal */
export const parseEnv = (
  pairs: ReadonlyArray<string>
): Effect.Effect<Readonly<Record<string, string>>, Errors.UsageError> =>
  Effect.suspend(() => {
    const result: Record<string, string> = {}
    for (const pair of pairs) {
      const equals = pair.indexOf("=")
      const key = equals === -1 ? "" : pair.slice(0, equals)
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
        return Effect.fail(usage(`bad --env "${pair}": expected KEY=VALUE, e.g. --env API_KEY=secret`))
      }
      result[key] = pair.slice(equals + 1)
    }
    return Effect.succeed(result)
  })

/**
 * What the server process is started with, checked: a bad flag is a usage
 * error before anything runs.
 *
 * @internal
 */
export const resolveServer = (
  options: StdioOptions & { readonly header: ReadonlyArray<string>; readonly expiredStatus: ReadonlyArray<string> }
): Effect.Effect<
  Pick<NodeMcpStdio.Options, "command" | "args" | "env" | "cwd" | "stderr">,
  Errors.UsageError
> =>
  Effect.gen(function*() {
    if (options.header.length > 0) return yield* usage("--header is for HTTP servers: with --stdio, use --env")
    if (options.expiredStatus.length > 0) return yield* usage("--expired-status is for HTTP servers, not --stdio")
    const server = yield* Effect.serviceOption(ServerCommand)
    const [command, ...args] = yield* commandLine(Option.getOrElse(server, () => []))
    const env = yield* parseEnv(options.env)
    const cwd = Option.map(options.cwd, (dir) => resolve(dir))
    if (Option.isSome(cwd) && statSync(cwd.value, { throwIfNoEntry: false })?.isDirectory() !== true) {
      return yield* usage(`--cwd (or MCP_CWD): ${cwd.value} is not a directory`)
    }
    return {
      command: command ?? "",
      args,
      env,
      ...(Option.isSome(cwd) ? { cwd: cwd.value } : {}),
      // Lines are logged (and so shown by `logger`) only when asked for; the tail is kept anyway.
      stderr: options.stderr === "show" ? "Info" : "ignore"
    }
  })

/** Flags of local servers given without `--stdio`: a mistake worth saying. @internal */
export const unused = (options: StdioOptions): Effect.Effect<void, Errors.UsageError> =>
  options.env.length > 0 ? Effect.fail(usage("--env is for local servers: add --stdio -- <command>")) : Effect.void

/**
 * Spawns the server and connects. A server that cannot be started, or that
 * ends before it answers `initialize`, is `ServerNotStarted` (with how it
 * ended and its last stderr lines).
 *
 * @internal
 */
export const connect = (
  server: Pick<NodeMcpStdio.Options, "command" | "args" | "env" | "cwd" | "stderr">,
  client: Omit<NodeMcpStdio.Options, "command">
): Effect.Effect<
  McpClient.Service,
  McpError.McpError | Errors.ServerNotStarted,
  Scope.Scope | CommandExecutor.CommandExecutor
> =>
  NodeMcpStdio.make({ ...client, ...server }).pipe(
    Effect.mapError((error) => notStarted(error, label([server.command, ...(server.args ?? [])])) ?? error)
  )

/** The failure of the first `initialize`, when it says the process did not start or ended at start-up. */
const notStarted = (error: McpError.McpError, command: string): Errors.ServerNotStarted | undefined => {
  if (error._tag === "TransportError" && error.method === "initialize" && isPlatformError(error.cause)) {
    const cause = error.cause
    const why = cause._tag === "BadArgument"
      ? "bad argument"
      : cause.reason === "NotFound"
      ? "no such command"
      : cause.reason
    return new Errors.ServerNotStarted({
      command,
      description: `could not be started: ${why} (${cause.description ?? cause.message})`
    })
  }
  const expired = error._tag === "RecoveryFailed" ? error.cause : error
  if (expired._tag === "SessionExpired" && expired.exit !== undefined) {
    return new Errors.ServerNotStarted({
      command,
      description: `${expired.exit.description} before it answered ${expired.method}`,
      ...(expired.exit.code === undefined ? {} : { code: expired.exit.code }),
      ...(expired.exit.signal === undefined ? {} : { signal: expired.exit.signal }),
      stderr: expired.exit.stderr
    })
  }
  return undefined
}

const annotation = (annotations: HashMap.HashMap<string, unknown>, key: string) =>
  Option.getOrUndefined(HashMap.get(annotations, key))

const text = (message: unknown) => Array.isArray(message) ? message.map(String).join(" ") : String(message)

/**
 * The CLI's logger: everything on stderr (stdout is for results). A local
 * server's stderr line is `[stderr] line`; what the transport says about the
 * server (a line of stdout that is not JSON-RPC, its end) is shown only with
 * `showServer` (`--stderr show`): otherwise the errors and the session events
 * say what matters. The rest as Effect's default logger writes it.
 *
 * @internal
 */
export const logger = (showServer: boolean): Logger.Logger<unknown, void> =>
  Logger.make((options) => {
    if (annotation(options.annotations, "mcp.server.stream") === "stderr") {
      process.stderr.write(`[stderr] ${text(options.message)}\n`)
    } else if (annotation(options.annotations, "mcp.server") !== undefined) {
      if (!showServer) return
      const details = HashMap.toEntries(options.annotations)
        .filter(([key]) => key !== "mcp.server")
        .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
      process.stderr.write(`[${options.logLevel.label.toLowerCase()}] ${text(options.message)} ${details.join(" ")}\n`)
    } else {
      process.stderr.write(`${Logger.stringLogger.log(options)}\n`)
    }
  })

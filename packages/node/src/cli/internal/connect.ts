/**
 * Connecting the client from the command line: headers, timeouts, the
 * statuses that mean "unknown session", the answers to the server's own
 * requests (roots, elicitation) and the log level.
 *
 * The only place the CLI constructs an `McpClient`.
 *
 * @internal
 */
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import * as Terminal from "@effect/platform/Terminal"
import { McpClient } from "@mcp-effect/core"
import type { McpError, McpSchema } from "@mcp-effect/core"
import * as Config from "effect/Config"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { basename, resolve } from "node:path"
import { pathToFileURL } from "node:url"
import * as NodeMcpHttp from "../../NodeMcpHttp.js"
import * as CliAuth from "./auth.js"
import type * as Common from "./common.js"
import { out, parseHeaders, parseUrl, version } from "./common.js"
import * as Elicit from "./elicit.js"
import * as Errors from "./errors.js"
import * as Format from "./format.js"
import * as Stdio from "./stdio.js"

/** The variable `--expired-status` falls back to (the key `McpClient.config` reads under `MCP`). @internal */
export const expiredStatusesVariable = "MCP_EXPIRED_STATUSES"

/**
 * `--expired-status` (each repeatable or comma-separated), else
 * `MCP_EXPIRED_STATUSES` (comma-separated, read through `Config`); each an
 * HTTP error status.
 *
 * @internal
 */
export const expiredStatuses = (
  flags: ReadonlyArray<string>
): Effect.Effect<ReadonlyArray<number>, Errors.UsageError> =>
  Effect.gen(function*() {
    const [what, text] = flags.length > 0 ?
      ["--expired-status", flags.join(",")] :
      [expiredStatusesVariable, yield* Config.string(expiredStatusesVariable).pipe(Config.withDefault(""))]
    const items = text.split(",").map((item) => item.trim()).filter((item) => item !== "")
    const isStatus = (item: string) => /^\d+$/.test(item) && Number(item) >= 400 && Number(item) <= 599
    const bad = items.find((item) => !isStatus(item))
    if (bad !== undefined) {
      return yield* new Errors.UsageError({
        message: `${what}: "${bad}" cannot mean "unknown session": expected HTTP error statuses (400-599) ` +
          `such as "400" or "400,410"`
      })
    }
    return items.map(Number)
  }).pipe(
    // Only a ConfigProvider that fails to read (not a missing variable) lands here.
    Effect.catchTag("ConfigError", (error) =>
      Effect.fail(new Errors.UsageError({ message: `${expiredStatusesVariable}: ${String(error)}` })))
  )

/**
 * The roots the server gets for `roots/list`: each `--root` (a path, made
 * absolute, or a URI as given), else the working directory.
 *
 * @internal
 */
export const rootsOf = (flags: ReadonlyArray<string>, cwd = process.cwd()): ReadonlyArray<McpSchema.Root> =>
  (flags.length === 0 ? [cwd] : flags).map((root) => {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(root)) return { uri: root }
    const path = resolve(cwd, root)
    return { uri: pathToFileURL(path).href, name: basename(path) || path }
  })

/** A server notification on stderr (log messages, list changes) while a command runs. @internal */
export const printNotification = (n: McpSchema.ServerNotification): Effect.Effect<void> => {
  const s = out.errStyle
  switch (n._tag) {
    case "LoggingMessage":
      return out.err(
        `${s.magenta(`[${n.params.level}]`)}${n.params.logger === undefined ? "" : ` ${n.params.logger}:`} ${
          Format.logData(n.params.data)
        }`
      )
    case "Progress": // reported through onProgress
      return Effect.void
    default:
      return out.err(s.dim(`notification ${n.method}`))
  }
}

/**
 * Connects to `options.url`, or with `--stdio` spawns the server's command
 * (initialize + initialized), answering the server's requests for roots and
 * input, and applies `--logs`. The client lives, and its session is deleted
 * (the process shut down), when the scope closes. Server notifications are
 * printed on stderr unless `quiet`.
 *
 * @internal
 */
export const connect = (
  options: Common.Connection & { readonly logs?: Option.Option<McpSchema.LoggingLevel> },
  extra: {
    readonly quiet?: boolean
    /** Whether a server wanting authorization may open the browser step (`login`). */
    readonly interactive?: boolean
  } = {}
): Effect.Effect<
  McpClient.Service,
  McpError.McpError | Errors.UsageError | Errors.ServerNotStarted,
  Scope.Scope | Terminal.Terminal | CommandExecutor.CommandExecutor
> =>
  Effect.gen(function*() {
    if (!(options.timeout > 0)) {
      return yield* new Errors.UsageError({
        message: `--timeout (or MCP_TIMEOUT) must be a positive number of seconds`
      })
    }
    const roots = rootsOf(options.root)
    const terminal = yield* Terminal.Terminal
    // Prompts need a keyboard (stdin) and a screen (stdout, where @effect/cli draws them).
    const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true
    const elicitation = yield* Elicit.handler(interactive, terminal, (text) => out.err(out.errStyle.yellow(text)))
    const timeout = Duration.millis(Math.round(options.timeout * 1000))
    const common = {
      clientInfo: { name: "mcp-effect-cli", version },
      requestTimeout: timeout,
      maxRequestTimeout: Duration.max(timeout, Duration.minutes(10)),
      // Both elicitation modes are declared even without a terminal: the server then hears why
      // nobody answers, instead of hiding its tools or getting -32601.
      capabilities: { roots: { listChanged: false }, elicitation: { form: {}, url: {} } },
      handlers: { roots: Effect.succeed({ roots }), elicitation }
    }
    const client = options.stdio ?
      yield* Effect.flatMap(Stdio.resolveServer(options), (server) => Stdio.connect(server, common)) :
      yield* Effect.zipRight(Stdio.unused(options), connectHttp(options, common, extra.interactive === true))
    if (extra.quiet !== true) {
      yield* Stream.runForEach(client.notifications, printNotification).pipe(Effect.forkScoped)
      yield* Effect.yieldNow() // the subscription starts before the first request
    }
    if (options.logs !== undefined && Option.isSome(options.logs)) {
      const level = options.logs.value
      // Logs are extra: a server without logging/setLevel still gets the command.
      yield* client.setLoggingLevel(level).pipe(
        Effect.catchAll((error) =>
          out.err(out.errStyle.yellow(`warning: --logs ${level}: ${Errors.describe(error, options.url)}`))
        )
      )
    }
    return client
  })

/** The client on a Streamable HTTP server: headers, "unknown session" statuses, stored tokens. */
const connectHttp = (
  options: Common.Connection,
  common: Omit<McpClient.Options, "url">,
  interactive: boolean
): Effect.Effect<McpClient.Service, McpError.McpError | Errors.UsageError, Scope.Scope> =>
  Effect.gen(function*() {
    const url = yield* parseUrl(options.url)
    const headers = yield* parseHeaders(options.header)
    const statuses = yield* expiredStatuses(options.expiredStatus)
    // In this scope, so the undici Agent lives as long as the client (not just its construction).
    // Tokens from `mcp-effect login` (and their refresh) ride on every request.
    const http = yield* Layer.build(CliAuth.layer(interactive).pipe(Layer.provide(NodeMcpHttp.layer)))
    return yield* McpClient.make({
      ...common,
      url,
      headers,
      recovery: { expiredStatuses: statuses }
    }).pipe(Effect.provide(http))
  })

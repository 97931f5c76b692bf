/**
 * What every command shares: the URL argument and the connection options
 * (`--header`, `--timeout`, `--json`, `--expired-status`, `--root`,
 * `--logs`), terminal output, and turning failures into one line and an
 * exit code. Connecting is in `connect.ts`.
 *
 * @internal
 */
import * as Args from "@effect/cli/Args"
import * as Options from "@effect/cli/Options"
import { McpSchema } from "@mcp-effect/core"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as HashSet from "effect/HashSet"
import type * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Errors from "./errors.js"
import * as Layout from "./layout.js"
import * as Stdio from "./stdio.js"
import * as Style from "./style.js"

/** The CLI's version (sent as `clientInfo`). @internal */
export const version = "0.1.0"

/** @internal */
export const url = Args.text({ name: "url" }).pipe(
  Args.withDescription(
    "The MCP endpoint (Streamable HTTP), e.g. http://127.0.0.1:3000/mcp; with --stdio, the server's command " +
      "after -- instead: --stdio -- node server.js"
  )
)

/** @internal */
export const header = Options.text("header").pipe(
  Options.withAlias("H"),
  Options.repeated,
  // Shown as optional in the usage line (a bare `repeated` reads as required there).
  Options.withDefault([]),
  Options.withDescription(
    `An HTTP header sent with every request, as "Name: value"; repeatable. ` +
      `Example: --header "Authorization: Bearer $TOKEN"`
  )
)

/** @internal */
export const timeout = Options.float("timeout").pipe(
  Options.withFallbackConfig(Config.number("MCP_TIMEOUT")),
  Options.withDefault(30),
  Options.withDescription(
    "Seconds to wait for each answer (including the connection); progress notifications restart the wait. " +
      "Default: MCP_TIMEOUT, else 30"
  )
)

/** @internal */
export const json = Options.boolean("json").pipe(
  Options.withDescription("Print JSON on stdout for scripts (errors too, as {\"error\": {...}})")
)

/** @internal */
// Text, parsed by `Connect.expiredStatuses`: @effect/cli 0.77 rejects every value of a repeated
// integer option ("'400' is not a integer"), and "400,410" is accepted as in the variable.
export const expiredStatus = Options.text("expired-status").pipe(
  Options.repeated,
  Options.withDefault([]),
  Options.withDescription(
    "An HTTP status that also means \"unknown session\" (404 always does), e.g. 400 for servers built on the " +
      "official SDK's README example; repeatable, or comma-separated. Default: MCP_EXPIRED_STATUSES " +
      "(comma-separated)"
  )
)

/** @internal */
export const root = Options.text("root").pipe(
  Options.repeated,
  Options.withDefault([]),
  Options.withDescription(
    "A root the server may ask for (roots/list): a directory or a file:// URI; repeatable. " +
      "Default: the working directory"
  )
)

/** @internal */
// Not "log-level": @effect/cli has a built-in --log-level (Effect's own logger) that takes it first.
export const logs = Options.choice("logs", McpSchema.LoggingLevel.literals).pipe(
  Options.withFallbackConfig(Config.literal(...McpSchema.LoggingLevel.literals)("MCP_LOG_LEVEL")),
  Options.optional,
  Options.withDescription(
    "Ask the server to send log messages of this level and above (logging/setLevel); they go to stderr. " +
      "Default: MCP_LOG_LEVEL, else the server's choice"
  )
)

/** What connecting takes: the options of every command but `--logs`. @internal */
export const connection = { url, header, timeout, json, expiredStatus, root, ...Stdio.options }

/** The options every command takes. @internal */
export const common = { ...connection, logs }

/** @internal */
export interface Connection extends Stdio.StdioOptions {
  /** The URL; with `--stdio`, the label of the server's command line (see `Stdio.split`). */
  readonly url: string
  readonly header: ReadonlyArray<string>
  readonly timeout: number
  readonly json: boolean
  readonly expiredStatus: ReadonlyArray<string>
  readonly root: ReadonlyArray<string>
}

/** @internal */
export interface Common extends Connection {
  readonly logs: Option.Option<McpSchema.LoggingLevel>
}

/** Terminal output: colours only on a TTY. @internal */
export const out = {
  style: Style.forStream(process.stdout),
  errStyle: Style.forStream(process.stderr),
  /** The width stdout's lines wrap to (see `Layout.widthOf`). */
  width: Layout.widthOf(process.stdout),
  errWidth: Layout.widthOf(process.stderr),
  line: (text = "") => Effect.sync(() => void process.stdout.write(`${text}\n`)),
  err: (text: string) => Effect.sync(() => void process.stderr.write(`${text}\n`)),
  json: (value: unknown) => Effect.sync(() => void process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)),
  /** One JSON value per line (for streams of events). */
  jsonLine: (value: unknown) => Effect.sync(() => void process.stdout.write(`${JSON.stringify(value)}\n`))
}

/** @internal */
export const parseUrl = (text: string): Effect.Effect<URL, Errors.UsageError> =>
  Effect.suspend(() => {
    if (!URL.canParse(text)) {
      return Effect.fail(
        new Errors.UsageError({
          message: `bad URL "${text}": expected an absolute http(s) URL such as http://host:3000/mcp`
        })
      )
    }
    const parsed = new URL(text)
    return parsed.protocol === "http:" || parsed.protocol === "https:" ?
      Effect.succeed(parsed) :
      Effect.fail(
        new Errors.UsageError({
          message: `bad URL "${text}": MCP over HTTP needs http: or https:, not ${parsed.protocol}`
        })
      )
  })

const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/** @internal */
export const parseHeaders = (
  headers: ReadonlyArray<string>
): Effect.Effect<Readonly<Record<string, string>>, Errors.UsageError> =>
  Effect.suspend(() => {
    const result: Record<string, string> = {}
    for (const header of headers) {
      const colon = header.indexOf(":")
      const name = colon === -1 ? "" : header.slice(0, colon).trim()
      if (!headerName.test(name)) {
        return Effect.fail(
          new Errors.UsageError({ message: `bad header "${header}": expected "Name: value"` })
        )
      }
      result[name.toLowerCase()] = header.slice(colon + 1).trim()
    }
    return Effect.succeed(result)
  })

/** A JSON object from the command line (tool arguments). @internal */
export const parseJsonObject = (
  what: string,
  text: string
): Effect.Effect<Readonly<Record<string, unknown>>, Errors.UsageError> =>
  Effect.try({
    try: (): unknown => JSON.parse(text),
    catch: (error) =>
      new Errors.UsageError({
        message: `${what} must be a JSON object, e.g. '{"text":"hi"}': ${
          error instanceof Error ? error.message : error
        }`
      })
  }).pipe(
    Effect.flatMap((value) => isRecord(value) ?
      Effect.succeed(value) :
      Effect.fail(new Errors.UsageError({ message: `${what} must be a JSON object, got ${JSON.stringify(value)}` }))
    )
  )

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/**
 * Runs a command's body in a scope; a failure is reported (one line on
 * stderr, and the error as JSON on stdout with `--json`) and becomes `Exit`.
 * Logs go to stderr (see `Stdio.logger`).
 *
 * @internal
 */
export const run = <R>(
  options: Connection,
  body: Effect.Effect<void, Errors.CliError, Scope.Scope | R>
): Effect.Effect<void, Errors.Exit, R> =>
  body.pipe(
    Effect.scoped,
    Effect.catchAll((error) =>
      Effect.zipRight(
        Effect.all([
          // `Failed` and `UnknownTool` come after the command printed its result: stdout keeps that one
          // JSON document.
          options.json && error._tag !== "Failed" && error._tag !== "UnknownTool"
            ? out.json(Errors.toJson(error, options.url))
            : Effect.void,
          out.err(
            `${out.errStyle.red("error:")} ${Layout.hanging(Errors.describe(error, options.url), 7, out.errWidth)}`
          )
        ]),
        Effect.fail(new Errors.Exit({ code: Errors.exitCodeOf(error) }))
      )
    ),
    // Around the whole body: the fibers of a server process inherit it, respawned ones included. In place
    // of every logger (runMain's pretty one writes to stdout, which is for results).
    Effect.locally(FiberRef.currentLoggers, HashSet.make(Stdio.logger(options.stdio && options.stderr === "show")))
  )

/**
 * What every command shares: the URL argument, `--header`, `--timeout`,
 * `--json`, connecting the client, and turning failures into one line and an
 * exit code.
 *
 * @internal
 */
import * as Args from "@effect/cli/Args"
import * as Options from "@effect/cli/Options"
import { McpClient } from "@mcp-effect/core"
import type { McpError } from "@mcp-effect/core"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as NodeMcpHttp from "../../NodeMcpHttp.js"
import * as CliAuth from "./auth.js"
import * as Errors from "./errors.js"
import * as Style from "./style.js"

/** The CLI's version (sent as `clientInfo`). @internal */
export const version = "0.1.0"

/** @internal */
export const url = Args.text({ name: "url" }).pipe(
  Args.withDescription("The MCP endpoint (Streamable HTTP), e.g. http://127.0.0.1:3000/mcp")
)

/** @internal */
export const header = Options.text("header").pipe(
  Options.withAlias("H"),
  Options.repeated,
  Options.withDescription(
    `An HTTP header sent with every request, as "Name: value"; repeatable. ` +
      `Example: --header "Authorization: Bearer $TOKEN"`
  )
)

/** @internal */
export const timeout = Options.float("timeout").pipe(
  Options.withDefault(30),
  Options.withDescription(
    "Seconds to wait for each answer (including the connection); progress notifications restart the wait"
  )
)

/** @internal */
export const json = Options.boolean("json").pipe(
  Options.withDescription("Print JSON on stdout for scripts (errors too, as {\"error\": {...}})")
)

/** The options every command takes. @internal */
export const common = { url, header, timeout, json }

/** @internal */
export interface Common {
  readonly url: string
  readonly header: ReadonlyArray<string>
  readonly timeout: number
  readonly json: boolean
}

/** Terminal output: colours only on a TTY. @internal */
export const out = {
  style: Style.forStream(process.stdout),
  errStyle: Style.forStream(process.stderr),
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
 * Connects to `options.url` (initialize + initialized). The client lives, and
 * its session is deleted, when the scope closes.
 *
 * @internal
 */
export const connect = (
  options: Common,
  extra: Omit<McpClient.Options, "url"> = {},
  /** Whether a server wanting authorization may open the browser step (`login`). */
  interactive = false
): Effect.Effect<McpClient.Service, McpError.McpError | Errors.UsageError, Scope.Scope> =>
  Effect.gen(function*() {
    const url = yield* parseUrl(options.url)
    const headers = yield* parseHeaders(options.header)
    if (!(options.timeout > 0)) {
      return yield* new Errors.UsageError({ message: `--timeout must be a positive number of seconds` })
    }
    const timeout = Duration.millis(Math.round(options.timeout * 1000))
    // In this scope, so the undici Agent lives as long as the client (not just its construction).
    const http = yield* Layer.build(CliAuth.layer(interactive).pipe(Layer.provide(NodeMcpHttp.layer)))
    return yield* McpClient.makeWith({
      clientInfo: { name: "mcp-effect-cli", version },
      ...extra,
      url,
      headers,
      requestTimeout: timeout,
      maxRequestTimeout: Duration.max(timeout, Duration.minutes(10))
    }).pipe(Effect.provide(http))
  })

/**
 * Runs a command's body in a scope; a failure is reported (one line on
 * stderr, and the error as JSON on stdout with `--json`) and becomes `Exit`.
 *
 * @internal
 */
export const run = (
  options: Common,
  body: Effect.Effect<void, Errors.CliError, Scope.Scope>
): Effect.Effect<void, Errors.Exit> =>
  body.pipe(
    Effect.scoped,
    Effect.catchAll((error) =>
      Effect.zipRight(
        Effect.all([
          // `Failed` comes after the command printed its result: stdout keeps that one JSON document.
          options.json && error._tag !== "Failed" ? out.json(Errors.toJson(error, options.url)) : Effect.void,
          out.err(`${out.errStyle.red("error:")} ${Errors.describe(error, options.url)}`)
        ]),
        Effect.fail(new Errors.Exit({ code: Errors.exitCodeOf(error) }))
      )
    )
  )

/**
 * What the CLI says when something fails, and the exit code it ends with.
 *
 * Exit codes (the same table is in `mcp-effect --help`):
 *
 * | code | meaning                                                                  |
 * | ---- | ------------------------------------------------------------------------ |
 * | 0    | success                                                                  |
 * | 1    | the tool answered with `isError: true` (call); a call failed (watch)     |
 * | 2    | usage: bad arguments, bad URL, invalid JSON arguments or header          |
 * | 3    | TransportError: connection refused or reset, DNS failure, broken stream  |
 * | 4    | UnexpectedStatus: an HTTP status MCP does not expect (401, 404, 5xx…)    |
 * | 5    | ProtocolError: not an MCP endpoint, or it broke the protocol             |
 * | 6    | the server refused the request: a JSON-RPC error (a method it does not   |
 * |      | implement, invalid params, an unknown prompt or resource), or an unknown |
 * |      | tool (most servers answer one with `isError: true`, some with -32602)    |
 * | 7    | RequestTimeout: no answer within --timeout                               |
 * | 8    | UnsupportedProtocolVersion: the server speaks a version we do not        |
 * | 9    | SessionExpired: the session expired and recovery was off                 |
 * | 10   | RecoveryFailed: the server kept losing the session                       |
 * | 11   | RequestLost: the session died while a non-idempotent call ran            |
 * | 12   | ServerNotStarted: a --stdio server could not be started, or ended before |
 * |      | it answered initialize (its last stderr lines are printed)               |
 * | 13   | AuthorizationRequired: the server wants OAuth authorization: run login   |
 * | 14   | AuthorizationFailed: authorization was attempted and failed (its step    |
 * |      | and the authorization server's error are printed)                        |
 * | 70   | internal error (a bug in mcp-effect: please report it)                   |
 * | 130  | interrupted (Ctrl-C)                                                     |
 *
 * @internal
 */
import type { McpError } from "@mcp-effect/core"
import * as Data from "effect/Data"

/** @internal */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  TransportError: 3,
  UnexpectedStatus: 4,
  ProtocolError: 5,
  JsonRpcError: 6,
  RequestTimeout: 7,
  UnsupportedProtocolVersion: 8,
  SessionExpired: 9,
  RecoveryFailed: 10,
  RequestLost: 11,
  ServerNotStarted: 12,
  AuthorizationRequired: 13,
  AuthorizationFailed: 14,
  internal: 70,
  interrupted: 130
} as const

/** The table above, for `--help`. @internal */
export const exitCodeTable: ReadonlyArray<readonly [code: number, meaning: string]> = [
  [0, "success"],
  [1, "the server answered, but with a failure: the tool's result has isError: true (call); a call failed (watch)"],
  [2, "usage: bad arguments or options, a bad URL, header, JSON or environment variable"],
  [3, "TransportError: connection refused or reset, DNS failure, broken stream"],
  [4, "UnexpectedStatus: an HTTP status MCP does not expect (401, 404, 5xx...)"],
  [5, "ProtocolError: not an MCP endpoint, or the server broke the protocol"],
  [
    6,
    "JsonRpcError or unknown tool: the server refused the request (a method it does not implement, invalid " +
    "params, an unknown prompt or resource), or call named a tool the server does not list (most servers " +
    "answer an unknown tool with isError: true, some with JSON-RPC error -32602: both exit 6)"
  ],
  [7, "RequestTimeout: no answer within --timeout"],
  [8, "UnsupportedProtocolVersion: the server speaks a protocol version this client does not"],
  [9, "SessionExpired: the session expired and recovery was off"],
  [10, "RecoveryFailed: the server kept losing the session"],
  [11, "RequestLost: the session died while a call that is not safe to re-send was running"],
  [
    12,
    "ServerNotStarted: a --stdio server could not be started (no such command), or ended before it answered " +
    "initialize; its last stderr lines are printed"
  ],
  [
    13,
    "AuthorizationRequired: the server wants OAuth authorization and has no usable token: run mcp-effect login <url>"
  ],
  [
    14,
    "AuthorizationFailed: authorization was attempted and failed; the step (discovery, registration, " +
    "authorization, token, refresh, step-up) and the authorization server's error are printed"
  ],
  [70, "internal error (a bug in mcp-effect: please report it)"],
  [130, "interrupted (Ctrl-C)"]
]

/** Bad input from the command line: exit code 2. @internal */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly message: string }> {}

/** The command finished but reports failure (a tool error, failed calls): exit code 1. @internal */
export class Failed extends Data.TaggedError("Failed")<{ readonly message: string }> {}

/**
 * The error was already reported; the process ends with `code`. This is what
 * every command fails with, so `main` only maps it to the exit status.
 *
 * @internal
 */
export class Exit extends Data.TaggedError("Exit")<{ readonly code: number }> {}

/**
 * `call` named a tool the server does not list, and the server refused it
 * (`isError: true`, how most servers answer an unknown tool): exit code 6,
 * like the JSON-RPC error that other servers send for it.
 *
 * @internal
 */
export class UnknownTool extends Data.TaggedError("UnknownTool")<{
  readonly tool: string
  /** The text of the server's error result. */
  readonly serverMessage: string
  readonly available: ReadonlyArray<string>
}> {}

/**
 * A local server (`--stdio`) that could not be started, or that ended before
 * it answered `initialize` (after the recovery policy's tries): exit code 12,
 * with how it ended and the last lines of its stderr.
 *
 * @internal
 */
export class ServerNotStarted extends Data.TaggedError("ServerNotStarted")<{
  /** The command line, as a label. */
  readonly command: string
  /** What happened ("could not be started: …", "exited with code 3 before it answered initialize"). */
  readonly description: string
  readonly code?: number
  readonly signal?: string
  readonly stderr?: ReadonlyArray<string>
}> {}

/** @internal */
export type CliError = McpError.McpError | UsageError | Failed | UnknownTool | ServerNotStarted

/** @internal */
export const exitCodeOf = (error: CliError): number => {
  switch (error._tag) {
    case "UsageError":
      return ExitCode.usage
    case "Failed":
      return ExitCode.failed
    case "UnknownTool":
      return ExitCode.JsonRpcError
    case "ServerNotStarted":
      return ExitCode.ServerNotStarted
    default:
      return ExitCode[error._tag]
  }
}

// "Transport error (POST http://host/mcp): connect ECONNREFUSED 127.0.0.1:1" → the part after the URL.
const transportReason = (description: string): string => {
  const reason = description.replace(/^Transport error \([^)]*\):\s*/, "")
  if (/ECONNREFUSED/.test(reason)) return `connection refused (${reason})`
  if (/ENOTFOUND|EAI_AGAIN/.test(reason)) return `host not found (${reason})`
  if (/ECONNRESET|socket hang up|other side closed/i.test(reason)) return `connection reset (${reason})`
  return reason
}

const oneLine = (text: string, max = 200): string => {
  const flat = text.replace(/\s+/g, " ").trim()
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`
}

/** The last lines a server process wrote on stderr, for a message about its end. */
const stderrTail = (lines: ReadonlyArray<string>): string =>
  lines.length === 0 ? "" : `; its last lines on stderr:\n${lines.join("\n")}`

/**
 * One line saying what went wrong, in terms of what the user asked for.
 *
 * @internal
 */
export const describe = (error: CliError, url: string): string => {
  switch (error._tag) {
    case "UsageError":
    case "Failed":
      return error.message
    case "ServerNotStarted": {
      return `the server (${error.command}) ${error.description}${stderrTail(error.stderr ?? [])}`
    }
    case "UnknownTool":
      return `unknown tool ${error.tool}: the server does not list it (${
        error.available.length === 0 ?
          "it lists no tools" :
          `it has ${error.available.slice(0, 10).join(", ")}${error.available.length > 10 ? ", …" : ""}`
      }) and answered with an error: ${oneLine(error.serverMessage)}`
    case "AuthorizationRequired":
      // Which request met it (often the handshake's) is in --json; the user needs the remedy.
      return `${url}: authorization required: run \`mcp-effect login ${url}\``
    case "AuthorizationFailed": {
      const server = error.error === undefined
        ? ""
        : ` (the authorization server said ${error.error}${
          error.error_description === undefined ? "" : `: ${oneLine(error.error_description, 120)}`
        })`
      return `${url}: authorization failed at ${error.step}: ${oneLine(error.description)}${server}`
    }
    case "TransportError":
      return error.phase !== "response" ?
        `cannot reach ${url}: ${transportReason(error.description)}` :
        `the connection to ${url} broke while reading the answer to ${error.method}: ${
          transportReason(error.description)
        }`
    case "UnexpectedStatus": {
      const body = error.body.trim() === "" ?
        "" :
        /^\s*<(!doctype|html)/i.test(error.body) ?
        " (an HTML page)" :
        `: ${oneLine(error.body, 120)}`
      if (error.method === "initialize" && [404, 405, 501].includes(error.status)) {
        return `${url} is not an MCP endpoint: it answered HTTP ${error.status} to initialize${body}`
      }
      if (error.status === 401 || error.status === 403) {
        return `${url} answered HTTP ${error.status} to ${error.method}: not authorized ` +
          `(pass credentials with --header "Authorization: Bearer <token>")${body}`
      }
      return `${url} answered HTTP ${error.status} to ${error.method}${body}`
    }
    case "ProtocolError":
      if (error.method === "initialize" && (error.violation === "ContentType" || error.violation === "MalformedJson")) {
        return `${url} is not an MCP endpoint: its answer to initialize is not MCP (${oneLine(error.description)})`
      }
      return `${url} broke the MCP protocol on ${error.method} (${error.violation}): ${oneLine(error.description)}`
    case "JsonRpcError":
      return `the server rejected ${error.method}: ${oneLine(error.description)} (JSON-RPC error ${error.code})`
    case "RequestTimeout":
      return `no answer to ${error.method} within ${error.timeoutMillis / 1000} s (${error.reason} timeout; ` +
        `--timeout sets it)`
    case "UnsupportedProtocolVersion":
      return `the server speaks MCP ${error.received}; this client supports ${error.supported.join(", ")}`
    case "SessionExpired":
      if (error.exit !== undefined) {
        return `the server process ${error.exit.description} (session ${error.sessionId}, on ${error.method}) ` +
          `and recovery is off${stderrTail(error.exit.stderr)}`
      }
      return `session ${error.sessionId} expired (HTTP ${error.status} on ${error.method}) and recovery is off`
    case "RecoveryFailed":
      return `the server kept losing the session: recovery of ${error.method} failed after ${error.attempts} ` +
        `attempt(s)${error.cause instanceof Error ? `: ${oneLine(error.cause.message)}` : ""}`
    case "RequestLost":
      return `the session died while ${
        error.tool === undefined ? error.method : `tool ${error.tool}`
      } was running; it may have run, and is not safe to re-send: check, then try again`
  }
}

/** The error as JSON, for `--json`. @internal */
export const toJson = (error: CliError, url: string): Record<string, unknown> => {
  // The error's own fields (method, status, sessionId...), without `cause`: it holds whole HTTP
  // requests and stack traces, not for scripts.
  const fields = Object.fromEntries(
    Object.entries(error).filter(([key]) => key !== "_tag" && key !== "cause" && key !== "message")
  )
  return { error: { tag: error._tag, message: describe(error, url), exitCode: exitCodeOf(error), ...fields } }
}

#!/usr/bin/env node
/**
 * `mcp-effect`: a command-line MCP client for Streamable HTTP servers.
 *
 *   mcp-effect inspect <url>                   server info, capabilities, tools, resources, prompts
 *   mcp-effect call <url> <tool> [json-args]   call a tool, streaming progress and logs
 *   mcp-effect read <url> <uri>                read a resource
 *   mcp-effect prompt <url> <name> [json-args] get a prompt
 *   mcp-effect complete <url> --prompt <name> <argument> [value]   complete an argument
 *   mcp-effect log-level <url> <level>         check that the server accepts a log level
 *   mcp-effect ping <url>                      round trips
 *   mcp-effect watch <url> [--duration s]      keep calling and listening through expiries and restarts
 *   mcp-effect login <url> / logout <url>    authorize for a protected server (OAuth), or forget it
 *
 * Every command takes --header "Name: value" (repeatable), --timeout <seconds>, --json,
 * --expired-status <n> (repeatable), --root <dir> (repeatable) and --logs <level>; and, for a local
 * server in place of <url>, --stdio -- <command> [args…] with --env KEY=VALUE, --cwd and --stderr.
 * docs/cli.md documents them all; exit codes: `exitCodeTable` in internal/errors.ts (also in --help).
 *
 * @internal
 */
import * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as HashMap from "effect/HashMap"
import * as Option from "effect/Option"
import * as Call from "./call.js"
import * as Complete from "./complete.js"
import * as Inspect from "./inspect.js"
import * as Common from "./internal/common.js"
import * as Errors from "./internal/errors.js"
import * as Stdio from "./internal/stdio.js"
import * as Login from "./login.js"
import * as LogLevel from "./logLevel.js"
import * as Ping from "./ping.js"
import * as Prompt from "./prompt.js"
import * as Read from "./read.js"
import * as Watch from "./watch.js"

const description = HelpDoc.blocks([
  HelpDoc.p(
    "A command-line MCP client for Streamable HTTP servers, and local servers over stdio (--stdio -- <command> " +
      "in place of <url>), built on @mcp-effect/core: it recovers expired sessions (HTTP 404, and the statuses " +
      "of --expired-status) and crashed local servers (started again) by itself, so it keeps working " +
      "through server restarts. It answers the server's requests for roots (--root, else the working " +
      "directory) and for input (elicitation: prompts on a terminal, refused otherwise). docs/cli.md has it all."
  ),
  HelpDoc.h2("Exit codes"),
  ...Errors.exitCodeTable.map(([code, meaning]) => HelpDoc.p(`${String(code).padStart(3)}  ${meaning}`))
])

const root = Command.make("mcp-effect").pipe(
  Command.withDescription(description),
  Command.withSubcommands([
    Inspect.command,
    Call.command,
    Read.command,
    Prompt.command,
    Complete.command,
    LogLevel.command,
    Ping.command,
    Watch.command,
    Login.login,
    Login.logout
  ])
)

const cli = Command.run(root, { name: "mcp-effect", version: Common.version })

/** The exit status: each failure was reported where it happened; only its code is left. */
const exitCode = (exit: Exit.Exit<unknown, unknown>): number => {
  if (Exit.isSuccess(exit)) return Errors.ExitCode.ok
  if (Cause.isInterruptedOnly(exit.cause)) return Errors.ExitCode.interrupted
  const failure = Cause.failureOption(exit.cause)
  if (Option.isSome(failure)) {
    const error = failure.value
    if (error instanceof Errors.Exit) return error.code
    // @effect/cli already printed what was wrong with the command line.
    return Errors.ExitCode.usage
  }
  process.stderr.write(`internal error (please report it):\n${Cause.pretty(exit.cause)}\n`)
  return Errors.ExitCode.internal
}

// A local server's command line is taken out before @effect/cli parses the rest (see Stdio.split).
const names = Array.from(HashMap.keys(Command.getSubcommands(root)))
const { argv, server } = Stdio.split(process.argv.slice(2), names)

cli([...process.argv.slice(0, 2), ...argv]).pipe(
  (effect) => server === undefined ? effect : Effect.provideService(effect, Stdio.ServerCommand, server),
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain({
    disableErrorReporting: true,
    teardown: (exit, onExit) => onExit(exitCode(exit))
  })
)

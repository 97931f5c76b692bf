/**
 * `mcp-effect call <url> <tool> [json-args]`: calls one tool, streaming its
 * progress and the server's log messages (stderr) while it runs, then prints
 * the result (stdout).
 *
 * @internal
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import type { McpSchema } from "@mcp-effect/core"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Common from "./internal/common.js"
import * as Errors from "./internal/errors.js"
import * as Format from "./internal/format.js"

const { out } = Common

const tool = Args.text({ name: "tool" }).pipe(Args.withDescription("The tool to call (inspect lists them)"))
const jsonArgs = Args.text({ name: "json-args" }).pipe(
  Args.withDescription(`The tool's arguments as a JSON object, e.g. '{"text":"hi"}' (default {})`),
  Args.optional
)

const notification = (n: McpSchema.ServerNotification): Effect.Effect<void> => {
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

const progress = (p: McpSchema.ProgressNotificationParams) => {
  const s = out.errStyle
  const amount = p.total === undefined ? `${p.progress}` : `${p.progress}/${p.total}`
  process.stderr.write(`${s.cyan("progress")} ${amount}${p.message === undefined ? "" : ` ${p.message}`}\n`)
}

const printResult = (result: McpSchema.CallToolResult) =>
  Effect.gen(function*() {
    const s = out.style
    for (const block of result.content) yield* out.line(Format.content(block, s))
    if (result.structuredContent !== undefined) {
      if (result.content.length > 0) yield* out.line()
      yield* out.line(s.dim("structured content:"))
      yield* out.line(JSON.stringify(result.structuredContent, null, 2))
    }
  })

/** @internal */
export const command = Command.make("call", { ...Common.common, tool, jsonArgs }, (options) =>
  Common.run(
    options,
    Effect.gen(function*() {
      const args = Option.isSome(options.jsonArgs) ?
        yield* Common.parseJsonObject("the tool's arguments", options.jsonArgs.value) :
        {}
      const client = yield* Common.connect(options)
      // The tools' annotations tell the client whether the call may be re-sent if the session dies
      // while it runs (read-only or idempotent tools only). A server that cannot list them still gets the call.
      yield* Effect.ignore(client.listAllTools())
      yield* Stream.runForEach(client.notifications, notification).pipe(Effect.forkScoped)
      yield* Effect.yieldNow() // let the subscription start before the call
      const result = yield* client.callTool(options.tool, args, { onProgress: progress })
      if (options.json) yield* out.json(result)
      else yield* printResult(result)
      if (result.isError === true) {
        return yield* new Errors.Failed({ message: `tool ${options.tool} reported an error (isError: true)` })
      }
    })
  )).pipe(
    Command.withDescription(
      "Call a tool, print its result; progress and logs go to stderr meanwhile (exit 1: the tool failed)"
    )
  )

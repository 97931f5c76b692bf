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
import * as Common from "./internal/common.js"
import * as Connect from "./internal/connect.js"
import * as Errors from "./internal/errors.js"
import * as Format from "./internal/format.js"
import * as Layout from "./internal/layout.js"

const { out } = Common

const tool = Args.text({ name: "tool" }).pipe(Args.withDescription("The tool to call (inspect lists them)"))
const jsonArgs = Args.text({ name: "json-args" }).pipe(
  Args.withDescription(`The tool's arguments as a JSON object, e.g. '{"text":"hi"}' (default {})`),
  Args.optional
)

const progress = (p: McpSchema.ProgressNotificationParams) => {
  const s = out.errStyle
  const amount = p.total === undefined ? `${p.progress}` : `${p.progress}/${p.total}`
  process.stderr.write(`${s.cyan("progress")} ${amount}${p.message === undefined ? "" : ` ${p.message}`}\n`)
}

const printResult = (result: McpSchema.CallToolResult) =>
  Effect.gen(function*() {
    const s = out.style
    for (const block of result.content) yield* out.line(Layout.wrap(Format.content(block, s), out.width).join("\n"))
    if (result.structuredContent !== undefined) {
      if (result.content.length > 0) yield* out.line()
      yield* out.line(s.dim("structured content:"))
      yield* out.line(JSON.stringify(result.structuredContent, null, 2))
    }
  })

const errorText = (result: McpSchema.CallToolResult): string =>
  result.content.map((block) => Format.content(block, Common.out.errStyle)).join(" ") || "(no message)"

/** @internal */
export const command = Command.make("call", { ...Common.common, tool, jsonArgs }, (options) =>
  Common.run(
    options,
    Effect.gen(function*() {
      const args = Option.isSome(options.jsonArgs) ?
        yield* Common.parseJsonObject("the tool's arguments", options.jsonArgs.value) :
        {}
      const client = yield* Connect.connect(options)
      // The tools' annotations tell the client whether the call may be re-sent if the session dies
      // while it runs (read-only or idempotent tools only); the list also tells an unknown tool
      // from a failing one. A server that cannot list them still gets the call.
      const listed = yield* Effect.option(client.listAllTools())
      const result = yield* client.callTool(options.tool, args, { onProgress: progress })
      if (options.json) yield* out.json(result)
      else yield* printResult(result)
      if (result.isError === true) {
        const names = Option.map(listed, (tools) => tools.map((t) => t.name))
        if (Option.isSome(names) && !names.value.includes(options.tool)) {
          return yield* new Errors.UnknownTool({
            tool: options.tool,
            serverMessage: errorText(result),
            available: names.value
          })
        }
        return yield* new Errors.Failed({ message: `tool ${options.tool} reported an error (isError: true)` })
      }
    })
  )).pipe(
    Command.withDescription(
      "Call a tool, print its result; progress and logs go to stderr meanwhile (exit 1: the tool failed; " +
        "6: the server does not know the tool)"
    )
  )

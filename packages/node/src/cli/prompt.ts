/**
 * `mcp-effect prompt <url> <name> [json-args]`: gets a prompt (prompts/get)
 * with its arguments and prints its messages.
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

const name = Args.text({ name: "name" }).pipe(Args.withDescription("The prompt (inspect lists them)"))
const jsonArgs = Args.text({ name: "json-args" }).pipe(
  Args.withDescription(`The prompt's arguments as a JSON object of strings, e.g. '{"name":"Alice"}' (default {})`),
  Args.optional
)

/** Prompt arguments are strings (MCP says so); anything else is a usage error, not a server's problem. */
const stringArgs = (text: string) =>
  Effect.flatMap(Common.parseJsonObject("the prompt's arguments", text), (args) => {
    const bad = Object.entries(args).find(([, value]) => typeof value !== "string")
    return bad === undefined ?
      Effect.succeed(Object.fromEntries(Object.entries(args).map(([k, v]) => [k, String(v)]))) :
      Effect.fail(
        new Errors.UsageError({
          message: `the prompt's arguments must be strings: ${bad[0]} is ${JSON.stringify(bad[1])}`
        })
      )
  })

const print = (result: McpSchema.GetPromptResult) =>
  Effect.gen(function*() {
    const s = out.style
    if (result.description !== undefined && result.description.trim() !== "") {
      yield* out.line(s.dim(Layout.wrap(result.description.trim(), out.width).join("\n")))
      yield* out.line()
    }
    for (const message of result.messages) {
      const label = `${message.role}: `
      yield* out.line(
        `${s.bold(message.role)}: ${Layout.hanging(Format.content(message.content, s), label.length, out.width)}`
      )
    }
  })

/** @internal */
export const command = Command.make("prompt", { ...Common.common, name, jsonArgs }, (options) =>
  Common.run(
    options,
    Effect.gen(function*() {
      const args = Option.isSome(options.jsonArgs) ? yield* stringArgs(options.jsonArgs.value) : {}
      const client = yield* Connect.connect(options)
      const result = yield* client.getPrompt(options.name, args)
      if (options.json) yield* out.json(result)
      else yield* print(result)
    })
  )).pipe(
    Command.withDescription(
      "Get a prompt with its arguments and print its messages (exit 6: unknown prompt or a missing argument)"
    )
  )

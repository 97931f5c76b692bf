/**
 * `mcp-effect complete <url> (--prompt <name> | --resource <template>)
 * <argument> [value]`: asks the server to complete an argument
 * (completion/complete) and prints the values, one per line.
 *
 * @internal
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import type { McpSchema } from "@mcp-effect/core"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Common from "./internal/common.js"
import * as Connect from "./internal/connect.js"
import * as Errors from "./internal/errors.js"

const { out } = Common

const prompt = Options.text("prompt").pipe(
  Options.withDescription("Complete an argument of this prompt"),
  Options.optional
)
const resource = Options.text("resource").pipe(
  Options.withDescription("Complete a variable of this resource template, e.g. 'test://greeting/{name}'"),
  Options.optional
)
const context = Options.text("context").pipe(
  Options.withDescription(`Arguments already chosen, as a JSON object of strings, e.g. '{"owner":"effect"}'`),
  Options.optional
)
const argument = Args.text({ name: "argument" }).pipe(Args.withDescription("The argument (or variable) to complete"))
const value = Args.text({ name: "value" }).pipe(
  Args.withDescription("What has been typed so far (default: nothing)"),
  Args.withDefault("")
)

const referenceOf = (
  prompt: Option.Option<string>,
  resource: Option.Option<string>
): Effect.Effect<McpSchema.CompleteRequestParams["ref"], Errors.UsageError> => {
  if (Option.isSome(prompt) && Option.isNone(resource)) {
    return Effect.succeed({ type: "ref/prompt", name: prompt.value })
  }
  if (Option.isSome(resource) && Option.isNone(prompt)) {
    return Effect.succeed({ type: "ref/resource", uri: resource.value })
  }
  return Effect.fail(
    new Errors.UsageError({ message: "give exactly one of --prompt <name> and --resource <template>" })
  )
}

const contextOf = (text: Option.Option<string>) =>
  Option.match(text, {
    onNone: () => Effect.succeed({}),
    onSome: (json) =>
      Effect.map(Common.parseJsonObject("--context", json), (args) => ({
        context: { arguments: Object.fromEntries(Object.entries(args).map(([k, v]) => [k, String(v)])) }
      }))
  })

/** @internal */
export const command = Command.make(
  "complete",
  { ...Common.common, prompt, resource, context, argument, value },
  (options) =>
    Common.run(
      options,
      Effect.gen(function*() {
        const ref = yield* referenceOf(options.prompt, options.resource)
        const extra = yield* contextOf(options.context)
        const client = yield* Connect.connect(options)
        const result = yield* client.complete({
          ref,
          argument: { name: options.argument, value: options.value },
          ...extra
        })
        if (options.json) return yield* out.json(result)
        for (const candidate of result.completion.values) yield* out.line(candidate)
        const { hasMore, total } = result.completion
        if (hasMore === true || (total !== undefined && total > result.completion.values.length)) {
          yield* out.err(out.errStyle.dim(`(${total === undefined ? "more" : `${total} in all`}; type more to narrow)`))
        }
      })
    )
).pipe(
  Command.withDescription(
    "Complete a prompt argument or a resource template variable; prints the values, one per line"
  )
)

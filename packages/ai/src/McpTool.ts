/**
 * One MCP tool as an `@effect/ai` `Tool`: its JSON Schema exactly as the
 * server sent it, its annotations, and a handler that calls it through the
 * recovering `McpClient`.
 *
 * Most programs use `McpToolkit`, which does this for every tool of one or
 * more servers and follows their `list_changed` notifications.
 *
 * @since 0.2.0
 */
import * as Tool from "@effect/ai/Tool"
import type { McpClient } from "@mcp-effect/core"
import { McpSchema } from "@mcp-effect/core"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

/**
 * The parameters of every MCP tool: any JSON object. Validating the arguments
 * against the tool's JSON Schema is the server's job (it answers a bad call
 * with an error the model sees); decoding them here would need a Schema
 * generated from the JSON Schema, which is what this package avoids.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Parameters = Schema.Struct({}, McpSchema.JsonObject)

/**
 * @since 0.2.0
 * @category models
 */
export type Parameters = typeof Parameters.Type

/**
 * A successful call, as the model reads it: the text blocks joined by a
 * newline (absent when there are none), the `structuredContent` when the
 * server sent it, and the other blocks (images, audio, resources) as the
 * server sent them (absent when there are none).
 *
 * @since 0.2.0
 * @category schemas
 */
export const Output = Schema.Struct({
  text: Schema.optional(Schema.String),
  structuredContent: Schema.optional(McpSchema.JsonObject),
  content: Schema.optional(Schema.Array(McpSchema.ContentBlock))
})

/**
 * @since 0.2.0
 * @category models
 */
export type Output = typeof Output.Type

/**
 * A call that failed, as the model reads it (the tools run with
 * `failureMode: "return"`): the tool answered with `isError: true`, or the
 * call itself failed (`error` then holds the `McpError` tag, e.g.
 * `"RecoveryFailed"`, `"RequestTimeout"`, `"JsonRpcError"` for an unknown
 * tool, `"AuthorizationRequired"` under `McpAuth`). Either way the model sees the failure and can try again or tell
 * the user; `LanguageModel.generateText` does not fail.
 *
 * @since 0.2.0
 * @category errors
 */
export class ToolFailure extends Schema.TaggedError<ToolFailure>("@mcp-effect/ai/ToolFailure")("ToolFailure", {
  /** The tool's name on its server (without a prefix). */
  tool: Schema.String,
  /** The tool's error text, or the client's error message. */
  message: Schema.String,
  structuredContent: Schema.optional(McpSchema.JsonObject),
  content: Schema.optional(Schema.Array(McpSchema.ContentBlock)),
  /** The `McpError` tag when the call itself failed. */
  error: Schema.optional(Schema.String)
}) {}

/**
 * An MCP tool as an `@effect/ai` tool.
 *
 * @since 0.2.0
 * @category models
 */
export type McpTool = Tool.Tool<string, {
  readonly parameters: typeof Parameters
  readonly success: typeof Output
  readonly failure: typeof ToolFailure
  readonly failureMode: "return"
}>

/**
 * The handler of an {@link McpTool}.
 *
 * @since 0.2.0
 * @category models
 */
export type Handler = (params: Parameters) => Effect.Effect<Output, ToolFailure>

/**
 * The `@effect/ai` tool for an MCP tool, exposed to the model as `name`
 * (default: the tool's own name).
 *
 * The JSON Schema the model receives (`Tool.getJsonSchema`) is the tool's
 * `inputSchema` object itself, not a Schema generated from it: a JSON Schema
 * annotation on the parameters overrides the generated one whenever it has a
 * `type`, which an MCP `inputSchema` always has (`"object"`). The MCP
 * annotations become `@effect/ai`'s (`Title`, `Readonly`, `Destructive`,
 * `Idempotent`, `OpenWorld`) when the server sent them.
 *
 * @since 0.2.0
 * @category constructors
 */
export const fromTool = (tool: McpSchema.Tool, name: string = tool.name): McpTool => {
  const parameters = Parameters.annotations({ jsonSchema: tool.inputSchema })
  let made: McpTool = Tool.make(name, {
    description: tool.description,
    success: Output,
    failure: ToolFailure,
    failureMode: "return"
  }).setParameters(parameters)
  const title = tool.title ?? tool.annotations?.title
  if (title !== undefined) made = made.annotate(Tool.Title, title)
  const hints = tool.annotations
  if (hints?.readOnlyHint !== undefined) made = made.annotate(Tool.Readonly, hints.readOnlyHint)
  if (hints?.destructiveHint !== undefined) made = made.annotate(Tool.Destructive, hints.destructiveHint)
  if (hints?.idempotentHint !== undefined) made = made.annotate(Tool.Idempotent, hints.idempotentHint)
  if (hints?.openWorldHint !== undefined) made = made.annotate(Tool.OpenWorld, hints.openWorldHint)
  return made
}

/**
 * The handler calling the tool `tool` (its name on the server) through
 * `client`: a session that expires in between is replaced by the client, out
 * of the model's sight.
 *
 * @since 0.2.0
 * @category handlers
 */
export const handler = (client: McpClient.Service, tool: string): Handler => (params) =>
  client.callTool(tool, params).pipe(
    Effect.catchAll((error) => Effect.fail(new ToolFailure({ tool, message: error.message, error: error._tag }))),
    Effect.flatMap((result) =>
      result.isError === true ? Effect.fail(toFailure(tool, result)) : Effect.succeed(toOutput(result))
    )
  )

/**
 * A successful `CallToolResult` as the model reads it (see {@link Output}).
 *
 * @since 0.2.0
 * @category conversions
 */
export const toOutput = (result: McpSchema.CallToolResult): Output => {
  const { others, text } = split(result.content)
  return {
    ...(text !== undefined ? { text } : {}),
    ...(result.structuredContent !== undefined ? { structuredContent: result.structuredContent } : {}),
    ...(others.length > 0 ? { content: others } : {})
  }
}

/**
 * A `CallToolResult` with `isError: true` as the model reads it.
 *
 * @since 0.2.0
 * @category conversions
 */
export const toFailure = (tool: string, result: McpSchema.CallToolResult): ToolFailure => {
  const { others, text } = split(result.content)
  return new ToolFailure({
    tool,
    message: text ?? "the tool reported an error",
    ...(result.structuredContent !== undefined ? { structuredContent: result.structuredContent } : {}),
    ...(others.length > 0 ? { content: others } : {})
  })
}

const split = (content: ReadonlyArray<McpSchema.ContentBlock>) => {
  const texts: Array<string> = []
  const others: Array<McpSchema.ContentBlock> = []
  for (const block of content) {
    if (McpSchema.isTextContent(block)) texts.push(block.text)
    else others.push(block)
  }
  return { text: texts.length > 0 ? texts.join("\n") : undefined, others }
}

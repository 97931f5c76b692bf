/**
 * MCP resources as `@effect/ai` prompt content: what a server's resource
 * holds, as the parts of a user message, to give a model context.
 *
 * @since 0.2.0
 */
import * as Prompt from "@effect/ai/Prompt"
import { McpClient } from "@mcp-effect/core"
import type { McpError, McpSchema } from "@mcp-effect/core"
import * as Effect from "effect/Effect"
import * as Content from "./internal/content.js"

/**
 * The contents of a `resources/read` result as prompt parts, in order: text
 * as text parts, blobs as file parts (base64, with their MIME type, or
 * `application/octet-stream` when the server gave none).
 *
 * @since 0.2.0
 * @category conversions
 */
export const toParts = (result: McpSchema.ReadResourceResult): ReadonlyArray<Prompt.TextPart | Prompt.FilePart> =>
  result.contents.map(Content.fromResourceContents)

/**
 * The contents of a `resources/read` result as a `Prompt` of one user
 * message (see {@link toParts}): `Prompt.merge` puts it before a question.
 *
 * @since 0.2.0
 * @category conversions
 */
export const toPrompt = (result: McpSchema.ReadResourceResult): Prompt.Prompt =>
  Prompt.fromMessages([Prompt.userMessage({ content: toParts(result) })])

/**
 * Reads `uri` from the server of the `McpClient` service as a `Prompt` of one
 * user message (see {@link toPrompt}).
 *
 * @example
 * ```ts
 * const context = yield* McpResource.read("file:///notes/today.md")
 * const response = yield* LanguageModel.generateText({
 *   prompt: Prompt.merge(context, "Summarise these notes.")
 * })
 * ```
 *
 * @since 0.2.0
 * @category accessors
 */
export const read = (
  uri: string,
  options?: McpClient.RequestOptions
): Effect.Effect<Prompt.Prompt, McpError.McpError, McpClient.McpClient> =>
  Effect.flatMap(McpClient.McpClient, (client) => Effect.map(client.readResource(uri, options), toPrompt))

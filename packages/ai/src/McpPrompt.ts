/**
 * MCP prompts as `@effect/ai` prompts: a server's prompt template, filled in
 * with its arguments, becomes the messages of a `Prompt.Prompt` that
 * `LanguageModel.generateText({ prompt })` or `Chat` takes.
 *
 * @since 0.2.0
 */
import * as Prompt from "@effect/ai/Prompt"
import { McpClient } from "@mcp-effect/core"
import type { McpError, McpSchema } from "@mcp-effect/core"
import * as Effect from "effect/Effect"
import * as Content from "./internal/content.js"

/**
 * The messages of a `prompts/get` result as a `Prompt`, in order: user
 * messages stay user messages, assistant messages assistant messages. Text
 * stays text; images and audio become file parts (base64 with their MIME
 * type); an embedded resource becomes its text or file; a resource link
 * becomes a line of text naming it.
 *
 * @since 0.2.0
 * @category conversions
 */
export const toPrompt = (result: McpSchema.GetPromptResult): Prompt.Prompt =>
  Prompt.fromMessages(result.messages.map((message) => {
    const content = [Content.fromContentBlock(message.content)]
    return message.role === "user" ? Prompt.userMessage({ content }) : Prompt.assistantMessage({ content })
  }))

/**
 * Gets the prompt `name` from the server of the `McpClient` service, filled
 * in with `args`, as a `Prompt` (see {@link toPrompt}).
 *
 * @example
 * ```ts
 * const prompt = yield* McpPrompt.get("greet", { name: "Ada" })
 * const response = yield* LanguageModel.generateText({ prompt })
 * ```
 *
 * @since 0.2.0
 * @category accessors
 */
export const get = (
  name: string,
  args?: Readonly<Record<string, string>>,
  options?: McpClient.RequestOptions
): Effect.Effect<Prompt.Prompt, McpError.McpError, McpClient.McpClient> =>
  Effect.flatMap(McpClient.McpClient, (client) => Effect.map(client.getPrompt(name, args, options), toPrompt))

/**
 * MCP content as `@effect/ai` prompt parts.
 *
 * @internal
 */
import * as Prompt from "@effect/ai/Prompt"
import { McpSchema } from "@mcp-effect/core"
import * as Schema from "effect/Schema"

/** A part a user or an assistant message can hold. */
export type Part = Prompt.TextPart | Prompt.FilePart

/** Text resources as text, blobs as files (base64, with their MIME type). */
export const fromResourceContents = (contents: McpSchema.ResourceContents): Part =>
  isText(contents)
    ? Prompt.textPart({ text: contents.text })
    : Prompt.filePart({ mediaType: contents.mimeType ?? "application/octet-stream", data: contents.blob })

// Both kinds keep unknown fields, so `"text" in contents` cannot tell them apart for the compiler.
const isText = Schema.is(McpSchema.TextResourceContents)

/**
 * Text as text; images and audio as files (base64); an embedded resource as
 * its contents; a resource link as a line of text naming it (a model cannot
 * follow an MCP URI); a block of a type this version does not know as its JSON.
 */
export const fromContentBlock = (block: McpSchema.ContentBlock): Part => {
  if (McpSchema.isTextContent(block)) return Prompt.textPart({ text: block.text })
  if (McpSchema.isImageContent(block) || McpSchema.isAudioContent(block)) {
    return Prompt.filePart({ mediaType: block.mimeType, data: block.data })
  }
  if (McpSchema.isEmbeddedResource(block)) return fromResourceContents(block.resource)
  if (McpSchema.isResourceLink(block)) {
    const about = block.description === undefined ? "" : `: ${block.description}`
    return Prompt.textPart({ text: `Resource ${block.name} (${block.uri})${about}` })
  }
  return Prompt.textPart({ text: JSON.stringify(block) })
}

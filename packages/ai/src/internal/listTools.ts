/**
 * Every tool of a server, with each `inputSchema` exactly as the server sent it.
 *
 * `client.listAllTools()` decodes the tools with open structs, which keep every
 * field but put the known ones first: `{"properties": …, "type": "object"}`
 * comes out as `{"type": "object", "properties": …}`. The model must receive
 * the server's JSON Schema as sent, so the pages are requested raw
 * (`client.request`, which recovers like every method), decoded only to be
 * checked, and each tool's `inputSchema` is taken from the raw page.
 *
 * @internal
 */
import type { McpClient } from "@mcp-effect/core"
import { McpError, McpSchema } from "@mcp-effect/core"
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"

const decodePage = Schema.decodeUnknown(McpSchema.ListToolsResult)

const invalid = (description: string) =>
  new McpError.ProtocolError({ method: "tools/list", violation: "InvalidResult", description })

/** One page: the decoded tools, each with the raw `inputSchema` put back. */
const page = (client: McpClient.Service, cursor: string | undefined) =>
  Effect.gen(function*() {
    const raw = yield* client.request("tools/list", cursor === undefined ? {} : { cursor })
    const decoded = yield* Effect.mapError(
      decodePage(raw),
      (error) => invalid(ParseResult.TreeFormatter.formatErrorSync(error))
    )
    // The decode succeeded, so `raw.tools` is an array of objects with an object `inputSchema`.
    const rawTools = Predicate.hasProperty(raw, "tools") && Array.isArray(raw.tools) ? raw.tools : []
    const tools = decoded.tools.map((tool, i): McpSchema.Tool => {
      const sent: unknown = rawTools[i]
      return Predicate.hasProperty(sent, "inputSchema") && Predicate.isRecord(sent.inputSchema)
        ? { ...tool, inputSchema: { ...sent.inputSchema, type: tool.inputSchema.type } }
        : tool
    })
    return { tools, nextCursor: decoded.nextCursor }
  })

/** Every page, following `nextCursor` until it ends or repeats (a server looping on one cursor). */
export const listTools = (
  client: McpClient.Service
): Effect.Effect<ReadonlyArray<McpSchema.Tool>, McpError.McpError> =>
  Effect.gen(function*() {
    const all: Array<McpSchema.Tool> = []
    const seen = new Set<string>()
    let cursor: string | undefined = undefined
    while (true) {
      const result: { readonly tools: ReadonlyArray<McpSchema.Tool>; readonly nextCursor: string | undefined } =
        yield* page(client, cursor)
      all.push(...result.tools)
      const next = result.nextCursor
      if (next === undefined || seen.has(next)) return all
      seen.add(next)
      cursor = next
    }
  })

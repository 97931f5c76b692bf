/**
 * A toolkit snapshot from the servers' tool lists.
 *
 * @internal
 */
import * as Toolkit from "@effect/ai/Toolkit"
import type { McpSchema } from "@mcp-effect/core"
import * as Effect from "effect/Effect"
import * as McpTool from "../McpTool.js"
import type * as McpToolkit from "../McpToolkit.js"

/** The exposed tools of every server, in order: filtered, then prefixed. */
export const entries = (
  servers: ReadonlyArray<McpToolkit.Server>,
  lists: ReadonlyArray<ReadonlyArray<McpSchema.Tool>>
): ReadonlyArray<McpToolkit.Entry> =>
  servers.flatMap((server, index) =>
    (lists[index] ?? []).filter((tool) => server.filter === undefined || server.filter(tool)).map((tool) => ({
      name: `${server.prefix ?? ""}${tool.name}`,
      tool,
      server: index
    }))
  )

/** The first name two entries share, with their servers. */
export const clash = (
  list: ReadonlyArray<McpToolkit.Entry>
): { readonly name: string; readonly servers: readonly [number, number] } | undefined => {
  const seen = new Map<string, number>()
  for (const entry of list) {
    const first = seen.get(entry.name)
    if (first !== undefined) return { name: entry.name, servers: [first, entry.server] }
    seen.set(entry.name, entry.server)
  }
  return undefined
}

/** The toolkit of `list` (names already unique), its handlers, and both together. */
export const snapshot = (
  servers: ReadonlyArray<McpToolkit.Server>,
  list: ReadonlyArray<McpToolkit.Entry>
): Effect.Effect<McpToolkit.Snapshot> =>
  Effect.gen(function*() {
    const tools: McpToolkit.Tools = {}
    const handlers: Record<string, McpTool.Handler> = {}
    for (const entry of list) {
      tools[entry.name] = McpTool.fromTool(entry.tool, entry.name)
      handlers[entry.name] = McpTool.handler(servers[entry.server].client, entry.tool.name)
    }
    const toolkit = Toolkit.make(...Object.values(tools))
    const context = yield* toolkit.toContext(handlers)
    const withHandler = yield* Effect.provide(toolkit, context)
    return { entries: list, toolkit, handlers: context, withHandler }
  })

/**
 * `mcp-effect inspect <url>`: what a server is and offers.
 *
 * @internal
 */
import * as Command from "@effect/cli/Command"
import type { McpClient, McpError, McpSchema } from "@mcp-effect/core"
import * as Effect from "effect/Effect"
import * as Common from "./internal/common.js"
import * as Connect from "./internal/connect.js"
import * as Format from "./internal/format.js"
import * as Layout from "./internal/layout.js"

const { out } = Common

/**
 * Lists that the server's capabilities do not announce are skipped (`undefined`), and so are
 * lists it announces but does not implement (-32601, e.g. resource templates).
 */
const listIf = <A>(
  announced: boolean,
  list: Effect.Effect<ReadonlyArray<A>, McpError.McpError>
): Effect.Effect<ReadonlyArray<A> | undefined, McpError.McpError> =>
  announced ?
    list.pipe(
      Effect.catchIf(
        (error) => error._tag === "JsonRpcError" && error.code === -32601,
        () => Effect.succeed(undefined)
      )
    ) :
    Effect.succeed(undefined)

const gather = (client: McpClient.Service) =>
  Effect.gen(function*() {
    const session = yield* client.session
    const caps = session.capabilities
    // Every list is followed through `nextCursor` (paginated servers give their whole catalogue).
    const [tools, resources, resourceTemplates, prompts] = yield* Effect.all([
      listIf(caps.tools !== undefined, client.listAllTools()),
      listIf(caps.resources !== undefined, client.listAllResources()),
      listIf(caps.resources !== undefined, client.listAllResourceTemplates()),
      listIf(caps.prompts !== undefined, client.listAllPrompts())
    ])
    return { session, tools, resources, resourceTemplates, prompts }
  })

type Report = Effect.Effect.Success<ReturnType<typeof gather>>

const section = (title: string, count: number | undefined) =>
  out.line(
    `\n${out.style.bold(title)}${count === undefined ? out.style.dim(" (not offered)") : out.style.dim(` (${count})`)}`
  )

// Long names (URIs) do not widen the column past this: they get a line of their own instead.
const nameColumn = (names: ReadonlyArray<string>) => Math.min(32, Math.max(0, ...names.map((n) => n.length)) + 2)

/** Name, details, then dim lines under the details (args, returns). */
const item = (name: string, details: string, column: number, more: ReadonlyArray<string> = []) =>
  Effect.gen(function*() {
    yield* out.line(Layout.row(out.style.bold(name), details, column, out.width))
    for (const line of more) {
      yield* out.line(`${" ".repeat(column + 2)}${out.style.dim(Layout.hanging(line, column + 2, out.width))}`)
    }
  })

const printHuman = (options: Common.Connection, r: Report) =>
  Effect.gen(function*() {
    const s = out.style
    const info = r.session.serverInfo
    const row = (label: string, value: string) =>
      out.line(`${s.dim(label.padEnd(14))}${Layout.hanging(value, 14, out.width)}`)
    yield* row("server", `${s.bold(info.name)} ${info.version}${info.title === undefined ? "" : ` (${info.title})`}`)
    // With --stdio, `url` holds the label of the server's command line.
    yield* row(options.stdio ? "command" : "url", options.url)
    yield* row("protocol", r.session.protocolVersion)
    yield* row("session", r.session.sessionId ?? "none (stateless server)")
    yield* row("capabilities", Format.capabilities(r.session.capabilities))
    if (r.session.instructions !== undefined && r.session.instructions.trim() !== "") {
      yield* row("instructions", r.session.instructions.trim())
    }

    yield* section("Tools", r.tools?.length)
    if (r.tools !== undefined) {
      const width = nameColumn(r.tools.map((t) => t.name))
      for (const tool of r.tools) {
        const tags = Format.hints(tool.annotations).map((h) => s.cyan(`[${h}]`)).join(" ")
        yield* item(tool.name, Layout.joinPresent([tool.description ?? tool.title, tags], " "), width, [
          `args ${Format.signature(tool.inputSchema)}`,
          ...(tool.outputSchema === undefined ? [] : [`returns ${Format.signature(tool.outputSchema)}`])
        ])
      }
    }

    yield* section("Resources", r.resources?.length)
    if (r.resources !== undefined) {
      const width = nameColumn(r.resources.map((x) => x.uri))
      for (const resource of r.resources) {
        const details = [resource.name, resource.mimeType, resource.description]
        yield* item(resource.uri, Layout.joinPresent(details, ` ${s.dim("·")} `), width)
      }
    }
    if (r.resourceTemplates !== undefined && r.resourceTemplates.length > 0) {
      yield* section("Resource templates", r.resourceTemplates.length)
      const width = nameColumn(r.resourceTemplates.map((x) => x.uriTemplate))
      for (const template of r.resourceTemplates) {
        const details = [template.name, template.mimeType, template.description]
        yield* item(template.uriTemplate, Layout.joinPresent(details, ` ${s.dim("·")} `), width)
      }
    }

    yield* section("Prompts", r.prompts?.length)
    if (r.prompts !== undefined) {
      const width = nameColumn(r.prompts.map((p) => p.name))
      for (const prompt of r.prompts) {
        const args = (prompt.arguments ?? []).map((a: McpSchema.PromptArgument) =>
          `${a.name}${a.required === true ? "" : "?"}`
        )
        yield* item(
          prompt.name,
          prompt.description ?? prompt.title ?? "",
          width,
          args.length === 0 ? [] : [`args ${args.join(", ")}`]
        )
      }
    }
  })

/** @internal */
export const command = Command.make("inspect", Common.common, (options) =>
  Common.run(
    options,
    Effect.gen(function*() {
      const client = yield* Connect.connect(options)
      const report = yield* gather(client)
      if (options.json) {
        yield* out.json({
          url: options.stdio ? null : options.url,
          ...(options.stdio ? { command: options.url } : {}),
          sessionId: report.session.sessionId ?? null,
          protocolVersion: report.session.protocolVersion,
          serverInfo: report.session.serverInfo,
          capabilities: report.session.capabilities,
          instructions: report.session.instructions ?? null,
          tools: report.tools ?? null,
          resources: report.resources ?? null,
          resourceTemplates: report.resourceTemplates ?? null,
          prompts: report.prompts ?? null
        })
      } else {
        yield* printHuman(options, report)
      }
    })
  )).pipe(
    Command.withDescription(
      "Show the server: info, protocol version, capabilities, tools, resources, prompts (all pages)"
    )
  )

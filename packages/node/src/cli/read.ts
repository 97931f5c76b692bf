/**
 * `mcp-effect read <url> <uri>`: reads a resource (resources/read) and prints
 * its contents: text as it is, binary contents summarized (`--json` has them
 * in base64).
 *
 * @internal
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import type { McpSchema } from "@mcp-effect/core"
import * as Effect from "effect/Effect"
import * as Common from "./internal/common.js"
import * as Connect from "./internal/connect.js"
import * as Format from "./internal/format.js"

const { out } = Common

const uri = Args.text({ name: "uri" }).pipe(
  Args.withDescription("The resource's URI (inspect lists resources and templates), e.g. test://hello")
)

const print = (result: McpSchema.ReadResourceResult) =>
  Effect.gen(function*() {
    const s = out.style
    // One text resource prints as just its text (for pipes); several get a header each.
    const text = (contents: McpSchema.ResourceContents) => typeof contents.text === "string" ? contents.text : undefined
    const headers = result.contents.length > 1 || result.contents.some((c) => text(c) === undefined)
    for (const contents of result.contents) {
      if (headers) {
        yield* out.line(s.dim(`[${contents.uri}${contents.mimeType === undefined ? "" : ` ${contents.mimeType}`}]`))
      }
      const body = text(contents)
      if (body !== undefined) {
        yield* Effect.sync(() => process.stdout.write(body.endsWith("\n") || body === "" ? body : `${body}\n`))
      } else {
        const blob = typeof contents.blob === "string" ? contents.blob : ""
        yield* out.line(s.dim(`(binary, ${Format.bytesOfBase64(blob)} bytes: --json has it in base64)`))
      }
    }
  })

/** @internal */
export const command = Command.make("read", { ...Common.common, uri }, (options) =>
  Common.run(
    options,
    Effect.gen(function*() {
      const client = yield* Connect.connect(options)
      const result = yield* client.readResource(options.uri)
      if (options.json) yield* out.json(result)
      else yield* print(result)
    })
  )).pipe(
    Command.withDescription("Read a resource and print its contents (exit 6: the server does not know the URI)")
  )

/**
 * `mcp-effect log-level <url> <level>`: asks the server to send log messages
 * of `level` and above (logging/setLevel), and reports whether it accepted.
 *
 * The level belongs to the session, which ends with the command: to see the
 * logs, give `--logs` to the command that does the work (`call`,
 * `watch`…). This command checks that a server supports it.
 *
 * @internal
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import { McpSchema } from "@mcp-effect/core"
import * as Effect from "effect/Effect"
import * as Common from "./internal/common.js"
import * as Connect from "./internal/connect.js"

const { out } = Common

const level = Args.choice(McpSchema.LoggingLevel.literals.map((l) => [l, l] as const), { name: "level" }).pipe(
  Args.withDescription(`One of ${McpSchema.LoggingLevel.literals.join(", ")}`)
)

/** @internal */
export const command = Command.make("log-level", { ...Common.connection, level }, (options) =>
  Common.run(
    options,
    Effect.gen(function*() {
      const client = yield* Connect.connect(options)
      yield* client.setLoggingLevel(options.level)
      const session = yield* client.session
      if (options.json) yield* out.json({ level: options.level, sessionId: session.sessionId ?? null })
      else {
        yield* out.line(
          `${session.serverInfo.name} accepted log level ${options.level} (for this session; ` +
            `use --logs with call or watch to see the messages)`
        )
      }
    })
  )).pipe(
    Command.withDescription(
      "Check that the server accepts a log level (logging/setLevel; exit 6: it does not implement logging)"
    )
  )

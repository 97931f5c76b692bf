/**
 * `mcp-effect ping <url>`: connects and pings, printing each round trip.
 *
 * @internal
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Common from "./internal/common.js"
import * as Connect from "./internal/connect.js"
import * as Errors from "./internal/errors.js"

const { out } = Common

const count = Options.integer("count").pipe(
  Options.withAlias("c"),
  Options.withDefault(1),
  Options.withDescription("How many pings, one after another")
)

/** @internal */
export const command = Command.make("ping", { ...Common.common, count }, (options) =>
  Common.run(
    options,
    Effect.gen(function*() {
      if (!(Number.isInteger(options.count) && options.count > 0)) {
        return yield* new Errors.UsageError({ message: "--count must be a positive whole number" })
      }
      const client = yield* Connect.connect(options)
      const session = yield* client.session
      const millis: Array<number> = []
      for (let i = 0; i < options.count; i++) {
        const started = performance.now()
        yield* client.ping()
        const elapsed = Math.round((performance.now() - started) * 10) / 10
        millis.push(elapsed)
        if (!options.json) yield* out.line(`pong from ${session.serverInfo.name} in ${elapsed} ms`)
      }
      if (options.json) {
        yield* out.json({ server: session.serverInfo, sessionId: session.sessionId ?? null, millis })
      }
    })
  )).pipe(Command.withDescription("Ping the server and print each round trip"))

/**
 * `npm start`: runs the demo (see `Demo.ts`) and exits 0 only if no call
 * failed. `--plain` forces the log-style progress output of non-terminals.
 *
 * @internal
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import { dirname, join } from "node:path"
import * as Style from "../cli/internal/style.js"
import * as Demo from "./Demo.js"
import * as Display from "./display.js"

const args = process.argv.slice(2)
if (args.includes("--help") || args.includes("-h")) {
  console.log("usage: node demo/main.js [--plain]\n  --plain  progress as periodic plain lines, no colours")
  process.exit(0)
}
const plain = args.includes("--plain") || process.stdout.isTTY !== true
const display = Display.make({ live: !plain, colors: !plain && Style.colorsFor(process.stdout) })

// The server entry is compiled beside this file (dist/esm/demo or dist/cjs/demo).
const serverEntry = join(dirname(process.argv[1] ?? "."), "serverMain.js")

Demo.run(display, { serverEntry }).pipe(
  Effect.scoped,
  Effect.tapErrorCause((cause) =>
    Effect.sync(() => {
      process.stdout.write("\n")
      console.error(`demo failed: ${Cause.pretty(cause)}`)
    })
  ),
  // A failed call is already reported in the summary: only the exit status is left to set.
  Effect.flatMap((summary) => summary.failures === 0 ? Effect.void : Effect.fail("calls failed")),
  NodeRuntime.runMain({ disableErrorReporting: true })
)

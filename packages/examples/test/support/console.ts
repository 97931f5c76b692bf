import type * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { inspect } from "node:util"

/** Runs `effect` with `Console.log` recorded (one string per call) instead of printed. */
export const captureConsole = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const lines: Array<string> = []
    const current = yield* Effect.console
    const recording: Console.Console = {
      ...current,
      log: (...args) =>
        Effect.sync(() => {
          lines.push(args.map((arg) => typeof arg === "string" ? arg : inspect(arg, { depth: 5 })).join(" "))
        })
    }
    const value = yield* Effect.withConsole(effect, recording)
    return { value, lines }
  })

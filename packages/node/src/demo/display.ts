/**
 * The demo's output: event lines, plus a progress display that is a single
 * line redrawn in place on a terminal, and a plain line every few seconds
 * otherwise (CI logs must not fill up with carriage returns).
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as Style from "../cli/internal/style.js"

/** @internal */
export interface Display {
  readonly style: Style.Style
  /** Whether the progress line is redrawn in place. */
  readonly live: boolean
  /** Prints a permanent line (above the progress line, on a terminal). */
  readonly line: (text: string) => Effect.Effect<void>
  /** Starts the progress display until the scope closes (or `stop`). */
  readonly progress: (status: Effect.Effect<string>) => Effect.Effect<void, never, Scope.Scope>
  /** Stops the progress display and clears its line. */
  readonly stop: Effect.Effect<void>
}

const spinner = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]
const clearLine = "\r\x1b[2K"

/** @internal */
export const make = (options: {
  readonly live: boolean
  readonly colors: boolean
  /** How often a plain progress line is printed when not live. */
  readonly plainEvery?: Duration.DurationInput | undefined
}): Display => {
  const out = process.stdout
  const style = Style.make(options.colors)
  let current = "" // the progress line on screen ("" when none)
  let stopped = false
  let frame = 0

  const fit = (text: string) => {
    // A pseudo-terminal may report 0 columns.
    const columns = out.columns > 0 ? out.columns : 120
    // Cutting inside an escape sequence would garble the terminal: drop colours when cutting.
    if (Style.visibleLength(text) < columns) return text
    const plain = Style.strip(text)
    return plain.slice(0, Math.max(0, columns - 2)) + "…"
  }

  const draw = (status: string) => {
    current = fit(`${style.cyan(spinner[frame++ % spinner.length])} ${status}`)
    out.write(clearLine + current)
  }

  const line = (text: string) =>
    Effect.sync(() => {
      if (options.live && current !== "") out.write(`${clearLine}${text}\n${current}`)
      else out.write(`${text}\n`)
    })

  const progress = (status: Effect.Effect<string>) =>
    (options.live ?
      Effect.flatMap(status, (s) =>
        Effect.sync(() => {
          if (!stopped) draw(s)
        })).pipe(
          Effect.repeat(Schedule.spaced(Duration.millis(100)))
        ) :
      Effect.flatMap(status, (s) =>
        Effect.sync(() => {
          if (!stopped) out.write(`${style.dim("  …")} ${s}\n`)
        })).pipe(
          Effect.delay(options.plainEvery ?? Duration.seconds(5)),
          Effect.forever
        )).pipe(Effect.forkScoped, Effect.asVoid)

  const stop = Effect.sync(() => {
    stopped = true
    if (options.live && current !== "") out.write(clearLine)
    current = ""
  })

  return { style, live: options.live, line, progress, stop }
}

/**
 * The demo's counters, and the summary it prints from them at the end.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Display from "./display.js"

/** @internal */
export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`

/** What the demo counts while it runs (mutable: only the demo's fibers write it). @internal */
export interface Stats {
  calls: number
  inFlight: number
  failures: number
  expiries: number
  recoveries: number
  recoveryMillis: Array<number>
  maxWaiters: number
  progress: number
  streamed: number
  updates: number
  restarts: number
  killedPids: Array<number>
  /** Counts kills: a call that sees it change, or starts while the server is down, waited through one. */
  kills: number
  down: boolean
  waitedThroughRestarts: number
  quietPhases: number
  phase: string
  generation: number
  updatedSessions: Set<number>
}

/** @internal */
export const makeStats = (): Stats => ({
  calls: 0,
  inFlight: 0,
  failures: 0,
  expiries: 0,
  recoveries: 0,
  recoveryMillis: [],
  maxWaiters: 0,
  progress: 0,
  streamed: 0,
  updates: 0,
  restarts: 0,
  killedPids: [],
  kills: 0,
  down: false,
  waitedThroughRestarts: 0,
  quietPhases: 0,
  phase: "running",
  generation: 0,
  updatedSessions: new Set()
})

const average = (xs: ReadonlyArray<number>) => xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length

/** Prints the summary table and the verdict. @internal */
export const print = (
  display: Display.Display,
  stats: Stats,
  script: { readonly downtimeMillis: number; readonly resourceUri: string }
): Effect.Effect<void> =>
  Effect.gen(function*() {
    const s = display.style
    const sorted = [...stats.recoveryMillis].sort((a, b) => a - b)
    const ok = stats.failures === 0
    const row = (label: string, value: string) => display.line(`  ${label.padEnd(12)}${value}`)
    yield* display.line("")
    yield* display.line(s.bold("Summary"))
    yield* row("calls", `${stats.calls} (${stats.calls - stats.failures} ok, ${stats.failures} failed)`)
    yield* row("sessions", `${1 + stats.recoveries} (the first + one per recovery)`)
    yield* row(
      "expiries",
      `${stats.expiries} (after ${plural(stats.quietPhases, "quiet phase")} and ${plural(stats.restarts, "restart")})`
    )
    yield* row(
      "recoveries",
      sorted.length === 0 ?
        "0" :
        `${stats.recoveries}, ${Math.round(average(sorted))} ms on average (max ${sorted[sorted.length - 1]} ms), ` +
        `up to ${plural(stats.maxWaiters, "call")} waiting on one`
    )
    yield* row(
      "restarts",
      `${stats.restarts} (processes ${stats.killedPids.join(", ")} killed with SIGKILL, ${
        script.downtimeMillis / 1000
      } s down each); ${plural(stats.waitedThroughRestarts, "call")} waited through one and succeeded`
    )
    yield* row("streamed", `${stats.streamed} slow calls, ${stats.progress} progress notifications`)
    yield* row(
      "resource",
      `${stats.updates} update notifications for ${script.resourceUri}, received in ${stats.updatedSessions.size} ` +
        `of ${1 + stats.recoveries} sessions (the client re-subscribes on each new one)`
    )
    yield* row("failures", (ok ? s.green : s.red)(String(stats.failures)))
    yield* display.line("")
    yield* display.line(
      ok ?
        s.green(
          `OK: ${stats.calls} calls, ${stats.expiries} expired sessions, ${
            plural(stats.restarts, "real restart")
          }, no failed call.`
        ) :
        s.red(`FAILED: ${plural(stats.failures, "call")} failed.`)
    )
  })

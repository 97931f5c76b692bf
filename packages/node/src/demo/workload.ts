/**
 * The demo's client workload: every call counted and checked (`call`), the
 * three workers that call non-stop (one after another, bursts, a streaming
 * tool), and the kill of the server while a burst of streamed calls is in
 * flight. One `Workload` record is handed to each.
 *
 * @internal
 */
import type { McpClient, McpError } from "@mcp-effect/core"
import { McpSchema } from "@mcp-effect/core"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import type * as Display from "./display.js"
import type * as ServerProcess from "./ServerProcess.js"
import type * as Summary from "./summary.js"

/** @internal */
export const burstSize = 8
/** @internal */
export const resourceUri = "test://hello"
const streamSteps = 5
const maxReportedFailures = 10

/** What the workload runs with. @internal */
export interface Workload {
  readonly client: McpClient.Service
  readonly server: ServerProcess.ServerProcess
  readonly stats: Summary.Stats
  readonly style: Display.Display["style"]
  readonly say: (icon: string, text: string) => Effect.Effect<void>
  /** Closed during a quiet phase: the workers wait on it before each call. */
  readonly gate: Effect.Latch
  /** The bursts started by `restartDuringBurst`, joined at the end. */
  readonly restartBursts: Array<Fiber.RuntimeFiber<void>>
  /** Set at the end: the workers stop. */
  stopping: boolean
}

/** One call: counted, checked, and reported if it fails (it must not). @internal */
export const call = <A>(
  self: Workload,
  label: string,
  effect: Effect.Effect<A, McpError.McpError>,
  check: (a: A) => string | undefined
): Effect.Effect<void> => {
  const { stats, style: s } = self
  return Effect.suspend(() => {
    stats.inFlight++
    const kills = stats.kills
    const down = stats.down
    return Effect.map(Effect.either(effect), (result) => ({ result, waited: down || stats.kills !== kills }))
  }).pipe(
    Effect.flatMap(({ result, waited }) => {
      stats.inFlight--
      stats.calls++
      const problem = result._tag === "Left" ? result.left.message : check(result.right)
      if (problem === undefined) {
        if (waited) stats.waitedThroughRestarts++
        return Effect.void
      }
      stats.failures++
      // The first few tell the story; a flood would hide it.
      if (stats.failures > maxReportedFailures) return Effect.void
      return self.say(
        s.red("✗"),
        s.red(`${label} failed: ${problem}`) +
          (stats.failures === maxReportedFailures ? s.dim(" (further failures are only counted)") : "")
      )
    })
  )
}

const textOf = (result: McpSchema.CallToolResult) =>
  result.content.filter(McpSchema.isTextContent).map((c) => c.text).join("")
const expectText = (want: string) => (result: McpSchema.CallToolResult) =>
  result.isError === true ? `tool error: ${textOf(result)}` : textOf(result) === want ?
    undefined :
    `expected "${want}", got "${textOf(result)}"`

const worker = (self: Workload, body: (n: number) => Effect.Effect<void>, pause: Duration.DurationInput) =>
  Effect.gen(function*() {
    for (let n = 1;; n++) {
      yield* self.gate.await
      if (self.stopping) return
      yield* body(n)
      yield* Effect.sleep(pause)
    }
  })

/** The three workers: sequential calls (and a read every fifth), bursts, a streaming tool. @internal */
export const workers = (self: Workload): ReadonlyArray<Effect.Effect<void>> => {
  const { client, stats } = self
  const sequential = worker(
    self,
    (n) =>
      Effect.zipRight(
        call(self, `echo #${n}`, client.callTool("echo", { text: `message ${n}` }), expectText(`message ${n}`)),
        n % 5 === 0 ?
          call(
            self,
            `read ${resourceUri}`,
            client.readResource(resourceUri),
            (r) => r.contents.length === 1 ? undefined : `expected 1 content, got ${r.contents.length}`
          ) :
          Effect.void
      ),
    Duration.millis(40)
  )
  const concurrent = worker(
    self,
    (n) =>
      Effect.forEach(
        Array.from({ length: burstSize }, (_, i) => i),
        (i) =>
          call(
            self,
            `add #${n}.${i}`,
            client.callTool("add", { a: n, b: i }),
            (r) => r.structuredContent?.sum === n + i ? undefined : `expected sum ${n + i}, got ${textOf(r)}`
          ),
        { concurrency: "unbounded", discard: true }
      ),
    Duration.millis(300)
  )
  const streamed = worker(
    self,
    (n) => {
      let seen = 0
      return call(
        self,
        `slow #${n}`,
        client.callTool("slow", { steps: streamSteps, delayMillis: 100 }, {
          onProgress: () => {
            seen++
            stats.progress++
          }
        }),
        (r) => {
          const problem = expectText(`done after ${streamSteps} steps`)(r)
          if (problem !== undefined) return problem
          stats.streamed++
          // A call replayed on a new session streams its progress again: at least all steps.
          return seen >= streamSteps ? undefined : `expected ${streamSteps} progress notifications, got ${seen}`
        }
      )
    },
    Duration.millis(150)
  )
  return [sequential, concurrent, streamed]
}

/**
 * A kill while a burst of streamed calls is in flight: their streams are cut, the server is gone,
 * so they wait for it and for the one new session, and are re-sent on it (the tool is read-only).
 *
 * @internal
 */
export const restartDuringBurst = (
  self: Workload,
  downtime: number
): Effect.Effect<void, ServerProcess.ServerProcessError, Scope.Scope> =>
  Effect.gen(function*() {
    const { client, server, stats, style: s } = self
    const before = yield* server.openStreams
    const burst = yield* Effect.forkScoped(Effect.forEach(Array.from({ length: burstSize }, (_, i) => i), (i) =>
      call(
        self,
        `slow (restart) #${stats.restarts}.${i}`,
        client.callTool("slow", { steps: 3, delayMillis: 200 }, { onProgress: () => stats.progress++ }),
        (r) => {
          const problem = expectText("done after 3 steps")(r)
          if (problem === undefined) stats.streamed++
          return problem
        }
      ), { concurrency: "unbounded", discard: true }))
    self.restartBursts.push(burst)
    yield* server.openStreams.pipe(
      Effect.repeat({ until: (open) => open >= before + burstSize, schedule: Schedule.spaced("20 millis") }),
      Effect.timeout(Duration.seconds(1)),
      Effect.ignore
    )
    const killed = yield* server.kill
    stats.down = true
    stats.kills++
    stats.killedPids.push(killed)
    yield* self.say(
      s.magenta("⟳"),
      `server process ${killed} killed (SIGKILL) with ${stats.inFlight} calls in flight; down for ${downtime / 1000} s`
    )
    yield* Effect.sleep(Duration.millis(downtime))
    const pid = yield* server.start
    stats.down = false
    yield* self.say(s.magenta("⟳"), `server process ${pid} started on the same port: it knows no session`)
  })

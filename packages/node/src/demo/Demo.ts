/**
 * The `npm start` demo: the test server over real HTTP in a process of its
 * own, losing sessions on purpose (a short idle TTL, quiet phases longer than
 * it) and killed with SIGKILL then started again after some downtime, and a
 * client workload that must get through all of it without one failed call.
 *
 * @internal
 */
import { McpClient, McpSchema } from "@mcp-effect/core"
import type { McpError, Session } from "@mcp-effect/core"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as NodeMcpHttp from "../NodeMcpHttp.js"
import type * as Display from "./display.js"
import * as ServerProcess from "./ServerProcess.js"
import * as Summary from "./summary.js"

/** @internal */
export interface Counts {
  readonly calls: number
  readonly failures: number
  readonly expiries: number
  readonly recoveries: number
  readonly restarts: number
  /** Calls in flight when the server was killed, or started while it was down, that succeeded. */
  readonly waitedThroughRestarts: number
  readonly quietPhases: number
}

// The script. Times are from the start of the workload, in milliseconds.
const sessionTtl = 1_500
const quietFor = 2_500
const restartEvery = 7_000
const downtime = 1_500
const timeline: ReadonlyArray<{ readonly at: number; readonly action: "quiet" | "restart" }> = [
  { at: 2_500, action: "quiet" },
  { at: restartEvery, action: "restart" },
  // Each quiet phase starts a while after the server is back (the kill waits up to 1 s for the burst,
  // then it is down for `downtime`), so that calls run on the new process first.
  { at: 10_500, action: "quiet" },
  { at: 14_500, action: "restart" },
  { at: 17_500, action: "quiet" },
  { at: 21_500, action: "restart" }
]
const endAt = 24_500
const burstSize = 8
const streamSteps = 5
const resourceUri = "test://hello"
const maxReportedFailures = 10

const shortId = (id: string | undefined): string =>
  id === undefined ? "(none)" : id.length <= 16 ? id : `${id.slice(0, 14)}…`

/**
 * Runs the demo, printing to `display`; succeeds with the counts (the caller
 * decides the exit code from `failures`).
 *
 * @internal
 */
export const run = (
  display: Display.Display,
  options: {
    /** The compiled `serverMain.js`, started as the server. */
    readonly serverEntry: string
  }
): Effect.Effect<Counts, McpError.McpError | ServerProcess.ServerProcessError, Scope.Scope> =>
  Effect.gen(function*() {
    const s = display.style
    const started = Date.now()
    const stamp = () => s.dim(`${((Date.now() - started) / 1000).toFixed(2).padStart(6)}s`)
    const say = (icon: string, text: string) => display.line(`${stamp()}  ${icon} ${text}`)

    const stats = Summary.makeStats()

    // --- the server -------------------------------------------------------------------------
    const server = yield* ServerProcess.make({ entry: options.serverEntry, sessionTtl: Duration.millis(sessionTtl) })
    const url = server.url

    yield* display.line(s.bold("mcp-effect demo: an MCP client whose server keeps losing its sessions"))
    yield* display.line("")
    yield* display.line(
      `A test MCP server process (pid ${yield* server.pid}) on ${s.cyan(url)} forgets a session after ${
        sessionTtl / 1000
      } s without requests,`
    )
    yield* display.line(
      `and is killed (SIGKILL) about every ${restartEvery / 1000} s, then started again on the same port ${
        downtime / 1000
      } s later.`
    )
    yield* display.line(
      `A client calls it non-stop: one call after another, bursts of ${burstSize} concurrent calls, a tool that`
    )
    yield* display.line(
      `streams progress, and a resource subscription. Calls made while the server is down wait and are sent when`
    )
    yield* display.line(
      `it is back; each time it answers "unknown session" (HTTP 404), the client starts a new session and re-sends`
    )
    yield* display.line(
      `the calls that were waiting. Every tool called here is read-only (echo, add: also idempotent), so a call`
    )
    yield* display.line(
      `cut off by the kill may safely run again; a destructive one would fail with RequestLost instead. Runs about ${
        Math.round(endAt / 1000)
      } s.`
    )
    yield* display.line(
      s.dim(
        "(The official MCP SDK clients would be stuck after the first expiry: they do not start a new session on 404.)"
      )
    )
    yield* display.line("")

    // --- the client -------------------------------------------------------------------------
    // Built in this scope: the undici Agent must live as long as the client, not just its construction.
    const http = yield* Layer.build(NodeMcpHttp.layer)
    const client = yield* McpClient.make({
      url,
      clientInfo: { name: "mcp-effect-demo", version: "0.1.0" },
      requestTimeout: Duration.seconds(10)
    }).pipe(Effect.provide(http))
    const first = yield* client.session
    yield* say(
      s.green("●"),
      `session ${
        s.bold(shortId(first.sessionId))
      } started (protocol ${first.protocolVersion}, server ${first.serverInfo.name})`
    )

    const onEvent = (event: Session.SessionEvent): Effect.Effect<void> => {
      switch (event._tag) {
        case "Expired": {
          stats.expiries++
          const where = event.method === "GET" ? "the GET stream" : event.method
          return say(
            s.yellow("⚠"),
            `session ${s.bold(shortId(event.sessionId))} expired: HTTP ${event.status} on ${where}`
          )
        }
        case "Recovered": {
          stats.recoveries++
          stats.generation = event.session.generation
          stats.recoveryMillis.push(event.durationMillis)
          stats.maxWaiters = Math.max(stats.maxWaiters, event.waiters)
          const waited = event.waiters === 0 ?
            "no call had to wait" :
            `${Summary.plural(event.waiters, "call")} waited for it`
          return say(
            s.green("✓"),
            `recovered ${shortId(event.previousSessionId)} → ${s.bold(shortId(event.session.sessionId))} ` +
              `in ${event.durationMillis} ms, ${waited}`
          )
        }
        case "RecoveryFailed":
          return say(
            s.red("✗"),
            s.red(`recovery of session ${shortId(event.sessionId)} failed: ${String(event.error)}`)
          )
        case "Started":
        case "Closed":
        case "EraDecided":
          return Effect.void
      }
    }
    yield* Stream.runForEach(client.sessionEvents, onEvent).pipe(Effect.forkScoped)
    yield* Stream.runForEach(client.notifications, (n) =>
      Effect.sync(() => {
        if (n._tag === "ResourceUpdated") {
          stats.updates++
          stats.updatedSessions.add(stats.generation)
        }
      })).pipe(Effect.forkScoped)
    // Let both subscriptions start before anything can happen to the session.
    yield* Effect.yieldNow()

    // --- the workload -----------------------------------------------------------------------
    const gate = yield* Effect.makeLatch(true)
    const restartBursts: Array<Fiber.RuntimeFiber<void>> = []
    let stopping = false

    /** One call: counted, checked, and reported if it fails (it must not). */
    const call = <A>(
      label: string,
      effect: Effect.Effect<A, McpError.McpError>,
      check: (a: A) => string | undefined
    ): Effect.Effect<void> =>
      Effect.suspend(() => {
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
          return say(
            s.red("✗"),
            s.red(`${label} failed: ${problem}`) +
              (stats.failures === maxReportedFailures ? s.dim(" (further failures are only counted)") : "")
          )
        })
      )

    const textOf = (result: McpSchema.CallToolResult) =>
      result.content.filter(McpSchema.isTextContent).map((c) => c.text).join("")
    const expectText = (want: string) => (result: McpSchema.CallToolResult) =>
      result.isError === true ? `tool error: ${textOf(result)}` : textOf(result) === want ?
        undefined :
        `expected "${want}", got "${textOf(result)}"`

    const worker = (body: (n: number) => Effect.Effect<void>, pause: Duration.DurationInput) =>
      Effect.gen(function*() {
        for (let n = 1;; n++) {
          yield* gate.await
          if (stopping) return
          yield* body(n)
          yield* Effect.sleep(pause)
        }
      })

    const sequential = worker(
      (n) =>
        Effect.zipRight(
          call(`echo #${n}`, client.callTool("echo", { text: `message ${n}` }), expectText(`message ${n}`)),
          n % 5 === 0 ?
            call(
              `read ${resourceUri}`,
              client.readResource(resourceUri),
              (r) => r.contents.length === 1 ? undefined : `expected 1 content, got ${r.contents.length}`
            ) :
            Effect.void
        ),
      Duration.millis(40)
    )

    const concurrent = worker(
      (n) =>
        Effect.forEach(
          Array.from({ length: burstSize }, (_, i) => i),
          (i) =>
            call(
              `add #${n}.${i}`,
              client.callTool("add", { a: n, b: i }),
              (r) => r.structuredContent?.sum === n + i ? undefined : `expected sum ${n + i}, got ${textOf(r)}`
            ),
          { concurrency: "unbounded", discard: true }
        ),
      Duration.millis(300)
    )

    const streamed = worker(
      (n) => {
        let seen = 0
        return call(
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

    // The tools' annotations tell the client which calls it may re-send on a new session
    // (read-only or idempotent ones): it learns them from tools/list.
    const tools = yield* client.listAllTools()
    const replayable = tools.filter((t) =>
      t.annotations?.readOnlyHint === true || t.annotations?.idempotentHint === true
    )
    yield* say(
      s.cyan("◆"),
      `listed ${Summary.plural(tools.length, "tool")}; ${
        replayable.map((t) => t.name).join(", ")
      } may be re-sent after a session dies`
    )
    yield* call(`subscribe ${resourceUri}`, client.subscribeResource(resourceUri), () => undefined)
    yield* say(s.cyan("◆"), `subscribed to ${resourceUri}; the server updates it every 0.8 s`)
    // Server side: the resource changes regularly; the client is notified on whichever session it has.
    yield* server.updateResource(resourceUri).pipe(
      Effect.delay(Duration.millis(800)),
      Effect.forever,
      Effect.forkScoped
    )

    // A kill while a burst of streamed calls is in flight: their streams are cut, the server is gone,
    // so they wait for it and for the one new session, and are re-sent on it (the tool is read-only).
    const restartBurst = Array.from({ length: burstSize }, (_, i) => i)
    const restartDuringBurst = Effect.gen(function*() {
      const before = yield* server.openStreams
      const burst = yield* Effect.forkScoped(Effect.forEach(restartBurst, (i) =>
        call(
          `slow (restart) #${stats.restarts}.${i}`,
          client.callTool("slow", { steps: 3, delayMillis: 200 }, { onProgress: () => stats.progress++ }),
          (r) => {
            const problem = expectText("done after 3 steps")(r)
            if (problem === undefined) stats.streamed++
            return problem
          }
        ), { concurrency: "unbounded", discard: true }))
      restartBursts.push(burst)
      yield* server.openStreams.pipe(
        Effect.repeat({ until: (open) => open >= before + burstSize, schedule: Schedule.spaced("20 millis") }),
        Effect.timeout(Duration.seconds(1)),
        Effect.ignore
      )
      const killed = yield* server.kill
      stats.down = true
      stats.kills++
      stats.killedPids.push(killed)
      yield* say(
        s.magenta("⟳"),
        `server process ${killed} killed (SIGKILL) with ${stats.inFlight} calls in flight; down for ${
          downtime / 1000
        } s`
      )
      yield* Effect.sleep(Duration.millis(downtime))
      const pid = yield* server.start
      stats.down = false
      yield* say(s.magenta("⟳"), `server process ${pid} started on the same port: it knows no session`)
    })

    const workStarted = Date.now()
    const fibers = yield* Effect.all([
      Effect.fork(sequential),
      Effect.fork(concurrent),
      Effect.fork(streamed)
    ])

    yield* display.progress(Effect.sync(() =>
      [
        `${((Date.now() - started) / 1000).toFixed(1)}s`,
        stats.phase,
        `calls ${stats.calls} (${stats.inFlight} in flight)`,
        `sessions ${1 + stats.recoveries}`,
        `expiries ${stats.expiries}`,
        `recoveries ${stats.recoveries}`,
        `progress ${stats.progress}`,
        `updates ${stats.updates}`,
        (stats.failures === 0 ? s.green : s.red)(`failures ${stats.failures}`)
      ].join(s.dim(" │ "))
    ))

    // --- the script ----------------------------------------------------------------------------
    const sleepUntil = (at: number) =>
      Effect.suspend(() => Effect.sleep(Duration.millis(at - (Date.now() - workStarted))))
    for (const step of timeline) {
      yield* sleepUntil(step.at)
      if (step.action === "quiet") {
        stats.quietPhases++
        stats.phase = "quiet"
        yield* gate.close
        yield* say(
          s.magenta("⏸"),
          `quiet for ${quietFor / 1000} s: no new calls, so the session outlives its ${sessionTtl / 1000} s TTL`
        )
        yield* Effect.sleep(Duration.millis(quietFor))
        stats.phase = "running"
        yield* say(s.magenta("▶"), "calls resume")
        yield* gate.open
      } else {
        stats.restarts++
        yield* restartDuringBurst
      }
    }
    yield* sleepUntil(endAt)

    // --- the end -------------------------------------------------------------------------------
    stats.phase = "finishing"
    stopping = true
    yield* Fiber.joinAll([...fibers, ...restartBursts])
    yield* display.stop
    yield* say(s.dim("■"), "workload finished")

    yield* Summary.print(display, stats, { downtimeMillis: downtime, resourceUri })

    return {
      calls: stats.calls,
      failures: stats.failures,
      expiries: stats.expiries,
      recoveries: stats.recoveries,
      restarts: stats.restarts,
      waitedThroughRestarts: stats.waitedThroughRestarts,
      quietPhases: stats.quietPhases
    }
  })

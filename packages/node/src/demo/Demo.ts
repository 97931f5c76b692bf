/**
 * The `npm start` demo: the test server over real HTTP in a process of its
 * own, losing sessions on purpose (a short idle TTL, quiet phases longer than
 * it) and killed with SIGKILL then started again after some downtime, and a
 * client workload that must get through all of it without one failed call.
 *
 * @internal
 */
import { McpClient } from "@mcp-effect/core"
import type { McpError, Session } from "@mcp-effect/core"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as NodeMcpHttp from "../NodeMcpHttp.js"
import type * as Display from "./display.js"
import * as ServerProcess from "./ServerProcess.js"
import * as Summary from "./summary.js"
import * as Workload from "./workload.js"

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
const { burstSize, resourceUri } = Workload

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

    yield* intro(display, url, yield* server.pid)

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

    yield* Stream.runForEach(client.sessionEvents, onEvent(stats, say, s)).pipe(Effect.forkScoped)
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
    const workload: Workload.Workload = {
      client,
      server,
      stats,
      style: s,
      say,
      gate: yield* Effect.makeLatch(true),
      restartBursts: [],
      stopping: false
    }

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
    yield* Workload.call(workload, `subscribe ${resourceUri}`, client.subscribeResource(resourceUri), () => undefined)
    yield* say(s.cyan("◆"), `subscribed to ${resourceUri}; the server updates it every 0.8 s`)
    // Server side: the resource changes regularly; the client is notified on whichever session it has.
    yield* server.updateResource(resourceUri).pipe(
      Effect.delay(Duration.millis(800)),
      Effect.forever,
      Effect.forkScoped
    )

    const workStarted = Date.now()
    const fibers = yield* Effect.forEach(Workload.workers(workload), Effect.fork)

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
    yield* script(workload, workStarted)

    // --- the end -------------------------------------------------------------------------------
    stats.phase = "finishing"
    workload.stopping = true
    yield* Fiber.joinAll([...fibers, ...workload.restartBursts])
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

/** The timeline: quiet phases (the gate closed past the TTL) and restarts, then the end. */
const script = (workload: Workload.Workload, workStarted: number) =>
  Effect.gen(function*() {
    const { say, stats, style: s } = workload
    const sleepUntil = (at: number) =>
      Effect.suspend(() => Effect.sleep(Duration.millis(at - (Date.now() - workStarted))))
    for (const step of timeline) {
      yield* sleepUntil(step.at)
      if (step.action === "quiet") {
        stats.quietPhases++
        stats.phase = "quiet"
        yield* workload.gate.close
        yield* say(
          s.magenta("⏸"),
          `quiet for ${quietFor / 1000} s: no new calls, so the session outlives its ${sessionTtl / 1000} s TTL`
        )
        yield* Effect.sleep(Duration.millis(quietFor))
        stats.phase = "running"
        yield* say(s.magenta("▶"), "calls resume")
        yield* workload.gate.open
      } else {
        stats.restarts++
        yield* Workload.restartDuringBurst(workload, downtime)
      }
    }
    yield* sleepUntil(endAt)
  })

/** What the demo is about to do, printed before it starts. */
const intro = (display: Display.Display, url: string, pid: number): Effect.Effect<void> =>
  Effect.gen(function*() {
    const s = display.style
    yield* display.line(s.bold("mcp-effect demo: an MCP client whose server keeps losing its sessions"))
    yield* display.line("")
    yield* display.line(
      `A test MCP server process (pid ${pid}) on ${s.cyan(url)} forgets a session after ${
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
  })

/** Every session event, counted and told. */
const onEvent = (
  stats: Summary.Stats,
  say: (icon: string, text: string) => Effect.Effect<void>,
  s: Display.Display["style"]
) =>
(event: Session.SessionEvent): Effect.Effect<void> => {
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

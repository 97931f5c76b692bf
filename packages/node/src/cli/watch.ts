/**
 * `mcp-effect watch <url>`: keeps calling a server (ping, or a tool) and
 * listening to it, through expiries and restarts, printing every session
 * event: the tool to check how a server handles sessions.
 *
 * @internal
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import type { McpClient, McpError, McpSchema, Session } from "@mcp-effect/core"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Common from "./internal/common.js"
import * as Connect from "./internal/connect.js"
import * as Errors from "./internal/errors.js"
import * as Format from "./internal/format.js"

const { out } = Common

const duration = Options.float("duration").pipe(
  Options.withDescription("Stop after this many seconds (default: run until Ctrl-C)"),
  Options.optional
)
const interval = Options.float("interval").pipe(
  Options.withDefault(1),
  Options.withDescription("Seconds between two calls")
)
const tool = Options.text("tool").pipe(
  Options.withDescription("Call this tool each time instead of ping (it should be harmless to repeat)"),
  Options.optional
)
const args = Options.text("args").pipe(
  Options.withDescription(`The --tool's arguments as a JSON object, e.g. '{"text":"hi"}'`),
  Options.optional
)
const subscribe = Options.text("subscribe").pipe(
  Options.repeated,
  Options.withDefault([]),
  Options.withDescription("Subscribe to updates of this resource URI (repeatable); renewed on every new session")
)
const statusEvery = Options.float("status-every").pipe(
  Options.withDefault(10),
  Options.withDescription("Seconds between two status lines (0: none)")
)

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`

interface Stats {
  calls: number
  failed: number
  expiries: number
  recoveries: number
  recoveryMillis: Array<number>
  notifications: number
  sessionId: string | undefined
}

const config = { ...Common.common, duration, interval, tool, args, subscribe, statusEvery }

type WatchOptions = Command.Command.ParseConfig<typeof config>

/** One watch: its options, what it counts, and the client it watches. */
interface Watch {
  readonly options: WatchOptions
  readonly client: McpClient.Service
  readonly stats: Stats
  readonly startedAt: number
  /** "ping" or "tool <name>": what each call is, for the messages. */
  readonly what: string
}

const s = out.style

const say = (label: string, text: string) =>
  out.line(`${s.dim(Format.clock())}  ${label}${" ".repeat(Math.max(1, 19 - label.length))}${text}`)

/** A label in colour, padded by its uncoloured length. */
const colored = (paint: (t: string) => string, label: string, text: string) =>
  out.line(`${s.dim(Format.clock())}  ${paint(label)}${" ".repeat(Math.max(1, 19 - label.length))}${text}`)

const emit = (type: string, data: Record<string, unknown>) =>
  out.jsonLine({ time: new Date().toISOString(), type, ...data })

/** @internal */
export const command = Command.make("watch", config, (options) =>
  Common.run(
    options,
    Effect.gen(function*() {
      if (!(options.interval > 0)) {
        return yield* new Errors.UsageError({ message: "--interval must be a positive number of seconds" })
      }
      if (Option.isSome(options.duration) && !(options.duration.value > 0)) {
        return yield* new Errors.UsageError({ message: "--duration must be a positive number of seconds" })
      }
      const toolArgs = Option.isSome(options.args) ?
        yield* Common.parseJsonObject("--args", options.args.value) :
        {}
      const client = yield* Connect.connect(options, { quiet: true })
      const first = yield* client.session
      const watch: Watch = {
        options,
        client,
        startedAt: Date.now(),
        what: Option.match(options.tool, { onNone: () => "ping", onSome: (name) => `tool ${name}` }),
        stats: {
          calls: 0,
          failed: 0,
          expiries: 0,
          recoveries: 0,
          recoveryMillis: [],
          notifications: 0,
          sessionId: first.sessionId
        }
      }

      yield* Stream.runForEach(client.sessionEvents, (event) => onEvent(watch, event)).pipe(Effect.forkScoped)
      yield* Stream.runForEach(client.notifications, (n) => onNotification(watch, n)).pipe(Effect.forkScoped)
      yield* Effect.yieldNow() // both subscriptions start before anything else happens
      yield* announce(watch, first)

      // With a tool, its annotations decide whether a call caught by a dying session may be re-sent.
      if (Option.isSome(options.tool)) yield* Effect.ignore(client.listAllTools())
      for (const uri of options.subscribe) {
        yield* client.subscribeResource(uri)
        if (!options.json) yield* say("subscribed", uri)
      }

      if (options.statusEvery > 0) {
        yield* status(watch).pipe(
          Effect.delay(Duration.millis(options.statusEvery * 1000)),
          Effect.forever,
          Effect.forkScoped
        )
      }

      const loop = Effect.forever(
        Effect.zipRight(callOnce(watch, toolArgs), Effect.sleep(Duration.millis(options.interval * 1000)))
      )
      yield* Option.match(options.duration, {
        onNone: () => loop,
        onSome: (seconds) => Effect.raceFirst(loop, Effect.sleep(Duration.millis(seconds * 1000)))
      }).pipe(Effect.ensuring(summary(watch)))

      const { calls, failed } = watch.stats
      if (failed > 0) {
        return yield* new Errors.Failed({ message: `${failed} of ${calls} calls failed` })
      }
    })
  )).pipe(
    Command.withDescription(
      "Keep calling and listening through expiries and restarts, printing session events (exit 1: a call failed)"
    )
  )

const onEvent = ({ options, stats }: Watch, event: Session.SessionEvent): Effect.Effect<void> => {
  if (event._tag === "Expired") stats.expiries++
  if (event._tag === "Recovered") {
    stats.recoveries++
    stats.recoveryMillis.push(event.durationMillis)
    stats.sessionId = event.session.sessionId
  }
  if (options.json) return emit("session", Format.sessionEventJson(event))
  switch (event._tag) {
    case "Expired":
      // A local server's process ended: say how, and what it last wrote on stderr.
      if (event.exit !== undefined) {
        const tail = event.exit.stderr.at(-1)
        return colored(
          s.yellow,
          "server exited",
          `${Format.shortId(event.sessionId)}: the process ${event.exit.description}${
            tail === undefined ? "" : s.dim(` (last on stderr: ${tail})`)
          }`
        )
      }
      return colored(
        s.yellow,
        "session expired",
        `${Format.shortId(event.sessionId)} (HTTP ${event.status} on ${
          event.method === "GET" ? "the GET stream" : event.method
        })`
      )
    case "Recovered":
      return colored(
        s.green,
        "session recovered",
        `${Format.shortId(event.previousSessionId)} → ${
          s.bold(Format.shortId(event.session.sessionId))
        } in ${event.durationMillis} ms (${plural(event.waiters, "request")} waited)`
      )
    case "RecoveryFailed":
      return colored(
        s.red,
        "recovery failed",
        `${Format.shortId(event.sessionId)}: ${
          event.error instanceof Error ? event.error.message : String(event.error)
        }`
      )
    case "Started":
    case "Closed":
    case "EraDecided":
      return Effect.void
  }
}

const onNotification = ({ options, stats }: Watch, n: McpSchema.ServerNotification): Effect.Effect<void> => {
  stats.notifications++
  if (options.json) return emit("notification", { method: n.method, params: n.params ?? null })
  switch (n._tag) {
    case "LoggingMessage":
      return colored(
        s.magenta,
        `log [${n.params.level}]`,
        `${n.params.logger === undefined ? "" : `${n.params.logger}: `}${Format.logData(n.params.data)}`
      )
    case "ResourceUpdated":
      return say("resource updated", n.params.uri)
    default:
      return say("notification", n.method)
  }
}

/** The first lines: what is watched, and the session it starts on. */
const announce = ({ options, what }: Watch, first: Session.SessionInfo): Effect.Effect<void> =>
  options.json
    ? emit("session", {
      event: "started",
      sessionId: first.sessionId,
      protocolVersion: first.protocolVersion,
      serverInfo: first.serverInfo
    })
    : Effect.zipRight(
      out.line(
        `watching ${s.bold(options.url)}: ${what} every ${options.interval} s` +
          (Option.isSome(options.duration) ? ` for ${options.duration.value} s` : " until Ctrl-C")
      ),
      colored(
        s.green,
        "session started",
        `${
          s.bold(Format.shortId(first.sessionId))
        } (protocol ${first.protocolVersion}, server ${first.serverInfo.name} ${first.serverInfo.version})`
      )
    )

/** One call (ping or the tool), counted; a failure printed and counted, never ending the watch. */
const callOnce = (
  { client, options, stats, what }: Watch,
  toolArgs: Record<string, unknown>
): Effect.Effect<void> => {
  const once: Effect.Effect<unknown, McpError.McpError | string> = Option.match(options.tool, {
    onNone: () => client.ping(),
    onSome: (name) =>
      Effect.flatMap(
        client.callTool(name, toolArgs),
        (result) =>
          result.isError === true ? Effect.fail(`tool ${name} reported an error (isError: true)`) : Effect.void
      )
  })
  return once.pipe(
    Effect.either,
    Effect.flatMap((result) => {
      stats.calls++
      if (result._tag === "Right") return Effect.void
      stats.failed++
      const message = typeof result.left === "string" ? result.left : Errors.describe(result.left, options.url)
      return options.json ?
        emit("call", { ok: false, call: what, error: message }) :
        colored(s.red, "call failed", message)
    })
  )
}

const status = ({ client, options, stats }: Watch): Effect.Effect<void> =>
  Effect.flatMap(client.session, (session) =>
    options.json ? Effect.void : say(
      "status",
      s.dim(
        `${plural(stats.calls, "call")}, ${stats.failed} failed, ` +
          `${plural(stats.recoveries, "recovery", "recoveries")}; session ${Format.shortId(session.sessionId)}`
      )
    ))

const summary = ({ options, startedAt, stats }: Watch): Effect.Effect<void> =>
  Effect.suspend(() => {
    const seconds = (Date.now() - startedAt) / 1000
    const sorted = [...stats.recoveryMillis].sort((a, b) => a - b)
    const avg = sorted.length === 0 ? 0 : Math.round(sorted.reduce((a, b) => a + b, 0) / sorted.length)
    if (options.json) {
      return emit("summary", {
        seconds,
        calls: stats.calls,
        ok: stats.calls - stats.failed,
        failed: stats.failed,
        expiries: stats.expiries,
        recoveries: stats.recoveries,
        recoveryMillis: { average: avg, max: sorted.at(-1) ?? 0 },
        notifications: stats.notifications,
        sessionId: stats.sessionId ?? null
      })
    }
    return out.line(
      `\n${s.bold("summary")}  ${seconds.toFixed(1)} s, ${plural(stats.calls, "call")} ` +
        `(${stats.calls - stats.failed} ok, ${(stats.failed === 0 ? s.green : s.red)(`${stats.failed} failed`)}), ` +
        `${plural(stats.expiries, "expiry", "expiries")}, ${plural(stats.recoveries, "recovery", "recoveries")}` +
        (sorted.length === 0 ? "" : ` (${avg} ms on average, max ${sorted.at(-1)} ms)`) +
        `, ${plural(stats.notifications, "notification")}`
    )
  })

/**
 * The demo's server process (`serverMain.ts`) seen from the demo: started
 * with `process.execPath` (never a shell), killed with SIGKILL, started again
 * on the same port, and driven through the test server's control endpoints.
 * The next process is always started ahead, waiting to be told to listen, so
 * a restart's downtime is the one the demo chooses even on a slow machine.
 * Every process it starts belongs to the caller's scope: closing it (the end,
 * an error, Ctrl-C) stops the running one and the one waiting.
 *
 * @internal
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as Command from "@effect/platform/Command"
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import type * as PlatformError from "@effect/platform/Error"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"

/** @internal */
export class ServerProcessError extends Schema.TaggedError<ServerProcessError>()("ServerProcessError", {
  reason: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {
  override get message() {
    return `demo server process: ${this.reason}`
  }
}

/** The line a started server prints. */
const Started = Schema.parseJson(Schema.Struct({
  url: Schema.String,
  controlUrl: Schema.String,
  pid: Schema.Number
}))

/** @internal */
export interface ServerProcess {
  /** The MCP endpoint; the same across restarts (same port). */
  readonly url: string
  /** The pid of the process running now. */
  readonly pid: Effect.Effect<number>
  /** Kills the running process with SIGKILL and waits for its exit; the killed pid. */
  readonly kill: Effect.Effect<number, ServerProcessError>
  /** Starts a new process on the same port and waits until it listens; its pid. */
  readonly start: Effect.Effect<number, ServerProcessError>
  /** Asks the server to notify the subscribers of `uri`; does nothing while it is down. */
  readonly updateResource: (uri: string) => Effect.Effect<void>
  /** The number of SSE answer streams open on the server (0 while it is down). */
  readonly openStreams: Effect.Effect<number>
}

interface Spawned {
  readonly process: CommandExecutor.Process
  /** Its stdin: a line tells it to listen; it stays open as long as the demo lives. */
  readonly stdin: Queue.Queue<Uint8Array>
}

interface Running extends Spawned {
  readonly pid: number
}

const failWith = (reason: string) => (cause: unknown) => new ServerProcessError({ reason, cause })

/**
 * Starts the first process on a free port of 127.0.0.1.
 *
 * @internal
 */
export const make = (options: {
  /** The compiled `serverMain.js`. */
  readonly entry: string
  readonly sessionTtl: Duration.DurationInput
}): Effect.Effect<ServerProcess, ServerProcessError, Scope.Scope> =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const ttl = String(Duration.toMillis(options.sessionTtl))

    const spawn = (port: number): Effect.Effect<Spawned, ServerProcessError> =>
      Effect.gen(function*() {
        const stdin = yield* Queue.unbounded<Uint8Array>()
        const command = Command.make(process.execPath, options.entry, "--port", String(port), "--ttl", ttl)
        const spawned = yield* command.pipe(
          Command.stdin(Stream.fromQueue(stdin)),
          Command.stderr("inherit"),
          Command.start,
          Effect.mapError(failWith("cannot start it"))
        )
        // Runs before the process's own release: its stdin ends, which also tells it to exit.
        yield* Effect.addFinalizer(() => Queue.shutdown(stdin))
        return { process: spawned, stdin }
      }).pipe(Effect.provide(NodeContext.layer), Scope.extend(scope))

    const listen = (
      spawned: Spawned
    ): Effect.Effect<Running & { readonly url: string; readonly controlUrl: string }, ServerProcessError> =>
      Effect.gen(function*() {
        yield* Queue.offer(spawned.stdin, new TextEncoder().encode("listen\n"))
        const line = yield* spawned.process.stdout.pipe(
          Stream.decodeText(),
          Stream.splitLines,
          Stream.runHead,
          Effect.timeoutFail({
            // Generous: the first process also loads Node and its modules, slow on a busy machine.
            duration: Duration.seconds(30),
            onTimeout: () => new ServerProcessError({ reason: "it did not say it listens within 30 s" })
          }),
          Effect.mapError((error: PlatformError.PlatformError | ServerProcessError) =>
            error._tag === "ServerProcessError" ? error : failWith("cannot read its output")(error)
          )
        )
        if (Option.isNone(line)) return yield* new ServerProcessError({ reason: "it exited before it listened" })
        const started = yield* Schema.decode(Started)(line.value).pipe(
          Effect.mapError(failWith(`unexpected first line: ${line.value.slice(0, 200)}`))
        )
        return { ...spawned, pid: started.pid, url: started.url, controlUrl: started.controlUrl }
      })

    const first = yield* Effect.flatMap(spawn(0), listen)
    const port = Number(new URL(first.url).port)
    let running: Running = first
    let next = yield* spawn(port)

    const http = (yield* HttpClient.HttpClient.pipe(Effect.provide(FetchHttpClient.layer))).pipe(
      HttpClient.filterStatusOk
    )
    const control = (request: HttpClientRequest.HttpClientRequest) =>
      http.execute(request).pipe(Effect.flatMap((response) => response.json), Effect.timeout(Duration.seconds(2)))

    return {
      url: first.url,
      pid: Effect.sync(() => running.pid),
      kill: Effect.suspend(() =>
        running.process.kill("SIGKILL").pipe(
          Effect.as(running.pid),
          Effect.mapError(failWith(`cannot kill pid ${running.pid}`))
        )
      ),
      start: Effect.gen(function*() {
        running = yield* listen(next)
        next = yield* spawn(port)
        return running.pid
      }),
      updateResource: (uri) =>
        control(
          HttpClientRequest.post(`${first.controlUrl}update-resource`).pipe(
            HttpClientRequest.bodyUnsafeJson({ uri })
          )
        ).pipe(Effect.ignore),
      openStreams: control(HttpClientRequest.get(`${first.controlUrl}open-streams`)).pipe(
        Effect.map((streams) => Array.isArray(streams) ? streams.length : 0),
        Effect.orElseSucceed(() => 0)
      )
    }
  })

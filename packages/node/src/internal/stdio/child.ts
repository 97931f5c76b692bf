/**
 * One server process: spawned (never through a shell) with the environment
 * it is given, its stdin fed line by line, its stderr logged and its last
 * lines kept, its end observed — and, when its scope closes, shut down as the
 * MCP spec says: close stdin, wait; SIGTERM, wait; SIGKILL, wait (each wait
 * bounded), then SIGKILL to whatever the server left in its process group.
 *
 * On `@effect/platform`'s `Command` (the Node executor spawns each process as
 * the leader of a process group of its own, which lets a kill reach the
 * server's own children, e.g. the server `npx` starts).
 *
 * @internal
 */
import * as Command from "@effect/platform/Command"
import * as CommandExecutor from "@effect/platform/CommandExecutor"
import type * as PlatformError from "@effect/platform/Error"
import type * as McpError from "@mcp-effect/core/McpError"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import * as LogLevel from "effect/LogLevel"
import * as Mailbox from "effect/Mailbox"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Tracer from "effect/Tracer"

/** @internal */
export interface Config {
  /** The server's name in logs and errors. */
  readonly name: string
  readonly command: string
  readonly args: ReadonlyArray<string>
  /** The whole environment of the process (nothing is inherited beyond it). */
  readonly env: Readonly<Record<string, string>>
  readonly cwd: string | undefined
  /** The level stderr lines are logged at, or "ignore". */
  readonly stderr: LogLevel.Literal | "ignore"
  /** How many stderr lines are kept for error reports. */
  readonly stderrLines: number
  /** The bound of each step of the shutdown. */
  readonly shutdownStepMillis: number
}

/** @internal */
export interface Child {
  readonly pid: number
  readonly stdout: Stream.Stream<Uint8Array, PlatformError.PlatformError>
  /** Queues one line for stdin; false once stdin is closed. */
  readonly write: (line: string) => boolean
  /** How the process ended, once it has (never fails). */
  readonly exited: Effect.Effect<McpError.ProcessExit>
  /** The last stderr lines, oldest first. */
  readonly stderrTail: () => ReadonlyArray<string>
  /** Sends `signal` to the process group; done once the process has ended. */
  readonly kill: (signal: CommandExecutor.Signal) => Effect.Effect<void>
}

/** Spawns the process in the current scope; closing the scope shuts it down. @internal */
export const spawn = (
  config: Config,
  executor: CommandExecutor.CommandExecutor
): Effect.Effect<Child, PlatformError.PlatformError, Scope.Scope> =>
  Effect.gen(function*() {
    const command = Command.make(config.command, ...config.args).pipe(
      Command.env(config.env, { extendEnv: false }),
      (command) => config.cwd === undefined ? command : Command.workingDirectory(command, config.cwd)
    )
    const process = yield* Effect.provideService(Command.start(command), CommandExecutor.CommandExecutor, executor)
    const ring: Array<string> = []
    const exit = yield* Deferred.make<McpError.ProcessExit>()
    const stdin = yield* Mailbox.make<Uint8Array>()
    const encoder = new TextEncoder()

    // The order matters: a scope's finalizers run last-added first, so the shutdown (added
    // last) runs while these fibers still feed stdin, log stderr and see the end.
    yield* Effect.forkScoped(
      Effect.flatMap(
        Effect.either(process.exitCode),
        (code) => Deferred.succeed(exit, exitOf(code, ring))
      )
    )
    yield* Effect.forkScoped(Effect.ignore(Stream.run(Mailbox.toStream(stdin), process.stdin)))
    yield* Effect.forkScoped(detached(
      Effect.ignore(stderrLines(process.stderr, (line) => {
        ring.push(line)
        if (ring.length > config.stderrLines) ring.shift()
        return config.stderr === "ignore"
          ? Effect.void
          : Effect.logWithLevel(LogLevel.fromLiteral(config.stderr), line)
      })).pipe(Effect.annotateLogs({ "mcp.server": config.name, "mcp.server.stream": "stderr" }))
    ))
    const kill = (signal: CommandExecutor.Signal) => Effect.ignore(process.kill(signal))
    const step = Duration.millis(config.shutdownStepMillis)
    // Finalizers run uninterruptibly: each wait is made interruptible, or its timeout could never stop it.
    const ended = (wait: Effect.Effect<unknown>) =>
      Effect.map(Effect.timeout(Effect.interruptible(Effect.zipRight(wait, Deferred.await(exit))), step), () => true)
        .pipe(Effect.orElseSucceed(() => false))
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        if (!(yield* Deferred.isDone(exit))) {
          const graceful = (yield* ended(stdin.end)) || (yield* ended(kill("SIGTERM")))
          if (!graceful && !(yield* ended(kill("SIGKILL")))) {
            yield* Effect.logWarning("the server process did not end after SIGKILL").pipe(
              Effect.annotateLogs({ "mcp.server": config.name, pid: process.pid })
            )
          }
        }
        // What the server started in its process group dies with it: no orphans.
        yield* Effect.ignore(Effect.timeout(Effect.interruptible(kill("SIGKILL")), step))
      })
    )
    return {
      pid: process.pid,
      stdout: process.stdout,
      write: (line) => stdin.unsafeOffer(encoder.encode(line + "\n")),
      exited: Deferred.await(exit),
      stderrTail: () => ring.slice(),
      kill
    }
  })

/**
 * `self` outside the span it was started in: what runs for the life of a
 * process must not log into the span of the handshake that spawned it (a
 * span keeps every log line as an event: a chatty stderr would grow it
 * without bound).
 *
 * @internal
 */
export const detached = <A, E>(self: Effect.Effect<A, E>): Effect.Effect<A, E> =>
  Effect.mapInputContext(self, (context: Context.Context<never>) => Context.omit(Tracer.ParentSpan)(context))

/** The longest stderr line kept whole, in bytes; longer lines are cut (a never-ending line costs no memory). */
const MAX_STDERR_LINE = 2000

/**
 * stderr as lines of at most MAX_STDERR_LINE bytes, each decoded on its own
 * (a string cut from a larger one would keep the larger one alive).
 *
 * @internal
 */
export const stderrLines = <E>(
  stderr: Stream.Stream<Uint8Array, E>,
  onLine: (line: string) => Effect.Effect<void>
): Effect.Effect<void, E> =>
  Effect.suspend(() => {
    const decoder = new TextDecoder()
    const line = new Uint8Array(MAX_STDERR_LINE)
    let size = 0
    let cut = false
    const text = () => decoder.decode(line.subarray(0, size)).replace(/\r$/, "") + (cut ? " …" : "")
    const lines = (chunk: Uint8Array): Array<string> => {
      const out: Array<string> = []
      let start = 0
      while (start < chunk.length) {
        const end = chunk.indexOf(0x0a, start)
        const piece = chunk.subarray(start, end === -1 ? chunk.length : end)
        const room = MAX_STDERR_LINE - size
        line.set(piece.subarray(0, room), size)
        size += Math.min(room, piece.length)
        cut ||= piece.length > room
        if (end === -1) break
        out.push(text())
        size = 0
        cut = false
        start = end + 1
      }
      return out
    }
    return Effect.zipRight(
      Stream.runForEach(stderr, (chunk) => Effect.forEach(lines(chunk), onLine, { discard: true })),
      Effect.suspend(() => size > 0 ? onLine(text()) : Effect.void)
    )
  })

const exitOf = (
  code: Either.Either<number, PlatformError.PlatformError>,
  ring: ReadonlyArray<string>
): McpError.ProcessExit => {
  const stderr = ring.slice()
  if (code._tag === "Right") return { code: code.right, description: `exited with code ${code.right}`, stderr }
  // The platform reports a process ended by a signal as an error naming the signal.
  const signal = /signal: (SIG[A-Z0-9]+)/.exec(code.left.message)?.[1]
  return signal === undefined
    ? { description: `ended: ${code.left.message}`, stderr }
    : { signal, description: `was ended by ${signal}`, stderr }
}

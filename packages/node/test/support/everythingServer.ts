// A test peer: @modelcontextprotocol/server-everything (the official reference server) in
// streamable-http mode, as a child process on 127.0.0.1 (restartable.mjs starts it, loopbackOnly.mjs
// binds it there, on a free port unless `port` is given), stopped with the scope.
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { ChildProcess } from "node:child_process"
import * as Restartable from "./restartable.mjs"

export interface EverythingServer {
  /** `http://127.0.0.1:PORT/mcp` */
  readonly url: string
  readonly port: number
  /** The address it listens on, as the process reported it. */
  readonly host: string
  readonly pid: number | undefined
  /** What the process printed to stderr so far (its log). */
  readonly log: () => string
}

const stopped = (child: ChildProcess) =>
  Effect.async<void>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
    // A process that does not end on SIGTERM in 5 s is killed.
    const kill = setTimeout(() => child.kill("SIGKILL"), 5000)
    child.once("exit", () => {
      clearTimeout(kill)
      resume(Effect.void)
    })
    child.kill("SIGTERM")
  })

/** Starts server-everything (streamable HTTP) for the duration of the scope. */
export const everythingServer = (
  options: { readonly port?: number } = {}
): Effect.Effect<EverythingServer, Error, Scope.Scope> =>
  Effect.gen(function*() {
    const output = { text: "" }
    const child = yield* Effect.acquireRelease(
      Effect.sync(() => Restartable.spawnEverything(options.port ?? 0)),
      stopped
    )
    const { host, port } = yield* Effect.tryPromise({
      try: () => Restartable.everythingListening(child, output),
      catch: (error) => error instanceof Error ? error : new Error(String(error))
    }).pipe(
      Effect.timeoutFail({
        duration: "30 seconds",
        onTimeout: () => new Error(`server-everything did not listen:\n${output.text}`)
      })
    )
    return { url: `http://127.0.0.1:${port}/mcp`, port, host, pid: child.pid, log: () => output.text }
  })

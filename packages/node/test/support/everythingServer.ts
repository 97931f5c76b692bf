// A test peer: @modelcontextprotocol/server-everything (the official reference server) in
// streamable-http mode, as a child process on 127.0.0.1 (loopbackOnly.mjs binds it there, on a
// free port unless `port` is given), stopped with the scope.
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { type ChildProcess, spawn } from "node:child_process"
import { createRequire } from "node:module"

const require = createRequire(import.meta.url)

/** The server's entry point, from the installed package. */
const entry = require.resolve("@modelcontextprotocol/server-everything/dist/index.js")
const preload = new URL("./loopbackOnly.mjs", import.meta.url).href

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

const started = (child: ChildProcess, output: { text: string }) =>
  Effect.async<{ readonly host: string; readonly port: number }, Error>((resume) => {
    const onData = (chunk: Buffer) => {
      output.text += chunk.toString()
      const match = /loopback-listening (\S+) (\d+)/.exec(output.text)
      if (match !== null) {
        child.stderr?.off("data", onData)
        child.stderr?.on("data", (more: Buffer) => (output.text += more.toString()))
        resume(Effect.succeed({ host: match[1], port: Number(match[2]) }))
      }
    }
    child.stderr?.on("data", onData)
    child.once(
      "exit",
      (code, signal) =>
        resume(Effect.fail(new Error(`server-everything exited (${code ?? signal}) before listening:\n${output.text}`)))
    )
  })

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
      Effect.sync(() =>
        spawn(process.execPath, ["--import", preload, entry, "streamableHttp"], {
          env: { ...process.env, PORT: String(options.port ?? 0) },
          stdio: ["ignore", "ignore", "pipe"]
        })
      ),
      stopped
    )
    const { host, port } = yield* started(child, output).pipe(
      Effect.timeoutFail({
        duration: "30 seconds",
        onTimeout: () => new Error(`server-everything did not listen:\n${output.text}`)
      })
    )
    return { url: `http://127.0.0.1:${port}/mcp`, port, host, pid: child.pid, log: () => output.text }
  })

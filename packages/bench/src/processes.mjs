// Child processes of the benchmark: servers (pinned to one core) and client workers (pinned to
// another), each in its own fresh process, everything on 127.0.0.1 and bounded in time.
import { spawn, spawnSync } from "node:child_process"
import { cpus } from "node:os"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"

const here = (file) => fileURLToPath(new URL(file, import.meta.url))

export const SDK_SERVER = fileURLToPath(new URL("../../node/test/support/sdkServerMain.mjs", import.meta.url))
const PRERENDERED_SERVER = here("./prerenderedServer.mjs")
const WORKER = here("./worker.mjs")

/** Server on core 0, clients on core 1, when there are two cores and taskset works. */
export const pinning = (() => {
  if (cpus().length < 2) return { enabled: false, reason: "fewer than 2 CPUs" }
  const probe = spawnSync("taskset", ["-c", "1", "true"], { stdio: "ignore" })
  if (probe.error !== undefined || probe.status !== 0) return { enabled: false, reason: "taskset not available" }
  return { enabled: true, server: 0, client: 1 }
})()

const pinned = (core, args) =>
  pinning.enabled ? ["taskset", ["-c", String(core), process.execPath, ...args]] : [process.execPath, args]

/** The kinds of server: the official SDK server in SSE or JSON mode, and the pre-rendered one. */
const serverArgs = (kind, options) => {
  switch (kind) {
    case "sse":
      return [SDK_SERVER]
    case "json":
      return [SDK_SERVER, "--json"]
    case "prerendered":
      return [
        PRERENDERED_SERVER,
        "--count",
        String(options.count ?? 1),
        ...(options.getStreams === true ? ["--get-streams"] : []),
        ...(options.port === undefined ? [] : ["--port", String(options.port)])
      ]
    default:
      throw new Error(`unknown server kind ${kind}`)
  }
}

/**
 * Starts a server process; `command(line)` sends one stdin command and resolves with its JSON reply;
 * `restart()` kills the process (SIGKILL: every connection and session dies with it) and starts
 * another on the same port, resolving when it listens.
 */
export async function startServer(kind, options = {}) {
  let current = await startProcess(kind, options)
  const port = Number(new URL(current.url).port)
  return {
    kind,
    url: current.url,
    command: (line) => current.command(line),
    stop: () => current.stop(),
    restart: async () => {
      await current.kill()
      // The port was just freed: binding it again can race the kernel for a moment.
      for (let attempt = 0;; attempt++) {
        try {
          current = await startProcess(kind, { ...options, port })
          return
        } catch (error) {
          if (attempt >= 20) throw error
          await new Promise((resolve) => setTimeout(resolve, 100))
        }
      }
    }
  }
}

async function startProcess(kind, options) {
  const [file, args] = pinned(pinning.server, serverArgs(kind, options))
  const child = spawn(file, args, { stdio: ["pipe", "pipe", "inherit"] })
  const lines = createInterface({ input: child.stdout })
  const replies = []
  let exited = false
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${kind} server: no URL within 15 s`)), 15_000)
    child.once("exit", (code) => {
      exited = true
      clearTimeout(timer)
      reject(new Error(`${kind} server exited (${code}) before printing its URL`))
      for (const reply of replies.splice(0)) reply.reject(new Error(`${kind} server exited`))
    })
    lines.once("line", (line) => {
      clearTimeout(timer)
      resolve(JSON.parse(line).url)
      lines.on("line", (next) => replies.shift()?.resolve(JSON.parse(next)))
    })
  })
  const url = await ready
  return {
    kind,
    url,
    command: (line) =>
      new Promise((resolve, reject) => {
        if (exited) return reject(new Error(`${kind} server is not running`))
        replies.push({ resolve, reject })
        child.stdin.write(`${line}\n`)
      }),
    stop: () =>
      new Promise((resolve) => {
        if (exited) return resolve()
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000)
        child.once("exit", () => {
          clearTimeout(timer)
          resolve()
        })
        child.stdin.end()
      }),
    kill: () =>
      new Promise((resolve) => {
        if (exited) return resolve()
        child.once("exit", () => resolve())
        child.kill("SIGKILL")
      })
  }
}

/**
 * Runs one worker process (one client, one or more steps) and resolves with its results and its
 * wall time from spawn to exit. Rejects if the worker fails, errs or outlives `timeoutMs`.
 */
export function runWorker(task, { servers, nodeArgs = [], timeoutMs }) {
  return new Promise((resolve, reject) => {
    // --no-warnings: the v1 SDK client adds an abort listener per request to one AbortSignal and
    // Node warns (MaxListenersExceededWarning) on every request past 1,500 — noise, not a failure.
    const [file, args] = pinned(pinning.client, ["--no-warnings", ...nodeArgs, WORKER])
    const started = process.hrtime.bigint()
    const child = spawn(file, args, {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      env: { ...process.env, BENCH_TASK: JSON.stringify(task) }
    })
    let results
    let failure
    const timer = setTimeout(() => {
      failure = new Error(`${task.client}: timed out after ${timeoutMs} ms`)
      child.kill("SIGKILL")
    }, timeoutMs)
    child.on("message", (message) => {
      if (message.type === "result") results = message.results
      else if (message.type === "error") failure ??= new Error(`${task.client}: ${message.message}`)
      else if (message.type === "server") {
        const server = servers[message.server]
        const reply = server === undefined
          ? Promise.resolve({ error: `no server ${message.server}` })
          : message.command === "restart"
          ? server.restart().then(() => ({ restarted: true }), (error) => ({ error: String(error) }))
          : server.command(message.command).catch((error) => ({ error: String(error) }))
        reply.then((value) => child.connected && child.send({ type: "server-reply", id: message.id, value }))
      }
    })
    child.on("exit", (code, signal) => {
      clearTimeout(timer)
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6
      if (failure !== undefined) return reject(failure)
      if (code !== 0 || results === undefined) {
        return reject(new Error(`${task.client}: worker exited with ${signal ?? code} and no result`))
      }
      resolve({ results, wallMs })
    })
  })
}

// Server PROCESSES that tests (and the soak script, packages/node/scripts/soak.mjs) kill and start
// again on the same port: a free port on 127.0.0.1, the restartable SDK server
// (restartableServer.mjs) or @modelcontextprotocol/server-everything started on it, and SIGKILL.
// Plain promises, so that a script runs it as it is; the tests wrap them in Effects.
import { spawn } from "node:child_process"
import { createRequire } from "node:module"
import { createServer } from "node:net"
import { fileURLToPath } from "node:url"

const require = createRequire(import.meta.url)
const restartableScript = fileURLToPath(new URL("./restartableServer.mjs", import.meta.url))
const preload = new URL("./loopbackOnly.mjs", import.meta.url).href

/** A port free on 127.0.0.1 now (asked of the OS with port 0), for a server started and restarted on it. */
export const freePort = () =>
  new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once("error", reject)
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      probe.close(() => resolve(port))
    })
  })

/** Resolves with `child` once `ready(text so far)` holds for its output; rejects if it exits first. */
const whenReady = (child, stream, ready, what) =>
  new Promise((resolve, reject) => {
    let output = ""
    const onData = (chunk) => {
      output += chunk.toString()
      if (!ready(output)) return
      stream.off("data", onData)
      // Keep draining: a full pipe would block the child.
      stream.resume()
      child.off("exit", onExit)
      resolve(child)
    }
    const onExit = (code, signal) =>
      reject(new Error(`${what} exited (${code ?? signal}) before listening:\n${output}`))
    stream.on("data", onData)
    child.once("exit", onExit)
    child.once("error", reject)
  })

/**
 * The official SDK server of restartableServer.mjs (the README's pattern: unknown sessions answered
 * 400) on `port`; `calls` is the file it appends destructive calls to, `initializes` the file it
 * appends initialize requests to (with how many were in progress), answered `initializeMillis`
 * late. Resolves once it listens.
 */
export const startRestartable = (port, options = {}) => {
  const args = [restartableScript, "--port", String(port)]
  if (options.calls !== undefined) args.push("--calls", options.calls)
  if (options.initializes !== undefined) args.push("--initializes", options.initializes)
  if (options.initializeMillis !== undefined) args.push("--initialize-millis", String(options.initializeMillis))
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] })
  return whenReady(child, child.stdout, (text) => text.length > 0, "restartableServer.mjs")
}

/**
 * @modelcontextprotocol/server-everything in streamable-http mode on 127.0.0.1:`port`
 * (loopbackOnly.mjs binds it there). Resolves once it listens.
 */
export const startEverything = (port) => {
  const entry = require.resolve("@modelcontextprotocol/server-everything/dist/index.js")
  const child = spawn(process.execPath, ["--import", preload, entry, "streamableHttp"], {
    env: { ...process.env, PORT: String(port) },
    stdio: ["ignore", "ignore", "pipe"]
  })
  return whenReady(child, child.stderr, (text) => /loopback-listening \S+ \d+/.test(text), "server-everything")
}

/** SIGKILL: a crash, no goodbye. Resolves once the process is gone. */
export const kill = (child) =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once("exit", () => resolve())
    child.kill("SIGKILL")
  })

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

/**
 * Resolves with the output so far once `ready(output so far)` holds for `stream`; rejects if the
 * child exits first. With `log`, the output goes on being appended to `log.text` after that.
 */
const whenReady = (child, stream, ready, what, log) =>
  new Promise((resolve, reject) => {
    let output = ""
    const onData = (chunk) => {
      output += chunk.toString()
      if (log !== undefined) log.text = output
      if (!ready(output)) return
      stream.off("data", onData)
      // Keep draining: a full pipe would block the child.
      if (log !== undefined) stream.on("data", (more) => (log.text += more.toString()))
      else stream.resume()
      child.off("exit", onExit)
      resolve(output)
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
  return whenReady(child, child.stdout, (text) => text.length > 0, "restartableServer.mjs").then(() => child)
}

/**
 * @modelcontextprotocol/server-everything in streamable-http mode on 127.0.0.1:`port` (0: a free
 * one), loopbackOnly.mjs binding it there; not listening yet (see {@link everythingListening}).
 */
export const spawnEverything = (port) => {
  const entry = require.resolve("@modelcontextprotocol/server-everything/dist/index.js")
  return spawn(process.execPath, ["--import", preload, entry, "streamableHttp"], {
    env: { ...process.env, PORT: String(port) },
    stdio: ["ignore", "ignore", "pipe"]
  })
}

const listeningLine = /loopback-listening (\S+) (\d+)/

/**
 * Resolves with the address server-everything reports once it listens (loopbackOnly.mjs prints
 * it); rejects if it exits first. With `log`, its stderr goes on being collected in `log.text`.
 */
export const everythingListening = (child, log) =>
  whenReady(child, child.stderr, (text) => listeningLine.test(text), "server-everything", log).then((text) => {
    const [, host, port] = listeningLine.exec(text)
    return { host, port: Number(port) }
  })

/** server-everything on 127.0.0.1:`port` ({@link spawnEverything}); resolves once it listens. */
export const startEverything = (port) => {
  const child = spawnEverything(port)
  return everythingListening(child).then(() => child)
}

/** SIGKILL: a crash, no goodbye. Resolves once the process is gone. */
export const kill = (child) =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once("exit", () => resolve())
    child.kill("SIGKILL")
  })

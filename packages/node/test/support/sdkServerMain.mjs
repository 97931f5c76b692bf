#!/usr/bin/env node
// Runs the SDK test server (sdkServer.mjs) in its own process, for benchmarks.
//
//   node sdkServerMain.mjs [--stateless] [--json] [--event-store] [--retry-interval MS] [--port N]
//
// Prints one JSON line on stdout, {"url":"http://127.0.0.1:PORT/mcp"}, then reads commands from
// stdin, one per line, each answered by one JSON line on stdout:
//   expire-all -> {"expired":N}     expire <id> -> {"expired":true|false}
//   restart    -> {"restarted":true} stats      -> {"sessions":[...],"initializeCount":N,"requests":N}
// Exits (status 0) on SIGTERM, SIGINT or when stdin closes — so spawn it with stdin as a pipe
// (child_process' default), not "ignore", or it exits at once.
import { createInterface } from "node:readline"
import { startSdkServer } from "./sdkServer.mjs"

function parseArgs(argv) {
  const options = { stateful: true, json: false, eventStore: false }
  const number = (flag, value) => {
    const n = Number(value)
    if (value === undefined || !Number.isInteger(n) || n < 0) throw new Error(`${flag} needs a non-negative integer`)
    return n
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    switch (arg) {
      case "--stateless":
        options.stateful = false
        break
      case "--json":
        options.json = true
        break
      case "--event-store":
        options.eventStore = true
        break
      case "--port":
        options.port = number(arg, argv[++i])
        break
      case "--retry-interval":
        options.retryInterval = number(arg, argv[++i])
        break
      default:
        throw new Error(`unknown argument: ${arg}`)
    }
  }
  return options
}

let options
try {
  options = parseArgs(process.argv.slice(2))
} catch (error) {
  process.stderr.write(`sdkServerMain: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(2)
}

const server = await startSdkServer(options)
const reply = (value) => process.stdout.write(`${JSON.stringify(value)}\n`)
reply({ url: server.url })

let stopping = false
const stop = () => {
  if (stopping) return
  stopping = true
  server.close().then(() => process.exit(0), (error) => {
    process.stderr.write(`sdkServerMain: close failed: ${String(error)}\n`)
    process.exit(1)
  })
}
process.on("SIGTERM", stop)
process.on("SIGINT", stop)

const commands = createInterface({ input: process.stdin })
commands.on("close", stop)
commands.on("line", (line) => {
  const [command, argument] = line.trim().split(/\s+/)
  const run = async () => {
    switch (command) {
      case "":
      case undefined:
        return
      case "expire-all":
        return reply({ expired: await server.expireAll() })
      case "expire":
        return reply({ expired: await server.expireSession(argument ?? "") })
      case "restart":
        await server.restart()
        return reply({ restarted: true })
      case "stats":
        return reply({
          sessions: server.sessionIds(),
          initializeCount: server.initializeCount(),
          requests: server.requests().length
        })
      default:
        return reply({ error: `unknown command: ${command}` })
    }
  }
  run().catch((error) => reply({ error: String(error) }))
})

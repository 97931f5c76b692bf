// One client process: runs the steps of one task (BENCH_TASK, JSON) and reports over IPC.
//   { client: "ours", steps: [{ scenario, server, url, params }] }
// Results go to the parent as { type: "result", results: [...] }; a failure as { type: "error" }
// and exit status 1. Server commands (expire-all, stats) go through the parent, which owns the
// server process.
import { clients } from "./clients/index.mjs"
import * as scenarios from "./scenarios.mjs"

const send = (message) => new Promise((resolve) => process.send(message, () => resolve()))

let nextCommand = 0
const waiting = new Map()
process.on("message", (message) => {
  if (message?.type !== "server-reply") return
  const resolve = waiting.get(message.id)
  waiting.delete(message.id)
  resolve?.(message.value)
})

const serverOf = (name) => (command) => {
  const id = nextCommand++
  return new Promise((resolve, reject) => {
    waiting.set(id, (value) => (value?.error === undefined ? resolve(value) : reject(new Error(value.error))))
    process.send({ type: "server", id, server: name, command })
  })
}

const main = async () => {
  const task = JSON.parse(process.env.BENCH_TASK ?? "null")
  if (task === null) throw new Error("worker.mjs is started by main.mjs (BENCH_TASK is not set)")
  const client = await clients[task.client]()
  const results = []
  for (const step of task.steps) {
    const run = scenarios[step.scenario]
    if (run === undefined) throw new Error(`unknown scenario ${step.scenario}`)
    const value = await run({ client, url: step.url, params: step.params ?? {}, server: serverOf(step.server) })
    results.push({ scenario: step.scenario, server: step.server, value })
  }
  await send({ type: "result", results })
}

main().then(
  () => process.exit(0),
  async (error) => {
    await send({ type: "error", message: error instanceof Error ? error.stack ?? error.message : String(error) })
    process.exit(1)
  }
)

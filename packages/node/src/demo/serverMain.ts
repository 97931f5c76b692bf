/**
 * The demo's MCP server as a process of its own, so that the demo can really
 * kill it (SIGKILL) and start it again: `node serverMain.js --port N
 * --ttl MILLIS`. Once it reads the line `listen` on its stdin, it serves the
 * test server (every answer an SSE stream, its controls under `/__mcp-test/`)
 * on 127.0.0.1 and prints one JSON line, `{"url", "controlUrl", "pid"}`.
 *
 * Waiting for `listen` lets the demo start the next process while the current
 * one still serves, so that the downtime it shows is the one it chose, not
 * the seconds Node takes to load on a busy machine.
 *
 * It exits when its stdin closes: the demo holds the other end, so even a demo
 * killed without a chance to clean up leaves no server behind.
 *
 * @internal
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as NodeMcpTestServer from "../testing/NodeMcpTestServer.js"

const flag = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(`--${name}`)
  const value = at === -1 ? undefined : Number(process.argv[at + 1])
  return value !== undefined && Number.isInteger(value) && value >= 0 ? value : fallback
}

/** Resolves when the parent closes our stdin (or dies, which closes it too). */
const parentGone = Effect.async<void>((resume) => {
  const done = () => resume(Effect.void)
  process.stdin.once("end", done).once("close", done).once("error", done)
  process.stdin.resume()
})

/** Resolves with true on the first line of stdin, false if it closes first. */
const toldToListen = Effect.async<boolean>((resume) => {
  let text = ""
  const onData = (chunk: string) => {
    text += chunk
    if (text.includes("\n")) finish(true)
  }
  const onEnd = () => finish(false)
  const finish = (go: boolean) => {
    process.stdin.off("data", onData).off("end", onEnd)
    resume(Effect.succeed(go))
  }
  process.stdin.setEncoding("utf8").on("data", onData).once("end", onEnd)
})

Effect.gen(function*() {
  if (!(yield* toldToListen)) return
  const started = yield* NodeMcpTestServer.make({
    port: flag("port", 0),
    sessionTtl: Duration.millis(flag("ttl", 1_500)),
    // Every answer is an SSE stream, so the progress of the `slow` tool is really streamed.
    answers: "sse",
    control: true,
    serverInfo: { name: "mcp-effect-demo-server", version: "0.1.0" }
  })
  process.stdout.write(
    `${JSON.stringify({ url: started.url, controlUrl: started.controlUrl, pid: process.pid })}\n`
  )
  yield* parentGone
}).pipe(Effect.scoped, NodeRuntime.runMain)

// Helpers for the stdio tests: real processes (the test servers under support/), real clock.
import { McpClient } from "@mcp-effect/core"
import type { McpError, McpSchema } from "@mcp-effect/core"
import { NodeMcpStdio } from "@mcp-effect/node"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"

/**
 * Runs `run` on `stream` in a fiber, once the stream has subscribed (a latch,
 * not a yield): nothing published after this returns is missed.
 */
export const forkSubscribed = <A, E, R, B, E2, R2>(
  stream: Stream.Stream<A, E, R>,
  run: (stream: Stream.Stream<A, E, R>) => Effect.Effect<B, E2, R2>
): Effect.Effect<Fiber.RuntimeFiber<B, E2>, never, R2> =>
  Effect.gen(function*() {
    const started = yield* Deferred.make<void>()
    const fiber = yield* Effect.fork(run(Stream.onStart(stream, Deferred.succeed(started, undefined))))
    yield* Deferred.await(started)
    return fiber
  })

/** The official SDK's McpServer over its StdioServerTransport (see sdkStdioServer.mjs). */
export const sdkStdioServer = fileURLToPath(new URL("./sdkStdioServer.mjs", import.meta.url))
/** A hand-written server that controls every byte it writes (see rawStdioServer.mjs). */
export const rawStdioServer = fileURLToPath(new URL("./rawStdioServer.mjs", import.meta.url))
/** `@modelcontextprotocol/server-everything`'s entry point, run in stdio mode. */
export const everythingServer = createRequire(import.meta.url).resolve(
  "@modelcontextprotocol/server-everything/dist/index.js"
)

/** A client on a stdio server (through `NodeMcpStdio.layer`), living as long as the scope. */
export const connectStdio = (
  options: NodeMcpStdio.Options
): Effect.Effect<McpClient.Service, McpError.McpError, Scope.Scope> =>
  Effect.map(Layer.build(NodeMcpStdio.layer({ stderr: "Debug", ...options })), Context.get(McpClient.McpClient))

/** The server's process id, from the name the transport gives its session (`stdio-<pid>-<n>`). */
export const pidOf = (sessionId: string | undefined): number => {
  const match = /^stdio-(\d+)-\d+$/.exec(sessionId ?? "")
  if (match === null) throw new Error(`not a stdio session id: ${String(sessionId)}`)
  return Number(match[1])
}

/** The events a test server appended to its log file (see sdkStdioServer.mjs), by kind. */
export const serverLog = (file: string): Record<string, number> => {
  const counts: Record<string, number> = {}
  let text = ""
  try {
    text = readFileSync(file, "utf8")
  } catch {
    return counts
  }
  for (const line of text.split("\n")) {
    const event = line.split(" ")[0]
    if (event !== "") counts[event] = (counts[event] ?? 0) + 1
  }
  return counts
}

/** Whether a process exists (a zombie counts: it has not been reaped). */
export const exists = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

export const textOf = (result: McpSchema.CallToolResult): string => {
  const first = result.content[0]
  return first !== undefined && first.type === "text" && "text" in first && typeof first.text === "string"
    ? first.text
    : ""
}

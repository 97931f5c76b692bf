/**
 * A local server over stdio (docs/stdio.md).
 */
import { McpClient } from "@mcp-effect/core"
import { NodeMcpStdio } from "@mcp-effect/node"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"

// #region connect
// The server is a process: spawned without a shell, with a minimal environment plus `env`.
export const FilesServer = (command: string, args: ReadonlyArray<string>) =>
  NodeMcpStdio.layer({
    command,
    args,
    name: "files", // the server's name in logs and errors
    env: { FILES_ROOT: "/srv/files" },
    stderr: "Debug", // the server's stderr lines, as Effect log lines at this level
    // A crash is a lost session: respawn and re-initialize at most 3 times in a row.
    recovery: { schedule: Schedule.recurs(3) },
    // Also treat a server that stops answering pings as crashed (killed, then replaced).
    liveness: { interval: "30 seconds", timeout: "5 seconds" }
  })
// #endregion

// #region use
export const program = Effect.gen(function*() {
  const client = yield* McpClient.McpClient
  const session = yield* client.session // its id names the process: "stdio-<pid>-<n>"
  const tools = yield* client.listAllTools()
  const echo = yield* client.callTool("echo", { text: "hello" })
  return { server: session.serverInfo.name, tools: tools.length, echo: echo.content }
})
// #endregion

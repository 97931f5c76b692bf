// Helpers for the integration tests: real HTTP, real clock, `NodeMcpClient.layer` (undici).
import { McpClient } from "@mcp-effect/core"
import type { McpError } from "@mcp-effect/core"
import { NodeMcpClient } from "@mcp-effect/node"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import type { SdkServer, SdkServerOptions } from "./sdkServer.mjs"
import { startSdkServer } from "./sdkServer.mjs"

/** The official SDK server for the duration of the scope. */
export const sdkServer = (options: SdkServerOptions): Effect.Effect<SdkServer, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => startSdkServer(options)),
    (server) => Effect.promise(() => server.close())
  )

/** A connected client (through `NodeMcpClient.layer`) living as long as the scope. */
export const connect = (
  options: McpClient.Options
): Effect.Effect<McpClient.Service, McpError.McpError, Scope.Scope> =>
  Effect.map(Layer.build(NodeMcpClient.layer(options)), Context.get(McpClient.McpClient))

/**
 * A client in its own scope, for tests that close it and then look at the
 * server (DELETE on close).
 */
export const connectClosable = (options: McpClient.Options) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const client = yield* Scope.extend(connect(options), scope).pipe(
      Effect.onError((cause) => Scope.close(scope, Exit.failCause(cause)))
    )
    return { client, close: Scope.close(scope, Exit.void) }
  })

/**
 * Waits, on the real clock, until `check` holds: polls every few
 * milliseconds, fails the test (a defect with `what`) after `within`. For
 * conditions only observable from outside (a server's request log): the
 * bound is a safety net, not a timing assumption.
 */
export const eventually = (
  what: string,
  check: Effect.Effect<boolean> | (() => boolean),
  within: Duration.DurationInput = "10 seconds"
): Effect.Effect<void> => {
  const test = typeof check === "function" ? Effect.sync(check) : check
  return test.pipe(
    Effect.filterOrFail((ok) => ok, () => "not yet"),
    Effect.retry(Schedule.spaced("5 millis")),
    Effect.timeoutFail({ duration: within, onTimeout: () => `timed out waiting for: ${what}` }),
    Effect.orDie,
    Effect.asVoid
  )
}

/** A bound for whole operations in these tests: a hang becomes a defect that says what hung, not a vitest timeout. */
export const bounded =
  (what: string, within: Duration.DurationInput = "10 seconds") =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.flatten(Effect.timeoutTo(self, {
      duration: within,
      onSuccess: Effect.succeed,
      onTimeout: () => Effect.dieMessage(`hung: ${what} (${Duration.format(Duration.decode(within))})`)
    }))

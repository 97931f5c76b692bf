/**
 * The stdio transport behind the client's seam (`McpTransport`): one server
 * process per session (`session.ts`).
 *
 * - `initialize` spawns the process in the session's scope (`child.ts`),
 *   names the session `stdio-<pid>-<n>`, starts reading its stdout, and
 *   waits for the answer there;
 * - `request` and `send` write to the process of the session the message
 *   names; a session already replaced is gone, for the id it carried;
 * - `listen` has nothing left to do (stdout is read from the start) and
 *   `end` neither: closing the session's scope shuts the process down.
 *
 * @internal
 */
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import * as McpError from "@mcp-effect/core/McpError"
import type * as McpTransport from "@mcp-effect/core/McpTransport"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Scope from "effect/Scope"
import * as Child from "./child.js"
import * as Session from "./session.js"

/** @internal */
export type Config = Session.Config

/** What the transport keeps: its sessions (the live processes) by id. */
interface Stdio {
  readonly config: Config
  readonly executor: CommandExecutor.CommandExecutor
  readonly inbox: McpTransport.Inbox
  readonly sessions: Map<string, Session.Session>
  spawned: number
}

/** @internal */
export const make = (
  config: Config,
  executor: CommandExecutor.CommandExecutor,
  inbox: McpTransport.Inbox
): McpTransport.Transport => {
  const self: Stdio = { config, executor, inbox, sessions: new Map(), spawned: 0 }
  return {
    initialize: (ctx, body, requestedVersion, scope) =>
      Effect.flatMap(
        open(self, ctx, requestedVersion, scope),
        (session) =>
          Effect.map(Session.roundTrip(session, ctx, body), (response) => ({ response, target: session.target }))
      ),
    request: (ctx, body, target) =>
      Effect.flatMap(sessionOf(self, ctx, target), (session) => Session.roundTrip(session, ctx, body)),
    send: (ctx, body, target) =>
      Effect.flatMap(sessionOf(self, ctx, target), (session) => Session.send(session, ctx, body)),
    listen: () => Effect.void,
    end: () => Effect.void
  }
}

/** Spawns the process of a new session in `scope`, and starts what lives as long as it does. */
const open = (
  self: Stdio,
  ctx: McpTransport.RequestContext,
  requestedVersion: string,
  scope: Scope.Scope
): Effect.Effect<Session.Session, McpError.McpError> =>
  Effect.gen(function*() {
    // Before the process, so closed after its shutdown (a scope's finalizers run last-added first).
    const readers = yield* Scope.fork(scope, ExecutionStrategy.sequential)
    const child = yield* Scope.extend(Child.spawn(self.config.child, self.executor), scope).pipe(
      Effect.mapError((error) =>
        new McpError.TransportError({
          method: ctx.method,
          ...(ctx.requestId === undefined ? {} : { requestId: ctx.requestId }),
          phase: "request",
          description: `could not start ${self.config.child.name}: ${error.message}`,
          cause: error
        })
      )
    )
    const id = `stdio-${child.pid}-${++self.spawned}`
    const session: Session.Session = {
      id,
      config: self.config,
      inbox: self.inbox,
      child,
      target: { sessionId: id, protocolVersion: requestedVersion },
      waiting: new Map(),
      exit: undefined,
      killedBecause: undefined,
      closed: false
    }
    self.sessions.set(id, session)
    yield* Scope.addFinalizer(scope, Effect.sync(() => self.sessions.delete(id)))
    yield* Session.start(session, scope, readers)
    return session
  })

/** The live session `target` names; one already closed (replaced) is gone, for the id it carried. */
const sessionOf = (
  self: Stdio,
  ctx: McpTransport.RequestContext,
  target: McpTransport.Target
): Effect.Effect<Session.Session, McpError.SessionExpired> => {
  const session = target.sessionId === undefined ? undefined : self.sessions.get(target.sessionId)
  if (session !== undefined) return Effect.succeed(session)
  return Effect.fail(
    new McpError.SessionExpired({
      method: ctx.method,
      ...(ctx.requestId === undefined ? {} : { requestId: ctx.requestId }),
      sessionId: target.sessionId ?? "stdio",
      status: 0,
      accepted: false
    })
  )
}

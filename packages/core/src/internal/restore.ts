/**
 * What a session needs once its handshake is done: its listening side (the
 * server's own messages), and, on a session that replaces a lost one, what the
 * lost one had been told (resource subscriptions, the log level). Also the
 * tool list the replay policy asks for.
 *
 * Everything here is sent on exactly the session given: it never waits for a
 * recovery (it is part of one).
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import type * as JsonRpc from "../JsonRpc.js"
import type * as McpError from "../McpError.js"
import * as McpSchema from "../McpSchema.js"
import type * as Handshake from "./handshake.js"
import * as Paginate from "./paginate.js"
import * as Request from "./request.js"
import type * as State from "./state.js"

/** Starts a session's listening side and, after a recovery, restores its per-session state. @internal */
export const start = (
  state: State.ClientState,
  session: Handshake.Live,
  recovered: boolean
): Effect.Effect<void> =>
  Effect.gen(function*() {
    if (state.settings.getStream) {
      yield* Effect.forkIn(
        Effect.provideService(state.transport.listen(session.target), Scope.Scope, session.scope),
        session.scope
      )
      // Let the listening fiber send its GET before this fiber sends anything more on the
      // session: servers deliver what they send a client (elicitations, a resumed answer) on
      // the GET stream they have, and the client's next request must not overtake it.
      yield* Effect.yieldNow()
    }
    if (!recovered) return
    for (const uri of state.subscriptions ?? []) yield* restore(state, session, "resources/subscribe", { uri })
    if (state.loggingLevel !== undefined) {
      yield* restore(state, session, "logging/setLevel", { level: state.loggingLevel })
    }
  })

/**
 * Lists the tools on exactly `session` and remembers them, for the replay
 * policy: the annotations of a tool the application never listed are asked
 * for only when a call to it may have to be sent again.
 *
 * @internal
 */
export const learnTools = (
  state: State.ClientState,
  session: Handshake.Live
): Effect.Effect<void, McpError.McpError> =>
  Paginate.all(
    (cursor) =>
      Request.attempt(state, session.target, Request.plain("tools/list", cursor === undefined ? undefined : { cursor }))
        .pipe(
          Effect.flatMap((result) =>
            Request.decodeResult(McpSchema.ListToolsResult, { method: "tools/list" }, session.target, result)
          )
        ),
    (result) => result.tools
  ).pipe(Effect.tap((tools) => Effect.sync(() => rememberTools(state, tools))))

/** Remembers listed tools (their annotations feed the replay policy). @internal */
export const rememberTools = (state: State.ClientState, tools: ReadonlyArray<McpSchema.Tool>): void => {
  for (const tool of tools) (state.tools ??= new Map()).set(tool.name, tool)
}

const restore = (state: State.ClientState, session: Handshake.Live, method: string, params: JsonRpc.Params) =>
  Request.attempt(state, session.target, Request.plain(method, params)).pipe(
    Effect.timeout(Duration.millis(state.settings.requestTimeoutMillis)),
    Effect.catchAll((error) =>
      Effect.logWarning("could not restore per-session state on the new session").pipe(
        Effect.annotateLogs({ method, error: String(error) })
      )
    )
  )

/**
 * The test server's machinery (documented on the public `McpTestServer`
 * module), in small modules that share one explicit `ServerState`:
 *
 * - `state` / `config`: what the server remembers, and its options with defaults;
 * - `sessions`: creation, lookup, the idle TTL on `Clock`, the end of a session;
 * - `eventStore`: the answer streams connections read; `sseStreams`: one such connection;
 * - `answer`: a request's handler in a fiber of its session, answered as JSON or SSE;
 * - `methods`: the MCP methods and client notifications; `serverToClient`: what the server sends on its own;
 * - `routes` / `http`: the HTTP front; `faults`: injected faults; `handle`: the controls tests use.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { Handle, Options } from "../../McpTestServer.js"
import * as Handles from "./handle.js"
import * as Http from "./http.js"
import * as Sessions from "./sessions.js"
import * as State from "./state.js"

/** Starts a server whose sessions end when the scope closes. */
export const make = (options: Options = {}): Effect.Effect<Handle, never, Scope.Scope> =>
  Effect.gen(function*() {
    const state = yield* State.make(options, yield* Effect.scope)
    yield* Sessions.startStateless(state)
    yield* Effect.addFinalizer(() => Sessions.closeAll(state))
    return Handles.make(state, Http.app(state))
  })

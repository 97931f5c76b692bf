/**
 * The client's state, as one explicit record that every part of the engine
 * is handed (the way `@effect/platform`'s internals pass theirs), instead of
 * closures over shared variables: what a function can reach is what its
 * parameters say.
 *
 * Nothing here changes the session: that is `recovery.ts`'s alone.
 *
 * @internal
 */
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import type * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import type * as JsonRpc from "../JsonRpc.js"
import type * as McpClient from "../McpClient.js"
import type * as McpError from "../McpError.js"
import * as McpSchema from "../McpSchema.js"
import type * as Policy from "../Recovery.js"
import type * as Session from "../Session.js"
import * as LazyPubSub from "./lazyPubSub.js"
import type * as Recovery from "./recovery.js"
import * as Schedules from "./schedule.js"
import type * as Timers from "./timers.js"
import type * as Transport from "./transport.js"

/** Defaults of every option, in one place (the docs' configuration reference mirrors this). @internal */
export const defaults = {
  clientInfo: { name: "mcp-effect", version: "0.1.0" },
  requestTimeout: Duration.seconds(60),
  maxRequestTimeout: Duration.minutes(10),
  connectTimeout: Duration.seconds(30),
  maxMessageSize: 4 * 1024 * 1024,
  maxBodyExcerpt: 1024,
  getStream: true,
  reconnect: Schedules.defaultReconnect
} as const

/** The options the engine runs with, defaults applied. @internal */
export interface Settings {
  readonly clientInfo: McpSchema.Implementation
  readonly capabilities: McpSchema.ClientCapabilities
  readonly requestedVersion: string
  readonly handlers: McpClient.Handlers
  readonly requestTimeoutMillis: number
  readonly maxRequestTimeoutMillis: number
  readonly connectTimeoutMillis: number
  readonly getStream: boolean
  readonly reconnect: Schedule.Schedule<unknown>
  readonly recovery: Policy.Options
}

/** The options the engine reads, whatever the transport (the transport's own are its business). @internal */
export type Options = Omit<McpClient.Options, "url">

/** @internal */
export const settings = (options: Options): Settings => {
  const handlers = options.handlers ?? {}
  return {
    clientInfo: options.clientInfo ?? defaults.clientInfo,
    capabilities: options.capabilities ?? {
      ...(handlers.roots === undefined ? {} : { roots: { listChanged: true } }),
      ...(handlers.sampling === undefined ? {} : { sampling: {} }),
      ...(handlers.elicitation === undefined ? {} : { elicitation: {} })
    },
    requestedVersion: options.protocolVersion ?? McpSchema.LATEST_PROTOCOL_VERSION,
    handlers,
    requestTimeoutMillis: millisOf(options.requestTimeout ?? defaults.requestTimeout),
    maxRequestTimeoutMillis: millisOf(options.maxRequestTimeout ?? defaults.maxRequestTimeout),
    connectTimeoutMillis: millisOf(options.connectTimeout ?? defaults.connectTimeout),
    getStream: options.getStream ?? defaults.getStream,
    reconnect: options.reconnect ?? defaults.reconnect,
    recovery: options.recovery ?? {}
  }
}

/** The waiting side of a request: filled in by whichever stream carries its response. @internal */
export interface Pending {
  response: JsonRpc.JsonRpcResponse | undefined
}

/** @internal */
export type ProgressHandler = (params: McpSchema.ProgressNotificationParams) => void

/** @internal */
export interface ClientState {
  readonly settings: Settings
  /** The client's scope: its fibers (server-request handlers, cancellations, recoveries) live here. */
  readonly scope: Scope.Scope
  readonly timers: Timers.Timers
  /**
   * Set once, right after the state is made: the transport is built with an
   * inbox on this very state (it delivers what the server sends here).
   */
  transport: Transport.Transport
  readonly events: LazyPubSub.LazyPubSub<Session.SessionEvent>
  readonly notifications: LazyPubSub.LazyPubSub<McpSchema.ServerNotification>
  /** Requests sent and not answered yet, by JSON-RPC id. */
  readonly pending: Map<JsonRpc.RequestId, Pending>
  nextId: number
  // The collections below are made when first needed: most clients never need some of them, and
  // an application may hold a client per user.
  progressHandlers: Map<McpSchema.ProgressToken, ProgressHandler> | undefined
  /** Server→client requests being answered, for the server's `notifications/cancelled`. */
  serverRequests: Map<JsonRpc.RequestId, Fiber.RuntimeFiber<void>> | undefined
  /** What a new session must be told again: resource subscriptions and the log level. */
  subscriptions: Set<string> | undefined
  loggingLevel: McpSchema.LoggingLevel | undefined
  /** Tools as the server listed them: their annotations feed the replay policy. */
  tools: Map<string, McpSchema.Tool> | undefined
  /** The recovery, once the first session is up (a session found gone before that waits for it). */
  readonly recovery: Deferred.Deferred<Recovery.Recovery>
}

/** The state of a new client; the caller sets its transport, built from an inbox on this state. @internal */
export const make = (
  options: Options,
  scope: Scope.Scope,
  timers: Timers.Timers
): Effect.Effect<ClientState> =>
  Effect.map(Deferred.make<Recovery.Recovery>(), (recovery) => ({
    settings: settings(options),
    scope,
    timers,
    transport: unset,
    events: new LazyPubSub.LazyPubSub<Session.SessionEvent>(),
    notifications: new LazyPubSub.LazyPubSub<McpSchema.ServerNotification>(),
    pending: new Map(),
    nextId: 0,
    progressHandlers: undefined,
    serverRequests: undefined,
    subscriptions: undefined,
    loggingLevel: undefined,
    tools: undefined,
    recovery
  }))

/**
 * A session found gone outside a request (an answer to the server, a
 * cancellation, the session's own stream): hand it to the recovery, once the
 * first session is up, which is when anything can be found gone.
 *
 * @internal
 */
export const gone = (state: ClientState, error: McpError.SessionExpired): Effect.Effect<void> =>
  Effect.flatMap(Deferred.await(state.recovery), (recovery) => recovery.expired(error))

/** The next JSON-RPC id of the client's sequence. @internal */
export const nextId = (state: ClientState): number => state.nextId++

const notYet = Effect.dieMessage("mcp-effect: the client's transport was used before it was set")

/** The transport until the client sets its own: nothing runs before that, so any use is a defect. */
const unset: Transport.Transport = {
  initialize: () => notYet,
  request: () => notYet,
  send: () => notYet,
  listen: () => notYet,
  end: () => notYet
}

const millisOf = (duration: Duration.DurationInput): number => Duration.toMillis(Duration.decode(duration))

/**
 * Everything the server remembers, as one record handed to the functions of
 * the other modules (no closure owns any of it).
 *
 * The record is plain mutable data, touched only inside `Effect.sync` /
 * generator steps: JavaScript runs one fiber step at a time, so no step sees
 * a half-updated state. What a fiber must *wait* on (a store's events, the
 * open streams, a session's end) is a `SubscriptionRef` or a `Deferred`.
 *
 * @internal
 */
import type * as Chunk from "effect/Chunk"
import type * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import type * as Scope from "effect/Scope"
import * as SubscriptionRef from "effect/SubscriptionRef"
import type {
  Fault,
  FaultMatch,
  LogEntry,
  LoggingLevel,
  OpenStream,
  Options,
  Prompt,
  Resource,
  ResourceTemplate,
  Tool
} from "../../McpTestServer.js"
import * as defaults from "../defaults.js"
import type * as JsonRpc from "../jsonRpc.js"
import type { RpcError } from "../rpcError.js"
import * as Config from "./config.js"
import type { Listener } from "./listeners.js"

/** The contents of an event store: the events (JSON texts) written so far, and whether it is done. */
export interface StoreState {
  readonly events: Chunk.Chunk<string>
  readonly done: boolean
}

/**
 * One answer stream (a request's, or a session's GET stream), independent of
 * the connections reading it: a connection that drops loses nothing, and a GET
 * with `Last-Event-ID` reads the same store again.
 */
export interface EventStore {
  /** Unique on this server (and across restarts), so a foreign `Last-Event-ID` is detected. */
  readonly id: string
  readonly kind: "get" | "request"
  readonly requestId: JsonRpc.Id | undefined
  readonly state: SubscriptionRef.SubscriptionRef<StoreState>
  /** GET stores: how many events some connection has sent; a fresh GET starts there. */
  delivered: number
}

export interface Session {
  /** `undefined`: the one implicit session of a server with `sessions: false`. */
  readonly id: string | undefined
  /** Counts sessions from 1; cursors carry it, so one from another session is rejected. */
  readonly ordinal: number
  readonly protocolVersion: string | undefined
  readonly clientInfo: unknown
  readonly clientCapabilities: unknown
  /** Pushed forward by every request (`Clock` time); `undefined`: no TTL. */
  expiresAt: number | undefined
  /** The session's handlers run in it; closing it stops them. */
  readonly scope: Scope.CloseableScope
  /** Completed when the session ends: open streams and waiting server→client requests end with it. */
  readonly closed: Deferred.Deferred<void>
  isClosed: boolean
  /** Every store of the session by id, for `Last-Event-ID`. */
  readonly stores: Map<string, EventStore>
  readonly getStore: EventStore
  /** Completing it ends the current GET connection (a newer GET replaces it). */
  getConnection: Deferred.Deferred<void> | undefined
  readonly subscriptions: Set<string>
  logLevel: LoggingLevel | undefined
  initialized: boolean
  /** Server→client requests awaiting the client's answer, by `JsonRpc.idKey`. */
  readonly pending: Map<string, Deferred.Deferred<unknown, RpcError>>
  /** Client requests being handled, by `JsonRpc.idKey`, so `notifications/cancelled` can stop one. */
  readonly inflight: Map<string, { readonly id: JsonRpc.Id; readonly fiber: Fiber.RuntimeFiber<void> }>
  readonly cancelled: Array<JsonRpc.Id>
  nextRequestId: number
}

/** A log entry while its request is handled: the status and the fault are filled in on the way. */
export type MutableLogEntry = { -readonly [K in keyof LogEntry]: LogEntry[K] }

export interface PendingFault {
  readonly fault: Fault
  readonly match: FaultMatch
  remaining: number
}

/** An open stream, told apart from an equal-looking one by its connection number. */
export interface OpenStreamRecord extends OpenStream {
  readonly connection: number
}

export interface ServerState {
  readonly config: Config.ServerConfig
  /** The server's scope: sessions fork theirs from it. */
  readonly scope: Scope.Scope
  readonly sessions: Map<string, Session>
  /** The implicit session when `sessions: false` (`undefined` after a restart until it is replaced). */
  stateless: Session | undefined
  log: Array<MutableLogEntry>
  logSeq: number
  readonly faults: Array<PendingFault>
  initializeCount: number
  sessionOrdinal: number
  storeCounter: number
  connectionCounter: number
  tools: ReadonlyArray<Tool>
  resources: ReadonlyArray<Resource>
  resourceTemplates: ReadonlyArray<ResourceTemplate>
  prompts: ReadonlyArray<Prompt>
  /** A `SubscriptionRef` so that tests can wait for a stream to open or close. */
  readonly openStreams: SubscriptionRef.SubscriptionRef<ReadonlyArray<OpenStreamRecord>>
  /** The open `subscriptions/listen` streams (the modern mode). */
  readonly listeners: Set<Listener>
}

export const make = (options: Options, scope: Scope.Scope): Effect.Effect<ServerState> =>
  Effect.map(SubscriptionRef.make<ReadonlyArray<OpenStreamRecord>>([]), (openStreams) => ({
    config: Config.make(options),
    scope,
    sessions: new Map(),
    stateless: undefined,
    log: [],
    logSeq: 0,
    faults: [],
    initializeCount: 0,
    sessionOrdinal: 0,
    storeCounter: 0,
    connectionCounter: 0,
    tools: options.tools ?? defaults.tools,
    resources: options.resources ?? defaults.resources,
    resourceTemplates: options.resourceTemplates ?? defaults.resourceTemplates,
    prompts: options.prompts ?? defaults.prompts,
    openStreams,
    listeners: new Set()
  }))

/**
 * The test server's machinery: sessions, event stores, the MCP methods and
 * the HTTP front (documented on the public `McpTestServer` module).
 *
 * Design notes:
 * - Every answer stream is an *event store* (the events written so far, and
 *   whether the stream is done) that connections read from. A request's
 *   handler runs in a fiber of its session, independent of the connection:
 *   a dropped or closed connection is not a cancellation, and a GET with
 *   `Last-Event-ID` reads the same store from that event on.
 * - Sessions expire lazily: each request compares `Clock` with `expiresAt`.
 *   An open SSE stream sleeps until `expiresAt` to end itself on time.
 * - State is plain mutable data touched only inside `Effect.sync` / gen
 *   steps: JavaScript runs one fiber step at a time, so no step sees a
 *   half-updated state.
 *
 * @internal
 */
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Random from "effect/Random"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import type {
  Fault,
  FaultMatch,
  Handle,
  LogEntry,
  LoggingLevel,
  OpenStream,
  Options,
  Prompt,
  Resource,
  ResourceTemplate,
  SessionInfo,
  Tool,
  ToolContext
} from "../McpTestServer.js"
import * as defaults from "./defaults.js"
import * as JsonRpc from "./jsonRpc.js"
import { RpcError } from "./rpcError.js"
import * as Sse from "./sse.js"

/** The server's own list (not the client's: it is an independent peer); `McpTestServer` re-exports it. */
export const supportedVersions: ReadonlyArray<string> = ["2025-11-25", "2025-06-18", "2025-03-26"]
export const latestVersion = supportedVersions[0]
/** The first version whose clients must send `MCP-Protocol-Version`. */
const versionHeaderSince = "2025-06-18"

const loggingLevels: ReadonlyArray<LoggingLevel> = [
  "debug",
  "info",
  "notice",
  "warning",
  "error",
  "critical",
  "alert",
  "emergency"
]
const isLoggingLevel = (u: unknown): u is LoggingLevel => loggingLevels.some((level) => level === u)

/** Not an MCP code: what a cancelled request gets in JSON mode, where the HTTP exchange needs some answer. */
const requestCancelledCode = -32800

interface StoreState {
  readonly events: Chunk.Chunk<string>
  readonly done: boolean
}

interface EventStore {
  /** Unique on this server (and across restarts), so a foreign `Last-Event-ID` is detected. */
  readonly id: string
  readonly kind: "get" | "request"
  readonly requestId: JsonRpc.Id | undefined
  readonly state: SubscriptionRef.SubscriptionRef<StoreState>
  /** GET stores: how many events some connection has sent; a fresh GET starts there. */
  delivered: number
}

interface Session {
  readonly id: string | undefined
  readonly ordinal: number
  readonly protocolVersion: string | undefined
  readonly clientInfo: unknown
  readonly clientCapabilities: unknown
  expiresAt: number | undefined
  readonly scope: Scope.CloseableScope
  readonly closed: Deferred.Deferred<void>
  isClosed: boolean
  readonly stores: Map<string, EventStore>
  readonly getStore: EventStore
  /** Completing it ends the current GET connection (a newer GET replaces it). */
  getConnection: Deferred.Deferred<void> | undefined
  readonly subscriptions: Set<string>
  logLevel: LoggingLevel | undefined
  initialized: boolean
  readonly pending: Map<string, Deferred.Deferred<unknown, RpcError>>
  readonly inflight: Map<string, { readonly id: JsonRpc.Id; readonly fiber: Fiber.RuntimeFiber<void> }>
  readonly cancelled: Array<JsonRpc.Id>
  nextRequestId: number
}

type MutableLogEntry = { -readonly [K in keyof LogEntry]: LogEntry[K] }

interface PendingFault {
  readonly fault: Fault
  readonly match: FaultMatch
  remaining: number
}

interface OpenStreamRecord extends OpenStream {
  readonly connection: number
}

type Request = Extract<JsonRpc.Message, { readonly kind: "request" }>
type Notification = Extract<JsonRpc.Message, { readonly kind: "notification" }>

const isId = (u: unknown): u is JsonRpc.Id => typeof u === "string" || typeof u === "number"

const stringRecord = (u: unknown): Readonly<Record<string, string>> => {
  const out: Record<string, string> = {}
  if (Predicate.isRecord(u)) {
    for (const [key, value] of Object.entries(u)) {
      if (typeof value === "string") out[key] = value
    }
  }
  return out
}

const acceptsAny = (accept: string, types: ReadonlyArray<string>): boolean => {
  const lower = accept.toLowerCase()
  return lower.includes("*/*") ||
    types.some((type) => lower.includes(type) || lower.includes(`${type.split("/")[0]}/*`))
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** Matches `uri` against a template of simple `{name}` variables (one path segment each). */
const matchTemplate = (template: string, uri: string): Option.Option<Record<string, string>> => {
  const names: Array<string> = []
  const pattern = template.split(/(\{[^}]+\})/).map((part) => {
    if (part.startsWith("{") && part.endsWith("}")) {
      names.push(part.slice(1, -1))
      return "([^/]+)"
    }
    return escapeRegExp(part)
  }).join("")
  const match = new RegExp(`^${pattern}$`).exec(uri)
  if (match === null) return Option.none()
  const variables: Record<string, string> = {}
  names.forEach((name, i) => {
    variables[name] = decodeURIComponent(match[i + 1])
  })
  return Option.some(variables)
}

const jsonResponse = (status: number, body: unknown, headers?: Readonly<Record<string, string>>) =>
  HttpServerResponse.text(JSON.stringify(body), { status, contentType: "application/json", headers })

const errorResponse = (
  status: number,
  id: JsonRpc.Id | null,
  code: number,
  message: string,
  headers?: Readonly<Record<string, string>>
) => jsonResponse(status, JsonRpc.failure(id, code, message), headers)

const accepted = HttpServerResponse.empty({ status: 202 })

const withContentType = (response: HttpServerResponse.HttpServerResponse, contentType: string) => {
  const options = { status: response.status, headers: response.headers, contentType }
  switch (response.body._tag) {
    case "Uint8Array":
      return HttpServerResponse.uint8Array(response.body.body, options)
    case "Stream":
      return HttpServerResponse.stream(response.body.stream, options)
    default:
      return HttpServerResponse.setHeader(response, "content-type", contentType)
  }
}

const corsHeaders = (exposeSessionHeader: boolean): Record<string, string> => ({
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, POST, DELETE, OPTIONS",
  "access-control-allow-headers":
    "Content-Type, Accept, Authorization, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID, traceparent, tracestate, b3",
  ...(exposeSessionHeader ? { "access-control-expose-headers": "Mcp-Session-Id" } : {})
})

/** @internal */
export const make = (options: Options = {}): Effect.Effect<Handle, never, Scope.Scope> =>
  Effect.gen(function*() {
    const serverScope = yield* Effect.scope
    const config = {
      sessions: options.sessions ?? true,
      ttlMillis: options.sessionTtl === undefined ? undefined : Duration.toMillis(options.sessionTtl),
      answers: options.answers ?? "json",
      getStream: options.getStream ?? true,
      allowDelete: options.allowDelete ?? true,
      protocolVersion: options.protocolVersion,
      strictVersionHeader: options.strictProtocolVersionHeader ?? true,
      unknownSessionStatus: options.unknownSessionStatus ?? 404,
      resumable: options.resumable ?? false,
      retryMillis: options.retryMillis,
      pageSize: options.pageSize,
      serverInfo: options.serverInfo ?? { name: "mcp-effect-test-server", version: "0.1.0" },
      capabilities: options.capabilities ?? {
        tools: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
        prompts: { listChanged: true },
        logging: {},
        completions: {}
      },
      instructions: options.instructions,
      cors: options.cors === undefined || options.cors === false ?
        undefined :
        corsHeaders(options.cors === true || options.cors.exposeSessionHeader !== false)
    }

    const state = {
      sessions: new Map<string, Session>(),
      stateless: undefined as Session | undefined,
      log: [] as Array<MutableLogEntry>,
      logSeq: 0,
      faults: [] as Array<PendingFault>,
      initializeCount: 0,
      sessionOrdinal: 0,
      storeCounter: 0,
      connectionCounter: 0,
      tools: options.tools ?? defaults.tools,
      resources: options.resources ?? defaults.resources,
      resourceTemplates: options.resourceTemplates ?? defaults.resourceTemplates,
      prompts: options.prompts ?? defaults.prompts
    }
    const openStreams = yield* SubscriptionRef.make<ReadonlyArray<OpenStreamRecord>>([])

    // ---- event stores --------------------------------------------------------------------------

    const makeStore = (kind: EventStore["kind"], requestId: JsonRpc.Id | undefined) =>
      Effect.map(
        SubscriptionRef.make<StoreState>({ events: Chunk.empty(), done: false }),
        (ref): EventStore => ({ id: `s${++state.storeCounter}`, kind, requestId, state: ref, delivered: 0 })
      )

    const append = (store: EventStore, message: JsonRpc.JsonObject, done = false) =>
      SubscriptionRef.update(
        store.state,
        (s) => s.done ? s : { events: Chunk.append(s.events, JSON.stringify(message)), done }
      )

    const endStore = (store: EventStore) => SubscriptionRef.update(store.state, (s) => ({ ...s, done: true }))

    /** The events after the first `from`, as they come, until the store is done. */
    const readStore = (store: EventStore, from: number) =>
      store.state.changes.pipe(
        Stream.mapAccum(from, (seen, s) => {
          const fresh = Chunk.toReadonlyArray(Chunk.drop(s.events, seen)).map((json, i) => ({
            index: seen + i + 1,
            json
          }))
          return [Math.max(seen, Chunk.size(s.events)), { fresh, done: s.done }] as const
        }),
        Stream.takeUntil((batch) => batch.done),
        Stream.mapConcat((batch) => batch.fresh)
      )

    // ---- sessions ------------------------------------------------------------------------------

    const newSessionId = Effect.gen(function*() {
      let random = ""
      for (let i = 0; i < 4; i++) {
        random += (yield* Random.nextIntBetween(0, 0x10000)).toString(16).padStart(4, "0")
      }
      return `session-${state.sessionOrdinal + 1}-${random}`
    })

    const createSession = (
      id: string | undefined,
      protocolVersion: string | undefined,
      clientInfo: unknown,
      clientCapabilities: unknown
    ) =>
      Effect.gen(function*() {
        const scope = yield* Scope.fork(serverScope, ExecutionStrategy.sequential)
        const closed = yield* Deferred.make<void>()
        const getStore = yield* makeStore("get", undefined)
        const now = yield* Clock.currentTimeMillis
        const session: Session = {
          id,
          ordinal: ++state.sessionOrdinal,
          protocolVersion,
          clientInfo,
          clientCapabilities,
          expiresAt: config.ttlMillis === undefined ? undefined : now + config.ttlMillis,
          scope,
          closed,
          isClosed: false,
          stores: new Map([[getStore.id, getStore]]),
          getStore,
          getConnection: undefined,
          subscriptions: new Set(),
          logLevel: undefined,
          initialized: false,
          pending: new Map(),
          inflight: new Map(),
          cancelled: [],
          nextRequestId: 0
        }
        if (id !== undefined) state.sessions.set(id, session)
        return session
      })

    const closeSession = (session: Session): Effect.Effect<void> =>
      Effect.suspend(() => {
        if (session.isClosed) return Effect.void
        session.isClosed = true
        if (session.id !== undefined && state.sessions.get(session.id) === session) state.sessions.delete(session.id)
        // Daemon: a handler of this very session may be the caller (closing would wait on itself).
        return Deferred.succeed(session.closed, undefined).pipe(
          Effect.zipRight(Effect.forkDaemon(Scope.close(session.scope, Exit.void))),
          Effect.asVoid
        )
      })

    const closeAll = Effect.suspend(() => {
      const all = [...state.sessions.values(), ...(state.stateless === undefined ? [] : [state.stateless])]
      state.stateless = undefined
      return Effect.forEach(all, closeSession, { discard: true })
    })

    const startStateless = config.sessions ? Effect.void : Effect.map(
      createSession(undefined, undefined, undefined, undefined),
      (session) => {
        state.stateless = session
      }
    )

    const isExpired = (session: Session, now: number) => session.expiresAt !== undefined && now >= session.expiresAt

    /** The live session with this id; an expired one is closed on the way. */
    const lookup = (id: string) =>
      Effect.gen(function*() {
        const session = state.sessions.get(id)
        if (session === undefined) return Option.none<Session>()
        if (isExpired(session, yield* Clock.currentTimeMillis)) {
          yield* closeSession(session)
          return Option.none<Session>()
        }
        return Option.some(session)
      })

    const liveSessions = Effect.gen(function*() {
      if (!config.sessions) return state.stateless === undefined ? [] : [state.stateless]
      const live: Array<Session> = []
      for (const id of [...state.sessions.keys()]) {
        const session = yield* lookup(id)
        if (Option.isSome(session)) live.push(session.value)
      }
      return live
    })

    const targets = (sessionId: string | undefined) =>
      sessionId === undefined || !config.sessions ?
        liveSessions :
        Effect.map(lookup(sessionId), Option.toArray)

    const touch = (session: Session) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        if (config.ttlMillis !== undefined) session.expiresAt = now + config.ttlMillis
      })

    /** Completes when the session's idle TTL has run out (and closes it then). */
    const watchExpiry = (session: Session): Effect.Effect<void> =>
      config.ttlMillis === undefined ? Effect.never : Effect.gen(function*() {
        while (!session.isClosed) {
          const now = yield* Clock.currentTimeMillis
          const expiresAt = session.expiresAt ?? Number.POSITIVE_INFINITY
          if (now >= expiresAt) return yield* closeSession(session)
          yield* Effect.sleep(Duration.millis(expiresAt - now))
        }
      })

    // ---- SSE connections -----------------------------------------------------------------------

    const sseBody = (params: {
      readonly session: Session
      readonly store: EventStore
      readonly from: number
      readonly resumed: boolean
      readonly closeAfter: number | undefined
      readonly retry: number | undefined
      readonly end: Effect.Effect<void>
    }): Stream.Stream<Uint8Array> =>
      Stream.unwrapScoped(Effect.gen(function*() {
        const { closeAfter, from, retry, session, store } = params
        const record: OpenStreamRecord = {
          connection: ++state.connectionCounter,
          sessionId: session.id,
          kind: store.kind,
          streamId: store.id,
          resumed: params.resumed,
          requestId: store.requestId
        }
        yield* Effect.acquireRelease(
          SubscriptionRef.update(openStreams, (all) => [...all, record]),
          () => SubscriptionRef.update(openStreams, (all) => all.filter((r) => r !== record))
        )
        const withIds = config.resumable
        // Without a priming event the first chunk is empty: it still makes an HTTP server send the headers now.
        const head = withIds ?
          Sse.priming(`${store.id}:${from}`, retry) :
          retry !== undefined ?
          Sse.frame({ retry }) :
          ""
        const events = closeAfter === undefined
          ? readStore(store, from)
          : Stream.take(readStore(store, from), closeAfter)
        const frames = events.pipe(
          Stream.tap((event) =>
            Effect.sync(() => {
              if (store.kind === "get") store.delivered = Math.max(store.delivered, event.index)
            })
          ),
          Stream.map((event) => Sse.message(event.json, withIds ? `${store.id}:${event.index}` : undefined))
        )
        return Stream.make(head).pipe(
          Stream.concat(frames),
          Stream.interruptWhen(
            Effect.raceFirst(params.end, Effect.raceFirst(Deferred.await(session.closed), watchExpiry(session)))
          ),
          Stream.encodeText
        )
      }))

    const sseResponse = (body: Stream.Stream<Uint8Array>) =>
      HttpServerResponse.stream(body, {
        contentType: "text/event-stream",
        headers: { "cache-control": "no-cache", "x-accel-buffering": "no" }
      })

    // ---- server → client -----------------------------------------------------------------------

    const sessionGone = new RpcError({ code: JsonRpc.ErrorCode.SessionNotFound, message: "The session ended" })

    const serverRequest = (
      session: Session,
      emit: (message: JsonRpc.JsonObject) => Effect.Effect<void>,
      method: string,
      params: unknown
    ): Effect.Effect<unknown, RpcError> =>
      Effect.suspend(() => {
        const id = `server-${++session.nextRequestId}`
        const key = JsonRpc.idKey(id)
        return Effect.gen(function*() {
          const answer = yield* Deferred.make<unknown, RpcError>()
          session.pending.set(key, answer)
          yield* emit(JsonRpc.request(id, method, params))
          return yield* Effect.raceFirst(
            Deferred.await(answer),
            Effect.zipRight(Deferred.await(session.closed), Effect.fail(sessionGone))
          )
        }).pipe(Effect.ensuring(Effect.sync(() => session.pending.delete(key))))
      })

    const levelEnabled = (session: Session, level: LoggingLevel) =>
      session.logLevel === undefined || loggingLevels.indexOf(level) >= loggingLevels.indexOf(session.logLevel)

    const makeContext = (
      session: Session,
      message: Request,
      emit: (message: JsonRpc.JsonObject) => Effect.Effect<void>
    ): ToolContext => {
      const meta = Predicate.isRecord(message.params?._meta) ? message.params._meta : undefined
      const token = meta?.progressToken
      const progressToken = typeof token === "string" || typeof token === "number" ? token : undefined
      return {
        sessionId: session.id,
        requestId: message.id,
        progressToken,
        meta,
        progress: (progress, total, text) =>
          progressToken === undefined ? Effect.void : emit(JsonRpc.notification("notifications/progress", {
            progressToken,
            progress,
            ...(total === undefined ? {} : { total }),
            ...(text === undefined ? {} : { message: text })
          })),
        notify: (method, params) => emit(JsonRpc.notification(method, params)),
        request: (method, params) => serverRequest(session, emit, method, params),
        log: (level, data, logger) =>
          levelEnabled(session, level) ?
            emit(JsonRpc.notification("notifications/message", {
              level,
              data,
              ...(logger === undefined ? {} : { logger })
            })) :
            Effect.void
      }
    }

    const pushToGet = (session: Session, message: JsonRpc.JsonObject) => append(session.getStore, message)

    const broadcast = (message: JsonRpc.JsonObject, sessionId?: string) =>
      Effect.flatMap(targets(sessionId), (sessions) => Effect.forEach(sessions, (s) => pushToGet(s, message)))

    // ---- MCP methods ---------------------------------------------------------------------------

    const invalidParams = (message: string) => new RpcError({ code: JsonRpc.ErrorCode.InvalidParams, message })

    const paginate = (
      session: Session,
      key: string,
      items: ReadonlyArray<unknown>,
      params: JsonRpc.JsonObject | undefined
    ): Effect.Effect<JsonRpc.JsonObject, RpcError> => {
      const pageSize = config.pageSize
      const cursor = params?.cursor
      if (pageSize === undefined || pageSize <= 0) return Effect.succeed({ [key]: items })
      let offset = 0
      if (cursor !== undefined) {
        // Cursors name their session: one from another session is invalid here.
        const match = typeof cursor === "string" ? /^c(\d+)-(\d+)$/.exec(cursor) : null
        if (match === null || Number(match[1]) !== session.ordinal || Number(match[2]) > items.length) {
          return Effect.fail(invalidParams(`Invalid cursor: ${JSON.stringify(cursor)}`))
        }
        offset = Number(match[2])
      }
      const next = offset + pageSize
      return Effect.succeed({
        [key]: items.slice(offset, next),
        ...(next < items.length ? { nextCursor: `c${session.ordinal}-${next}` } : {})
      })
    }

    const describeTool = (tool: Tool) => ({
      name: tool.name,
      ...(tool.title === undefined ? {} : { title: tool.title }),
      ...(tool.description === undefined ? {} : { description: tool.description }),
      inputSchema: tool.inputSchema ?? { type: "object" },
      ...(tool.outputSchema === undefined ? {} : { outputSchema: tool.outputSchema }),
      ...(tool.annotations === undefined ? {} : { annotations: tool.annotations })
    })

    const describeResource = ({ text: _text, ...resource }: Resource) => resource

    const describeTemplate = ({ completions: _c, read: _r, ...template }: ResourceTemplate) => template

    const describePrompt = (prompt: Prompt) => ({
      name: prompt.name,
      ...(prompt.title === undefined ? {} : { title: prompt.title }),
      ...(prompt.description === undefined ? {} : { description: prompt.description }),
      ...(prompt.arguments === undefined ?
        {} :
        { arguments: prompt.arguments.map(({ completions: _c, ...argument }) => argument) })
    })

    const readResource = (uri: string) => {
      const resource = state.resources.find((r) => r.uri === uri)
      if (resource !== undefined) {
        return Effect.succeed({
          contents: [{
            uri,
            ...(resource.mimeType === undefined ? {} : { mimeType: resource.mimeType }),
            text: resource.text
          }]
        })
      }
      for (const template of state.resourceTemplates) {
        const variables = matchTemplate(template.uriTemplate, uri)
        if (Option.isSome(variables)) {
          const text = template.read === undefined ?
            JSON.stringify(variables.value) :
            template.read(variables.value, uri)
          return Effect.succeed({
            contents: [{ uri, ...(template.mimeType === undefined ? {} : { mimeType: template.mimeType }), text }]
          })
        }
      }
      return Effect.fail(
        new RpcError({ code: JsonRpc.ErrorCode.ResourceNotFound, message: "Resource not found", data: { uri } })
      )
    }

    const complete = (params: JsonRpc.JsonObject) => {
      const ref = params.ref
      const argument = params.argument
      if (!Predicate.isRecord(ref) || !Predicate.isRecord(argument) || typeof argument.name !== "string") {
        return Effect.fail(invalidParams("completion/complete needs ref and argument"))
      }
      const prefix = typeof argument.value === "string" ? argument.value : ""
      let candidates: ReadonlyArray<string> = []
      if (ref.type === "ref/prompt") {
        const prompt = state.prompts.find((p) => p.name === ref.name)
        if (prompt === undefined) return Effect.fail(invalidParams(`Unknown prompt: ${String(ref.name)}`))
        candidates = prompt.arguments?.find((a) => a.name === argument.name)?.completions ?? []
      } else if (ref.type === "ref/resource") {
        const template = state.resourceTemplates.find((t) => t.uriTemplate === ref.uri)
        if (template === undefined) return Effect.fail(invalidParams(`Unknown resource template: ${String(ref.uri)}`))
        candidates = template.completions?.[argument.name] ?? []
      } else {
        return Effect.fail(invalidParams(`Unknown reference type: ${String(ref.type)}`))
      }
      const values = candidates.filter((value) => value.startsWith(prefix))
      return Effect.succeed({ completion: { values, total: values.length, hasMore: false } })
    }

    const dispatch = (session: Session, message: Request, context: ToolContext): Effect.Effect<unknown, RpcError> => {
      const params = message.params ?? {}
      switch (message.method) {
        case "ping":
          return Effect.succeed({})
        case "tools/list":
          return paginate(session, "tools", state.tools.map(describeTool), params)
        case "tools/call": {
          const tool = state.tools.find((t) => t.name === params.name)
          if (tool === undefined) return Effect.fail(invalidParams(`Unknown tool: ${String(params.name)}`))
          return tool.handler(Predicate.isRecord(params.arguments) ? params.arguments : {}, context)
        }
        case "resources/list":
          return paginate(session, "resources", state.resources.map(describeResource), params)
        case "resources/templates/list":
          return paginate(session, "resourceTemplates", state.resourceTemplates.map(describeTemplate), params)
        case "resources/read":
          return typeof params.uri === "string"
            ? readResource(params.uri)
            : Effect.fail(invalidParams("uri is required"))
        case "resources/subscribe":
        case "resources/unsubscribe": {
          const uri = params.uri
          if (typeof uri !== "string") return Effect.fail(invalidParams("uri is required"))
          return Effect.sync(() => {
            if (message.method === "resources/subscribe") session.subscriptions.add(uri)
            else session.subscriptions.delete(uri)
            return {}
          })
        }
        case "prompts/list":
          return paginate(session, "prompts", state.prompts.map(describePrompt), params)
        case "prompts/get": {
          const prompt = state.prompts.find((p) => p.name === params.name)
          if (prompt === undefined) return Effect.fail(invalidParams(`Unknown prompt: ${String(params.name)}`))
          const args = stringRecord(params.arguments)
          const missing = (prompt.arguments ?? []).find((a) => a.required === true && args[a.name] === undefined)
          if (missing !== undefined) return Effect.fail(invalidParams(`Missing required argument: ${missing.name}`))
          return Effect.sync(() => ({
            ...(prompt.description === undefined ? {} : { description: prompt.description }),
            messages: prompt.messages(args)
          }))
        }
        case "completion/complete":
          return complete(params)
        case "logging/setLevel": {
          const level = params.level
          if (!isLoggingLevel(level)) return Effect.fail(invalidParams(`Invalid logging level: ${String(level)}`))
          return Effect.sync(() => {
            session.logLevel = level
            return {}
          })
        }
        default:
          return Effect.fail(
            new RpcError({ code: JsonRpc.ErrorCode.MethodNotFound, message: `Method not found: ${message.method}` })
          )
      }
    }

    const onNotification = (session: Session, message: Notification) =>
      Effect.suspend(() => {
        if (message.method === "notifications/initialized") {
          session.initialized = true
        } else if (message.method === "notifications/cancelled") {
          const requestId = message.params?.requestId
          if (isId(requestId)) {
            session.cancelled.push(requestId)
            const running = session.inflight.get(JsonRpc.idKey(requestId))
            if (running !== undefined) return Fiber.interruptFork(running.fiber)
          }
        }
        return Effect.void
      })

    const onClientAnswer = (session: Session, id: JsonRpc.Id | null, outcome: Either.Either<unknown, RpcError>) =>
      Effect.suspend(() => {
        const waiting = id === null ? undefined : session.pending.get(JsonRpc.idKey(id))
        return waiting === undefined ? Effect.void : Deferred.complete(waiting, outcome)
      })

    // ---- answering requests --------------------------------------------------------------------

    const wrongId = (id: JsonRpc.Id): JsonRpc.Id => typeof id === "number" ? id + 1000 : `${id}-wrong`

    /**
     * Runs `run` in a fiber of the session and answers with its outcome: as
     * JSON (waiting for it here) or as an SSE stream (the fiber writes the
     * stream's store; this connection reads it).
     */
    const answerRequest = (
      session: Session,
      message: Request,
      fault: Fault | undefined,
      run: (context: ToolContext) => Effect.Effect<unknown, RpcError>
    ) =>
      Effect.gen(function*() {
        const sse = config.answers === "sse" || fault?._tag === "CloseStream" || fault?._tag === "OversizedSseEvent"
        const store = sse ? yield* makeStore("request", message.id) : undefined
        if (store !== undefined) session.stores.set(store.id, store)
        const emit = (m: JsonRpc.JsonObject) => append(store ?? session.getStore, m)
        const jsonAnswer = yield* Deferred.make<JsonRpc.JsonObject>()
        if (fault?._tag === "OversizedSseEvent") {
          yield* emit(JsonRpc.notification("notifications/message", {
            level: "info",
            logger: "oversized",
            data: "x".repeat(Math.max(0, fault.bytes))
          }))
        }
        const responseId = fault?._tag === "WrongResponseId" ? (fault.id ?? wrongId(message.id)) : message.id
        const finish = (response: JsonRpc.JsonObject) =>
          store === undefined ? Deferred.succeed(jsonAnswer, response) : append(store, response, true)
        const key = JsonRpc.idKey(message.id)
        const work = run(makeContext(session, message, emit)).pipe(
          Effect.map((result) => JsonRpc.success(responseId, result)),
          Effect.catchAll((error) =>
            Effect.succeed(JsonRpc.failure(responseId, error.code, error.message, error.data))
          ),
          Effect.catchAllDefect((defect) =>
            Effect.succeed(
              JsonRpc.failure(responseId, JsonRpc.ErrorCode.InternalError, "Internal error", String(defect))
            )
          ),
          Effect.flatMap(finish),
          Effect.onInterrupt(() =>
            store === undefined ?
              Deferred.succeed(jsonAnswer, JsonRpc.failure(responseId, requestCancelledCode, "Request cancelled")) :
              endStore(store)
          ),
          Effect.asVoid
        )
        yield* Effect.forkIn(
          Effect.withFiberRuntime<void>((fiber) => {
            session.inflight.set(key, { id: message.id, fiber })
            // Interruptible whatever the caller's region: `notifications/cancelled` and session ends stop it.
            return Effect.ensuring(Effect.interruptible(work), Effect.sync(() => session.inflight.delete(key)))
          }),
          session.scope
        )
        if (store !== undefined) {
          return sseResponse(sseBody({
            session,
            store,
            from: 0,
            resumed: false,
            closeAfter: fault?._tag === "CloseStream" ? Math.max(0, fault.afterEvents ?? 0) : undefined,
            retry: fault?._tag === "CloseStream" ? (fault.retryMillis ?? config.retryMillis) : config.retryMillis,
            end: Effect.never
          }))
        }
        const outcome = yield* Effect.raceFirst(
          Effect.map(Deferred.await(jsonAnswer), Option.some),
          Effect.as(Deferred.await(session.closed), Option.none())
        )
        return Option.match(outcome, {
          onNone: () => unknownSession(),
          onSome: (response) => jsonResponse(200, response)
        })
      })

    // ---- HTTP ----------------------------------------------------------------------------------

    const unknownSession = (status?: number) =>
      errorResponse(status ?? config.unknownSessionStatus, null, JsonRpc.ErrorCode.SessionNotFound, "Session not found")

    const badRequest = (message: string, id: JsonRpc.Id | null = null) =>
      errorResponse(400, id, JsonRpc.ErrorCode.ServerError, `Bad Request: ${message}`)

    const takeFault = (httpMethod: string, rpcMethod: string | undefined, sessionId: string | undefined) => {
      const index = state.faults.findIndex(({ match }) =>
        (match.httpMethod === undefined || match.httpMethod === httpMethod) &&
        (match.rpcMethod === undefined || match.rpcMethod === rpcMethod) &&
        (match.sessionId === undefined || match.sessionId === sessionId)
      )
      if (index === -1) return undefined
      const pending = state.faults[index]
      pending.remaining -= 1
      if (pending.remaining <= 0) state.faults.splice(index, 1)
      return pending.fault
    }

    /** The session a non-initialize request belongs to, or the response rejecting it. */
    const resolveSession = (
      entry: MutableLogEntry
    ): Effect.Effect<Either.Either<Session, HttpServerResponse.HttpServerResponse>> =>
      Effect.gen(function*() {
        const version = entry.protocolVersion
        if (!config.sessions) {
          if (version !== undefined && !supportedVersions.includes(version)) {
            return Either.left(badRequest(`Unsupported protocol version: ${version}`))
          }
          return state.stateless === undefined ? Either.left(unknownSession()) : Either.right(state.stateless)
        }
        if (entry.sessionId === undefined) return Either.left(badRequest("Mcp-Session-Id header is required"))
        const found = yield* lookup(entry.sessionId)
        if (Option.isNone(found)) return Either.left(unknownSession())
        const session = found.value
        yield* touch(session)
        if (version !== undefined) {
          if (!supportedVersions.includes(version) && version !== session.protocolVersion) {
            return Either.left(badRequest(`Unsupported protocol version: ${version}`))
          }
          if (version !== session.protocolVersion) {
            return Either.left(
              badRequest(`MCP-Protocol-Version ${version} is not the negotiated ${session.protocolVersion}`)
            )
          }
        } else if (
          config.strictVersionHeader && session.protocolVersion !== undefined &&
          session.protocolVersion >= versionHeaderSince
        ) {
          return Either.left(badRequest("MCP-Protocol-Version header is required"))
        }
        return Either.right(session)
      })

    const initialize = (entry: MutableLogEntry, message: Request, fault: Fault | undefined) =>
      Effect.gen(function*() {
        if (config.sessions && entry.sessionId !== undefined) {
          return badRequest("initialize must not carry Mcp-Session-Id", message.id)
        }
        const params = message.params ?? {}
        const requested = params.protocolVersion
        if (typeof requested !== "string") {
          return jsonResponse(
            200,
            JsonRpc.failure(message.id, JsonRpc.ErrorCode.InvalidParams, "protocolVersion is required")
          )
        }
        const version = config.protocolVersion ??
          (supportedVersions.includes(requested) ? requested : latestVersion)
        let session: Session
        if (config.sessions) {
          const id = fault?._tag === "InvalidSessionId" ? (fault.sessionId ?? "bad session id") : yield* newSessionId
          session = yield* createSession(id, version, params.clientInfo, params.capabilities)
        } else if (state.stateless !== undefined) {
          session = state.stateless
        } else {
          return unknownSession()
        }
        state.initializeCount += 1
        const result = {
          protocolVersion: version,
          capabilities: config.capabilities,
          serverInfo: config.serverInfo,
          ...(config.instructions === undefined ? {} : { instructions: config.instructions })
        }
        const response = yield* answerRequest(session, message, fault, () => Effect.succeed(result))
        return session.id === undefined
          ? response
          : HttpServerResponse.setHeader(response, "mcp-session-id", session.id)
      })

    const handlePost = (
      entry: MutableLogEntry,
      parsed: Option.Option<unknown>,
      message: JsonRpc.Message | undefined,
      fault: Fault | undefined
    ) =>
      Effect.gen(function*() {
        const contentType = entry.headers["content-type"]
        if (contentType !== undefined && !contentType.toLowerCase().includes("application/json")) {
          return errorResponse(415, null, JsonRpc.ErrorCode.ServerError, "Unsupported Media Type: use application/json")
        }
        const accept = entry.headers["accept"]
        if (accept !== undefined && !acceptsAny(accept, ["application/json", "text/event-stream"])) {
          return errorResponse(
            406,
            null,
            JsonRpc.ErrorCode.ServerError,
            "Not Acceptable: accept application/json and text/event-stream"
          )
        }
        if (Option.isNone(parsed)) return errorResponse(400, null, JsonRpc.ErrorCode.ParseError, "Parse error")
        if (Array.isArray(parsed.value)) {
          return errorResponse(400, null, JsonRpc.ErrorCode.InvalidRequest, "JSON-RPC batches are not supported")
        }
        if (message === undefined) {
          return errorResponse(400, null, JsonRpc.ErrorCode.InvalidRequest, "Invalid JSON-RPC message")
        }
        if (message.kind === "request" && message.method === "initialize") {
          return yield* initialize(entry, message, fault)
        }
        const resolved = yield* resolveSession(entry)
        if (Either.isLeft(resolved)) return resolved.left
        const session = resolved.right
        switch (message.kind) {
          case "notification":
            yield* onNotification(session, message)
            return accepted
          case "response":
            yield* onClientAnswer(session, message.id, Either.right(message.result))
            return accepted
          case "error":
            yield* onClientAnswer(session, message.id, Either.left(new RpcError(message.error)))
            return accepted
          case "request":
            return yield* answerRequest(session, message, fault, (context) => dispatch(session, message, context))
        }
      })

    const parseEventId = (id: string) => {
      const match = /^(s\d+):(\d+)$/.exec(id)
      return match === null ? undefined : { storeId: match[1], index: Number(match[2]) }
    }

    const handleGet = (entry: MutableLogEntry, fault: Fault | undefined) =>
      Effect.gen(function*() {
        if (!config.getStream) {
          return errorResponse(405, null, JsonRpc.ErrorCode.ServerError, "Method Not Allowed: no GET stream", {
            allow: config.sessions && config.allowDelete ? "POST, DELETE" : "POST"
          })
        }
        const accept = entry.headers["accept"]
        if (accept !== undefined && !acceptsAny(accept, ["text/event-stream"])) {
          return errorResponse(406, null, JsonRpc.ErrorCode.ServerError, "Not Acceptable: accept text/event-stream")
        }
        const resolved = yield* resolveSession(entry)
        if (Either.isLeft(resolved)) return resolved.left
        const session = resolved.right
        const closeAfter = fault?._tag === "CloseStream" ? Math.max(0, fault.afterEvents ?? 0) : undefined
        const retry = fault?._tag === "CloseStream" ? (fault.retryMillis ?? config.retryMillis) : config.retryMillis
        let store = session.getStore
        let from = store.delivered
        const resumeFrom = config.resumable ? entry.lastEventId : undefined
        if (resumeFrom !== undefined) {
          const eventId = parseEventId(resumeFrom)
          const found = eventId === undefined ? undefined : session.stores.get(eventId.storeId)
          if (eventId === undefined || found === undefined) {
            return badRequest(`unknown Last-Event-ID ${JSON.stringify(resumeFrom)} for this session`)
          }
          store = found
          from = eventId.index
        }
        let end: Effect.Effect<void> = Effect.never
        if (store.kind === "get") {
          // One GET stream per session: a new one replaces (ends) the previous connection.
          const connection = yield* Deferred.make<void>()
          if (session.getConnection !== undefined) yield* Deferred.succeed(session.getConnection, undefined)
          session.getConnection = connection
          end = Deferred.await(connection)
        }
        return sseResponse(sseBody({ session, store, from, resumed: resumeFrom !== undefined, closeAfter, retry, end }))
      })

    const handleDelete = (entry: MutableLogEntry) =>
      Effect.gen(function*() {
        if (!config.allowDelete || !config.sessions) {
          return errorResponse(
            405,
            null,
            JsonRpc.ErrorCode.ServerError,
            "Method Not Allowed: sessions cannot be deleted",
            {
              allow: config.getStream ? "GET, POST" : "POST"
            }
          )
        }
        const resolved = yield* resolveSession(entry)
        if (Either.isLeft(resolved)) return resolved.left
        yield* closeSession(resolved.right)
        return HttpServerResponse.empty({ status: 200 })
      })

    const respond = (request: HttpServerRequest.HttpServerRequest) =>
      Effect.gen(function*() {
        const headers = stringRecord(request.headers)
        const entry: MutableLogEntry = {
          seq: ++state.logSeq,
          timestamp: yield* Clock.currentTimeMillis,
          httpMethod: request.method,
          url: request.url,
          headers,
          sessionId: headers["mcp-session-id"],
          protocolVersion: headers["mcp-protocol-version"],
          lastEventId: headers["last-event-id"],
          kind: undefined,
          rpcMethod: undefined,
          requestId: undefined,
          message: undefined,
          status: undefined,
          fault: undefined
        }
        state.log.push(entry)
        const answer = (response: HttpServerResponse.HttpServerResponse) => {
          entry.status = response.status
          return config.cors === undefined ? response : HttpServerResponse.setHeaders(response, config.cors)
        }
        if (request.method === "OPTIONS") {
          return answer(
            config.cors === undefined ?
              HttpServerResponse.empty({ status: 405 }) :
              HttpServerResponse.empty({ status: 204, headers: { "access-control-max-age": "600" } })
          )
        }

        let parsed = Option.none<unknown>()
        let message: JsonRpc.Message | undefined
        if (request.method === "POST") {
          const text = yield* Effect.option(request.text)
          if (Option.isNone(text)) return answer(badRequest("could not read the body"))
          try {
            const value: unknown = JSON.parse(text.value)
            parsed = Option.some(value)
            entry.message = value
            message = JsonRpc.classify(value)
          } catch {
            entry.message = text.value
          }
          entry.kind = message?.kind ?? "invalid"
          if (message !== undefined && message.kind !== "error" && message.kind !== "response") {
            entry.rpcMethod = message.method
          }
          if (message !== undefined && message.kind !== "notification" && message.id !== null) {
            entry.requestId = message.id
          }
        }

        const fault = takeFault(request.method, entry.rpcMethod, entry.sessionId)
        entry.fault = fault?._tag
        if (fault !== undefined) {
          switch (fault._tag) {
            case "Status":
              return answer(HttpServerResponse.text(
                fault.body ?? JSON.stringify(
                  JsonRpc.failure(
                    entry.kind === "request" && entry.requestId !== undefined ? entry.requestId : null,
                    JsonRpc.ErrorCode.ServerError,
                    `Injected fault: HTTP ${fault.status}`
                  )
                ),
                { status: fault.status, contentType: fault.contentType ?? "application/json", headers: fault.headers }
              ))
            case "Hang":
              return yield* Effect.never
            case "MalformedJson":
              return answer(
                HttpServerResponse.text(fault.body ?? "{\"jsonrpc\":\"2.0\",\"id\":", {
                  contentType: "application/json"
                })
              )
            case "MalformedSse":
              return answer(HttpServerResponse.text(
                fault.body ?? "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":\n\n",
                { contentType: "text/event-stream" }
              ))
            case "ExpireSession": {
              const session = entry.sessionId === undefined ? undefined : state.sessions.get(entry.sessionId)
              if (session !== undefined) yield* closeSession(session)
              return answer(unknownSession(fault.status))
            }
          }
        }

        let response: HttpServerResponse.HttpServerResponse
        switch (request.method) {
          case "POST":
            response = yield* handlePost(entry, parsed, message, fault)
            break
          case "GET":
            response = yield* handleGet(entry, fault)
            break
          case "DELETE":
            response = yield* handleDelete(entry)
            break
          default:
            response = errorResponse(405, null, JsonRpc.ErrorCode.ServerError, "Method Not Allowed", {
              allow: "GET, POST, DELETE"
            })
        }
        return answer(fault?._tag === "ContentType" ? withContentType(response, fault.contentType) : response)
      })

    // Interruptible: HTTP servers run apps uninterruptibly (`HttpApp.toHandled`), which would make a
    // `Hang` unstoppable and the races below wait forever for a loser that cannot be interrupted.
    const app: HttpApp.Default = Effect.interruptible(Effect.flatMap(HttpServerRequest.HttpServerRequest, respond))

    // ---- the handle ----------------------------------------------------------------------------

    const sessionInfo = (session: Session): SessionInfo => ({
      sessionId: session.id,
      protocolVersion: session.protocolVersion,
      initialized: session.initialized,
      clientInfo: session.clientInfo,
      clientCapabilities: session.clientCapabilities,
      logLevel: session.logLevel,
      subscriptions: [...session.subscriptions],
      inflight: [...session.inflight.values()].map((running) => running.id),
      cancelled: [...session.cancelled]
    })

    const newest = (sessionId: string | undefined) =>
      sessionId === undefined || !config.sessions ?
        Effect.map(liveSessions, (all) => Option.fromNullable(all.at(-1))) :
        lookup(sessionId)

    yield* startStateless
    yield* Effect.addFinalizer(() => closeAll)

    const publicStreams = (all: ReadonlyArray<OpenStreamRecord>) =>
      all.map(({ connection: _connection, ...stream }): OpenStream => stream)

    const awaitStreams = (predicate: (streams: ReadonlyArray<OpenStream>) => boolean) =>
      openStreams.changes.pipe(
        Stream.filter((all) => predicate(publicStreams(all))),
        Stream.runHead,
        Effect.asVoid
      )

    const handle: Handle = {
      app,
      sessions: Effect.map(liveSessions, (all) => all.flatMap((s) => s.id === undefined ? [] : [s.id])),
      sessionInfo: (sessionId) => Effect.map(newest(sessionId), Option.map(sessionInfo)),
      restart: Effect.zipRight(closeAll, startStateless),
      expire: (sessionId) =>
        sessionId === undefined ?
          Effect.flatMap(liveSessions, Effect.forEach(closeSession, { discard: true })) :
          Effect.suspend(() => {
            const session = state.sessions.get(sessionId)
            return session === undefined ? Effect.void : closeSession(session)
          }),
      log: Effect.sync(() => state.log.map((entry): LogEntry => ({ ...entry }))),
      clearLog: Effect.sync(() => {
        state.log = []
      }),
      notify: (method, params, sessionId) => Effect.asVoid(broadcast(JsonRpc.notification(method, params), sessionId)),
      request: (method, params, sessionId) =>
        Effect.flatMap(newest(sessionId), (session) =>
          Option.match(session, {
            onNone: () => Effect.fail(sessionGone),
            onSome: (s) => serverRequest(s, (m) => pushToGet(s, m), method, params)
          })),
      updateResource: (uri) =>
        Effect.flatMap(liveSessions, (sessions) =>
          Effect.forEach(
            sessions.filter((s) => s.subscriptions.has(uri)),
            (s) => pushToGet(s, JsonRpc.notification("notifications/resources/updated", { uri })),
            { discard: true }
          )),
      setTools: (tools) =>
        Effect.suspend(() => {
          state.tools = tools
          return Effect.asVoid(broadcast(JsonRpc.notification("notifications/tools/list_changed")))
        }),
      setResources: (resources) =>
        Effect.suspend(() => {
          state.resources = resources
          return Effect.asVoid(broadcast(JsonRpc.notification("notifications/resources/list_changed")))
        }),
      setPrompts: (prompts) =>
        Effect.suspend(() => {
          state.prompts = prompts
          return Effect.asVoid(broadcast(JsonRpc.notification("notifications/prompts/list_changed")))
        }),
      inject: (fault, match = {}) =>
        Effect.sync(() => {
          state.faults.push({ fault, match, remaining: Math.max(1, match.times ?? 1) })
        }),
      pendingFaults: Effect.sync(() => state.faults.reduce((sum, f) => sum + f.remaining, 0)),
      initializeCount: Effect.sync(() => state.initializeCount),
      openStreams: Effect.map(SubscriptionRef.get(openStreams), publicStreams),
      awaitGetStream: (sessionId) =>
        awaitStreams((all) =>
          all.some((s) => s.kind === "get" && (sessionId === undefined || s.sessionId === sessionId))
        ),
      awaitStreams
    }
    return handle
  })

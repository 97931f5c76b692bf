/**
 * The client's engine: sends requests, reads their answers (JSON or SSE, with
 * resumption), dispatches what the server sends (responses, server→client
 * requests, notifications), runs the GET stream, and performs the
 * `initialize` handshake. Recovery from expired sessions is delegated to
 * `session.ts`, the one place that changes the session.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as JsonRpc from "../JsonRpc.js"
import type * as McpClient from "../McpClient.js"
import * as McpError from "../McpError.js"
import * as McpHttp from "../McpHttp.js"
import * as McpSchema from "../McpSchema.js"
import * as Session from "../Session.js"
import * as Deadline from "./deadline.js"
import * as Excerpt from "./excerpt.js"
import * as LazyPubSub from "./lazyPubSub.js"
import { flatMapNow, mapNow } from "./now.js"
import * as Schedules from "./schedule.js"
import * as Sessions from "./session.js"
import type * as Sse from "./sse.js"
import * as Timers from "./timers.js"
import * as Transport from "./transport.js"

/** Defaults of every option, in one place (the docs' configuration reference mirrors this). @internal */
export const defaults = {
  clientInfo: { name: "mcp-effect", version: "0.1.0" },
  requestTimeout: Duration.seconds(60),
  maxRequestTimeout: Duration.minutes(10),
  maxMessageSize: 4 * 1024 * 1024,
  maxBodyExcerpt: 1024,
  getStream: true,
  reconnect: Schedules.defaultReconnect
} as const

/** The waiting side of a request: filled in by whichever stream carries its response. */
interface Pending {
  response: JsonRpc.JsonRpcResponse | undefined
}

/** @internal */
export const make = (
  options: McpClient.Options
): Effect.Effect<McpClient.Service, McpError.McpError, McpHttp.McpHttp | Scope.Scope> =>
  Effect.gen(function*() {
    const clientScope = yield* Effect.scope
    const maxMessageSize = options.maxMessageSize ?? defaults.maxMessageSize
    const transport = Transport.make({
      url: typeof options.url === "string" ? options.url : options.url.toString(),
      http: yield* McpHttp.McpHttp,
      tracerPropagation: options.tracerPropagation ?? true,
      headers: headersOf(options.headers),
      maxMessageSize,
      maxBodyExcerpt: options.maxBodyExcerpt ?? defaults.maxBodyExcerpt,
      expiredStatuses: new Set(options.recovery?.expiredStatuses ?? [])
    })
    const requestTimeout = Duration.decode(options.requestTimeout ?? defaults.requestTimeout)
    const requestTimeoutMillis = Duration.toMillis(requestTimeout)
    const maxRequestTimeoutMillis = millisOf(options.maxRequestTimeout ?? defaults.maxRequestTimeout)
    const timers = Timers.make(yield* Effect.clock, clientScope)
    const reconnect = options.reconnect ?? defaults.reconnect
    const requestedVersion = options.protocolVersion ?? McpSchema.LATEST_PROTOCOL_VERSION
    const handlers = options.handlers ?? {}
    const capabilities: McpSchema.ClientCapabilities = options.capabilities ?? {
      ...(handlers.roots === undefined ? {} : { roots: { listChanged: true } }),
      ...(handlers.sampling === undefined ? {} : { sampling: {} }),
      ...(handlers.elicitation === undefined ? {} : { elicitation: {} })
    }

    const events = new LazyPubSub.LazyPubSub<Session.SessionEvent>()
    const notifications = new LazyPubSub.LazyPubSub<McpSchema.ServerNotification>()
    const pending = new Map<JsonRpc.RequestId, Pending>()
    // The collections below are made when first needed: most clients never need some of them, and
    // an application may hold a client per user.
    let progressHandlers:
      | Map<McpSchema.ProgressToken, (params: McpSchema.ProgressNotificationParams) => void>
      | undefined = undefined
    let serverRequests: Map<JsonRpc.RequestId, Fiber.RuntimeFiber<void>> | undefined = undefined
    // Per-session state that must be restored on a new session.
    let subscriptions: Set<string> | undefined = undefined
    let loggingLevel: McpSchema.LoggingLevel | undefined = undefined
    // Tool annotations, for the replay policy.
    let tools: Map<string, McpSchema.Tool> | undefined = undefined
    let nextId = 0
    const sessionsReady = yield* Deferred.make<Sessions.Sessions>()
    const onExpired = (error: McpError.SessionExpired) =>
      Effect.flatMap(Deferred.await(sessionsReady), (sessions) => sessions.expired(error))

    // ---------------------------------------------------------------------
    // Dispatch: one message from any stream
    // ---------------------------------------------------------------------

    const handleNotification = (message: JsonRpc.JsonRpcNotification): Effect.Effect<void> => {
      const notification = McpSchema.decodeServerNotification(message.method, message.params)
      switch (notification._tag) {
        case "Progress": {
          const handler = progressHandlers?.get(notification.params.progressToken)
          if (handler !== undefined) handler(notification.params)
          break
        }
        case "Cancelled": {
          // The server gave up on a request it sent us: stop answering it.
          const fiber = serverRequests?.get(notification.params.requestId ?? "")
          if (fiber !== undefined) {
            return Effect.zipRight(Fiber.interruptFork(fiber), notifications.publish(notification))
          }
          break
        }
      }
      // The PubSub is unbounded, so an offer is refused only after shutdown — where `publish`
      // interrupts, as this does. Offering right away spares running an Effect per notification
      // (thousands per call when a tool reports progress).
      return notifications.offer(notification) ? Effect.void : Effect.interrupt
    }

    const answerServerRequest = (target: Transport.Target, message: JsonRpc.JsonRpcRequest): Effect.Effect<void> =>
      serverRequest(handlers, message).pipe(
        Effect.flatMap((response) =>
          transport.post({ method: message.method, requestId: message.id }, JsonRpc.encode(response), target, false)
        ),
        Effect.asVoid,
        Effect.catchTag("SessionExpired", onExpired),
        Effect.catchAll((error) =>
          Effect.logWarning("could not answer a server request").pipe(
            Effect.annotateLogs({ method: message.method, error: error.message })
          )
        ),
        Effect.ensuring(Effect.sync(() => serverRequests?.delete(message.id))),
        Effect.forkIn(clientScope),
        // Kept for the server's `notifications/cancelled`; a handler that already finished
        // (its `ensuring` ran first) is not added back, or the map would keep it forever.
        Effect.tap((fiber) =>
          Effect.sync(() => {
            if (fiber.unsafePoll() === null) (serverRequests ??= new Map()).set(message.id, fiber)
          })
        ),
        Effect.asVoid
      )

    /** Returns false for a response nobody waits for (a protocol violation where a request expects its own). */
    const dispatch = (target: Transport.Target, message: JsonRpc.JsonRpcMessage): Effect.Effect<boolean> => {
      if (JsonRpc.isResponse(message)) {
        const entry = message.id === null ? undefined : pending.get(message.id)
        if (entry === undefined || entry.response !== undefined) return known(false)
        entry.response = message
        return known(true)
      }
      if (JsonRpc.isRequest(message)) return Effect.as(answerServerRequest(target, message), true)
      return mapNow(handleNotification(message), () => true)
    }

    // ---------------------------------------------------------------------
    // Answers: JSON, or an SSE stream that may have to be resumed
    // ---------------------------------------------------------------------

    /**
     * Reads an answer stream until the awaited response arrives or the stream
     * ends, then goes on with `then` (the response, or undefined at the end). A
     * broken connection is an end, not an error: it may be resumed.
     */
    const readAnswerStream = <A>(
      target: Transport.Target,
      ctx: Transport.Context,
      events: Sse.Events<McpError.McpError>,
      entry: Pending,
      resumption: Resumption,
      then: (response: JsonRpc.JsonRpcResponse | undefined) => Effect.Effect<A, McpError.McpError>
    ): Effect.Effect<A, McpError.McpError> =>
      Effect.matchEffect(
        events.runForEachWhile((event) =>
          track(resumption, event)
            ? mapNow(handleData(target, ctx, event.data, true), () => entry.response === undefined)
            : known(true)
        ),
        {
          // A broken connection ends the stream (it may be resumed); only the body's reads fail so.
          onFailure: (error) => error._tag === "TransportError" ? then(entry.response) : Effect.fail(error),
          onSuccess: () => then(entry.response)
        }
      )

    /** Parses one JSON-RPC payload; on an answer stream, a response nobody waits for is a violation. */
    const handleData = (
      target: Transport.Target,
      ctx: Transport.Context,
      data: string,
      strict: boolean
    ): Effect.Effect<void, McpError.ProtocolError> => {
      const parsed = JsonRpc.parseMessage(data)
      if (parsed._tag === "Left") {
        return Effect.fail(protocolError(ctx, target, "MalformedJson", parsed.left))
      }
      const one = (message: JsonRpc.JsonRpcMessage) =>
        flatMapNow(dispatch(target, message), (known) =>
          known || !strict
            ? Effect.void
            : Effect.fail(
              protocolError(
                ctx,
                target,
                "ResponseIdMismatch",
                `a response with id ${String(message.id)} answers no request`
              )
            ))
      // One message per event is the rule (batches are a 2025-03-26 relic): no forEach for it.
      return isBatch(parsed.right) ? Effect.forEach(parsed.right, one, { discard: true }) : one(parsed.right)
    }

    /** Waits for the response of `ctx.requestId`, resuming its SSE stream with GET + Last-Event-ID when it breaks. */
    const awaitAnswer = (
      target: Transport.Target,
      ctx: Transport.Context,
      answer: Transport.Answer,
      entry: Pending
    ): Effect.Effect<JsonRpc.JsonRpcResponse, McpError.McpError> => {
      switch (answer._tag) {
        case "Accepted":
          return Effect.fail(
            protocolError(ctx, target, "MalformedJson", "the server answered a request with an empty body")
          )
        case "Json": {
          const messages = isBatch(answer.message) ? answer.message : [answer.message]
          const step = (i: number): Effect.Effect<JsonRpc.JsonRpcResponse, McpError.McpError> => {
            if (i === messages.length) {
              return entry.response !== undefined
                ? Effect.succeed(entry.response)
                : Effect.fail(
                  protocolError(ctx, target, "MalformedJson", "the JSON body carried no response to the request")
                )
            }
            const message = messages[i]
            return flatMapNow(dispatch(target, message), (known) =>
              known
                ? step(i + 1)
                : Effect.fail(
                  protocolError(
                    ctx,
                    target,
                    "ResponseIdMismatch",
                    `expected the response to request ${String(ctx.requestId)}, got id ${String(message.id)}`
                  )
                ))
          }
          return step(0)
        }
        case "Sse": {
          const resumption: Resumption = { lastEventId: undefined, retryMillis: undefined, seen: undefined }
          // Built when a stream breaks: most answers never need one.
          let schedule: Schedules.Stepper | undefined = undefined
          const read = (
            events: Sse.Events<McpError.McpError>
          ): Effect.Effect<JsonRpc.JsonRpcResponse, McpError.McpError> =>
            readAnswerStream(target, ctx, events, entry, resumption, (response) => {
              if (response !== undefined) return Effect.succeed(response)
              if (resumption.lastEventId === undefined) return streamLost(target, ctx)
              schedule ??= Schedules.stepper(reconnect)
              return Effect.flatMap(resumeAnswer(target, ctx, resumption, schedule), read)
            })
          return read(answer.events)
        }
      }
    }

    /**
     * Re-opens a broken answer stream with GET + Last-Event-ID. A failed GET
     * (network, 5xx) is retried: the schedule bounds failures in a row, and a
     * GET that opens a stream starts the count over, so a server that closes
     * its streams on purpose (SEP-1699 polling) is followed for as long as the
     * request's own timeouts allow.
     */
    const resumeAnswer = (
      target: Transport.Target,
      ctx: Transport.Context,
      resumption: Resumption,
      schedule: Schedules.Stepper
    ): Effect.Effect<Sse.Events<McpError.McpError>, McpError.McpError> =>
      Effect.gen(function*() {
        let lastError: McpError.McpError | undefined = undefined
        while (true) {
          const delay = yield* schedule.next
          if (Option.isNone(delay)) {
            return yield* Effect.fail(
              protocolError(
                ctx,
                target,
                "StreamEnded",
                "the answer stream broke and could not be resumed in time",
                lastError
              )
            )
          }
          yield* Deadline.guard(ctx.deadline, Effect.sleep(Duration.millis(resumption.retryMillis ?? delay.value)))
          const resumed = yield* Effect.either(transport.get(ctx, target, resumption.lastEventId))
          if (resumed._tag === "Right") {
            if (resumed.right._tag === "NoStream") return yield* streamLost(target, ctx)
            schedule.reset()
            return resumed.right.events
          }
          const error = resumed.left
          // The session died while it was working on our request: it had accepted it.
          if (error._tag === "SessionExpired") {
            return yield* Effect.fail(new McpError.SessionExpired({ ...error, accepted: true }))
          }
          if (!Sessions.isTransient(error)) return yield* Effect.fail(error)
          lastError = error
        }
      })

    /**
     * The answer stream ended before the response and cannot be resumed (no
     * event id, or no GET). Was it the session? A ping on the same session
     * tells: 404 means it died with our (accepted) request; else the stream
     * ended for reasons of its own, a protocol error.
     */
    const streamLost = (
      target: Transport.Target,
      ctx: Transport.Context
    ): Effect.Effect<never, McpError.McpError> => {
      const ended = protocolError(ctx, target, "StreamEnded", "the answer stream ended before the response arrived")
      if (target.sessionId === undefined || ctx.method === "ping") return Effect.fail(ended)
      const id = nextId++
      return transport.post(
        { method: "ping", requestId: id, deadline: ctx.deadline },
        JsonRpc.encode(JsonRpc.request(id, "ping")),
        target,
        false
      ).pipe(
        Effect.matchEffect({
          onFailure: (error): Effect.Effect<never, McpError.McpError> =>
            error._tag === "SessionExpired"
              ? Effect.fail(
                new McpError.SessionExpired({
                  method: ctx.method,
                  ...(ctx.requestId === undefined ? {} : { requestId: ctx.requestId }),
                  sessionId: error.sessionId,
                  status: error.status,
                  accepted: true
                })
              )
              : Effect.fail(ended),
          onSuccess: () => Effect.fail(ended)
        })
      )
    }

    // ---------------------------------------------------------------------
    // Sending a request on one session (no recovery here: see session.ts)
    // ---------------------------------------------------------------------

    const cancel = (target: Transport.Target, requestId: JsonRpc.RequestId, reason: string) =>
      transport.post(
        { method: "notifications/cancelled", requestId },
        JsonRpc.encode(JsonRpc.notification("notifications/cancelled", { requestId, reason })),
        target,
        false
      ).pipe(
        Effect.catchTag("SessionExpired", onExpired),
        Effect.ignore,
        Effect.forkIn(clientScope),
        Effect.asVoid
      )

    interface Attempt {
      readonly method: string
      readonly params: JsonRpc.Params | undefined
      readonly onProgress: ((params: McpSchema.ProgressNotificationParams) => void) | undefined
      /** The id and session of the latest attempt, for timeout errors. */
      lastId: JsonRpc.RequestId | undefined
      lastSessionId: string | undefined
      readonly deadline: Deadline.Deadline | undefined
    }

    /** Sends `request` once on `target` and waits for its response (no recovery here). */
    const attempt = (target: Transport.Target, request: Attempt): Effect.Effect<unknown, McpError.McpError> =>
      Effect.suspend(() => {
        const id = nextId++
        request.lastId = id
        const ctx: Transport.Context = { method: request.method, requestId: id, deadline: request.deadline }
        const params = request.onProgress === undefined ? request.params : withProgressToken(request.params, id)
        const entry: Pending = { response: undefined }
        pending.set(id, entry)
        if (request.onProgress !== undefined) (progressHandlers ??= new Map()).set(id, request.onProgress)
        return transport.post(ctx, JsonRpc.encode(JsonRpc.request(id, request.method, params)), target, true).pipe(
          Effect.flatMap((answer) =>
            Effect.flatMap(awaitAnswer(target, ctx, answer, entry), (response) =>
              JsonRpc.isSuccess(response)
                ? Effect.succeed(response.result)
                : Effect.fail(jsonRpcError(ctx, target, response.error)))
          ),
          Effect.onExit((exit) => {
            pending.delete(id)
            progressHandlers?.delete(id)
            // An interrupted request aborts its HTTP exchange through the signal (see McpHttp.Request).
            if (Exit.isFailure(exit) && Cause.isInterruptedOnly(exit.cause)) request.deadline?.abort()
            // Giving up on a request (the caller interrupted it, its deadline passed) tells the
            // server; `initialize` is never cancelled (the spec forbids it).
            return request.method !== "initialize" && Exit.isFailure(exit) &&
                (Cause.isInterruptedOnly(exit.cause) || request.deadline?.aborted === true)
              ? cancel(target, id, "request cancelled by the client")
              : Effect.void
          })
        )
      })

    // ---------------------------------------------------------------------
    // The handshake: initialize → checks → notifications/initialized
    // ---------------------------------------------------------------------

    const noSession: Transport.Target = { sessionId: undefined, protocolVersion: undefined }

    const handshake = (generation: number): Effect.Effect<Sessions.Live, McpError.McpError> =>
      Effect.gen(function*() {
        const id = nextId++
        const ctx: Transport.Context = { method: "initialize", requestId: id }
        const params: McpSchema.InitializeRequestParams = {
          protocolVersion: requestedVersion,
          capabilities,
          clientInfo: options.clientInfo ?? defaults.clientInfo
        }
        const entry: Pending = { response: undefined }
        pending.set(id, entry)
        const answer = yield* transport.post(
          ctx,
          JsonRpc.encode(JsonRpc.request(id, "initialize", params)),
          noSession,
          true
        )
        // Should the answer stream break, the resume GET must name the session this response
        // named (else a stateful server refuses it) and a version: the negotiated one is in the
        // very result still awaited, so the one asked for.
        const named = answer.headers["mcp-session-id"]
        const resumeOn: Transport.Target = named !== undefined && Transport.isValidSessionId(named)
          ? { sessionId: named, protocolVersion: requestedVersion }
          : noSession
        const response = yield* awaitAnswer(resumeOn, ctx, answer, entry).pipe(
          Effect.ensuring(Effect.sync(() => pending.delete(id)))
        )
        if (!JsonRpc.isSuccess(response)) {
          return yield* Effect.fail(jsonRpcError(ctx, noSession, response.error))
        }
        const result = yield* decodeResult(McpSchema.InitializeResult, ctx, noSession, response.result)
        if (!McpSchema.isSupportedProtocolVersion(result.protocolVersion)) {
          return yield* Effect.fail(
            new McpError.UnsupportedProtocolVersion({
              method: "initialize",
              requestId: id,
              requested: requestedVersion,
              received: result.protocolVersion,
              supported: [...McpSchema.SUPPORTED_PROTOCOL_VERSIONS]
            })
          )
        }
        // The session id is taken from this response only, and only if well-formed.
        const sessionId = answer.headers["mcp-session-id"]
        if (sessionId !== undefined && !Transport.isValidSessionId(sessionId)) {
          return yield* Effect.fail(
            protocolError(
              ctx,
              noSession,
              "InvalidSessionId",
              `Mcp-Session-Id must be visible ASCII, got ${JSON.stringify(sessionId)}`
            )
          )
        }
        const target: Transport.Target = { sessionId, protocolVersion: result.protocolVersion }
        yield* transport.post(
          { method: "notifications/initialized" },
          JsonRpc.encode(JsonRpc.notification("notifications/initialized")),
          target,
          false
        ).pipe(
          Effect.catchTag("UnexpectedStatus", (error): Effect.Effect<never, McpError.McpError> =>
            // A 400 right after an initialize that showed no session id: the server wants one we
            // could not read. In a browser that is a CORS response without `Access-Control-Expose-Headers: Mcp-Session-Id`.
            sessionId === undefined && error.status === 400
              ? Effect.fail(
                protocolError(
                  { method: "notifications/initialized" },
                  noSession,
                  "SessionHeaderHidden",
                  "the server requires a session, but the initialize response showed no readable Mcp-Session-Id header " +
                    "(cross-origin: the server must send Access-Control-Expose-Headers: Mcp-Session-Id)"
                )
              )
              : Effect.fail(error))
        )
        const scope = yield* Scope.fork(clientScope, ExecutionStrategy.sequential)
        const startedAt = yield* Clock.currentTimeMillis
        return {
          info: {
            generation,
            sessionId,
            protocolVersion: result.protocolVersion,
            serverInfo: result.serverInfo,
            capabilities: result.capabilities,
            instructions: result.instructions,
            startedAt
          },
          target,
          scope
        }
      }).pipe(
        Effect.timeoutFail({
          duration: requestTimeout,
          onTimeout: () =>
            new McpError.RequestTimeout({
              method: "initialize",
              reason: "idle",
              timeoutMillis: Duration.toMillis(requestTimeout)
            })
        }),
        Effect.withSpan("McpClient.initialize", { attributes: { "mcp.session.generation": generation } })
      )

    // ---------------------------------------------------------------------
    // The GET stream: server-initiated messages, reconnected while the session lives
    // ---------------------------------------------------------------------

    const getStream = (session: Sessions.Live): Effect.Effect<void> =>
      Effect.gen(function*() {
        const target = session.target
        const ctx: Transport.Context = { method: "GET" }
        const schedule = Schedules.stepper(reconnect)
        const resumption: Resumption = { lastEventId: undefined, retryMillis: undefined, seen: undefined }
        while (true) {
          const opened = yield* Effect.either(transport.get(ctx, target, resumption.lastEventId))
          if (opened._tag === "Left") {
            const error = opened.left
            if (error._tag === "SessionExpired") return yield* onExpired(error)
            if (error._tag === "UnexpectedStatus" && !Sessions.isTransient(error)) {
              // A server without a GET stream may say so with 404/400 instead of 405 (stateless servers do).
              if (resumption.lastEventId === undefined) return
              // It had a stream but cannot resume after that id (its event store forgot it):
              // start afresh rather than go deaf; what was sent in between is lost.
              resumption.lastEventId = undefined
            }
            yield* Effect.logDebug("GET stream failed").pipe(Effect.annotateLogs({ error: error.message }))
          } else if (opened.right._tag === "NoStream") {
            return
          } else {
            schedule.reset()
            const read = yield* Effect.either(
              opened.right.events.runForEachWhile((event) =>
                track(resumption, event)
                  ? handleData(target, ctx, event.data, false).pipe(
                    Effect.catchAll((error) =>
                      Effect.logWarning("ignored a malformed message on the GET stream").pipe(
                        Effect.annotateLogs({ error: error.message })
                      )
                    ),
                    Effect.as(true)
                  )
                  : Effect.succeed(true)
              )
            )
            if (read._tag === "Left") {
              yield* Effect.logDebug("GET stream broke").pipe(Effect.annotateLogs({ error: read.left.message }))
            }
          }
          const delay = yield* schedule.next
          if (Option.isNone(delay)) {
            return yield* Effect.logWarning("GET stream: giving up reconnecting").pipe(
              Effect.annotateLogs({ sessionId: target.sessionId ?? "none" })
            )
          }
          yield* Effect.sleep(Duration.millis(resumption.retryMillis ?? delay.value))
        }
      })

    /** Sends a request on exactly this session, for rebuilding it (never waits on a recovery). */
    const restore = (session: Sessions.Live, method: string, params: JsonRpc.Params) =>
      attempt(session.target, {
        method,
        params,
        onProgress: undefined,
        lastId: undefined,
        lastSessionId: undefined,
        deadline: undefined
      })
        .pipe(
          Effect.timeout(requestTimeout),
          Effect.catchAll((error) =>
            Effect.logWarning("could not restore per-session state on the new session").pipe(
              Effect.annotateLogs({ method, error: String(error) })
            )
          )
        )

    /**
     * Lists the tools on exactly this session, for the replay policy: the annotations of a tool
     * the application never listed are asked for only when a call to it was lost with a session.
     */
    const learnTools = (session: Sessions.Live): Effect.Effect<void> =>
      paginate(
        (cursor) =>
          attempt(session.target, {
            method: "tools/list",
            params: cursor === undefined ? undefined : { cursor },
            onProgress: undefined,
            lastId: undefined,
            lastSessionId: undefined,
            deadline: undefined
          }).pipe(
            Effect.flatMap((result) =>
              decodeResult(McpSchema.ListToolsResult, { method: "tools/list" }, session.target, result)
            )
          ),
        (result) => result.tools
      ).pipe(
        Effect.tap((list) =>
          Effect.sync(() => {
            for (const tool of list) (tools ??= new Map()).set(tool.name, tool)
          })
        ),
        Effect.timeout(requestTimeout),
        Effect.ignore
      )

    const start = (session: Sessions.Live, recovered: boolean): Effect.Effect<void> =>
      Effect.gen(function*() {
        if (options.getStream ?? defaults.getStream) {
          yield* Effect.forkIn(getStream(session), session.scope)
          // Let the GET stream's fiber send its GET before this fiber sends anything more on the
          // session: servers deliver what they send a client (elicitations, a resumed answer) on
          // the GET stream they have, and the client's next request must not overtake it.
          yield* Effect.yieldNow()
        }
        if (!recovered) return
        for (const uri of subscriptions ?? []) yield* restore(session, "resources/subscribe", { uri })
        if (loggingLevel !== undefined) yield* restore(session, "logging/setLevel", { level: loggingLevel })
      })

    const sessions = yield* Sessions.make({
      clientScope,
      policy: options.recovery ?? {},
      handshake,
      start,
      events,
      tool: (name, session) => {
        const known = tools?.get(name)
        return known !== undefined ? Effect.succeed(known) : Effect.map(learnTools(session), () => tools?.get(name))
      }
    })
    yield* Deferred.succeed(sessionsReady, sessions)

    // Closing the client's scope: end the session's fibers, DELETE the session.
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        const session = yield* sessions.current
        yield* Scope.close(session.scope, Exit.void)
        if (session.info.sessionId !== undefined) yield* transport.del(session.target)
        yield* events.publish(Session.SessionEvent.Closed({ sessionId: session.info.sessionId }))
        yield* events.shutdown
        yield* notifications.shutdown
      })
    )

    // ---------------------------------------------------------------------
    // The public surface
    // ---------------------------------------------------------------------

    /** Sends a request (recovering expired sessions); its result, with the session that answered it. */
    const answered = (
      method: string,
      params?: JsonRpc.Params,
      requestOptions?: McpClient.RequestOptions
    ): Effect.Effect<{ readonly result: unknown; readonly target: Transport.Target }, McpError.McpError> =>
      Effect.suspend(() => {
        const idle = requestOptions?.timeout === undefined ? requestTimeoutMillis : millisOf(requestOptions.timeout)
        const maximum = requestOptions?.maxTimeout === undefined
          ? maxRequestTimeoutMillis
          : millisOf(requestOptions.maxTimeout)
        const userProgress = requestOptions?.onProgress
        const startedAt = timers.now()
        // The idle timer restarts whenever progress arrives (only requests with a
        // progress handler ask the server for progress).
        let activeAt = startedAt
        const deadline = new Deadline.Deadline()
        const state: Attempt = {
          method,
          params,
          onProgress: userProgress === undefined ? undefined : (p) => {
            activeAt = timers.now()
            userProgress(p)
          },
          lastId: undefined,
          lastSessionId: undefined,
          deadline
        }
        const call = sessions.run({ method, params, deadline }, (session) => {
          state.lastSessionId = session.info.sessionId
          return Effect.map(attempt(session.target, state), (result) => ({ result, target: session.target }))
        })
        const timeoutError = (reason: "idle" | "maximum", timeoutMillis: number) =>
          new McpError.RequestTimeout({
            method,
            ...(state.lastId === undefined ? {} : { requestId: state.lastId }),
            ...(state.lastSessionId === undefined ? {} : { sessionId: state.lastSessionId }),
            reason,
            timeoutMillis
          })
        const maximumAt = startedAt + maximum
        // The request runs in the caller's fiber; its deadline is kept by the client's timers (see
        // deadline.ts for how a passed deadline stops it without interrupting the caller).
        const timer = timers.add(Math.min(startedAt + idle, maximumAt), (now) => {
          const idleAt = activeAt + idle
          if (now >= idleAt && idleAt <= maximumAt) deadline.expire(timeoutError("idle", idle))
          else if (now >= maximumAt) deadline.expire(timeoutError("maximum", maximum))
          else return Math.min(idleAt, maximumAt)
          return undefined
        })
        // (An interrupted request leaves its deadline in the list until it is due: harmless, and
        // cheaper than an uninterruptible region around every request.)
        const bounded = Effect.matchEffect(call, {
          // Whatever the request failed with on its way out, it failed because it ran out of time.
          onFailure: (error) => {
            timer.deadline.cancel()
            return Effect.fail(deadline.expired ?? error)
          },
          onSuccess: (answer) => {
            timer.deadline.cancel()
            return Effect.succeed(answer)
          }
        })
        return flatMapNow(timer.start, () => bounded)
      })

    const request = (
      method: string,
      params?: JsonRpc.Params,
      requestOptions?: McpClient.RequestOptions
    ): Effect.Effect<unknown, McpError.McpError> =>
      Effect.map(answered(method, params, requestOptions), (answer) => answer.result)

    /** A request whose result is decoded with the method's schema (a mismatch is a ProtocolError). */
    const typed = <A, I>(method: McpSchema.ClientRequestMethod, schema: Schema.Schema<A, I>) =>
    (
      params: JsonRpc.Params | undefined,
      requestOptions?: McpClient.RequestOptions
    ): Effect.Effect<A, McpError.McpError> =>
      Effect.flatMap(
        answered(method, params, requestOptions),
        // Against the session that answered: waiting for the current one would hold a result that
        // has arrived until an unrelated recovery in flight is over (up to its whole retry schedule).
        ({ result, target }) => decodeResult(schema, { method }, target, result)
      )

    const notify = (method: string, params?: JsonRpc.Params): Effect.Effect<void, McpError.McpError> =>
      Effect.suspend(() =>
        sessions.run(
          { method, params },
          (session) =>
            transport.post({ method }, JsonRpc.encode(JsonRpc.notification(method, params)), session.target, false)
        )
      ).pipe(Effect.asVoid)

    const listTools = (cursor?: string, requestOptions?: McpClient.RequestOptions) =>
      typed("tools/list", McpSchema.ListToolsResult)(cursor === undefined ? undefined : { cursor }, requestOptions)
        .pipe(
          Effect.tap((result) =>
            Effect.sync(() => {
              for (const tool of result.tools) (tools ??= new Map()).set(tool.name, tool)
            })
          )
        )

    const listResources = (cursor?: string, requestOptions?: McpClient.RequestOptions) =>
      typed("resources/list", McpSchema.ListResourcesResult)(
        cursor === undefined ? undefined : { cursor },
        requestOptions
      )
    const listResourceTemplates = (cursor?: string, requestOptions?: McpClient.RequestOptions) =>
      typed("resources/templates/list", McpSchema.ListResourceTemplatesResult)(
        cursor === undefined ? undefined : { cursor },
        requestOptions
      )
    const listPrompts = (cursor?: string, requestOptions?: McpClient.RequestOptions) =>
      typed("prompts/list", McpSchema.ListPromptsResult)(cursor === undefined ? undefined : { cursor }, requestOptions)

    const client: McpClient.Service = {
      request,
      notify,
      ping: (requestOptions) => Effect.asVoid(typed("ping", McpSchema.EmptyResult)(undefined, requestOptions)),
      listTools,
      listAllTools: (requestOptions) => paginate((cursor) => listTools(cursor, requestOptions), (r) => r.tools),
      callTool: (name, args, requestOptions) =>
        typed("tools/call", McpSchema.CallToolResult)(
          args === undefined ? { name } : { name, arguments: args },
          requestOptions
        ),
      listResources,
      listAllResources: (requestOptions) =>
        paginate((cursor) => listResources(cursor, requestOptions), (r) => r.resources),
      listResourceTemplates,
      listAllResourceTemplates: (requestOptions) =>
        paginate((cursor) => listResourceTemplates(cursor, requestOptions), (r) => r.resourceTemplates),
      readResource: (uri, requestOptions) =>
        typed("resources/read", McpSchema.ReadResourceResult)({ uri }, requestOptions),
      subscribeResource: (uri, requestOptions) =>
        typed("resources/subscribe", McpSchema.EmptyResult)({ uri }, requestOptions).pipe(
          Effect.tap(() => Effect.sync(() => (subscriptions ??= new Set()).add(uri))),
          Effect.asVoid
        ),
      unsubscribeResource: (uri, requestOptions) =>
        typed("resources/unsubscribe", McpSchema.EmptyResult)({ uri }, requestOptions).pipe(
          Effect.ensuring(Effect.sync(() => subscriptions?.delete(uri))),
          Effect.asVoid
        ),
      listPrompts,
      listAllPrompts: (requestOptions) => paginate((cursor) => listPrompts(cursor, requestOptions), (r) => r.prompts),
      getPrompt: (name, args, requestOptions) =>
        typed("prompts/get", McpSchema.GetPromptResult)(
          args === undefined ? { name } : { name, arguments: args },
          requestOptions
        ),
      complete: (params, requestOptions) =>
        typed("completion/complete", McpSchema.CompleteResult)(params, requestOptions),
      setLoggingLevel: (level, requestOptions) =>
        typed("logging/setLevel", McpSchema.EmptyResult)({ level }, requestOptions).pipe(
          Effect.tap(() =>
            Effect.sync(() => {
              loggingLevel = level
            })
          ),
          Effect.asVoid
        ),
      notifications: Stream.unwrapScoped(Effect.map(notifications.subscribe, Stream.fromQueue)),
      // A subscriber first learns the session there is (as `Started`), then every change: the first
      // session starts while the client is being built, before anyone could subscribe.
      sessionEvents: Stream.unwrapScoped(
        Effect.map(
          Effect.zip(events.subscribe, sessions.latest),
          ([subscription, session]) =>
            Stream.concat(
              Stream.succeed(Session.SessionEvent.Started({ session: session.info })),
              Stream.fromQueue(subscription)
            )
        )
      ),
      session: Effect.map(sessions.current, (session) => session.info),
      sessionChanges: sessions.changes
    }
    return client
  })

/** Walks `nextCursor` until the server stops giving one (bounded against servers that loop). */
const paginate = <R extends { readonly nextCursor?: string | undefined }, A>(
  page: (cursor: string | undefined) => Effect.Effect<R, McpError.McpError>,
  items: (result: R) => ReadonlyArray<A>
): Effect.Effect<ReadonlyArray<A>, McpError.McpError> =>
  Effect.gen(function*() {
    const all: Array<A> = []
    const seen = new Set<string>()
    let cursor: string | undefined = undefined
    while (true) {
      const result: R = yield* page(cursor)
      all.push(...items(result))
      const next = result.nextCursor
      if (next === undefined || seen.has(next)) return all
      seen.add(next)
      cursor = next
    }
  })

const decodeResult = <A, I>(
  schema: Schema.Schema<A, I>,
  ctx: Transport.Context,
  target: Transport.Target,
  result: unknown
): Effect.Effect<A, McpError.ProtocolError> =>
  Effect.mapError(
    Schema.decodeUnknown(schema)(result),
    (error) => protocolError(ctx, target, "InvalidResult", ParseResult.TreeFormatter.formatErrorSync(error))
  )

/** What a stream needs to be resumed: the last event id, the server's `retry`, the ids already delivered. */
interface Resumption {
  lastEventId: string | undefined
  retryMillis: number | undefined
  /** Created with the first event id: most answers carry none. */
  seen: Set<string> | undefined
}

/**
 * Records what an SSE message says about resuming its stream (`retry:`, the
 * last event id) and tells whether it carries a message to dispatch: not a
 * `retry:` line, not a priming event (empty data), and not an event this
 * stream already delivered (a resume may replay some).
 */
const track = (resumption: Resumption, event: Sse.SseMessage): event is Sse.SseEvent => {
  if (event._tag === "Retry") {
    resumption.retryMillis = event.millis
    return false
  }
  if (event.id === "") {
    // An empty `id:` resets the last event id (SSE): nothing to resume from.
    resumption.lastEventId = undefined
  } else if (event.id !== undefined) {
    if (resumption.seen?.has(event.id) === true) return false
    remember(resumption.seen ??= new Set(), event.id)
    resumption.lastEventId = event.id
  }
  return event.data !== ""
}

const remember = (seen: Set<string>, id: string) => {
  // Bounded: a GET stream open for hours must not grow without limit.
  if (seen.size >= 1024) {
    const first = seen.values().next()
    if (first.done !== true) seen.delete(first.value)
  }
  seen.add(id)
}

/** The server's JSON-RPC error object, as the error of the request it answered. */
const jsonRpcError = (ctx: Transport.Context, target: Transport.Target, error: JsonRpc.JsonRpcErrorObject) => {
  // Bounded: the caller keeps, logs and prints this error (see excerpt.ts).
  const description = Excerpt.text(error.message, Excerpt.MAX_ERROR_MESSAGE)
  const data = error.data === undefined ? undefined : Excerpt.json(error.data, Excerpt.MAX_ERROR_DATA)
  return new McpError.JsonRpcError({
    method: ctx.method,
    ...(ctx.requestId === undefined ? {} : { requestId: ctx.requestId }),
    ...(target.sessionId === undefined ? {} : { sessionId: target.sessionId }),
    code: error.code,
    description: description.text,
    ...(data === undefined ? {} : { data: data.value }),
    ...(description.cutFrom === undefined ? {} : { descriptionLength: description.cutFrom }),
    ...(data?.cutFrom === undefined ? {} : { dataLength: data.cutFrom })
  })
}

const protocolError = (
  ctx: Transport.Context,
  target: Transport.Target,
  violation: McpError.ProtocolViolation,
  description: string,
  cause?: unknown
) =>
  new McpError.ProtocolError({
    method: ctx.method,
    ...(ctx.requestId === undefined ? {} : { requestId: ctx.requestId }),
    ...(target.sessionId === undefined ? {} : { sessionId: target.sessionId }),
    violation,
    description,
    ...(cause === undefined ? {} : { cause })
  })

const withProgressToken = (params: JsonRpc.Params | undefined, token: McpSchema.ProgressToken): JsonRpc.Params => {
  const base: Readonly<Record<string, unknown>> = params === undefined || isArray(params) ? {} : params
  const meta = base._meta
  return {
    ...base,
    _meta: { ...(typeof meta === "object" && meta !== null ? meta : {}), progressToken: token }
  }
}

const millisOf = (duration: Duration.DurationInput): number => Duration.toMillis(Duration.decode(duration))

const isArray = (u: unknown): u is ReadonlyArray<unknown> => Array.isArray(u)

const knownTrue = Exit.succeed(true)
const knownFalse = Exit.succeed(false)
/** Whether a message was expected, as an Effect that is already done. */
const known = (value: boolean): Effect.Effect<boolean> => value ? knownTrue : knownFalse

const isBatch = (
  u: JsonRpc.JsonRpcMessage | ReadonlyArray<JsonRpc.JsonRpcMessage>
): u is ReadonlyArray<JsonRpc.JsonRpcMessage> => Array.isArray(u)

const headersOf = (
  headers: McpClient.Options["headers"]
): Effect.Effect<Readonly<Record<string, string>>> =>
  headers === undefined
    ? Effect.succeed({})
    : Effect.isEffect(headers)
    ? headers
    : Effect.succeed(headers)

/** Runs the user's handler for a server→client request and builds the JSON-RPC response. */
const serverRequest = (
  handlers: McpClient.Handlers,
  message: JsonRpc.JsonRpcRequest
): Effect.Effect<JsonRpc.JsonRpcResponse> => {
  const notFound = Effect.succeed(
    JsonRpc.failure(
      message.id,
      JsonRpc.ErrorCode.MethodNotFound,
      `method not supported by this client: ${message.method}`
    )
  )
  const run = <P, IP, A, IA>(
    paramsSchema: Schema.Schema<P, IP>,
    resultSchema: Schema.Schema<A, IA>,
    handler: (params: P) => Effect.Effect<A, McpClient.RequestRejected>
  ): Effect.Effect<JsonRpc.JsonRpcResponse> =>
    Schema.decodeUnknown(paramsSchema)(message.params ?? {}).pipe(
      Effect.mapError((error) =>
        JsonRpc.failure(message.id, JsonRpc.ErrorCode.InvalidParams, ParseResult.TreeFormatter.formatErrorSync(error))
      ),
      Effect.flatMap((params) =>
        handler(params).pipe(
          Effect.flatMap((result) => Schema.encode(resultSchema)(result)),
          Effect.map((result) => JsonRpc.success(message.id, result)),
          Effect.catchAll((error) =>
            Effect.succeed(
              error._tag === "RequestRejected"
                ? JsonRpc.failure(message.id, error.code, error.message, error.data)
                : JsonRpc.failure(
                  message.id,
                  JsonRpc.ErrorCode.InternalError,
                  "the client's handler returned an invalid result"
                )
            )
          )
        )
      ),
      Effect.catchAllCause((cause) =>
        Cause.isInterruptedOnly(cause)
          ? Effect.failCause(cause)
          : Effect.succeed(
            Option.getOrElse(
              Cause.failureOption(cause),
              () => JsonRpc.failure(message.id, JsonRpc.ErrorCode.InternalError, "the client's handler failed")
            )
          )
      ),
      Effect.orDie
    )
  switch (message.method) {
    case "ping":
      return Effect.succeed(JsonRpc.success(message.id, {}))
    case "roots/list": {
      const roots = handlers.roots
      return roots === undefined ? notFound : run(McpSchema.RequestParams, McpSchema.ListRootsResult, () => roots)
    }
    case "sampling/createMessage": {
      const sampling = handlers.sampling
      return sampling === undefined
        ? notFound
        : run(McpSchema.CreateMessageRequestParams, McpSchema.CreateMessageResult, sampling)
    }
    case "elicitation/create": {
      const elicitation = handlers.elicitation
      return elicitation === undefined
        ? notFound
        : run(McpSchema.ElicitRequestParams, McpSchema.ElicitResult, elicitation)
    }
    default:
      return notFound
  }
}

/**
 * The deprecated HTTP+SSE transport of 2024-11-05 (T24 L61–72) behind the
 * seam: `initialize` opens the SSE stream with GET, waits for its `endpoint`
 * event (the URI every later POST goes to, resolved against the GET URL and
 * required to be same-origin), POSTs `initialize` there and takes the
 * response from the stream. Every answer arrives on that one stream; its
 * loss is this transport's "session gone" and goes through the recovery.
 *
 * There is no session id on the wire: the session is named by its endpoint.
 *
 * @internal
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import * as JsonRpc from "../../JsonRpc.js"
import type * as McpError from "../../McpError.js"
import * as Deadline from "../deadline.js"
import * as Errors from "../errors.js"
import * as Exchange from "../http/exchange.js"
import type * as Sse from "../sse.js"
import type * as Transport from "../transport.js"

/** A session: its endpoint's exchange and the requests waiting for answers on its stream. */
interface Live {
  /** The stream's URL until the `endpoint` event names where to POST. */
  exchange: Exchange.Exchange
  readonly waiting: Map<JsonRpc.RequestId, Deferred.Deferred<JsonRpc.JsonRpcResponse, McpError.McpError>>
  /** The session's name, its endpoint, once the `endpoint` event gave it. */
  name: string | undefined
  lost: McpError.SessionExpired | undefined
}

/** One client's HTTP+SSE transport: its settings and its sessions, by endpoint. */
interface Legacy {
  readonly config: Exchange.Config
  readonly inbox: Transport.Inbox
  /** The exchange on the stream's URL (the GET). */
  readonly stream: Exchange.Exchange
  readonly sessions: Map<string, Live>
}

/** @internal */
export const make = (config: Exchange.Config, inbox: Transport.Inbox): Transport.Transport => {
  const self: Legacy = { config, inbox, stream: Exchange.make(config), sessions: new Map() }
  return {
    initialize: (ctx, body, _version, scope) =>
      Effect.gen(function*() {
        const { live, url } = yield* open(self, ctx, scope)
        const target: Transport.Target = { sessionId: url, protocolVersion: undefined }
        const response = yield* request(live, ctx, body, target)
        return { response, target, era: "http-sse" as const }
      }),
    request: (ctx, body, target) => Effect.flatMap(find(self, ctx, target), (live) => request(live, ctx, body, target)),
    send: (ctx, body, target) => Effect.flatMap(find(self, ctx, target), (live) => post(live, ctx, body, target)),
    listen: () => Effect.void,
    end: () => Effect.void
  }
}

/** Opens the stream, reads it in the session's scope, and waits for its `endpoint` event. */
const open = (self: Legacy, ctx: Transport.Context, scope: Scope.Scope) =>
  Effect.gen(function*() {
    const opened = yield* self.stream.get({ method: "GET", deadline: ctx.deadline }, noSession, undefined)
    if (opened._tag === "NoStream") {
      return yield* Effect.fail(
        Errors.protocolError(ctx, noSession, "ContentType", `the SSE stream was refused (HTTP ${opened.status})`)
      )
    }
    const endpoint = yield* Deferred.make<string, McpError.McpError>()
    const live: Live = { exchange: self.stream, waiting: new Map(), name: undefined, lost: undefined }
    const read = opened.events.runForEachWhile((event) => onEvent(self, live, ctx, endpoint, event)).pipe(
      Effect.ignore,
      // The stream is the session: when it ends, the session is gone.
      Effect.zipRight(Effect.suspend(() => lose(self, live))),
      Effect.zipRight(Deferred.fail(
        endpoint,
        Errors.protocolError(ctx, noSession, "StreamEnded", "the SSE stream ended before its endpoint event")
      ))
    )
    yield* Effect.forkIn(read, scope)
    const url = yield* Deadline.guard(ctx.deadline, Deferred.await(endpoint))
    live.name = url
    live.exchange = Exchange.make({ ...self.config, url })
    self.sessions.set(url, live)
    yield* Scope.addFinalizer(scope, Effect.sync(() => self.sessions.delete(url)))
    return { url, live }
  })

/** One event of the stream: the endpoint, or messages (answers to the waiting requests first). */
const onEvent = (
  self: Legacy,
  live: Live,
  ctx: Transport.Context,
  endpoint: Deferred.Deferred<string, McpError.McpError>,
  event: Sse.SseMessage
): Effect.Effect<boolean> =>
  Effect.gen(function*() {
    if (event._tag === "Retry") return true
    if (event.event === "endpoint") {
      const resolved = sameOrigin(self.config.url, event.data)
      if (resolved === undefined) {
        yield* Deferred.fail(
          endpoint,
          Errors.protocolError(ctx, noSession, "InvalidResult", `endpoint ${event.data} is not same-origin`)
        )
        return false
      }
      yield* Deferred.succeed(endpoint, resolved)
      return true
    }
    if (event.data === "" || (event.event !== "message" && event.event !== "")) return true
    const parsed = JsonRpc.parseMessage(event.data)
    if (parsed._tag === "Left") {
      yield* Effect.logWarning("ignored a malformed message on the SSE stream")
      return true
    }
    for (const message of Array.isArray(parsed.right) ? parsed.right : [parsed.right]) {
      const target: Transport.Target = { sessionId: live.name, protocolVersion: undefined }
      if (JsonRpc.isResponse(message) && message.id !== null && live.waiting.has(message.id)) {
        const waiter = live.waiting.get(message.id)
        live.waiting.delete(message.id)
        if (waiter !== undefined) yield* Deferred.succeed(waiter, message)
      }
      yield* self.inbox.deliver(target, message)
    }
    return true
  })

const lose = (self: Legacy, live: Live): Effect.Effect<void> => {
  if (live.name === undefined || live.lost !== undefined) return Effect.void
  const error = Errors.sessionExpired({ method: "GET" }, live.name, 0, true)
  live.lost = error
  const waiting = [...live.waiting.values()]
  live.waiting.clear()
  return Effect.zipRight(
    Effect.forEach(waiting, (w) => Deferred.fail(w, error), { discard: true }),
    self.inbox.gone(error)
  )
}

/** POSTs a request to the session's endpoint and waits for its response on the stream. */
const request = (
  live: Live,
  ctx: Transport.Context,
  body: string,
  target: Transport.Target
): Effect.Effect<JsonRpc.JsonRpcResponse, McpError.McpError> =>
  Effect.gen(function*() {
    if (live.lost !== undefined) return yield* Effect.fail(live.lost)
    const id = ctx.requestId ?? 0
    const answer = yield* Deferred.make<JsonRpc.JsonRpcResponse, McpError.McpError>()
    live.waiting.set(id, answer)
    yield* post(live, ctx, body, target).pipe(
      Effect.tapError(() => Effect.sync(() => live.waiting.delete(id)))
    )
    return yield* Deadline.guard(ctx.deadline, Deferred.await(answer))
  })

/**
 * POSTs to the endpoint, without the Streamable HTTP session headers (this
 * transport has none); a 404 there means the server forgot the stream.
 */
const post = (live: Live, ctx: Transport.Context, body: string, target: Transport.Target) =>
  live.exchange.post(ctx, body, noSession, false).pipe(
    Effect.catchTag(
      "UnexpectedStatus",
      (error): Effect.Effect<never, McpError.McpError> =>
        error.status === 404 && target.sessionId !== undefined
          ? Effect.fail(Errors.sessionExpired(ctx, target.sessionId, 404, false))
          : Effect.fail(error)
    ),
    Effect.asVoid
  )

const find = (self: Legacy, ctx: Transport.Context, target: Transport.Target) => {
  const live = target.sessionId === undefined ? undefined : self.sessions.get(target.sessionId)
  return live !== undefined
    ? Effect.succeed(live)
    : Effect.fail(Errors.sessionExpired(ctx, target.sessionId ?? "http+sse", 0, false))
}

const noSession: Transport.Target = { sessionId: undefined, protocolVersion: undefined }

/** The endpoint resolved against the stream's URL, if it is on the same origin. @internal */
export const sameOrigin = (base: string, endpoint: string): string | undefined => {
  try {
    const resolved = new URL(endpoint, base)
    return resolved.origin === new URL(base).origin ? resolved.toString() : undefined
  } catch {
    return undefined
  }
}

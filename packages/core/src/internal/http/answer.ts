/**
 * Reading the answer to one request on Streamable HTTP: a JSON body, or an SSE
 * stream whose messages are delivered as they come until the response is
 * there. A broken SSE stream is resumed with GET + Last-Event-ID (SEP-1699:
 * servers may close streams on purpose); one that cannot be resumed is
 * probed, to tell a lost session from a stream that merely ended.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Schedule from "effect/Schedule"
import * as JsonRpc from "../../JsonRpc.js"
import * as McpError from "../../McpError.js"
import * as Deadline from "../deadline.js"
import * as Errors from "../errors.js"
import { flatMapNow, mapNow } from "../now.js"
import * as Schedules from "../schedule.js"
import type * as Sse from "../sse.js"
import type { Context, Inbox, Target } from "../transport.js"
import type * as Exchange from "./exchange.js"

/** What reading answers needs: the exchange, where messages go, how to wait between resumes. @internal */
export interface Reader {
  readonly exchange: Exchange.Exchange
  readonly inbox: Inbox
  readonly reconnect: Schedule.Schedule<unknown>
}

/** What a stream needs to be resumed: the last event id, the server's `retry`, the ids already delivered. @internal */
export interface Resumption {
  lastEventId: string | undefined
  retryMillis: number | undefined
  /** Created with the first event id: most answers carry none. */
  seen: Set<string> | undefined
}

/** @internal */
export const resumption = (): Resumption => ({ lastEventId: undefined, retryMillis: undefined, seen: undefined })

/** Waits for the response of `ctx.requestId` in `answer`, resuming its SSE stream when it breaks. @internal */
export const await_ = (
  reader: Reader,
  target: Target,
  ctx: Context,
  answer: Exchange.Answer
): Effect.Effect<JsonRpc.JsonRpcResponse, McpError.McpError> => {
  switch (answer._tag) {
    case "Accepted":
      return Effect.fail(
        Errors.protocolError(ctx, target, "MalformedJson", "the server answered a request with an empty body")
      )
    case "Json":
      return json(reader, target, ctx, isBatch(answer.message) ? answer.message : [answer.message], 0)
    case "Sse": {
      const resume = resumption()
      // Built when a stream breaks: most answers never need one.
      let schedule: Schedules.Stepper | undefined = undefined
      const read = (events: Sse.Events<McpError.McpError>): Effect.Effect<JsonRpc.JsonRpcResponse, McpError.McpError> =>
        readStream(reader, target, ctx, events, resume, (response) => {
          if (response !== undefined) return Effect.succeed(response)
          if (resume.lastEventId === undefined) return streamLost(reader, target, ctx)
          schedule ??= Schedules.stepper(reader.reconnect)
          return Effect.flatMap(resumeStream(reader, target, ctx, resume, schedule), read)
        })
      return read(answer.events)
    }
  }
}

/** Delivers the messages of a JSON body from `i` on; the response must be among them. */
const json = (
  reader: Reader,
  target: Target,
  ctx: Context,
  messages: ReadonlyArray<JsonRpc.JsonRpcMessage>,
  i: number
): Effect.Effect<JsonRpc.JsonRpcResponse, McpError.McpError> => {
  if (i === messages.length) {
    const response = responseOf(reader, ctx)
    return response !== undefined
      ? Effect.succeed(response)
      : Effect.fail(
        Errors.protocolError(ctx, target, "MalformedJson", "the JSON body carried no response to the request")
      )
  }
  const message = messages[i]
  return flatMapNow(reader.inbox.deliver(target, message), (known) =>
    known
      ? json(reader, target, ctx, messages, i + 1)
      : Effect.fail(
        Errors.protocolError(
          ctx,
          target,
          "ResponseIdMismatch",
          `expected the response to request ${String(ctx.requestId)}, got id ${String(message.id)}`
        )
      ))
}

/**
 * Reads an answer stream until the awaited response arrives or the stream
 * ends, then goes on with `then` (the response, or undefined at the end). A
 * broken connection is an end, not an error: it may be resumed.
 */
const readStream = <A>(
  reader: Reader,
  target: Target,
  ctx: Context,
  events: Sse.Events<McpError.McpError>,
  resume: Resumption,
  then: (response: JsonRpc.JsonRpcResponse | undefined) => Effect.Effect<A, McpError.McpError>
): Effect.Effect<A, McpError.McpError> =>
  Effect.matchEffect(
    events.runForEachWhile((event) =>
      track(resume, event)
        ? mapNow(deliverData(reader.inbox, target, ctx, event.data, true), () => responseOf(reader, ctx) === undefined)
        : Effect.succeed(true)
    ),
    {
      // A broken connection ends the stream (it may be resumed); only the body's reads fail so.
      onFailure: (error) => error._tag === "TransportError" ? then(responseOf(reader, ctx)) : Effect.fail(error),
      onSuccess: () => then(responseOf(reader, ctx))
    }
  )

/**
 * Re-opens a broken answer stream with GET + Last-Event-ID. A failed GET
 * (network, 5xx) is retried: the schedule bounds failures in a row, and a
 * GET that opens a stream starts the count over, so a server that closes
 * its streams on purpose (SEP-1699 polling) is followed for as long as the
 * request's own timeouts allow.
 */
const resumeStream = (
  reader: Reader,
  target: Target,
  ctx: Context,
  resume: Resumption,
  schedule: Schedules.Stepper
): Effect.Effect<Sse.Events<McpError.McpError>, McpError.McpError> =>
  Effect.gen(function*() {
    let lastError: McpError.McpError | undefined = undefined
    while (true) {
      const delay = yield* schedule.next
      if (Option.isNone(delay)) {
        return yield* Effect.fail(
          lastError?._tag === "TransportError" ? cutOff(ctx, target, lastError) : Errors.protocolError(
            ctx,
            target,
            "StreamEnded",
            "the answer stream broke and could not be resumed in time",
            lastError
          )
        )
      }
      yield* Deadline.guard(ctx.deadline, Effect.sleep(Duration.millis(resume.retryMillis ?? delay.value)))
      const resumed = yield* Effect.either(reader.exchange.get(ctx, target, resume.lastEventId))
      if (resumed._tag === "Right") {
        if (resumed.right._tag === "NoStream") return yield* streamLost(reader, target, ctx)
        schedule.reset()
        return resumed.right.events
      }
      const error = resumed.left
      // The session was lost while it was working on our request: it had accepted it.
      if (error._tag === "SessionExpired") {
        return yield* Effect.fail(Errors.sessionExpired(ctx, error.sessionId, error.status, true))
      }
      if (!Errors.isTransient(error)) return yield* Effect.fail(error)
      lastError = error
    }
  })

/**
 * The answer stream ended before the response and cannot be resumed (no
 * event id, or no GET). Was it the session? A ping on the same session
 * tells: 404 means it was lost with our (accepted) request; else the stream
 * ended for reasons of its own, a protocol error.
 */
const streamLost = (reader: Reader, target: Target, ctx: Context): Effect.Effect<never, McpError.McpError> => {
  const ended = Errors.protocolError(ctx, target, "StreamEnded", "the answer stream ended before the response arrived")
  if (target.sessionId === undefined || ctx.method === "ping") return Effect.fail(ended)
  const id = reader.inbox.nextId()
  return reader.exchange.post(
    { method: "ping", requestId: id, deadline: ctx.deadline },
    JsonRpc.encode(JsonRpc.request(id, "ping")),
    target,
    false
  ).pipe(
    Effect.matchEffect({
      onFailure: (error): Effect.Effect<never, McpError.McpError> =>
        error._tag === "SessionExpired"
          ? Effect.fail(Errors.sessionExpired(ctx, error.sessionId, error.status, true))
          // The server cannot be reached: it went away with our request (a restart, a crash).
          : error._tag === "TransportError"
          ? Effect.fail(cutOff(ctx, target, error))
          : Effect.fail(ended),
      onSuccess: () => Effect.fail(ended)
    })
  )
}

/**
 * The answer stream broke and the server cannot be reached: the request was
 * cut off in flight (the server may have run it). As a `TransportError` of
 * the response phase, the recovery's replay policy decides whether it is
 * sent again once the server answers.
 */
const cutOff = (ctx: Context, target: Target, cause: McpError.TransportError): McpError.TransportError =>
  new McpError.TransportError({
    ...Errors.context(ctx, target),
    phase: "response",
    description: "the answer stream broke and the server cannot be reached",
    cause
  })

/**
 * Parses one JSON-RPC payload of an SSE event and delivers it; on an answer
 * stream (`strict`), a response nobody waits for is a violation.
 *
 * @internal
 */
export const deliverData = (
  inbox: Inbox,
  target: Target,
  ctx: Context,
  data: string,
  strict: boolean
): Effect.Effect<void, McpError.ProtocolError> => {
  const parsed = JsonRpc.parseMessage(data)
  if (parsed._tag === "Left") {
    return Effect.fail(Errors.protocolError(ctx, target, "MalformedJson", parsed.left))
  }
  const one = (message: JsonRpc.JsonRpcMessage) =>
    flatMapNow(inbox.deliver(target, message), (known) =>
      known || !strict
        ? Effect.void
        : Effect.fail(
          Errors.protocolError(
            ctx,
            target,
            "ResponseIdMismatch",
            `a response with id ${String(message.id)} answers no request`
          )
        ))
  // One message per event is the rule (batches are a 2025-03-26 relic): no forEach for it.
  return isBatch(parsed.right) ? Effect.forEach(parsed.right, one, { discard: true }) : one(parsed.right)
}

/**
 * Records what an SSE message says about resuming its stream (`retry:`, the
 * last event id) and tells whether it carries a message to deliver: not a
 * `retry:` line, not a priming event (empty data), and not an event this
 * stream already delivered (a resume may replay some).
 *
 * @internal
 */
export const track = (resume: Resumption, event: Sse.SseMessage): event is Sse.SseEvent => {
  if (event._tag === "Retry") {
    resume.retryMillis = event.millis
    return false
  }
  if (event.id === "") {
    // An empty `id:` resets the last event id (SSE): nothing to resume from.
    resume.lastEventId = undefined
  } else if (event.id !== undefined) {
    if (resume.seen?.has(event.id) === true) return false
    remember(resume.seen ??= new Set(), event.id)
    resume.lastEventId = event.id
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

const responseOf = (reader: Reader, ctx: Context) =>
  ctx.requestId === undefined ? undefined : reader.inbox.responseOf(ctx.requestId)

const isBatch = (
  u: JsonRpc.JsonRpcMessage | ReadonlyArray<JsonRpc.JsonRpcMessage>
): u is ReadonlyArray<JsonRpc.JsonRpcMessage> => Array.isArray(u)

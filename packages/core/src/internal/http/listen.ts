/**
 * The GET stream of a Streamable HTTP session: what the server sends on its
 * own (requests, notifications, resumed answers), for as long as the session
 * lives, reconnecting (with Last-Event-ID) under the `reconnect` schedule.
 *
 * An open stream is read by callbacks (`Sse.Events.watch`): while it is idle
 * no fiber waits on it — one would cost a session ~3 KiB for its life (issue
 * 17). A fiber runs only for Effect work: opening the stream, a message that
 * is more than a notification (a server request to answer), and the wait and
 * reconnect after the stream ends. Each runs in the session's scope, which
 * also aborts the open stream when it closes.
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import * as Scope from "effect/Scope"
import type * as McpError from "../../McpError.js"
import * as Errors from "../errors.js"
import { isDone } from "../now.js"
import * as Schedules from "../schedule.js"
import type * as Sse from "../sse.js"
import type { Context as Ctx, Target } from "../transport.js"
import * as Answer from "./answer.js"

/** Runs the GET stream of `target` until the session (its scope) ends, it gives up, or the server has none. @internal */
export const listen = (reader: Answer.Reader, target: Target): Effect.Effect<void, never, Scope.Scope> =>
  Effect.flatMap(Effect.runtime<Scope.Scope>(), (runtime) => {
    const listener = new Listener(reader, target, runtime)
    return Effect.zipRight(Scope.addFinalizer(listener.scope, listener.close), connect(listener, false))
  })

/** One session's GET stream: its state between the callbacks, and the watcher its messages go to. */
class Listener implements Sse.Watcher<McpError.McpError> {
  readonly ctx: Ctx = { method: "GET" }
  readonly schedule: Schedules.Stepper
  readonly resume = Answer.resumption()
  readonly scope: Scope.Scope
  /** The open stream, if any. */
  watch: Sse.Watch | undefined = undefined
  /** The scope's finalizer: the open stream is aborted (fibers of the scope are interrupted by it). */
  readonly close: Effect.Effect<void> = Effect.sync(() => this.watch?.cancel())

  constructor(readonly reader: Answer.Reader, readonly target: Target, readonly runtime: Runtime.Runtime<Scope.Scope>) {
    this.schedule = Schedules.stepper(reader.reconnect)
    this.scope = Context.get(runtime.context, Scope.Scope)
  }

  message(event: Sse.SseMessage): boolean {
    if (!Answer.track(this.resume, event)) return true
    const delivered = Answer.deliverData(this.reader.inbox, this.target, this.ctx, event.data, false)
    // A notification is delivered at once; a server request, or a malformed message to report,
    // goes on in a fiber while the rest of the stream waits (order is kept). Forked fibers start
    // after this returns, so their `resume` always follows the hold.
    if (isDone(delivered)) return true
    fork(this, Effect.ensuring(ignoreMalformed(delivered), Effect.sync(() => this.watch?.resume())))
    return false
  }

  end(error: McpError.McpError | undefined): void {
    this.watch = undefined
    const broke = error === undefined
      ? Effect.void
      : Effect.logDebug("GET stream broke").pipe(Effect.annotateLogs({ error: error.message }))
    fork(this, Effect.zipRight(broke, connect(this, true)))
  }
}

/** Effect work from a callback, in a fiber of the session's scope; started after the callback returns. */
const fork = (listener: Listener, effect: Effect.Effect<void>): void => {
  Runtime.runFork(listener.runtime, effect, { scope: listener.scope, immediate: false })
}

const ignoreMalformed = (delivered: Effect.Effect<void, McpError.ProtocolError>): Effect.Effect<void> =>
  Effect.catchAll(delivered, (error) =>
    Effect.logWarning("ignored a malformed message on the GET stream").pipe(
      Effect.annotateLogs({ error: error.message })
    ))

/** Opens the stream (after the reconnect wait when one ended) and hands it to the callbacks; fails over as before. */
const connect = (listener: Listener, afterStream: boolean): Effect.Effect<void> =>
  Effect.gen(function*() {
    const { reader, resume, schedule, target } = listener
    let wait = afterStream
    while (true) {
      if (wait) {
        const delay = yield* schedule.next
        if (Option.isNone(delay)) {
          return yield* Effect.logWarning("GET stream: giving up reconnecting").pipe(
            Effect.annotateLogs({ sessionId: target.sessionId ?? "none" })
          )
        }
        yield* Effect.sleep(Duration.millis(resume.retryMillis ?? delay.value))
      }
      wait = true
      const opened = yield* Effect.either(reader.exchange.get(listener.ctx, target, resume.lastEventId))
      if (opened._tag === "Left") {
        const error = opened.left
        if (error._tag === "SessionExpired") return yield* reader.inbox.gone(error)
        if (error._tag === "UnexpectedStatus" && !Errors.isTransient(error)) {
          // A server without a GET stream may say so with 404/400 instead of 405 (stateless servers do).
          if (resume.lastEventId === undefined) return
          // It had a stream but cannot resume after that id (its event store forgot it):
          // start afresh rather than go deaf; what was sent in between is lost.
          resume.lastEventId = undefined
        }
        yield* Effect.logDebug("GET stream failed").pipe(Effect.annotateLogs({ error: error.message }))
      } else if (opened.right._tag === "NoStream") {
        return
      } else {
        schedule.reset()
        const events = opened.right.events
        // Should the stream end within `watch` (a body already complete), this keeps a finished
        // watch, which `cancel` and `resume` leave alone, until the reconnect replaces it.
        listener.watch = events.watch(listener)
        if (listener.watch !== undefined) return
        // A body that cannot push (a custom McpHttp, `fromHttpClient`'s, whose body lives with the
        // fiber that asked for it): read here, as every body was before.
        const read = yield* Effect.either(events.runForEachWhile((event) =>
          Answer.track(resume, event)
            ? Effect.as(
              ignoreMalformed(Answer.deliverData(reader.inbox, target, listener.ctx, event.data, false)),
              true
            )
            : Effect.succeed(true)
        ))
        if (read._tag === "Left") {
          yield* Effect.logDebug("GET stream broke").pipe(Effect.annotateLogs({ error: read.left.message }))
        }
      }
    }
  })

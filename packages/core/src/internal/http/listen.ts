/**
 * The GET stream of a Streamable HTTP session: what the server sends on its
 * own (requests, notifications, resumed answers), for as long as the session
 * lives, reconnecting (with Last-Event-ID) under the `reconnect` schedule.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Errors from "../errors.js"
import * as Schedules from "../schedule.js"
import type { Context, Target } from "../transport.js"
import * as Answer from "./answer.js"

/** Runs the GET stream of `target` until the session ends, gives up, or the server has none. @internal */
export const listen = (reader: Answer.Reader, target: Target): Effect.Effect<void> =>
  Effect.gen(function*() {
    const ctx: Context = { method: "GET" }
    const schedule = Schedules.stepper(reader.reconnect)
    const resume = Answer.resumption()
    while (true) {
      const opened = yield* Effect.either(reader.exchange.get(ctx, target, resume.lastEventId))
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
        const read = yield* Effect.either(
          opened.right.events.runForEachWhile((event) =>
            Answer.track(resume, event)
              ? Answer.deliverData(reader.inbox, target, ctx, event.data, false).pipe(
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
      yield* Effect.sleep(Duration.millis(resume.retryMillis ?? delay.value))
    }
  })

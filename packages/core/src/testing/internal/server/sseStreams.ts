/**
 * SSE connections: one HTTP response reading one event store, registered in
 * `openStreams` while it is open.
 *
 * @internal
 */
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import type { OpenStream } from "../../McpTestServer.js"
import * as Sse from "../sse.js"
import * as Stores from "./eventStore.js"
import * as Sessions from "./sessions.js"
import type { EventStore, OpenStreamRecord, ServerState, Session } from "./state.js"

export interface Connection {
  readonly session: Session
  readonly store: EventStore
  /** How many of the store's events this connection skips (a GET: those delivered, or `Last-Event-ID`'s). */
  readonly from: number
  /** Whether this connection is a GET with `Last-Event-ID`. */
  readonly resumed: boolean
  /** Close the stream after this many message events (a `CloseStream` fault). */
  readonly closeAfter: number | undefined
  /** `retry:` of the first event. */
  readonly retry: number | undefined
  /** Ends the connection when it completes (a newer GET replacing this one). */
  readonly end: Effect.Effect<void>
  /** Replaces the first event (HTTP+SSE: `endpoint`). */
  readonly head?: string | undefined
  /** Runs when the connection closes, whoever closed it (HTTP+SSE: the session ends with its stream). */
  readonly onClose?: Effect.Effect<void> | undefined
}

/**
 * The body of one SSE connection: a first event (priming, `retry:`, or an
 * empty chunk), then the store's events until the store is done, the
 * connection is ended, or the session ends or expires.
 */
export const body = (state: ServerState, connection: Connection): Stream.Stream<Uint8Array> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    const { closeAfter, from, retry, session, store } = connection
    const record: OpenStreamRecord = {
      connection: ++state.connectionCounter,
      sessionId: session.id,
      kind: store.kind,
      streamId: store.id,
      resumed: connection.resumed,
      requestId: store.requestId
    }
    yield* Effect.acquireRelease(
      SubscriptionRef.update(state.openStreams, (all) => [...all, record]),
      () => SubscriptionRef.update(state.openStreams, (all) => all.filter((r) => r !== record))
    )
    if (connection.onClose !== undefined) yield* Effect.addFinalizer(() => connection.onClose ?? Effect.void)
    const withIds = state.config.resumable
    // Without a priming event the first chunk is empty: it still makes an HTTP server send the headers now.
    const head = connection.head !== undefined ?
      connection.head :
      withIds ?
      Sse.priming(`${store.id}:${from}`, retry) :
      retry !== undefined ?
      Sse.frame({ retry }) :
      ""
    const events = closeAfter === undefined
      ? Stores.read(store, from)
      : Stream.take(Stores.read(store, from), closeAfter)
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
        Effect.raceFirst(
          connection.end,
          Effect.raceFirst(Deferred.await(session.closed), Sessions.watchExpiry(state, session))
        )
      ),
      Stream.encodeText
    )
  }))

export const response = (state: ServerState, connection: Connection): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.stream(body(state, connection), {
    contentType: "text/event-stream",
    headers: { "cache-control": "no-cache", "x-accel-buffering": "no" }
  })

/** The open streams as tests see them (without the connection number). */
export const toPublic = (all: ReadonlyArray<OpenStreamRecord>): ReadonlyArray<OpenStream> =>
  all.map(({ connection: _connection, ...stream }): OpenStream => stream)

/** Waits until the open streams satisfy `predicate` (now or later). */
export const awaitStreams = (
  state: ServerState,
  predicate: (streams: ReadonlyArray<OpenStream>) => boolean
): Effect.Effect<void> =>
  state.openStreams.changes.pipe(
    Stream.filter((all) => predicate(toPublic(all))),
    Stream.runHead,
    Effect.asVoid
  )

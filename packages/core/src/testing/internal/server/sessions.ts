/**
 * Sessions: creation, lookup, the idle TTL and the end of a session.
 *
 * Sessions expire lazily: each request compares `Clock` with `expiresAt`
 * (`lookup`), and an open SSE stream sleeps until `expiresAt` to end itself on
 * time (`watchExpiry`). So under `TestClock` an `adjust` past the TTL expires
 * sessions deterministically, with no timer of the server's own.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Scope from "effect/Scope"
import * as Stores from "./eventStore.js"
import type { ServerState, Session } from "./state.js"

/** `session-<ordinal>-<16 random hex digits>`: visible characters only, as the spec asks. */
const newSessionId = (state: ServerState): Effect.Effect<string> =>
  Effect.gen(function*() {
    let random = ""
    for (let i = 0; i < 4; i++) {
      random += (yield* Random.nextIntBetween(0, 0x10000)).toString(16).padStart(4, "0")
    }
    return `session-${state.sessionOrdinal + 1}-${random}`
  })

/** A session id for `initialize`: a fresh one, or `forced` (an injected `InvalidSessionId`). */
export const sessionId = (state: ServerState, forced: string | undefined): Effect.Effect<string> =>
  forced === undefined ? newSessionId(state) : Effect.succeed(forced)

/** A new session, registered under `id` (unless `undefined`: the stateless one). */
export const create = (
  state: ServerState,
  id: string | undefined,
  protocolVersion: string | undefined,
  clientInfo: unknown,
  clientCapabilities: unknown
): Effect.Effect<Session> =>
  Effect.gen(function*() {
    const scope = yield* Scope.fork(state.scope, ExecutionStrategy.sequential)
    const closed = yield* Deferred.make<void>()
    const getStore = yield* Stores.make(state, "get", undefined)
    const now = yield* Clock.currentTimeMillis
    const ttlMillis = state.config.ttlMillis
    const session: Session = {
      id,
      ordinal: ++state.sessionOrdinal,
      protocolVersion,
      clientInfo,
      clientCapabilities,
      expiresAt: ttlMillis === undefined ? undefined : now + ttlMillis,
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

/** Ends a session: it is forgotten, its streams end, its handlers are interrupted. Idempotent. */
export const close = (state: ServerState, session: Session): Effect.Effect<void> =>
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

/** Ends every session, the stateless one included (which is then gone until `startStateless`). */
export const closeAll = (state: ServerState): Effect.Effect<void> =>
  Effect.suspend(() => {
    const all = [...state.sessions.values(), ...(state.stateless === undefined ? [] : [state.stateless])]
    state.stateless = undefined
    return Effect.forEach(all, (session) => close(state, session), { discard: true })
  })

/** With `sessions: false`, creates the one implicit session; otherwise does nothing. */
export const startStateless = (state: ServerState): Effect.Effect<void> =>
  state.config.sessions ? Effect.void : Effect.map(
    create(state, undefined, undefined, undefined, undefined),
    (session) => {
      state.stateless = session
    }
  )

const isExpired = (session: Session, now: number) => session.expiresAt !== undefined && now >= session.expiresAt

/** The live session with this id; an expired one is closed on the way. */
export const lookup = (state: ServerState, id: string): Effect.Effect<Option.Option<Session>> =>
  Effect.gen(function*() {
    const session = state.sessions.get(id)
    if (session === undefined) return Option.none<Session>()
    if (isExpired(session, yield* Clock.currentTimeMillis)) {
      yield* close(state, session)
      return Option.none<Session>()
    }
    return Option.some(session)
  })

/** Every live session, oldest first (expired ones are closed on the way). */
export const live = (state: ServerState): Effect.Effect<Array<Session>> =>
  Effect.gen(function*() {
    if (!state.config.sessions) return state.stateless === undefined ? [] : [state.stateless]
    const sessions: Array<Session> = []
    for (const id of [...state.sessions.keys()]) {
      const session = yield* lookup(state, id)
      if (Option.isSome(session)) sessions.push(session.value)
    }
    return sessions
  })

/** The sessions a control addresses: the one named, or every live one when no id is given. */
export const targets = (state: ServerState, sessionId: string | undefined): Effect.Effect<Array<Session>> =>
  sessionId === undefined || !state.config.sessions ?
    live(state) :
    Effect.map(lookup(state, sessionId), Option.toArray)

/** The session named, or the newest live one when no id is given. */
export const newest = (state: ServerState, sessionId: string | undefined): Effect.Effect<Option.Option<Session>> =>
  sessionId === undefined || !state.config.sessions ?
    Effect.map(live(state), (all) => Option.fromNullable(all.at(-1))) :
    lookup(state, sessionId)

/** A request used the session: its idle TTL starts again. */
export const touch = (state: ServerState, session: Session): Effect.Effect<void> =>
  Effect.map(Clock.currentTimeMillis, (now) => {
    if (state.config.ttlMillis !== undefined) session.expiresAt = now + state.config.ttlMillis
  })

/** Completes when the session's idle TTL has run out (and closes it then). */
export const watchExpiry = (state: ServerState, session: Session): Effect.Effect<void> =>
  state.config.ttlMillis === undefined ? Effect.never : Effect.gen(function*() {
    while (!session.isClosed) {
      const now = yield* Clock.currentTimeMillis
      const expiresAt = session.expiresAt ?? Number.POSITIVE_INFINITY
      if (now >= expiresAt) return yield* close(state, session)
      yield* Effect.sleep(Duration.millis(expiresAt - now))
    }
  })

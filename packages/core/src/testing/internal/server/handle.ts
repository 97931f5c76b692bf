/**
 * The controls tests use (`McpTestServer.Handle`), each a thin reading or
 * change of the server's state.
 *
 * @internal
 */
import type * as HttpApp from "@effect/platform/HttpApp"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as SubscriptionRef from "effect/SubscriptionRef"
import type { Handle, LogEntry, SessionInfo } from "../../McpTestServer.js"
import * as JsonRpc from "../jsonRpc.js"
import * as Faults from "./faults.js"
import * as Listeners from "./listeners.js"
import * as ServerToClient from "./serverToClient.js"
import * as Sessions from "./sessions.js"
import * as SseStreams from "./sseStreams.js"
import type { ServerState, Session } from "./state.js"

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

const expire = (state: ServerState, sessionId: string | undefined): Effect.Effect<void> =>
  sessionId === undefined ?
    Effect.flatMap(
      Sessions.live(state),
      Effect.forEach((session) => Sessions.close(state, session), { discard: true })
    ) :
    Effect.suspend(() => {
      const session = state.sessions.get(sessionId)
      return session === undefined ? Effect.void : Sessions.close(state, session)
    })

const request = (state: ServerState, method: string, params: unknown, sessionId: string | undefined) =>
  Effect.flatMap(Sessions.newest(state, sessionId), (session) =>
    Option.match(session, {
      onNone: () => Effect.fail(ServerToClient.sessionGone),
      onSome: (s) => ServerToClient.request(s, (m) => ServerToClient.pushToGet(s, m), method, params)
    }))

const updateResource = (state: ServerState, uri: string): Effect.Effect<void> => {
  const message = JsonRpc.notification("notifications/resources/updated", { uri })
  return Effect.zipRight(
    Effect.flatMap(Sessions.live(state), (sessions) =>
      Effect.forEach(
        sessions.filter((s) => s.subscriptions.has(uri)),
        (s) => ServerToClient.pushToGet(s, message),
        { discard: true }
      )),
    Listeners.publish(state, message)
  )
}

/** Replaces a list (`update` runs inside the step) and tells every session it changed. */
const replaceList = (state: ServerState, update: () => void, listChanged: string): Effect.Effect<void> =>
  Effect.suspend(() => {
    update()
    const message = JsonRpc.notification(listChanged)
    return Effect.zipRight(ServerToClient.broadcast(state, message), Listeners.publish(state, message))
  })

export const make = (state: ServerState, app: HttpApp.Default): Handle => ({
  app,
  sessions: Effect.map(Sessions.live(state), (all) => all.flatMap((s) => s.id === undefined ? [] : [s.id])),
  sessionInfo: (sessionId) => Effect.map(Sessions.newest(state, sessionId), Option.map(sessionInfo)),
  restart: Effect.zipRight(
    Effect.zipRight(Listeners.endAll(state), Sessions.closeAll(state)),
    Sessions.startStateless(state)
  ),
  expire: (sessionId) => expire(state, sessionId),
  log: Effect.sync(() => state.log.map((entry): LogEntry => ({ ...entry }))),
  clearLog: Effect.sync(() => {
    state.log = []
  }),
  notify: (method, params, sessionId) =>
    Effect.zipRight(
      ServerToClient.broadcast(state, JsonRpc.notification(method, params), sessionId),
      sessionId === undefined ? Listeners.publish(state, JsonRpc.notification(method, params)) : Effect.void
    ),
  request: (method, params, sessionId) => request(state, method, params, sessionId),
  updateResource: (uri) => updateResource(state, uri),
  setTools: (tools) =>
    replaceList(state, () => {
      state.tools = tools
    }, "notifications/tools/list_changed"),
  setResources: (resources) =>
    replaceList(state, () => {
      state.resources = resources
    }, "notifications/resources/list_changed"),
  setPrompts: (prompts) =>
    replaceList(state, () => {
      state.prompts = prompts
    }, "notifications/prompts/list_changed"),
  inject: (fault, match = {}) => Faults.inject(state, fault, match),
  pendingFaults: Faults.pending(state),
  initializeCount: Effect.sync(() => state.initializeCount),
  openStreams: Effect.map(SubscriptionRef.get(state.openStreams), SseStreams.toPublic),
  awaitGetStream: (sessionId) =>
    SseStreams.awaitStreams(
      state,
      (all) => all.some((s) => s.kind === "get" && (sessionId === undefined || s.sessionId === sessionId))
    ),
  awaitStreams: (predicate) => SseStreams.awaitStreams(state, predicate)
})

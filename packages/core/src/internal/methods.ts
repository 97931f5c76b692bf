/**
 * The public surface of a client: `McpClient.Service`, each method a request
 * (through `request.ts` and the recovery) whose result is decoded with the
 * schema `McpSchema.ClientRequests` pairs with its method, plus what the
 * client remembers for the next session (subscriptions, log level, tools).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as JsonRpc from "../JsonRpc.js"
import type * as McpClient from "../McpClient.js"
import type * as McpError from "../McpError.js"
import * as McpSchema from "../McpSchema.js"
import * as Session from "../Session.js"
import * as Paginate from "./paginate.js"
import type * as Recovery from "./recovery.js"
import * as Request from "./request.js"
import * as Restore from "./restore.js"
import type * as State from "./state.js"

const methods = McpSchema.ClientRequests

/** @internal */
export const service = (state: State.ClientState, recovery: Recovery.Recovery): McpClient.Service => {
  /**
   * A request whose result is decoded with `method`'s schema, as `McpSchema.ClientRequests`
   * pairs them (a mismatch is a ProtocolError).
   */
  const typed = <A, I>(
    method: McpSchema.ClientRequestMethod,
    { result: schema }: { readonly result: Schema.Schema<A, I> }
  ) =>
  (
    params: JsonRpc.Params | undefined,
    options?: McpClient.RequestOptions
  ): Effect.Effect<A, McpError.McpError> =>
    Effect.flatMap(
      Request.send(state, recovery, method, params, options),
      // Against the session that answered: waiting for the current one would hold a result that
      // has arrived until an unrelated recovery in flight is over (up to its whole retry schedule).
      ({ result, target }) => Request.decodeResult(schema, { method }, target, result)
    )
  const cursorOf = (cursor: string | undefined) => cursor === undefined ? undefined : { cursor }

  const listTools: McpClient.Service["listTools"] = (cursor, options) =>
    Effect.tap(
      typed("tools/list", methods["tools/list"])(cursorOf(cursor), options),
      (result) => Effect.sync(() => Restore.rememberTools(state, result.tools))
    )
  const listResources: McpClient.Service["listResources"] = (cursor, options) =>
    typed("resources/list", methods["resources/list"])(cursorOf(cursor), options)
  const listResourceTemplates: McpClient.Service["listResourceTemplates"] = (cursor, options) =>
    typed("resources/templates/list", methods["resources/templates/list"])(cursorOf(cursor), options)
  const listPrompts: McpClient.Service["listPrompts"] = (cursor, options) =>
    typed("prompts/list", methods["prompts/list"])(cursorOf(cursor), options)

  return {
    request: (method, params, options) =>
      Effect.map(Request.send(state, recovery, method, params, options), (answer) => answer.result),
    notify: (method, params) =>
      Effect.asVoid(
        Effect.suspend(() =>
          recovery.run(
            { method, params, notification: true },
            (session) =>
              state.transport.send(
                { method },
                JsonRpc.encode(JsonRpc.notification(method, params)),
                session.target
              )
          )
        )
      ),
    ping: (options) => Effect.asVoid(typed("ping", methods["ping"])(undefined, options)),
    listTools,
    listAllTools: (options) => Paginate.all((cursor) => listTools(cursor, options), (r) => r.tools),
    callTool: (name, args, options) =>
      typed("tools/call", methods["tools/call"])(args === undefined ? { name } : { name, arguments: args }, options),
    listResources,
    listAllResources: (options) => Paginate.all((cursor) => listResources(cursor, options), (r) => r.resources),
    listResourceTemplates,
    listAllResourceTemplates: (options) =>
      Paginate.all((cursor) => listResourceTemplates(cursor, options), (r) => r.resourceTemplates),
    readResource: (uri, options) => typed("resources/read", methods["resources/read"])({ uri }, options),
    subscribeResource: (uri, options) =>
      typed("resources/subscribe", methods["resources/subscribe"])({ uri }, options).pipe(
        Effect.tap(() => Effect.sync(() => (state.subscriptions ??= new Set()).add(uri))),
        Effect.asVoid
      ),
    unsubscribeResource: (uri, options) =>
      typed("resources/unsubscribe", methods["resources/unsubscribe"])({ uri }, options).pipe(
        Effect.ensuring(Effect.sync(() => state.subscriptions?.delete(uri))),
        Effect.asVoid
      ),
    listPrompts,
    listAllPrompts: (options) => Paginate.all((cursor) => listPrompts(cursor, options), (r) => r.prompts),
    getPrompt: (name, args, options) =>
      typed("prompts/get", methods["prompts/get"])(args === undefined ? { name } : { name, arguments: args }, options),
    complete: (params, options) => typed("completion/complete", methods["completion/complete"])(params, options),
    setLoggingLevel: (level, options) =>
      typed("logging/setLevel", methods["logging/setLevel"])({ level }, options).pipe(
        Effect.tap(() =>
          Effect.sync(() => {
            state.loggingLevel = level
          })
        ),
        Effect.asVoid
      ),
    // The streams are built when read: most clients never watch them, and an application may
    // hold a client per user.
    get notifications() {
      return notifications(state)
    },
    get sessionEvents() {
      return sessionEvents(state, recovery)
    },
    session: Effect.map(recovery.current, (session) => session.info),
    get sessionChanges() {
      return recovery.changes
    }
  }
}

const notifications = (state: State.ClientState): Stream.Stream<McpSchema.ServerNotification> =>
  Stream.unwrapScoped(Effect.map(state.notifications.subscribe, Stream.fromQueue))

/**
 * A subscriber first learns the session there is (as `Started`), then every change: the first
 * session starts while the client is being built, before anyone could subscribe.
 */
const sessionEvents = (state: State.ClientState, recovery: Recovery.Recovery): Stream.Stream<Session.SessionEvent> =>
  Stream.unwrapScoped(
    Effect.map(
      Effect.zip(state.events.subscribe, recovery.latest),
      ([subscription, session]) =>
        Stream.concat(
          Stream.succeed(Session.SessionEvent.Started({ session: session.info })),
          Stream.fromQueue(subscription)
        )
    )
  )

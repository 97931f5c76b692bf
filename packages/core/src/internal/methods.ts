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

type Name = {
  [K in keyof McpClient.Service]: McpClient.Service[K] extends (...args: never) => unknown ? K : never
}[keyof McpClient.Service]

/**
 * The client's methods live on this class's prototype, so a client holds its state and its
 * recovery, not a table of ~25 closures (an application may hold a client per user). Each
 * method is a getter that binds it to its client on first read, so that destructuring
 * (`const { callTool } = client`) and passing a method around keep working.
 *
 * @internal
 */
class Client implements McpClient.Service {
  /** The methods read so far, bound to this client. */
  private bound: { -readonly [K in Name]?: McpClient.Service[K] } | undefined = undefined
  constructor(readonly state: State.ClientState, readonly recovery: Recovery.Recovery) {}

  get request(): McpClient.Service["request"] {
    return (this.bound ??= {}).request ??= (method, params, options) =>
      Effect.map(Request.send(this.state, this.recovery, method, params, options), (answer) => answer.result)
  }
  get notify(): McpClient.Service["notify"] {
    return (this.bound ??= {}).notify ??= (method, params) => notify(this, method, params)
  }
  get ping(): McpClient.Service["ping"] {
    return (this.bound ??= {}).ping ??= (options) =>
      Effect.asVoid(typed(this, "ping", methods["ping"], undefined, options))
  }
  get listTools(): McpClient.Service["listTools"] {
    return (this.bound ??= {}).listTools ??= (cursor, options) => listTools(this, cursor, options)
  }
  get listAllTools(): McpClient.Service["listAllTools"] {
    return (this.bound ??= {}).listAllTools ??= (options) =>
      Paginate.all((cursor) => listTools(this, cursor, options), (r) => r.tools)
  }
  get callTool(): McpClient.Service["callTool"] {
    return (this.bound ??= {}).callTool ??= (name, args, options) =>
      typed(
        this,
        "tools/call",
        methods["tools/call"],
        args === undefined ? { name } : { name, arguments: args },
        options
      )
  }
  get listResources(): McpClient.Service["listResources"] {
    return (this.bound ??= {}).listResources ??= (cursor, options) =>
      typed(this, "resources/list", methods["resources/list"], cursorOf(cursor), options)
  }
  get listAllResources(): McpClient.Service["listAllResources"] {
    return (this.bound ??= {}).listAllResources ??= (options) =>
      Paginate.all((cursor) => this.listResources(cursor, options), (r) => r.resources)
  }
  get listResourceTemplates(): McpClient.Service["listResourceTemplates"] {
    return (this.bound ??= {}).listResourceTemplates ??= (cursor, options) =>
      typed(this, "resources/templates/list", methods["resources/templates/list"], cursorOf(cursor), options)
  }
  get listAllResourceTemplates(): McpClient.Service["listAllResourceTemplates"] {
    return (this.bound ??= {}).listAllResourceTemplates ??= (options) =>
      Paginate.all((cursor) => this.listResourceTemplates(cursor, options), (r) => r.resourceTemplates)
  }
  get readResource(): McpClient.Service["readResource"] {
    return (this.bound ??= {}).readResource ??= (uri, options) =>
      typed(this, "resources/read", methods["resources/read"], { uri }, options)
  }
  get subscribeResource(): McpClient.Service["subscribeResource"] {
    return (this.bound ??= {}).subscribeResource ??= (uri, options) =>
      typed(this, "resources/subscribe", methods["resources/subscribe"], { uri }, options).pipe(
        Effect.tap(() => Effect.sync(() => (this.state.subscriptions ??= new Set()).add(uri))),
        Effect.asVoid
      )
  }
  get unsubscribeResource(): McpClient.Service["unsubscribeResource"] {
    return (this.bound ??= {}).unsubscribeResource ??= (uri, options) =>
      typed(this, "resources/unsubscribe", methods["resources/unsubscribe"], { uri }, options).pipe(
        Effect.ensuring(Effect.sync(() => this.state.subscriptions?.delete(uri))),
        Effect.asVoid
      )
  }
  get listPrompts(): McpClient.Service["listPrompts"] {
    return (this.bound ??= {}).listPrompts ??= (cursor, options) =>
      typed(this, "prompts/list", methods["prompts/list"], cursorOf(cursor), options)
  }
  get listAllPrompts(): McpClient.Service["listAllPrompts"] {
    return (this.bound ??= {}).listAllPrompts ??= (options) =>
      Paginate.all((cursor) => this.listPrompts(cursor, options), (r) => r.prompts)
  }
  get getPrompt(): McpClient.Service["getPrompt"] {
    return (this.bound ??= {}).getPrompt ??= (name, args, options) =>
      typed(
        this,
        "prompts/get",
        methods["prompts/get"],
        args === undefined ? { name } : { name, arguments: args },
        options
      )
  }
  get complete(): McpClient.Service["complete"] {
    return (this.bound ??= {}).complete ??= (params, options) =>
      typed(this, "completion/complete", methods["completion/complete"], params, options)
  }
  get setLoggingLevel(): McpClient.Service["setLoggingLevel"] {
    return (this.bound ??= {}).setLoggingLevel ??= (level, options) =>
      typed(this, "logging/setLevel", methods["logging/setLevel"], { level }, options).pipe(
        Effect.tap(() =>
          Effect.sync(() => {
            this.state.loggingLevel = level
          })
        ),
        Effect.asVoid
      )
  }
  // The streams and the session's Effect are built when read: most clients never watch them.
  get notifications(): McpClient.Service["notifications"] {
    return notifications(this.state)
  }
  get sessionEvents(): McpClient.Service["sessionEvents"] {
    return sessionEvents(this.state, this.recovery)
  }
  get session(): McpClient.Service["session"] {
    return Effect.map(this.recovery.current, (session) => session.info)
  }
  get sessionChanges(): McpClient.Service["sessionChanges"] {
    return this.recovery.changes
  }
}

/** @internal */
export const service = (state: State.ClientState, recovery: Recovery.Recovery): McpClient.Service =>
  new Client(state, recovery)

/**
 * A request whose result is decoded with `method`'s schema, as `McpSchema.ClientRequests` pairs
 * them (a mismatch is a ProtocolError).
 */
const typed = <A, I>(
  client: Client,
  method: McpSchema.ClientRequestMethod,
  { result: schema }: { readonly result: Schema.Schema<A, I> },
  params: JsonRpc.Params | undefined,
  options: McpClient.RequestOptions | undefined
): Effect.Effect<A, McpError.McpError> =>
  Effect.flatMap(
    Request.send(client.state, client.recovery, method, params, options),
    // Against the session that answered: waiting for the current one would hold a result that
    // has arrived until an unrelated recovery in flight is over (up to its whole retry schedule).
    ({ result, target }) => Request.decodeResult(schema, { method }, target, result)
  )

const cursorOf = (cursor: string | undefined) => cursor === undefined ? undefined : { cursor }

const listTools = (
  client: Client,
  cursor: string | undefined,
  options: McpClient.RequestOptions | undefined
): Effect.Effect<McpSchema.ListToolsResult, McpError.McpError> =>
  Effect.tap(
    typed(client, "tools/list", methods["tools/list"], cursorOf(cursor), options),
    (result) => Effect.sync(() => Restore.rememberTools(client.state, result.tools))
  )

const notify = (
  client: Client,
  method: string,
  params: JsonRpc.Params | undefined
): Effect.Effect<void, McpError.McpError> =>
  Effect.asVoid(
    Effect.suspend(() =>
      client.recovery.run(
        { method, params, notification: true },
        (session) =>
          client.state.transport.send(
            { method },
            JsonRpc.encode(JsonRpc.notification(method, params)),
            session.target
          )
      )
    )
  )

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

/**
 * A client, assembled: its state (`state.ts`), its transport (Streamable HTTP
 * on the `McpHttp` service, or one of the application's: `McpTransport`)
 * delivering to its dispatch (`dispatch.ts`), the
 * recovery that keeps its session (`recovery.ts`), and the public methods
 * (`methods.ts`). Closing the client's scope ends everything it started and
 * the session.
 *
 * See docs/internals.md for the module map and the path of one call.
 *
 * @internal
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as EraCache from "../EraCache.js"
import type * as JsonRpc from "../JsonRpc.js"
import type * as McpClient from "../McpClient.js"
import type * as McpError from "../McpError.js"
import * as McpHttp from "../McpHttp.js"
import * as Session from "../Session.js"
import * as Dispatch from "./dispatch.js"
import * as Era from "./era.js"
import type * as Exchange from "./http/exchange.js"
import * as Stateless from "./http/stateless/transport.js"
import * as StreamableHttp from "./http/streamableHttp.js"
import * as LegacySse from "./legacySse/transport.js"
import * as Methods from "./methods.js"
import * as Recovery from "./recovery.js"
import * as State from "./state.js"
import * as Timers from "./timers.js"
import type * as Transport from "./transport.js"

/** @internal */
export const make = (
  options: McpClient.Options
): Effect.Effect<McpClient.Service, McpError.McpError, McpHttp.McpHttp | Scope.Scope> =>
  Effect.flatMap(
    Effect.all([McpHttp.McpHttp, EraCache.EraCache]),
    ([http, cache]) => assemble(options, (inbox, state) => generation(options, http, cache, inbox, state))
  )

/** The transport of the generation `options.era` names, or the one that detects it (`era.ts`). */
const generation = (
  options: McpClient.Options,
  client: McpHttp.Service,
  cache: EraCache.Service,
  inbox: Transport.Inbox,
  state: State.ClientState
): Transport.Transport => {
  const http: Exchange.Config = {
    url: typeof options.url === "string" ? options.url : options.url.toString(),
    http: client,
    tracerPropagation: options.tracerPropagation ?? true,
    headers: headersOf(options.headers),
    maxMessageSize: options.maxMessageSize ?? State.defaults.maxMessageSize,
    maxBodyExcerpt: options.maxBodyExcerpt ?? State.defaults.maxBodyExcerpt,
    expiredStatuses: new Set(options.recovery?.expiredStatuses ?? [])
  }
  const generations = new Generations(http, cache, inbox, state, client.handshakes)
  const era = options.era ?? "auto"
  if (era === "auto") return Era.make(generations)
  const transport = era === "stateless"
    ? generations.stateless()
    : era === "sessions"
    ? generations.sessions()
    : generations.httpSse()
  return client.handshakes === undefined ? transport : new WithHandshakes(transport, client.handshakes)
}

/**
 * A generation's transport with the HTTP's bound on handshakes (`Transport.handshakes`). A
 * wrapper, not a spread copy: the transports keep their methods on a prototype.
 */
class WithHandshakes implements Transport.Transport {
  constructor(readonly transport: Transport.Transport, readonly handshakes: McpHttp.Permits) {}
  initialize(
    ctx: Transport.Context,
    body: string,
    requestedVersion: string,
    scope: Scope.Scope
  ): Effect.Effect<Transport.Opened, McpError.McpError> {
    return this.transport.initialize(ctx, body, requestedVersion, scope)
  }
  request(
    ctx: Transport.Context,
    body: string,
    target: Transport.Target
  ): Effect.Effect<JsonRpc.JsonRpcResponse, McpError.McpError> {
    return this.transport.request(ctx, body, target)
  }
  send(ctx: Transport.Context, body: string, target: Transport.Target): Effect.Effect<void, McpError.McpError> {
    return this.transport.send(ctx, body, target)
  }
  listen(target: Transport.Target): Effect.Effect<void, never, Scope.Scope> {
    return this.transport.listen(target)
  }
  end(target: Transport.Target): Effect.Effect<void, McpError.McpError> {
    return this.transport.end(target)
  }
}

/**
 * What era detection needs of the client: each generation's transport, made
 * on demand, and where its decisions go. Methods on a prototype rather than
 * closures over the client's pieces: one object a client.
 */
class Generations implements Era.Config {
  readonly endpoint: string
  constructor(
    readonly http: Exchange.Config,
    readonly cache: EraCache.Service,
    readonly inbox: Transport.Inbox,
    readonly state: State.ClientState,
    readonly handshakes: McpHttp.Permits | undefined
  ) {
    this.endpoint = http.url
  }
  stateless(): Stateless.Stateless {
    const settings = this.state.settings
    return Stateless.make({
      ...this.http,
      clientInfo: settings.clientInfo,
      capabilities: settings.capabilities,
      handlers: settings.handlers,
      reconnect: settings.reconnect
    }, this.inbox)
  }
  sessions(): Transport.Transport {
    return StreamableHttp.make({ ...this.http, reconnect: this.state.settings.reconnect }, this.inbox)
  }
  httpSse(): Transport.Transport {
    return LegacySse.make(this.http, this.inbox)
  }
  decided(era: Session.Era, cached: boolean, reason: string): Effect.Effect<void> {
    return this.state.events.publish(Session.SessionEvent.EraDecided({ endpoint: this.endpoint, era, cached, reason }))
  }
}

/**
 * A client on the transport `makeTransport` builds, delivering to the
 * client's dispatch: the same engine whatever the wire.
 *
 * @internal
 */
export const assemble = (
  options: State.Options,
  makeTransport: (inbox: Transport.Inbox, state: State.ClientState) => Transport.Transport
): Effect.Effect<McpClient.Service, McpError.McpError, Scope.Scope> =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const state = yield* State.make(options, scope, Timers.make(yield* Effect.clock, scope))
    state.transport = makeTransport(Dispatch.inbox(state), state)
    const recovery = yield* Recovery.make(state)
    yield* Deferred.succeed(state.recovery, recovery)
    yield* Effect.addFinalizer(closing(state, recovery))
    return Methods.service(state, recovery)
  })

/**
 * The client's finalizer, made out here: a closure made in the constructor would keep its
 * context, and with it the options and the transport's factory, for the client's life.
 */
const closing = (state: State.ClientState, recovery: Recovery.Recovery) => () => close(state, recovery)

/**
 * Closing the client: end the session's fibers, end the session on the server, end the streams;
 * whatever happens, stop the timers (on the live clock a host timer, which no scope ends).
 */
const close = (state: State.ClientState, recovery: Recovery.Recovery): Effect.Effect<void> =>
  Effect.ensuring(
    closeSession(state, recovery),
    Effect.sync(() => state.timers.close())
  )

const closeSession = (state: State.ClientState, recovery: Recovery.Recovery): Effect.Effect<void> =>
  Effect.gen(function*() {
    const session = yield* recovery.current
    yield* Scope.close(session.scope, Exit.void)
    // Best effort: the client is closing whatever the server says.
    yield* Effect.ignore(Effect.timeout(state.transport.end(session.target), "10 seconds"))
    yield* state.events.publish(Session.SessionEvent.Closed({ sessionId: session.info.sessionId }))
    yield* state.events.shutdown
    yield* state.notifications.shutdown
  })

const headersOf = (
  headers: McpClient.Options["headers"]
): Effect.Effect<Readonly<Record<string, string>>> =>
  headers === undefined
    ? Effect.succeed({})
    : Effect.isEffect(headers)
    ? headers
    : Effect.succeed(headers)

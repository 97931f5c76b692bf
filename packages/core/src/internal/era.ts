/**
 * Era detection behind the transport seam (VER L132–152, SH L650–668): a
 * transport that, at each handshake, picks the generation the server speaks
 * and then delegates everything to that generation's transport.
 *
 * 1. The `EraCache` knows the endpoint → use that generation; should its
 *    handshake meet the other generation's answer (a deploy changed the
 *    server), forget the entry and probe.
 * 2. Else probe: `server/discover` (stateless/discover.ts classifies the
 *    answer). Modern → the stateless transport. Legacy → `initialize` on the
 *    session-era transport. Nothing decided (401/403, 5xx, the network) →
 *    the handshake fails and nothing is cached.
 *
 * Every handshake runs this (a recovery too), so a session-era server that
 * became a modern one is found at the next lost session.
 *
 * @internal
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as FiberId from "effect/FiberId"
import type * as Scope from "effect/Scope"
import type * as EraCache from "../EraCache.js"
import type * as JsonRpc from "../JsonRpc.js"
import type * as McpError from "../McpError.js"
import type * as McpHttp from "../McpHttp.js"
import type * as Session from "../Session.js"
import * as Core from "./http/stateless/core.js"
import type * as Discover from "./http/stateless/discover.js"
import type * as Stateless from "./http/stateless/transport.js"
import type * as Transport from "./transport.js"

/** @internal */
export interface Config {
  /** The cache key: the endpoint URL. */
  readonly endpoint: string
  readonly cache: EraCache.Service
  // The generations' transports are made when first used: a client whose endpoint the cache
  // knows never makes the others (each is an exchange and its closures, ~2 KiB a client, and an
  // application may hold a client per user).
  readonly stateless: () => Stateless.Stateless
  readonly sessions: () => Transport.Transport
  /** The 2024-11-05 HTTP+SSE transport, the last fallback. */
  readonly httpSse: () => Transport.Transport
  /** Told every decision (the client publishes it as a `SessionEvent`). */
  readonly decided: (era: Session.Era, cached: boolean, reason: string) => Effect.Effect<void>
  /** Passed through: see `Transport.handshakes`. */
  readonly handshakes?: McpHttp.Permits | undefined
}

/** @internal */
export const make = (config: Config): Transport.Transport => new EraTransport(config)

type Scope = Parameters<Transport.Transport["initialize"]>[3]

/**
 * The detecting transport of one client: its config, the generations made so
 * far and the one in use, as fields; the functions at module level. One
 * object a client, not a dozen closures (an application may hold a client
 * per user).
 */
class EraTransport implements Transport.Transport {
  madeStateless: Stateless.Stateless | undefined = undefined
  madeSessions: Transport.Transport | undefined = undefined
  madeHttpSse: Transport.Transport | undefined = undefined
  /** Until the first handshake decides, nothing is sent but the handshake itself. */
  current: Transport.Transport | undefined = undefined
  readonly handshakes: McpHttp.Permits | undefined
  constructor(readonly config: Config) {
    this.handshakes = config.handshakes
  }
  stateless(): Stateless.Stateless {
    return this.madeStateless ??= this.config.stateless()
  }
  sessions(): Transport.Transport {
    return this.madeSessions ??= this.config.sessions()
  }
  httpSse(): Transport.Transport {
    return this.madeHttpSse ??= this.config.httpSse()
  }
  now(): Transport.Transport {
    return this.current ??= this.sessions()
  }
  initialize(
    ctx: Transport.Context,
    body: string,
    version: string,
    scope: Scope
  ): Effect.Effect<Transport.Opened, McpError.McpError> {
    return initialize(this, ctx, body, version, scope)
  }
  request(
    ctx: Transport.Context,
    body: string,
    target: Transport.Target
  ): Effect.Effect<JsonRpc.JsonRpcResponse, McpError.McpError> {
    return this.now().request(ctx, body, target)
  }
  send(ctx: Transport.Context, body: string, target: Transport.Target): Effect.Effect<void, McpError.McpError> {
    return this.now().send(ctx, body, target)
  }
  listen(target: Transport.Target): Effect.Effect<void, never, Scope.Scope> {
    return this.now().listen(target)
  }
  end(target: Transport.Target): Effect.Effect<void, McpError.McpError> {
    return this.now().end(target)
  }
}

/** A probe decided: remember it, tell the client (a cached generation that holds is no news). */
const decide = (self: EraTransport, era: Session.Era, reason: string) =>
  Effect.zipRight(self.config.cache.set(self.config.endpoint, era), self.config.decided(era, false, reason))

const useStateless = (
  self: EraTransport,
  ctx: Transport.Context,
  scope: Scope,
  cached: boolean,
  reason: string,
  probed: Extract<Discover.Probed, { readonly _tag: "Modern" }>
) =>
  Effect.gen(function*() {
    self.current = self.stateless()
    if (!cached) yield* self.config.cache.set(self.config.endpoint, "stateless")
    yield* self.config.decided("stateless", cached, reason)
    return self.stateless().opened(ctx, probed.result, scope)
  })

const useSessions = (
  self: EraTransport,
  ctx: Transport.Context,
  body: string,
  version: string,
  scope: Scope,
  cached: boolean,
  reason: string,
  sseFallback = false,
  undecided = false
): Effect.Effect<Transport.Opened, McpError.McpError> =>
  Effect.gen(function*() {
    const opened = yield* self.sessions().initialize(ctx, body, version, scope)
    self.current = self.sessions()
    if (!cached && !undecided) yield* decide(self, "sessions", reason)
    return opened
  }).pipe(
    Effect.catchIf(
      (error) => sseFallback && isSseSignal(error),
      (error) =>
        useHttpSse(self, ctx, body, version, scope, `${reason}; initialize got HTTP ${statusOf(error)}`).pipe(
          // No stream there either: the endpoint speaks no generation; initialize's refusal says it best.
          Effect.catchIf(isNoStream, () => Effect.fail(error))
        )
    )
  )

/** The last fallback (T25 L295–309, SH L721–737): GET the URL for an HTTP+SSE stream. */
const useHttpSse = (
  self: EraTransport,
  ctx: Transport.Context,
  body: string,
  version: string,
  scope: Scope,
  reason: string
) =>
  Effect.gen(function*() {
    const opened = yield* self.httpSse().initialize(ctx, body, version, scope)
    self.current = self.httpSse()
    yield* decide(self, "http-sse", reason)
    return opened
  })

const probe = (
  self: EraTransport,
  ctx: Transport.Context,
  body: string,
  version: string,
  scope: Scope,
  why: string
): Effect.Effect<Transport.Opened, McpError.McpError> =>
  Effect.flatMap(
    self.stateless().probe(ctx).pipe(
      // The probe could not be sent at all. In a browser that is also how a CORS preflight refusing
      // the new headers (Mcp-Method…) looks: try the session era's handshake, deciding nothing.
      Effect.catchIf(
        (error) => error._tag === "TransportError" && error.phase === "request",
        () => Effect.succeed(undefined)
      )
    ),
    (probed) =>
      probed === undefined
        ? useSessions(self, ctx, body, version, scope, false, "", false, true)
        : probed._tag === "Modern"
        ? useStateless(self, ctx, scope, false, `${why}: server/discover answered`, probed)
        : useSessions(self, ctx, body, version, scope, false, `${why}: ${probed.reason}`, probed.sseFallback)
  )

const initialize = (
  self: EraTransport,
  ctx: Transport.Context,
  body: string,
  version: string,
  scope: Scope
): Effect.Effect<Transport.Opened, McpError.McpError> => {
  const { cache, endpoint } = self.config
  return Effect.flatMap(cache.get(endpoint), (cached) => {
    switch (cached) {
      case "stateless":
        return Effect.flatMap(self.stateless().probe(ctx), (probed) =>
          probed._tag === "Modern"
            ? useStateless(self, ctx, scope, true, "cached", probed)
            : Effect.zipRight(
              cache.remove(endpoint),
              useSessions(
                self,
                ctx,
                body,
                version,
                scope,
                false,
                `cached as stateless, but ${probed.reason}`,
                probed.sseFallback
              )
            ))
      case "sessions":
        return useSessions(self, ctx, body, version, scope, true, "cached").pipe(
          Effect.catchIf(isModernAnswer, () =>
            Effect.zipRight(
              cache.remove(endpoint),
              probe(self, ctx, body, version, scope, "cached as sessions, but initialize met a 2026-07-28 error")
            ))
        )
      case "http-sse":
        return self.httpSse().initialize(ctx, body, version, scope).pipe(
          Effect.tap(() => Effect.sync(() => (self.current = self.httpSse()))),
          Effect.catchIf(isNoStream, () =>
            Effect.zipRight(
              cache.remove(endpoint),
              probe(self, ctx, body, version, scope, "cached as http-sse, but the GET opened no stream")
            ))
        )
      default:
        return singleFlight(
          self.config,
          probe(self, ctx, body, version, scope, "first contact"),
          initialize(self, ctx, body, version, scope)
        )
    }
  })
}

/**
 * The probes of first contacts in flight, per cache and endpoint: clients of
 * one endpoint that start together make one probe (VER L148–152: the cache is
 * there so that an endpoint is probed once), the others wait for its decision
 * and then take the cached path. Keyed by the cache, so separate caches stay
 * separate.
 */
const probing = new WeakMap<EraCache.Service, Map<string, Deferred.Deferred<void>>>()

/** `probe` unless another first contact with the endpoint is probing: then wait for it and go `again`. */
const singleFlight = (
  config: Config,
  probe: Effect.Effect<Transport.Opened, McpError.McpError>,
  again: Effect.Effect<Transport.Opened, McpError.McpError>
): Effect.Effect<Transport.Opened, McpError.McpError> =>
  Effect.suspend(() => {
    let inflight = probing.get(config.cache)
    if (inflight === undefined) probing.set(config.cache, inflight = new Map())
    const running = inflight.get(config.endpoint)
    // Nothing decided by the one we waited for (it failed): this one probes for itself.
    if (running !== undefined) {
      return Effect.zipRight(
        Deferred.await(running),
        Effect.flatMap(config.cache.get(config.endpoint), (era) => era === undefined ? probe : again)
      )
    }
    const done = Deferred.unsafeMake<void>(FiberId.none)
    const map = inflight
    map.set(config.endpoint, done)
    return Effect.ensuring(
      probe,
      Effect.zipRight(Effect.sync(() => map.delete(config.endpoint)), Deferred.succeed(done, undefined))
    )
  })

/** An answer only a 2026-07-28 server gives (VER L154–157): one of its error codes. */
const isModernAnswer = (error: McpError.McpError): boolean => {
  if (error._tag === "JsonRpcError") return modernCodes.has(error.code)
  if (error._tag === "UnexpectedStatus") {
    const failure = Core.errorBody(error.body)
    return failure !== undefined && modernCodes.has(failure.error.code)
  }
  return false
}

/** `initialize` refused as only an HTTP+SSE server refuses it: 400, 404 or 405 without a modern error. */
const isSseSignal = (error: McpError.McpError): boolean =>
  error._tag === "UnexpectedStatus" && [400, 404, 405].includes(error.status) && !isModernAnswer(error)

/** A cached HTTP+SSE server whose GET opens no stream (VER: re-probe when the assumption fails). */
const isNoStream = (error: McpError.McpError): boolean =>
  error._tag === "UnexpectedStatus" ||
  (error._tag === "ProtocolError" && (error.violation === "ContentType" || error.violation === "StreamEnded"))

const statusOf = (error: McpError.McpError): string => error._tag === "UnexpectedStatus" ? String(error.status) : "?"

const modernCodes: ReadonlySet<number> = new Set(Object.values(Core.ErrorCode))

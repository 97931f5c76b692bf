/**
 * The authorization middleware: an `McpHttp` over an `McpHttp`.
 *
 * Per MCP endpoint (the exact URL, so a token only ever goes where it was
 * issued for) it keeps the current grant and a generation number. A request
 * carries the current token; when it meets a 401, an expired token or a 403
 * `insufficient_scope`, it asks for a renewal *of the generation it used*:
 *
 * - the generation moved on meanwhile → someone renewed already: go again;
 * - a renewal is in flight → wait for it (a `Deferred`);
 * - else start one, in the layer's scope (a caller's timeout or interruption
 *   never cancels the renewal others wait for).
 *
 * So N requests meeting one expired token cause one refresh. The decision
 * is one synchronous step (no fiber can interleave), which is why no lock is
 * needed. Every loop is bounded: two renewals and `maxStepUps` step-ups per
 * request; a failed renewal is remembered for `failureCooldown`.
 *
 * A DPoP-bound grant (RFC 9449) goes as `Authorization: DPoP` with a fresh
 * proof per request; a 401 `use_dpop_nonce` carrying a new nonce repeats the
 * request with it, at most twice, without counting as a renewal.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Scope from "effect/Scope"
import type * as McpAuth from "../../McpAuth.js"
import * as McpError from "../../McpError.js"
import type * as McpHttp from "../../McpHttp.js"
import * as Challenge from "./challenge.js"
import * as Dpop from "./dpop.js"
import * as Flow from "./flow.js"
import * as Revoke from "./revoke.js"

/** @internal */
export interface Deps {
  readonly http: McpHttp.Service
  readonly store: McpAuth.StoreService
  readonly authorizer: McpAuth.AuthorizerService | undefined
  readonly options: McpAuth.Options
  /** Where the authorization events go (never a token, code or secret in them). */
  readonly publish: (event: McpAuth.AuthEvent) => Effect.Effect<void>
}

/** @internal */
export interface Middleware {
  readonly http: McpHttp.Service
  readonly revoke: (url: string) => Effect.Effect<McpAuth.RevokeResult, McpError.AuthorizationFailed>
}

/** The event of a failure: its step and the server's answer, not what was sent. */
const failedEvent = (error: McpError.AuthorizationError): McpAuth.AuthEvent =>
  error._tag === "AuthorizationRequired"
    ? { _tag: "Failed", resource: error.resource, step: "authorization", description: error.description }
    : {
      _tag: "Failed",
      resource: error.resource,
      step: error.step,
      description: error.description,
      ...(error.error === undefined ? {} : { error: error.error }),
      ...(error.status === undefined ? {} : { status: error.status })
    }

type Reason =
  | { readonly _tag: "Expired" }
  | {
    readonly _tag: "Unauthorized"
    readonly challenge: Challenge.Bearer | undefined
    /** A renewal for this request already happened: refreshing again at the same server would not help. */
    readonly again: boolean
  }
  | { readonly _tag: "StepUp"; readonly challenge: Challenge.Bearer }

interface Resource {
  readonly config: Flow.Config
  /** Reads the stored grant, once. */
  load: Effect.Effect<void>
  generation: number
  grant: Flow.Grant | undefined
  flight: Deferred.Deferred<void, McpError.AuthorizationError> | undefined
  failure:
    | { readonly generation: number; readonly error: McpError.AuthorizationError; readonly until: number }
    | undefined
}

/** Renewals (refresh or authorization) one request may cause: a second 401 on a fresh token is final. */
const MAX_RENEWALS = 2

const endpointOf = (url: string): string => {
  const hash = url.indexOf("#")
  return hash === -1 ? url : url.slice(0, hash)
}

const toHttpFailure = (error: McpError.AuthorizationError) =>
  new McpError.HttpFailure({ description: error.message, cause: error })

/** Waits for the renewal, or gives up when the request's signal aborts it (its deadline passed). */
const awaitRenewal = (
  flight: Deferred.Deferred<void, McpError.AuthorizationError>,
  signal: McpHttp.Signal | undefined
): Effect.Effect<void, McpError.AuthorizationError | McpError.HttpFailure> =>
  signal === undefined
    ? Deferred.await(flight)
    : Effect.raceFirst(
      Deferred.await(flight),
      Effect.async<never, McpError.HttpFailure>((resume) => {
        const off = signal.onAbort(() =>
          resume(Effect.fail(new McpError.HttpFailure({ description: "aborted while waiting for authorization" })))
        )
        return Effect.sync(off)
      })
    )

/** @internal */
export const make = (deps: Deps): Effect.Effect<Middleware, never, Scope.Scope> =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const options = deps.options
    const maxStepUps = options.maxStepUps ?? 2
    const skew = Duration.toMillis(Duration.decode(options.refreshSkew ?? "30 seconds"))
    const cooldown = Duration.toMillis(Duration.decode(options.failureCooldown ?? "1 minute"))
    const timeout = Duration.decode(options.timeout ?? "30 seconds")
    const resources = new Map<string, Resource>()
    const dpop = options.dpop === undefined || options.dpop === false
      ? undefined
      : Dpop.makeContext(options.dpop === true ? undefined : options.dpop.keyPair)

    const resourceFor = (endpoint: string): Resource => {
      const existing = resources.get(endpoint)
      if (existing !== undefined) return existing
      const config: Flow.Config = {
        http: { http: deps.http, resource: endpoint, allowInsecureHttp: options.allowInsecureHttp ?? false, timeout },
        endpoint,
        identity: {
          clientId: options.clientId,
          clientSecret: options.clientSecret,
          clientIssuer: options.clientIssuer,
          tokenEndpointAuthMethod: options.tokenEndpointAuthMethod,
          clientMetadataUrl: options.clientMetadataUrl,
          clientName: options.clientName ?? "mcp-effect",
          applicationType: options.applicationType ?? "native",
          grantTypes: ["authorization_code", "refresh_token"]
        },
        grant: options.grant,
        scope: options.scope,
        offlineAccess: options.offlineAccess ?? true,
        legacy: options.legacyDiscovery ?? true,
        store: deps.store,
        authorizer: deps.authorizer,
        dpop
      }
      const resource: Resource = {
        config,
        load: Effect.void,
        generation: 0,
        grant: undefined,
        flight: undefined,
        failure: undefined
      }
      resource.load = Effect.runSync(Effect.cached(Effect.flatMap(Flow.loadGrant(config), (grant) =>
        Effect.sync(() => {
          if (resource.grant === undefined && grant !== undefined) resource.grant = grant
        }))))
      resources.set(endpoint, resource)
      return resource
    }

    /** The renewal itself: refresh where it can, else a full authorization. */
    const run = (resource: Resource, reason: Reason): Effect.Effect<Flow.Grant, McpError.AuthorizationError> => {
      const grant = resource.grant
      const config = resource.config
      const endpoint = config.endpoint
      const kind = config.grant === undefined
        ? "authorization_code"
        : config.grant._tag === "ClientCredentials"
        ? "client_credentials"
        : "identity_assertion"
      const authorize = (previous: string | undefined, started: McpAuth.AuthEvent) =>
        Effect.zipRight(
          deps.publish(started),
          Flow.authorize(config, reason._tag === "Expired" ? undefined : reason.challenge, previous)
        ).pipe(
          Effect.tap((next) =>
            deps.publish({
              _tag: "Authorized",
              resource: endpoint,
              issuer: next.server.issuer,
              ...(next.scope === undefined ? {} : { scope: next.scope })
            })
          )
        )
      const started = (trigger: "unauthorized" | "refresh-rejected"): McpAuth.AuthEvent => ({
        _tag: "Started",
        resource: endpoint,
        trigger,
        grant: kind
      })
      if (reason._tag === "StepUp") {
        const scope = reason.challenge.scope
        return authorize(grant?.scope, {
          _tag: "StepUp",
          resource: endpoint,
          ...(scope === undefined ? {} : { scope })
        })
      }
      if (grant?.refresh_token === undefined || (reason._tag === "Unauthorized" && reason.again)) {
        return authorize(undefined, started("unauthorized"))
      }
      return Flow.refresh(config, grant).pipe(
        Effect.tap((next) =>
          deps.publish({
            _tag: "Refreshed",
            resource: endpoint,
            issuer: next.server.issuer,
            ...(next.expires_at === undefined ? {} : { expiresAt: next.expires_at })
          })
        ),
        // A refresh token the server no longer takes: authorize afresh (once: this is the renewal).
        Effect.catchAll((error) =>
          error.status !== undefined && error.status >= 400 && error.status < 500
            ? Effect.zipRight(Flow.forgetGrant(config), authorize(undefined, started("refresh-rejected")))
            : Effect.fail(error)
        )
      )
    }

    /** Renew the grant of generation `used`, once for everyone who used it. */
    const renew = (resource: Resource, used: number, reason: Reason, signal: McpHttp.Signal | undefined) =>
      Effect.flatMap(Effect.zip(Clock.currentTimeMillis, Effect.fiberId), ([now, fiberId]) => {
        // One synchronous decision: no other fiber runs between the checks and the set.
        if (resource.generation !== used) return Effect.void
        if (resource.flight !== undefined) return awaitRenewal(resource.flight, signal)
        const failure = resource.failure
        if (failure !== undefined && failure.generation === used && now < failure.until) {
          return Effect.fail(failure.error)
        }
        const flight = Deferred.unsafeMake<void, McpError.AuthorizationError>(fiberId)
        resource.flight = flight
        const renewal = run(resource, reason).pipe(
          Effect.onExit((exit) =>
            Effect.flatMap(Clock.currentTimeMillis, (end) => {
              resource.flight = undefined
              if (Exit.isSuccess(exit)) {
                resource.grant = exit.value
                resource.generation++
                resource.failure = undefined
              } else {
                const error = exit.cause._tag === "Fail" ? exit.cause.error : undefined
                if (error !== undefined) resource.failure = { generation: used, error, until: end + cooldown }
                if (error !== undefined) {
                  return Effect.zipRight(deps.publish(failedEvent(error)), Deferred.done(flight, Exit.asVoid(exit)))
                }
              }
              return Deferred.done(flight, Exit.asVoid(exit))
            })
          )
        )
        return Effect.zipRight(Effect.forkIn(renewal, scope), awaitRenewal(flight, signal))
      })

    /** The request with the grant's token: Bearer, or DPoP with a fresh proof (RFC 9449 §7). */
    const withToken = (
      request: McpHttp.Request,
      grant: Flow.Grant | undefined
    ): Effect.Effect<McpHttp.Request, McpError.HttpFailure> => {
      if (grant === undefined) return Effect.succeed(request)
      const token = grant.access_token
      if (grant.token_type !== "DPoP" || dpop === undefined) {
        return Effect.succeed({ ...request, headers: { ...request.headers, authorization: `Bearer ${token}` } })
      }
      return Dpop.header(dpop, { method: request.method, url: request.url, accessToken: token }).pipe(
        Effect.mapError((description) => new McpError.HttpFailure({ description })),
        Effect.map((proof) => ({
          ...request,
          headers: { ...request.headers, authorization: `DPoP ${token}`, dpop: proof }
        }))
      )
    }

    const stepUpFailed = (resource: Resource, challenge: Challenge.Bearer, description: string) =>
      new McpError.AuthorizationFailed({
        resource: resource.config.endpoint,
        step: "step-up",
        description,
        error: challenge.error ?? "insufficient_scope",
        ...(challenge.errorDescription === undefined ? {} : { error_description: challenge.errorDescription }),
        status: 403
      })

    const failStepUp = (error: McpError.AuthorizationFailed) =>
      Effect.zipRight(deps.publish(failedEvent(error)), Effect.fail(error))

    const execute = (request: McpHttp.Request): Effect.Effect<McpHttp.Response, McpError.HttpFailure> => {
      const resource = resourceFor(endpointOf(request.url))
      return Effect.gen(function*() {
        yield* resource.load
        let renewals = 0
        let stepUps = 0
        let nonceRetries = 0
        while (true) {
          const used = resource.generation
          const grant = resource.grant
          if (grant?.expires_at !== undefined && grant.refresh_token !== undefined && renewals < MAX_RENEWALS) {
            const now = yield* Clock.currentTimeMillis
            if (grant.expires_at - skew <= now) {
              renewals++
              yield* renew(resource, used, { _tag: "Expired" }, request.signal)
              continue
            }
          }
          const response = yield* Effect.flatMap(withToken(request, grant), deps.http.execute)
          const freshNonce = grant?.token_type === "DPoP" && dpop?.nonces.update(request.url, response.headers) === true
          if (response.status !== 401 && response.status !== 403) return response
          const header = response.headers["www-authenticate"]
          // RFC 9449 §9: the resource wants a nonce it just sent: the same request again, with it (bounded).
          if (response.status === 401 && freshNonce && Challenge.wantsDpopNonce(header) && nonceRetries < 2) {
            nonceRetries++
            yield* response.discard
            continue
          }
          const challenge = Challenge.bearer(header)
          if (response.status === 401) {
            if (renewals >= MAX_RENEWALS) {
              yield* response.discard
              const error = new McpError.AuthorizationFailed({
                resource: resource.config.endpoint,
                step: "authorization",
                description: "the server rejected a freshly issued token",
                ...(challenge?.error === undefined ? {} : { error: challenge.error }),
                status: 401
              })
              // Remembered like a failed renewal: the client's retries must not authorize again and again.
              const now = yield* Clock.currentTimeMillis
              resource.failure = { generation: resource.generation, error, until: now + cooldown }
              yield* deps.publish(failedEvent(error))
              return yield* Effect.fail(error)
            }
            yield* response.discard
            yield* renew(resource, used, { _tag: "Unauthorized", challenge, again: renewals > 0 }, request.signal)
            renewals++
            continue
          }
          if (challenge?.error !== "insufficient_scope") return response
          yield* response.discard
          if (stepUps >= maxStepUps) {
            return yield* failStepUp(
              stepUpFailed(resource, challenge, `still insufficient after ${stepUps} step-up(s)`)
            )
          }
          if (stepUps > 0 && Flow.covers(resource.grant?.scope, challenge.scope)) {
            return yield* failStepUp(stepUpFailed(resource, challenge, "the server refuses the scope it asked for"))
          }
          stepUps++
          yield* Effect.logDebug("McpAuth: step-up authorization").pipe(
            Effect.annotateLogs({ scope: challenge.scope ?? "" })
          )
          yield* renew(resource, used, { _tag: "StepUp", challenge }, request.signal)
        }
      }).pipe(
        Effect.catchIf(
          (error): error is McpError.AuthorizationError => error._tag !== "HttpFailure",
          (error) => Effect.fail(toHttpFailure(error))
        )
      )
    }

    /** RFC 7009 where the server offers it, then the grant is forgotten here and in the store, whatever the server said. */
    const revoke = (url: string): Effect.Effect<McpAuth.RevokeResult, McpError.AuthorizationFailed> => {
      const resource = resourceFor(endpointOf(url))
      const forget = Effect.suspend(() => {
        resource.grant = undefined
        resource.generation++
        resource.failure = undefined
        return Flow.forgetGrant(resource.config)
      })
      return Effect.gen(function*() {
        yield* resource.load
        const grant = resource.grant ?? (yield* Flow.loadGrant(resource.config))
        if (grant === undefined) return { hadTokens: false, revoked: [] }
        const outcome = yield* Effect.exit(Revoke.revoke(resource.config, grant))
        yield* forget
        if (Exit.isFailure(outcome)) {
          if (outcome.cause._tag === "Fail") yield* deps.publish(failedEvent(outcome.cause.error))
          return yield* Effect.failCause(outcome.cause)
        }
        yield* deps.publish({ _tag: "Revoked", resource: resource.config.endpoint, revoked: outcome.value })
        return { hadTokens: true, revoked: outcome.value }
      }).pipe(Effect.onInterrupt(() => forget))
    }

    return { http: { execute }, revoke }
  })

/**
 * The authorization middleware: an `McpHttp` over an `McpHttp`.
 *
 * Per MCP endpoint (the exact URL, so a token only ever goes where it was
 * issued for) it keeps the current grant and a generation number. A request
 * carries the current token; when it meets a 401, an expired token or a 403
 * `insufficient_scope`, it asks for a renewal of the generation it used
 * (`renewal.ts`: one renewal for everyone who used that generation, so N
 * requests meeting one expired token cause one refresh). Every loop is
 * bounded: two renewals and `maxStepUps` step-ups per request; a failed
 * renewal is remembered for `failureCooldown`.
 *
 * A DPoP-bound grant (RFC 9449) goes as `Authorization: DPoP` with a fresh
 * proof per request; a 401 `use_dpop_nonce` carrying a new nonce repeats the
 * request with it, at most twice, without counting as a renewal.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
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
import * as Renewal from "./renewal.js"
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

/** Renewals (refresh or authorization) one request may cause: a second 401 on a fresh token is final. */
const MAX_RENEWALS = 2

const endpointOf = (url: string): string => {
  const hash = url.indexOf("#")
  return hash === -1 ? url : url.slice(0, hash)
}

const toHttpFailure = (error: McpError.AuthorizationError) =>
  new McpError.HttpFailure({ description: error.message, cause: error })

/** One middleware's state: its settings, read once, and a record per MCP endpoint. */
interface State extends Renewal.Context {
  readonly deps: Deps
  readonly maxStepUps: number
  readonly skew: number
  readonly timeout: Duration.Duration
  readonly resources: Map<string, Renewal.Resource>
  readonly dpop: Dpop.Context | undefined
}

/** @internal */
export const make = (deps: Deps): Effect.Effect<Middleware, never, Scope.Scope> =>
  Effect.map(Effect.scope, (scope) => {
    const options = deps.options
    const state: State = {
      deps,
      publish: deps.publish,
      scope,
      maxStepUps: options.maxStepUps ?? 2,
      skew: Duration.toMillis(Duration.decode(options.refreshSkew ?? "30 seconds")),
      cooldown: Duration.toMillis(Duration.decode(options.failureCooldown ?? "1 minute")),
      timeout: Duration.decode(options.timeout ?? "30 seconds"),
      resources: new Map(),
      dpop: options.dpop === undefined || options.dpop === false
        ? undefined
        : Dpop.makeContext(options.dpop === true ? undefined : options.dpop.keyPair)
    }
    return {
      http: { execute: (request) => execute(state, request) },
      revoke: (url) => revoke(state, url)
    }
  })

const resourceFor = (state: State, endpoint: string): Renewal.Resource => {
  const existing = state.resources.get(endpoint)
  if (existing !== undefined) return existing
  const { deps, dpop, timeout } = state
  const options = deps.options
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
  const resource: Renewal.Resource = {
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
  state.resources.set(endpoint, resource)
  return resource
}
/** The request with the grant's token: Bearer, or DPoP with a fresh proof (RFC 9449 §7). */
const withToken = (
  state: State,
  request: McpHttp.Request,
  grant: Flow.Grant | undefined
): Effect.Effect<McpHttp.Request, McpError.HttpFailure> => {
  if (grant === undefined) return Effect.succeed(request)
  const token = grant.access_token
  const dpop = state.dpop
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

const stepUpFailed = (resource: Renewal.Resource, challenge: Challenge.Bearer, description: string) =>
  new McpError.AuthorizationFailed({
    resource: resource.config.endpoint,
    step: "step-up",
    description,
    error: challenge.error ?? "insufficient_scope",
    ...(challenge.errorDescription === undefined ? {} : { error_description: challenge.errorDescription }),
    status: 403
  })

const failWith = (state: State, error: McpError.AuthorizationFailed) =>
  Effect.zipRight(state.publish(Renewal.failedEvent(error)), Effect.fail(error))

/** A second 401 on a fresh token: final, and remembered like a failed renewal so retries do not authorize again and again. */
const rejectedFreshToken = (state: State, resource: Renewal.Resource, challenge: Challenge.Bearer | undefined) =>
  Effect.flatMap(Clock.currentTimeMillis, (now) => {
    const error = new McpError.AuthorizationFailed({
      resource: resource.config.endpoint,
      step: "authorization",
      description: "the server rejected a freshly issued token",
      ...(challenge?.error === undefined ? {} : { error: challenge.error }),
      status: 401
    })
    resource.failure = { generation: resource.generation, error, until: now + state.cooldown }
    return failWith(state, error)
  })

const execute = (state: State, request: McpHttp.Request): Effect.Effect<McpHttp.Response, McpError.HttpFailure> => {
  const resource = resourceFor(state, endpointOf(request.url))
  const { dpop, deps } = state
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
        if (grant.expires_at - state.skew <= now) {
          renewals++
          yield* Renewal.renew(state, resource, used, { _tag: "Expired" }, request.signal)
          continue
        }
      }
      const response = yield* Effect.flatMap(withToken(state, request, grant), deps.http.execute)
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
        yield* response.discard
        if (renewals >= MAX_RENEWALS) return yield* rejectedFreshToken(state, resource, challenge)
        yield* Renewal.renew(
          state,
          resource,
          used,
          { _tag: "Unauthorized", challenge, again: renewals > 0 },
          request.signal
        )
        renewals++
        continue
      }
      if (challenge?.error !== "insufficient_scope") return response
      yield* response.discard
      if (stepUps >= state.maxStepUps) {
        return yield* failWith(
          state,
          stepUpFailed(resource, challenge, `still insufficient after ${stepUps} step-up(s)`)
        )
      }
      if (stepUps > 0 && Flow.covers(resource.grant?.scope, challenge.scope)) {
        return yield* failWith(state, stepUpFailed(resource, challenge, "the server refuses the scope it asked for"))
      }
      stepUps++
      yield* Effect.logDebug("McpAuth: step-up authorization").pipe(
        Effect.annotateLogs({ scope: challenge.scope ?? "" })
      )
      yield* Renewal.renew(state, resource, used, { _tag: "StepUp", challenge }, request.signal)
    }
  }).pipe(
    Effect.catchIf(
      (error): error is McpError.AuthorizationError => error._tag !== "HttpFailure",
      (error) => Effect.fail(toHttpFailure(error))
    )
  )
}

/** RFC 7009 where the server offers it, then the grant is forgotten here and in the store, whatever the server said. */
const revoke = (state: State, url: string): Effect.Effect<McpAuth.RevokeResult, McpError.AuthorizationFailed> => {
  const resource = resourceFor(state, endpointOf(url))
  const publish = state.publish
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
      if (outcome.cause._tag === "Fail") yield* publish(Renewal.failedEvent(outcome.cause.error))
      return yield* Effect.failCause(outcome.cause)
    }
    yield* publish({ _tag: "Revoked", resource: resource.config.endpoint, revoked: outcome.value })
    return { hadTokens: true, revoked: outcome.value }
  }).pipe(Effect.onInterrupt(() => forget))
}

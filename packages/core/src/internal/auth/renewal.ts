/**
 * Renewing an endpoint's grant, once for everyone who used it.
 *
 * A request that meets an expired or refused token asks for a renewal *of
 * the generation it used*: the generation moved on meanwhile → someone
 * renewed already; a renewal in flight → wait for it (a `Deferred`); else
 * start one in the middleware's scope, so a caller's timeout or interruption
 * never cancels the renewal others wait for. The decision is one synchronous
 * step (no fiber can interleave), which is why no lock is needed. A failed
 * renewal is remembered for the cooldown.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Scope from "effect/Scope"
import type * as McpAuth from "../../McpAuth.js"
import * as McpError from "../../McpError.js"
import type * as McpHttp from "../../McpHttp.js"
import type * as Challenge from "./challenge.js"
import * as Flow from "./flow.js"

/** What a renewal needs of its middleware. @internal */
export interface Context {
  /** Where the authorization events go (never a token, code or secret in them). */
  readonly publish: (event: McpAuth.AuthEvent) => Effect.Effect<void>
  /** The middleware's scope: renewals run in it. */
  readonly scope: Scope.Scope
  /** How long a failed renewal is remembered (ms). */
  readonly cooldown: number
}

/** The event of a failure: its step and the server's answer, not what was sent. @internal */
export const failedEvent = (error: McpError.AuthorizationError): McpAuth.AuthEvent =>
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

/** @internal */
export type Reason =
  | { readonly _tag: "Expired" }
  | {
    readonly _tag: "Unauthorized"
    readonly challenge: Challenge.Bearer | undefined
    /** A renewal for this request already happened: refreshing again at the same server would not help. */
    readonly again: boolean
  }
  | { readonly _tag: "StepUp"; readonly challenge: Challenge.Bearer }

/** One MCP endpoint's grant and its renewal. @internal */
export interface Resource {
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
/** The renewal itself: refresh where it can, else a full authorization. */
const run = (
  ctx: Context,
  resource: Resource,
  reason: Reason
): Effect.Effect<Flow.Grant, McpError.AuthorizationError> => {
  const { publish } = ctx
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
      publish(started),
      Flow.authorize(config, reason._tag === "Expired" ? undefined : reason.challenge, previous)
    ).pipe(
      Effect.tap((next) =>
        publish({
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
      publish({
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

/** Renew the grant of generation `used`, once for everyone who used it. @internal */
export const renew = (
  ctx: Context,
  resource: Resource,
  used: number,
  reason: Reason,
  signal: McpHttp.Signal | undefined
) =>
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
    const renewal = run(ctx, resource, reason).pipe(
      Effect.onExit((exit) =>
        Effect.flatMap(Clock.currentTimeMillis, (end) => {
          resource.flight = undefined
          if (Exit.isSuccess(exit)) {
            resource.grant = exit.value
            resource.generation++
            resource.failure = undefined
          } else {
            const error = exit.cause._tag === "Fail" ? exit.cause.error : undefined
            if (error !== undefined) {
              resource.failure = { generation: used, error, until: end + ctx.cooldown }
              return Effect.zipRight(ctx.publish(failedEvent(error)), Deferred.done(flight, Exit.asVoid(exit)))
            }
          }
          return Deferred.done(flight, Exit.asVoid(exit))
        })
      )
    )
    return Effect.zipRight(Effect.forkIn(renewal, ctx.scope), awaitRenewal(flight, signal))
  })

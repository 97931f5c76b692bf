/**
 * Authorization for tests: an `Authorizer` without a user.
 *
 * {@link headless} opens the authorization URL itself with a GET, does not
 * follow the redirect, and answers the query parameters of its `Location`:
 * what a browser would have delivered to the redirect URI after an
 * authorization server that approves at once (the conformance suite's, or
 * a test server's). Nothing listens on the redirect URI.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as McpAuth from "../McpAuth.js"
import * as McpError from "../McpError.js"
import * as McpHttp from "../McpHttp.js"

/**
 * @since 0.2.0
 * @category models
 */
export interface HeadlessOptions {
  /** Default: `http://localhost:3000/callback` (the conformance suite's reference client's). */
  readonly redirectUri?: string | undefined
}

const failed = (resource: string, description: string, status?: number) =>
  new McpError.AuthorizationFailed({
    resource,
    step: "authorization",
    description,
    ...(status === undefined ? {} : { status })
  })

/**
 * A headless `Authorizer` on an `McpHttp` that does not follow redirects
 * (`NodeMcpHttp`, or the in-memory test server's).
 *
 * @since 0.2.0
 * @category constructors
 */
export const headless = (http: McpHttp.Service, options: HeadlessOptions = {}): McpAuth.AuthorizerService => {
  const redirectUri = options.redirectUri ?? "http://localhost:3000/callback"
  return {
    redirectUri,
    authorize: (request) =>
      Effect.gen(function*() {
        const response = yield* http.execute({
          method: "GET",
          url: request.url,
          headers: {},
          body: undefined,
          tracerPropagation: false
        }).pipe(Effect.mapError((failure) => failed(request.resource, failure.description)))
        yield* response.discard
        const location = response.headers.location
        if (response.status < 300 || response.status >= 400 || location === undefined) {
          return yield* Effect.fail(
            failed(
              request.resource,
              `the authorization endpoint answered ${response.status}, not a redirect`,
              response.status
            )
          )
        }
        const target = new URL(location, request.url)
        const expected = new URL(redirectUri)
        if (target.origin !== expected.origin || target.pathname !== expected.pathname) {
          return yield* Effect.fail(
            failed(request.resource, `redirected to ${target.origin}${target.pathname}, not the redirect URI`)
          )
        }
        return Object.fromEntries(target.searchParams)
      })
  }
}

/**
 * The headless `Authorizer` on the `McpHttp` of the context.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerHeadless = (options: HeadlessOptions = {}): Layer.Layer<McpAuth.Authorizer, never, McpHttp.McpHttp> =>
  Layer.effect(McpAuth.Authorizer, Effect.map(McpHttp.McpHttp, (http) => headless(http, options)))

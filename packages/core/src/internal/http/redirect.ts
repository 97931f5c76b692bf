/**
 * 307 and 308, followed to the same origin only. Both keep the method and
 * the body (unlike 301/302/303, which clients turn into GETs and which are
 * left to the caller as `UnexpectedStatus`). A redirect elsewhere is never
 * followed: the request carries `Mcp-Session-Id` and the app's credentials
 * (`Authorization`…), which belong to this server. A chain is bounded
 * (`MAX_HOPS`). Each follow-up goes to the new URL for this request only:
 * the endpoint stays the one configured.
 *
 * Backends that follow redirects themselves (browsers' and Node's `fetch`)
 * never show the client a 307; `NodeMcpHttp` (undici's dispatcher) does.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as McpError from "../../McpError.js"
import type * as McpHttp from "../../McpHttp.js"

/** @internal */
export const MAX_HOPS = 5

/** Why a redirect came back to the caller. @internal */
export type NotFollowed = "crossOrigin" | "tooManyRedirects" | "invalidLocation"

const isFollowable = (status: number) => status === 307 || status === 308

/** Where `location` points, resolved against `base`; `undefined` when either is no URL. */
const resolve = (location: string, base: string): URL | undefined => {
  try {
    return new URL(location, new URL(base))
  } catch {
    return undefined
  }
}

/**
 * The origin redirects may lead to: the endpoint's. Parsed once per exchange
 * (a URL parse per request is a measurable share of a call's CPU);
 * `undefined` when the endpoint is no URL, and then nothing is followed.
 *
 * @internal
 */
export const originOf = (endpoint: string): string | undefined => resolve(endpoint, endpoint)?.origin

/** Whether `status` asks to be followed (307, 308): the caller's cheap test before `follow`. @internal */
export const isRedirect = isFollowable

/**
 * `response`, the answer to `request`, followed while it is a 307/308 to
 * `origin`, up to `MAX_HOPS` times; any other answer (a redirect not followed
 * included) is returned. The caller sends the first request and calls this
 * only for a 307/308, so an ordinary answer costs nothing here.
 *
 * @internal
 */
export const follow = (
  http: McpHttp.Service,
  request: McpHttp.Request,
  origin: string | undefined,
  response: McpHttp.Response
): Effect.Effect<McpHttp.Response, McpError.HttpFailure> => hop(http, request, origin, request.url, 0, response)

const hop = (
  http: McpHttp.Service,
  request: McpHttp.Request,
  origin: string | undefined,
  url: string,
  hops: number,
  response: McpHttp.Response
): Effect.Effect<McpHttp.Response, McpError.HttpFailure> => {
  if (origin === undefined || !isFollowable(response.status) || hops >= MAX_HOPS) return Effect.succeed(response)
  const location = response.headers["location"]
  const next = location === undefined ? undefined : resolve(location, url)
  if (next === undefined || next.origin !== origin) return Effect.succeed(response)
  const to = next.href
  return Effect.zipRight(
    response.discard,
    Effect.flatMap(
      http.execute(to === request.url ? request : { ...request, url: to }),
      (answer) => hop(http, request, origin, to, hops + 1, answer)
    )
  )
}

/**
 * Why a 307/308 answer reached the caller (`follow` returned it): its
 * `Location` is missing or no URL, points to another origin than
 * `endpoint`'s, or the chain was too long. `undefined` for other statuses.
 *
 * @internal
 */
export const notFollowed = (endpoint: string, response: McpHttp.Response): NotFollowed | undefined => {
  if (!isFollowable(response.status)) return undefined
  const location = response.headers["location"]
  const next = location === undefined ? undefined : resolve(location, endpoint)
  if (next === undefined) return "invalidLocation"
  return next.origin === resolve(endpoint, endpoint)?.origin ? "tooManyRedirects" : "crossOrigin"
}

/**
 * The HTTP of authorization (metadata, registration, tokens) over the same
 * `McpHttp` the client runs on, before any authorization is added to it:
 * bounded in size and time, HTTPS only (loopback aside, or where the
 * application opted out), redirects followed only within the origin (a
 * token request is never replayed to another host; RFC 9700 §4.11).
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Predicate from "effect/Predicate"
import * as McpError from "../../McpError.js"
import type * as McpHttp from "../../McpHttp.js"

/** @internal */
export interface Context {
  readonly http: McpHttp.Service
  /** The protected resource, for error context. */
  readonly resource: string
  /** Plain `http:` to non-loopback hosts (development only). */
  readonly allowInsecureHttp: boolean
  readonly timeout: Duration.Duration
}

/** @internal */
export interface Reply {
  readonly url: string
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  /** The body parsed as JSON, when it is JSON. */
  readonly json: unknown
}

/** Bodies of metadata and token responses are small; anything longer is cut off and not JSON. */
const MAX_BODY = 256 * 1024
const MAX_REDIRECTS = 3

/** @internal */
export const isLoopback = (url: URL): boolean =>
  url.hostname === "localhost" || url.hostname === "127.0.0.1" || url.hostname === "[::1]" ||
  url.hostname.endsWith(".localhost")

/** A URL authorization may talk to, or why not. @internal */
export const checkUrl = (ctx: Context, raw: string): URL | string => {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return `not a URL: ${raw}`
  }
  if (url.protocol === "https:") return url
  if (url.protocol === "http:" && (ctx.allowInsecureHttp || isLoopback(url))) return url
  return `refusing ${url.protocol} URL ${url.origin}: authorization needs HTTPS (loopback aside)`
}

/** @internal */
export const failed = (
  ctx: Pick<Context, "resource">,
  step: McpError.AuthorizationStep,
  description: string,
  extra: { readonly status?: number | undefined; readonly json?: unknown } = {}
): McpError.AuthorizationFailed => {
  const json = extra.json
  const error = Predicate.isRecord(json) && typeof json.error === "string" ? json.error : undefined
  const errorDescription = Predicate.isRecord(json) && typeof json.error_description === "string"
    ? json.error_description.slice(0, 512)
    : undefined
  return new McpError.AuthorizationFailed({
    resource: ctx.resource,
    step,
    description,
    ...(error === undefined ? {} : { error: error.slice(0, 128) }),
    ...(errorDescription === undefined ? {} : { error_description: errorDescription }),
    ...(extra.status === undefined ? {} : { status: extra.status })
  })
}

const readBody = (response: McpHttp.Response): Effect.Effect<string, McpError.HttpFailure> => {
  let text = ""
  const loop: Effect.Effect<string, McpError.HttpFailure> = Effect.flatMap(response.read, (piece) => {
    if (piece === undefined) return Effect.succeed(text)
    text += piece
    return text.length > MAX_BODY ? Effect.as(response.discard, text.slice(0, MAX_BODY)) : loop
  })
  return loop
}

const parseJson = (body: string): unknown => {
  try {
    return JSON.parse(body)
  } catch {
    return undefined
  }
}

/** @internal */
export interface Request {
  readonly method: "GET" | "POST"
  readonly url: string
  readonly headers?: Readonly<Record<string, string>> | undefined
  readonly body?: string | undefined
}

/**
 * One exchange; 3xx within the origin is followed (at most 3 times), any
 * other answer is returned for the caller to judge.
 *
 * @internal
 */
export const exchange = (
  ctx: Context,
  step: McpError.AuthorizationStep,
  request: Request
): Effect.Effect<Reply, McpError.AuthorizationFailed> =>
  Effect.gen(function*() {
    let url = request.url
    for (let hop = 0;; hop++) {
      const checked = checkUrl(ctx, url)
      if (typeof checked === "string") return yield* Effect.fail(failed(ctx, step, checked))
      const response = yield* ctx.http.execute({
        method: request.method,
        url: checked.href,
        headers: { accept: "application/json", ...request.headers },
        body: request.body,
        tracerPropagation: false
      })
      const location = response.headers.location
      if (response.status >= 300 && response.status < 400 && location !== undefined && hop < MAX_REDIRECTS) {
        yield* response.discard
        const next = new URL(location, checked)
        // Only within the origin, and a POST only where the method is kept (307/308).
        const sameOrigin = next.origin === checked.origin
        if (sameOrigin && (request.method === "GET" || response.status === 307 || response.status === 308)) {
          url = next.href
          continue
        }
        return { url: checked.href, status: response.status, headers: response.headers, body: "", json: undefined }
      }
      const body = yield* readBody(response)
      return { url: checked.href, status: response.status, headers: response.headers, body, json: parseJson(body) }
    }
  }).pipe(
    Effect.catchTag(
      "HttpFailure",
      (failure) => Effect.fail(failed(ctx, step, `${request.url}: ${failure.description}`))
    ),
    Effect.timeoutFail({
      duration: ctx.timeout,
      onTimeout: () => failed(ctx, step, `${request.url}: no answer within ${Duration.format(ctx.timeout)}`)
    })
  )

/** `application/x-www-form-urlencoded` of the defined entries. @internal */
export const form = (entries: Readonly<Record<string, string | undefined>>): string => {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(entries)) if (value !== undefined) params.set(key, value)
  return params.toString()
}

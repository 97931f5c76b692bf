/**
 * `McpHttp` on an undici dispatcher: a request's target, headers and span,
 * around the exchange of `undiciExchange.ts`.
 *
 * @internal
 */
import { McpHttp } from "@mcp-effect/core"
import { McpError } from "@mcp-effect/core"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import type * as Tracer from "effect/Tracer"
import type { Dispatcher } from "undici"
import { send } from "./undiciExchange.js"

/** Where a request goes, and what its span says of it. */
interface Target {
  readonly origin: string
  /** The request target: path and query. */
  readonly path: string
  readonly pathname: string
  readonly query: string
  readonly host: string
  readonly port: string
  readonly scheme: string
}

/** One `McpHttp`'s state. */
interface Client {
  readonly dispatcher: Dispatcher
  /**
   * The last URL parsed, and what it parsed into: the client sends every
   * request to its one endpoint, so the URL is parsed once.
   */
  lastUrl: string
  lastTarget: Target
}

/** @internal */
export const make = (dispatcher: Dispatcher, options?: Options): McpHttp.Service => {
  const client: Client = {
    dispatcher,
    lastUrl: "",
    lastTarget: { origin: "", path: "", pathname: "", query: "", host: "", port: "", scheme: "" }
  }
  const max = options?.maxHandshakes ?? defaultMaxHandshakes
  return {
    execute: (request) => execute(client, request),
    ...(max === Infinity ? {} : { handshakes: McpHttp.permits(max) })
  }
}

/** @internal */
export interface Options {
  readonly maxHandshakes?: number | undefined
}

/** @internal */
export const defaultMaxHandshakes = 128

const execute = (client: Client, request: McpHttp.Request): Effect.Effect<McpHttp.Response, McpError.HttpFailure> =>
  Effect.withFiberRuntime((fiber) => {
    let target: Target
    try {
      target = targetOf(client, request.url)
    } catch (error) {
      return Effect.fail(new McpError.HttpFailure({ description: `invalid URL: ${request.url}`, cause: error }))
    }
    const headers: Record<string, string> = request.body === undefined
      ? { ...request.headers }
      : { "content-type": "application/json", ...request.headers }
    if (!fiber.getFiberRef(FiberRef.currentTracerEnabled)) {
      return send(client.dispatcher, request, target.origin, target.path, headers)
    }
    if (fiber.currentTracer === builtInTracer()) {
      // Effect's built-in tracer exports nothing: a span per request would be built and dropped.
      // The server still learns the caller's span, if there is one.
      const parent = fiber.currentSpan
      if (request.tracerPropagation && parent !== undefined) Object.assign(headers, traceHeaders(parent))
      return send(client.dispatcher, request, target.origin, target.path, headers)
    }
    return traced(client, request, target, headers)
  })

/**
 * The span of `@effect/platform`'s HttpClient, by name and semantic
 * attributes (not one attribute per header: costly, and a place where
 * credentials end up).
 */
const traced = (client: Client, request: McpHttp.Request, target: Target, headers: Record<string, string>) =>
  Effect.useSpan(`http.client ${request.method}`, { kind: "client", captureStackTrace: false }, (span) => {
    span.attribute("http.request.method", request.method)
    span.attribute("server.address", target.host)
    if (target.port !== "") span.attribute("server.port", Number(target.port))
    span.attribute("url.full", request.url)
    span.attribute("url.path", target.pathname)
    if (target.query !== "") span.attribute("url.query", target.query)
    span.attribute("url.scheme", target.scheme)
    if (request.tracerPropagation) Object.assign(headers, traceHeaders(span))
    return Effect.tap(
      Effect.withParentSpan(send(client.dispatcher, request, target.origin, target.path, headers), span),
      (response) => span.attribute("http.response.status_code", response.status)
    )
  })

/** The target of `url`; throws on a URL that does not parse. */
const targetOf = (client: Client, url: string): Target => {
  if (url !== client.lastUrl) {
    const parsed = new URL(url)
    client.lastTarget = {
      origin: parsed.origin,
      path: `${parsed.pathname}${parsed.search}`,
      pathname: parsed.pathname,
      query: parsed.search.slice(1),
      host: parsed.hostname,
      port: parsed.port,
      scheme: parsed.protocol.slice(0, -1)
    }
    client.lastUrl = url
  }
  return client.lastTarget
}

let nativeTracer: Tracer.Tracer | undefined = undefined
/** The tracer Effect installs by default, which keeps spans in memory only. */
const builtInTracer = (): Tracer.Tracer => (nativeTracer ??= Effect.runSync(Effect.tracer))

/** W3C `traceparent` and B3 headers for `span`, as `@effect/platform`'s HttpClient sends them. */
const traceHeaders = (span: Tracer.AnySpan): Record<string, string> => {
  const parent = span._tag === "Span" && span.parent._tag === "Some" ? `-${span.parent.value.spanId}` : ""
  return {
    b3: `${span.traceId}-${span.spanId}-${span.sampled ? "1" : "0"}${parent}`,
    traceparent: `00-${span.traceId}-${span.spanId}-${span.sampled ? "01" : "00"}`
  }
}

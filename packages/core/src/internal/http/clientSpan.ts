/**
 * The `http.client` span of an `McpHttp` written on a platform's own HTTP
 * (undici on Node, fetch in browsers), as `@effect/platform`'s HttpClient
 * makes it: by name and semantic attributes (not one attribute per header:
 * costly, and a place where credentials end up), and the trace headers when
 * the request asks for them. One place for both platforms.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import type * as Tracer from "effect/Tracer"
import type * as McpHttp from "../../McpHttp.js"
import type * as McpHttpSpan from "../../McpHttpSpan.js"

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

/**
 * `send(headers)` in `fiber` (the caller's, already at hand: no step of its
 * own), in an `http.client` span when a tracer that exports is installed.
 * `where` may be a function: read only for a span.
 * `headers` is the request's own copy; the trace headers are added to it.
 *
 * @internal
 */
export const traced = <E>(
  fiber: Fiber.RuntimeFiber<unknown, unknown>,
  request: McpHttp.Request,
  where: McpHttpSpan.SpanTarget | (() => McpHttpSpan.SpanTarget),
  headers: Record<string, string>,
  send: (headers: Record<string, string>) => Effect.Effect<McpHttp.Response, E>
): Effect.Effect<McpHttp.Response, E> => {
  if (!fiber.getFiberRef(FiberRef.currentTracerEnabled)) return send(headers)
  if (fiber.currentTracer === builtInTracer()) {
    // Effect's built-in tracer exports nothing: a span per request would be built and dropped.
    // The server still learns the caller's span, if there is one.
    const parent = fiber.currentSpan
    if (request.tracerPropagation && parent !== undefined) Object.assign(headers, traceHeaders(parent))
    return send(headers)
  }
  const target = typeof where === "function" ? where() : where
  return Effect.useSpan(`http.client ${request.method}`, { kind: "client", captureStackTrace: false }, (span) => {
    span.attribute("http.request.method", request.method)
    span.attribute("server.address", target.host)
    if (target.port !== "") span.attribute("server.port", Number(target.port))
    span.attribute("url.full", target.full)
    span.attribute("url.path", target.pathname)
    if (target.query !== "") span.attribute("url.query", target.query)
    span.attribute("url.scheme", target.scheme)
    if (request.tracerPropagation) Object.assign(headers, traceHeaders(span))
    return Effect.tap(
      Effect.withParentSpan(send(headers), span),
      (response) => span.attribute("http.response.status_code", response.status)
    )
  })
}

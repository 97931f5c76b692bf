/**
 * The `http.client` span of an `McpHttp` written on a platform's own HTTP
 * (`NodeMcpHttp` on undici, the browser's on fetch): the same span and trace
 * headers as `@effect/platform`'s HttpClient, in one place for every platform.
 * Its own module so that a browser bundle takes it without `McpHttp`'s
 * adapter to `@effect/platform`'s HttpClient.
 *
 * @since 0.2.0
 */
import type * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as clientSpan from "./internal/http/clientSpan.js"
import type * as McpHttp from "./McpHttp.js"

/**
 * Where a request goes, as an `http.client` span's attributes name it (see {@link traced}).
 *
 * @since 0.2.0
 * @category tracing
 */
export interface SpanTarget {
  /** The URL as sent (in a browser, resolved against the page's). */
  readonly full: string
  readonly host: string
  /** "" when the URL has none. */
  readonly port: string
  readonly pathname: string
  /** Without the "?"; "" when there is none. */
  readonly query: string
  /** Without the ":". */
  readonly scheme: string
}

/**
 * For an `McpHttp` written on a platform's own HTTP (undici, fetch): runs
 * `send(headers)` as `@effect/platform`'s HttpClient traces a request — an
 * `http.client <METHOD>` span with its semantic attributes when a tracer that
 * exports is installed, none with Effect's built-in one (it exports nothing),
 * and the W3C / B3 trace headers added to `headers` when the request's
 * `tracerPropagation` asks. `where` may be a function, read only when there is
 * a span. Called with the caller's fiber (from
 * `Effect.withFiberRuntime`), so it costs no step of its own.
 *
 * @since 0.2.0
 * @category tracing
 */
export const traced: <E>(
  fiber: Fiber.RuntimeFiber<unknown, unknown>,
  request: McpHttp.Request,
  where: SpanTarget | (() => SpanTarget),
  headers: Record<string, string>,
  send: (headers: Record<string, string>) => Effect.Effect<McpHttp.Response, E>
) => Effect.Effect<McpHttp.Response, E> = clientSpan.traced

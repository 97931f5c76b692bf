/**
 * `McpHttp` written directly on undici's dispatcher.
 *
 * Why not `@effect/platform`'s `HttpClient`: the client sends one small POST
 * per call and reads one small answer, so the HTTP layer's own cost is most
 * of a call's cost. A general-purpose `HttpClient` builds immutable request
 * objects, a URL, a span with an attribute per header, an `AbortController`
 * and a Stream over a Node `Readable` for every request; measured on the SDK
 * server, that is ~3× the CPU of the raw undici request underneath
 * (`docs/performance.md`). This module keeps what the client needs — a span
 * per request, trace headers, interruption as abort — and talks to undici's
 * handler callbacks directly: the body arrives as text pieces handed to the
 * reader waiting for them.
 *
 * Why undici and not Node's global `fetch`: `fetch` kills a response body
 * that stays silent for 300 s, and an idle SSE stream is silent for hours by
 * design. The Agent here has no body timeout.
 *
 * @since 0.1.0
 */
import { McpHttp } from "@mcp-effect/core"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Agent } from "undici"
import type { Dispatcher } from "undici"
import * as internal from "./internal/nodeMcpHttp.js"

/**
 * `McpHttp` on an undici `Dispatcher` (an `Agent`, a `Pool`, a `ProxyAgent`...).
 * The dispatcher stays the caller's to close.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (dispatcher: Dispatcher) => McpHttp.Service = internal.make

/**
 * `McpHttp` on an undici `Agent` of its own, closed with the layer's scope.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<McpHttp.McpHttp> = Layer.scoped(
  McpHttp.McpHttp,
  Effect.map(
    Effect.acquireRelease(
      Effect.sync(() => new Agent()),
      (agent) => Effect.promise(() => agent.destroy())
    ),
    make
  )
)

/**
 * `McpHttp` on a dispatcher the caller owns (e.g. an `Agent` shared by many
 * clients, or a `ProxyAgent`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerDispatcher = (dispatcher: Dispatcher): Layer.Layer<McpHttp.McpHttp> =>
  Layer.succeed(McpHttp.McpHttp, make(dispatcher))

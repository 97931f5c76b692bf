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
 * design. Requests here have no body timeout.
 *
 * Why one Agent for the process by default: an undici Agent is a connection
 * pool per origin, with its queues and its sockets. An application that holds
 * a client per user (thousands in one process) would otherwise hold thousands
 * of pools of one or two sockets each (measured: ~25 KiB of heap per client
 * for the Agent alone, `docs/performance.md`). `layer` shares one, as `fetch`
 * shares its global dispatcher; `layerPrivate` gives a client an Agent of its
 * own.
 *
 * @since 0.1.0
 */
import * as McpHttp from "@mcp-effect/core/McpHttp"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Agent } from "undici"
import type { Dispatcher } from "undici"
import * as internal from "./internal/nodeMcpHttp.js"

/**
 * Options of {@link make}.
 *
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /**
   * How many clients on this `McpHttp` run a handshake at once
   * ({@link defaultMaxHandshakes} by default; `Infinity`: no bound). After a
   * server restart every client sharing the HTTP re-initializes together; the
   * bound keeps that burst from opening a connection per client at once (10,000
   * clients ran out of file descriptors without it). The wait for a permit
   * counts neither in the client's `connectTimeout` nor in the handshake's
   * request timeout (a call waiting for its session's recovery is still bound
   * by its own deadline). Share the service (not only the dispatcher) for the
   * bound to be shared.
   */
  readonly maxHandshakes?: number | undefined
}

/**
 * The default bound on handshakes at once per `McpHttp`: enough to keep a
 * server busy, few enough connections to leave room for thousands of open
 * GET streams (measured: `docs/performance.md`, "10,000 clients in one process").
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultMaxHandshakes: number = internal.defaultMaxHandshakes

/**
 * `McpHttp` on an undici `Dispatcher` (an `Agent`, a `Pool`, a `ProxyAgent`...).
 * The dispatcher stays the caller's to close. Every client built on the
 * service shares its bound on handshakes at once (`options.maxHandshakes`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (dispatcher: Dispatcher, options?: Options) => McpHttp.Service = internal.make

let processAgent: Agent | undefined = undefined
let processHttp: McpHttp.Service | undefined = undefined

/**
 * The undici `Agent` that `layer` shares between every client of the
 * process, made on first use and never closed (its idle connections do not
 * keep the process alive, and close after undici's keep-alive timeout).
 *
 * @since 0.2.0
 * @category dispatcher
 */
export const sharedDispatcher = (): Agent => (processAgent ??= new Agent())

/**
 * `McpHttp` on the process-wide undici `Agent` (`sharedDispatcher`): every
 * client built with it shares one connection pool per origin, as `fetch`
 * shares its global dispatcher, and one bound on handshakes at once
 * ({@link defaultMaxHandshakes}). Closing a client's scope ends its session
 * and its streams, not the Agent.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<McpHttp.McpHttp> = Layer.sync(McpHttp.McpHttp, () => shared())

/**
 * The `McpHttp` that `layer` (and `NodeMcpClient.layer`) provides: on the
 * process-wide `Agent`, with the process-wide bound on handshakes at once.
 *
 * @since 0.2.0
 * @category constructors
 */
export const shared = (): McpHttp.Service => (processHttp ??= make(sharedDispatcher()))

/**
 * `McpHttp` on an undici `Agent` of its own, closed with the layer's scope:
 * for a client whose connections must not be shared (its own limits, or
 * sockets closed the moment it closes).
 *
 * @since 0.2.0
 * @category layers
 */
export const layerPrivate: Layer.Layer<McpHttp.McpHttp> = Layer.scoped(
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
export const layerDispatcher = (dispatcher: Dispatcher, options?: Options): Layer.Layer<McpHttp.McpHttp> =>
  Layer.succeed(McpHttp.McpHttp, make(dispatcher, options))

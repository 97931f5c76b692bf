/**
 * The HTTP the client runs on: one request out, its status and headers back,
 * its body read piece by piece as text.
 *
 * This is all the Streamable HTTP transport needs of HTTP, so it is all a
 * platform has to provide. `McpClient.make` / `layer` / `layerConfig` take
 * it from the context, so swapping the HTTP is providing another `McpHttp`:
 * {@link layerHttpClient} runs the client on any `@effect/platform`
 * `HttpClient`; `@mcp-effect/node` provides one written directly on undici,
 * which spares every request the cost of a general-purpose HTTP client (see
 * `docs/performance.md`); or write your own to this contract.
 *
 * The contract, for whoever implements it:
 * - `execute` resolves once the status and headers have arrived; a failure to
 *   connect, send or receive them is an `McpError.HttpFailure`.
 * - Every `Response` is finished exactly once by the client: its body read to
 *   the end (`read` answered `undefined`), released with `discard`, or, for a
 *   body handed over by callbacks (the optional `stream`), ended or failed
 *   at the sink or given up with its `abort`.
 * - Interrupting `execute` or a `read` aborts the request, and so does the
 *   request's `signal`: the client gives up on a request whose deadline
 *   passed without interrupting the fiber that runs it (which is the
 *   caller's), so `execute` or the pending `read` must then fail. A request
 *   with a signal is aborted through it also when the client interrupts it:
 *   a backend may rely on the signal alone for such requests (NodeMcpHttp
 *   does, sparing every wait an interruption handler).
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as connectFailure from "./internal/connectFailure.js"
import * as internal from "./internal/httpClient.js"
import * as internalPermits from "./internal/permits.js"
import type * as McpError from "./McpError.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Request {
  readonly method: "GET" | "POST" | "DELETE"
  readonly url: string
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>
  /**
   * The body of a POST: the JSON-RPC message, sent as `application/json`
   * unless `headers` name another `content-type` (authorization's form posts).
   */
  readonly body: string | undefined
  /**
   * Send the current span as trace headers (`traceparent`, `b3`): the
   * client's `tracerPropagation` option.
   */
  readonly tracerPropagation: boolean
  /**
   * Aborts the request from outside the fiber running it (its deadline
   * passed), and when the client interrupts it.
   */
  readonly signal?: Signal | undefined
}

/**
 * How the client gives up on a request from outside the fiber running it.
 * Once aborted, `execute` and any `read` of the request fail with an
 * `McpError.HttpFailure` (at once, or as soon as the abort arrives).
 *
 * @since 0.1.0
 * @category models
 */
export interface Signal {
  readonly aborted: boolean
  /** `f` runs once when the request is aborted (at once if it already is); the result unregisters it. */
  readonly onAbort: (f: () => void) => () => void
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Response {
  readonly status: number
  /** Header names in lower case; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>
  /** The next piece of the body as text (UTF-8), or `undefined` once the body has ended. */
  readonly read: Effect.Effect<string | undefined, McpError.HttpFailure>
  /**
   * The rest of the body is of no interest: release it, so the connection can
   * serve the next request — by reading it to its end (bounded in time and
   * size; in the background or not) or by closing the connection. Never
   * fails; harmless after the end or a second time.
   */
  readonly discard: Effect.Effect<void>
  /**
   * Optional: the body handed to `sink` by the HTTP's own callbacks as it
   * arrives, instead of by `read`, so that no fiber waits while it is idle
   * (the GET stream: open for the life of a session, mostly silent). Nothing
   * reaches `sink` until `resume` is called; from then on every piece, then
   * its end or failure, exactly once, until `pause` or `abort`. Pieces that
   * arrive while paused are held as for a `read` that is not reading. Once
   * called, `read` and `discard` are no longer used: `abort` ends the request.
   * Without it, the client reads such a body with `read` in a fiber of its own.
   *
   * @since 0.2.0
   */
  readonly stream?: ((sink: Sink) => BodyStream) | undefined
}

/**
 * Where a body read by callbacks goes (see `Response.stream`).
 *
 * @since 0.2.0
 * @category models
 */
export interface Sink {
  /** The next piece of the body as text (UTF-8). */
  readonly piece: (text: string) => void
  /** The body has ended. */
  readonly end: () => void
  /** The body failed (never after `abort`). */
  readonly fail: (failure: McpError.HttpFailure) => void
}

/**
 * A body being read by callbacks (see `Response.stream`).
 *
 * @since 0.2.0
 * @category models
 */
export interface BodyStream {
  /** Holds the body back (pausing the connection past a bound) until `resume`. */
  readonly pause: () => void
  /** Hands what is held to the sink, then every piece as it arrives. */
  readonly resume: () => void
  /** Aborts the request: nothing more reaches the sink. Harmless after the end. */
  readonly abort: () => void
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly execute: (request: Request) => Effect.Effect<Response, McpError.HttpFailure>
  /**
   * Bounds how many clients on this HTTP run a handshake (`initialize`,
   * `notifications/initialized`) at once: each attempt holds one permit. When
   * thousands of clients share one connection pool and a server restart
   * expires every session together, their re-initializes queue here instead
   * of opening thousands of connections at once (and running out of file
   * descriptors). Absent: no bound. `NodeMcpHttp` sets one (see its
   * `maxHandshakes`); {@link permits} makes one.
   *
   * @since 0.2.0
   */
  readonly handshakes?: Permits | undefined
}

/**
 * A bound on how many effects run at once, first come, first served.
 *
 * @since 0.2.0
 * @category models
 */
export interface Permits {
  /** Runs `self` once a permit is free, and frees it when `self` ends. */
  readonly withPermit: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
}

/**
 * `count` permits, each freed one handed to the longest waiter alone (Effect's
 * `Semaphore` wakes every waiter on each release: quadratic with thousands
 * queued, as every client of a restarted server is).
 *
 * @since 0.2.0
 * @category constructors
 */
export const permits: (count: number) => Permits = internalPermits.make

/**
 * The service tag.
 *
 * @since 0.1.0
 * @category tags
 */
export class McpHttp extends Context.Tag("@mcp-effect/core/McpHttp")<McpHttp, Service>() {}

/**
 * `McpHttp` on an `@effect/platform` `HttpClient`: any platform, and any
 * middleware the `HttpClient` carries. Each request is traced by the
 * `HttpClient` (an `http.client <METHOD>` span) and runs in a fiber of its
 * own, so that its `signal` can abort it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromHttpClient: (client: HttpClient.HttpClient) => Service = internal.fromHttpClient

/**
 * `McpHttp` on the `HttpClient` of the context.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerHttpClient: Layer.Layer<McpHttp, never, HttpClient.HttpClient> = /*#__PURE__*/ Layer.effect(
  McpHttp,
  // Pure calls: a bundle whose McpHttp is no HttpClient (the browser's) leaves the adapter out.
  /*#__PURE__*/ Effect.map(HttpClient.HttpClient, fromHttpClient)
)

/**
 * Whether an error from a network stack says no connection was made (refused,
 * no such host, no route, connect timeout: Node's, undici's and Bun's codes on
 * the error or its causes), so nothing of the request reached the server. An
 * `McpHttp` backend sets `HttpFailure.connect` from it, which lets the client
 * send such requests again by itself.
 *
 * @since 0.2.0
 * @category errors
 */
export const isConnectFailure: (error: unknown) => boolean = connectFailure.isConnectFailure

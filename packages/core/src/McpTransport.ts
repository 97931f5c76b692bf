/**
 * The transport seam, for transport authors: what a wire other than
 * Streamable HTTP (a child process over stdio, a socket) implements to carry
 * a client, and how to build a client on it.
 *
 * A transport sends what the client gives it on the session it names, hands
 * every message the server sends to the client's {@link Inbox}, and reports
 * what went wrong as an `McpError`:
 *
 * - the session is gone (HTTP 404; a server process that ended):
 *   `SessionExpired` for the id the request carried, `accepted` saying whether
 *   the server may have taken the request. The client then replaces the
 *   session (a new `initialize`, which for a process means a new process),
 *   restores what was per session, and re-sends or fails the requests in
 *   flight per its replay policy — the same recovery as over HTTP.
 * - the connection failed, or broke while the answer was read:
 *   `TransportError`;
 * - the server broke the protocol: `ProtocolError`.
 *
 * A transport that has no session ids of its own names its sessions itself
 * (the recovery judges a `SessionExpired` against the id the failed request
 * carried, so every session needs a distinct one).
 *
 * @example
 * ```ts
 * import { McpClient, McpTransport } from "@mcp-effect/core"
 * import { Effect, Layer } from "effect"
 *
 * declare const myTransport: McpTransport.Make
 *
 * const client: Layer.Layer<McpClient.McpClient, unknown> = McpTransport.layerClient({}).pipe(
 *   Layer.provide(Layer.succeed(McpTransport.McpTransport, myTransport))
 * )
 * ```
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as internal from "./internal/client.js"
import type * as internalTransport from "./internal/transport.js"
import * as McpClient from "./McpClient.js"
import type * as McpError from "./McpError.js"

/**
 * A transport: `initialize` opens a session (and whatever it needs: a
 * stream, a process) in the scope it is given; `request` and `send` carry
 * messages on a session; `listen` receives what the server pushes on its own
 * (run in the session's scope when the client's `getStream` is on); `end`
 * ends a session on the server.
 *
 * @since 0.2.0
 * @category models
 */
export type Transport = internalTransport.Transport

/**
 * Where a transport hands what the server sends (`deliver`), reports a session
 * found gone outside any request (`gone`), and finds a response already
 * delivered (`responseOf`).
 *
 * @since 0.2.0
 * @category models
 */
export type Inbox = internalTransport.Inbox

/**
 * The session a message is sent on.
 *
 * @since 0.2.0
 * @category models
 */
export type Target = internalTransport.Target

/**
 * What a failure concerns: the method and request id, and the request's
 * deadline — a signal that every wait of the request must give up on (it
 * fails with the deadline's `expired` error).
 *
 * @since 0.2.0
 * @category models
 */
export type RequestContext = internalTransport.Context

/**
 * What `initialize` opened: the server's response and the session to send on.
 *
 * @since 0.2.0
 * @category models
 */
export type Opened = internalTransport.Opened

/**
 * Builds a client's transport from the inbox it delivers to (one per client).
 *
 * @since 0.2.0
 * @category models
 */
export type Make = (inbox: Inbox) => Transport

/**
 * The transport a client is built on by {@link makeClient}: a factory, as
 * every client has an inbox of its own.
 *
 * @since 0.2.0
 * @category tags
 */
export class McpTransport extends Context.Tag("@mcp-effect/core/McpTransport")<McpTransport, Make>() {}

/**
 * The client options that do not belong to HTTP (a transport takes its own).
 * `era` has no effect here: a transport speaks its one generation, with no
 * detection (stdio: the session era, `initialize` on each new process).
 *
 * @since 0.2.0
 * @category models
 */
export type ClientOptions = Omit<
  McpClient.Options,
  "url" | "headers" | "tracerPropagation" | "maxBodyExcerpt" | "maxMessageSize" | "reconnect"
>

/**
 * Connects a client on the `McpTransport` service (initialize + initialized).
 * Closing the scope ends the session and everything the transport opened.
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeClient = (
  options: ClientOptions
): Effect.Effect<McpClient.Service, McpError.McpError, McpTransport | Scope.Scope> =>
  Effect.flatMap(McpTransport, (make) => internal.assemble(options, (inbox) => make(inbox)))

/**
 * {@link makeClient} as a layer of `McpClient`.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerClient = (
  options: ClientOptions
): Layer.Layer<McpClient.McpClient, McpError.McpError, McpTransport> =>
  Layer.scoped(McpClient.McpClient, makeClient(options))

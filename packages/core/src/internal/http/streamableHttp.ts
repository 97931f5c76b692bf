/**
 * The Streamable HTTP transport of the session era (2025-03-26 … 2025-11-25),
 * behind the transport seam: a POST per message (`exchange.ts`), answers read
 * and resumed (`answer.ts`), the GET stream as the listening side
 * (`listen.ts`), DELETE to end a session.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import type * as JsonRpc from "../../JsonRpc.js"
import type * as McpError from "../../McpError.js"
import * as Errors from "../errors.js"
import type * as Transport from "../transport.js"
import * as Answer from "./answer.js"
import * as Exchange from "./exchange.js"
import * as Listen from "./listen.js"

/** @internal */
export interface Config extends Exchange.Config {
  /** How a broken stream is reconnected when the server sent no `retry`. */
  readonly reconnect: Schedule.Schedule<unknown>
}

/** @internal */
export const make = (config: Config, inbox: Transport.Inbox): Transport.Transport => new SessionTransport(config, inbox)

/**
 * A client's session-era transport, which is also the reader its answers and
 * GET stream are read with: one object with prototype methods, not a closure
 * per method and a reader record (an application may hold a client per user).
 */
class SessionTransport implements Transport.Transport, Answer.Reader {
  readonly exchange: Exchange.Exchange
  readonly reconnect: Schedule.Schedule<unknown>
  constructor(config: Config, readonly inbox: Transport.Inbox) {
    this.exchange = Exchange.make(config)
    this.reconnect = config.reconnect
  }
  initialize(
    ctx: Transport.Context,
    body: string,
    requestedVersion: string
  ): Effect.Effect<Transport.Opened, McpError.McpError> {
    return initialize(this, ctx, body, requestedVersion)
  }
  request(
    ctx: Transport.Context,
    body: string,
    target: Transport.Target
  ): Effect.Effect<JsonRpc.JsonRpcResponse, McpError.McpError> {
    return Effect.flatMap(
      this.exchange.post(ctx, body, target, true),
      (answer) => Answer.await_(this, target, ctx, answer)
    )
  }
  send(ctx: Transport.Context, body: string, target: Transport.Target): Effect.Effect<void, McpError.McpError> {
    return send(this, ctx, body, target)
  }
  listen(target: Transport.Target): Effect.Effect<void, never, Scope.Scope> {
    return Listen.listen(this, target)
  }
  end(target: Transport.Target): Effect.Effect<void, McpError.McpError> {
    return target.sessionId === undefined ? Effect.void : this.exchange.del(target)
  }
}

const initialize = (reader: SessionTransport, ctx: Transport.Context, body: string, requestedVersion: string) =>
  Effect.gen(function*() {
    const answer = yield* reader.exchange.post(ctx, body, noSession, true)
    // Should the answer stream break, the resume GET must name the session this response
    // names (else a stateful server refuses it) and a version: the negotiated one is in the
    // very result still awaited, so the one asked for.
    const sessionId = answer.headers["mcp-session-id"]
    const valid = sessionId === undefined || Exchange.isValidSessionId(sessionId)
    const target: Transport.Target = { sessionId: valid ? sessionId : undefined, protocolVersion: requestedVersion }
    const response = yield* Answer.await_(reader, target, ctx, answer)
    // The session id is taken from this response only, and only if well-formed.
    if (!valid) {
      return yield* Effect.fail(
        Errors.protocolError(
          ctx,
          noSession,
          "InvalidSessionId",
          `Mcp-Session-Id must be visible ASCII, got ${JSON.stringify(sessionId)}`
        )
      )
    }
    return { response, target }
  })

const send = (reader: SessionTransport, ctx: Transport.Context, body: string, target: Transport.Target) =>
  reader.exchange.post(ctx, body, target, false).pipe(
    Effect.catchTag("UnexpectedStatus", (error): Effect.Effect<never, McpError.McpError> =>
      // A 400 to `notifications/initialized` after an initialize that showed no session id: the
      // server wants one we could not read. In a browser that is a CORS response without
      // `Access-Control-Expose-Headers: Mcp-Session-Id`.
      ctx.method === "notifications/initialized" && target.sessionId === undefined && error.status === 400
        ? Effect.fail(
          Errors.protocolError(
            ctx,
            noSession,
            "SessionHeaderHidden",
            "the server requires a session, but the initialize response showed no readable Mcp-Session-Id header " +
              "(cross-origin: the server must send Access-Control-Expose-Headers: Mcp-Session-Id)"
          )
        )
        : Effect.fail(error)),
    Effect.asVoid
  )

const noSession: Transport.Target = { sessionId: undefined, protocolVersion: undefined }

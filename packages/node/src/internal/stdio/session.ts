/**
 * One stdio session: one server process, the requests waiting for its
 * answers, and the fibers that live as long as it does — reading its stdout
 * into the client's inbox, watching for its end, checking it is alive.
 *
 * Its end is the session's loss: every request written to it fails with
 * `SessionExpired` (`accepted`: it may have run), and the loss is reported to
 * the inbox, so the recovery spawns a new process and re-initializes even if
 * no request was in flight. A liveness check that goes unanswered kills the
 * process, which then ends the same way.
 *
 * @internal
 */
import * as JsonRpc from "@mcp-effect/core/JsonRpc"
import * as McpError from "@mcp-effect/core/McpError"
import type * as McpTransport from "@mcp-effect/core/McpTransport"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Child from "./child.js"
import * as Framing from "./framing.js"

/** @internal */
export interface Config {
  readonly child: Child.Config
  /** The longest line (one message) read from stdout, in bytes. */
  readonly maxMessageSize: number
  /** Ping the server every `intervalMillis`; no answer within `timeoutMillis` ends the process. */
  readonly liveness: { readonly intervalMillis: number; readonly timeoutMillis: number } | undefined
}

/** @internal */
export interface Session {
  /** `stdio-<pid>-<n>`: stdio has no session ids, the recovery needs one per session. */
  readonly id: string
  readonly config: Config
  readonly inbox: McpTransport.Inbox
  readonly child: Child.Child
  readonly target: McpTransport.Target
  readonly waiting: Map<JsonRpc.RequestId, Waiter>
  /** How the process ended, once it has. */
  exit: McpError.ProcessExit | undefined
  /** Why the transport ended the process itself (a failed liveness check). */
  killedBecause: string | undefined
  closed: boolean
}

/**
 * Starts what lives as long as the process, in `readers`: a scope that
 * closes after the process's shutdown (see `Transport.open`), so its stdout
 * is read to the end — a server that writes while it shuts down does not
 * meet a closed pipe (EPIPE, and a crash on its stderr).
 *
 * @internal
 */
export const start = (session: Session, scope: Scope.Scope, readers: Scope.Scope): Effect.Effect<void> =>
  Effect.gen(function*() {
    const annotate = Effect.annotateLogs({ "mcp.server": session.config.child.name })
    // Added after the process's own shutdown, so run before it: nothing waits on a closed session,
    // and its end during the shutdown is not a loss to recover from.
    yield* Scope.addFinalizer(scope, Effect.sync(() => close(session)))
    yield* Effect.forkIn(Child.detached(annotate(read(session))), readers)
    yield* Effect.forkIn(Child.detached(annotate(watch(session))), readers)
    const liveness = session.config.liveness
    if (liveness !== undefined) yield* Effect.forkIn(Child.detached(annotate(live(session, liveness))), readers)
  })

/** Writes `body` to the process and waits for the response to `ctx.requestId`. @internal */
export const roundTrip = (
  session: Session,
  ctx: McpTransport.RequestContext,
  body: string
): Effect.Effect<JsonRpc.JsonRpcResponse, McpError.McpError> =>
  Effect.suspend(() => {
    const id = ctx.requestId
    if (id === undefined) return Effect.dieMessage("mcp-effect: a request without an id")
    const refused = refusal(session, ctx)
    if (refused !== undefined) return Effect.fail(refused)
    const waiter = new Waiter(ctx)
    session.waiting.set(id, waiter)
    if (!session.child.write(body)) {
      session.waiting.delete(id)
      return Effect.fail(refusal(session, ctx) ?? closedError(ctx, session))
    }
    return Effect.ensuring(waiter.await, Effect.sync(() => session.waiting.delete(id)))
  })

/** Writes a notification or a response: nothing comes back. @internal */
export const send = (
  session: Session,
  ctx: McpTransport.RequestContext,
  body: string
): Effect.Effect<void, McpError.McpError> => {
  const refused = refusal(session, ctx)
  if (refused !== undefined) return Effect.fail(refused)
  return session.child.write(body) ? Effect.void : Effect.fail(refusal(session, ctx) ?? closedError(ctx, session))
}

/** Why nothing can be written to the session now, if so. */
const refusal = (session: Session, ctx: McpTransport.RequestContext): McpError.McpError | undefined =>
  session.exit !== undefined ? expired(ctx, session, false) : session.closed ? closedError(ctx, session) : undefined

/** Hands every line of stdout to the inbox, for as long as the process writes. */
const read = (session: Session): Effect.Effect<void> => {
  const lines = new Framing.Lines(session.config.maxMessageSize)
  const frames: Array<Framing.Frame> = []
  const collect = (frame: Framing.Frame) => frames.push(frame)
  const handOver = Effect.suspend(() =>
    Effect.forEach(frames.splice(0), (frame) => frameIn(session, frame), { discard: true })
  )
  return Stream.runForEach(session.child.stdout, (chunk) => {
    lines.push(chunk, collect)
    return handOver
  }).pipe(
    Effect.zipRight(Effect.suspend(() => {
      lines.end(collect)
      return handOver
    })),
    // Without its stdout the session is deaf: end the process, which the recovery replaces.
    Effect.catchAllCause((cause) =>
      Effect.zipRight(
        Effect.logWarning("reading the server's stdout failed", cause),
        session.child.kill("SIGKILL")
      )
    )
  )
}

const frameIn = (session: Session, frame: Framing.Frame): Effect.Effect<void> => {
  switch (frame._tag) {
    case "Message": {
      const message = frame.message
      return Effect.flatMap(session.inbox.deliver(session.target, message), (known) => {
        if (!JsonRpc.isResponse(message)) return Effect.void
        const waiter = message.id === null ? undefined : session.waiting.get(message.id)
        if (waiter !== undefined) waiter.settle(Exit.succeed(message))
        // (The transport's own pings wait here without the client knowing them.)
        return known || waiter !== undefined ? Effect.void : Effect.logWarning("ignored a response to no request").pipe(
          Effect.annotateLogs({ id: String(message.id) })
        )
      })
    }
    case "Malformed":
      // A server that prints to stdout: what it printed is not for the client.
      return Effect.logWarning("ignored a line of stdout that is not JSON-RPC").pipe(
        Effect.annotateLogs({ reason: frame.reason, line: frame.excerpt })
      )
    case "TooLarge": {
      const waiter = frame.id === undefined ? undefined : session.waiting.get(frame.id)
      const description = `a message of ${frame.size} bytes exceeded the maximum of ${session.config.maxMessageSize}`
      if (waiter !== undefined) {
        waiter.settle(Exit.fail(
          new McpError.ProtocolError({ ...where(waiter.ctx, session), violation: "MessageTooLarge", description })
        ))
      }
      return Effect.logWarning("ignored a message too large").pipe(
        Effect.annotateLogs({ description, id: String(frame.id) })
      )
    }
  }
}

/** The process's end: the session's loss, for every request written to it and for the recovery. */
const watch = (session: Session): Effect.Effect<void> =>
  Effect.flatMap(session.child.exited, (ended) => {
    const exit: McpError.ProcessExit = session.killedBecause === undefined
      ? ended
      : { ...ended, description: `${session.killedBecause} (killed)` }
    session.exit = exit
    for (const waiter of session.waiting.values()) waiter.settle(Exit.fail(expired(waiter.ctx, session, true)))
    session.waiting.clear()
    if (session.closed) return Effect.void
    return Effect.zipRight(
      Effect.logWarning("the server process ended").pipe(
        Effect.annotateLogs({ sessionId: session.id, exit: exit.description, stderr: exit.stderr.join("\n") })
      ),
      session.inbox.gone(expired({ method: "stdio/exit" }, session, false))
    )
  })

/** Pings the server now and then; one that does not answer in time is killed (and so replaced). */
const live = (session: Session, check: NonNullable<Config["liveness"]>): Effect.Effect<void> =>
  Effect.gen(function*() {
    while (true) {
      yield* Effect.sleep(Duration.millis(check.intervalMillis))
      const id = session.inbox.nextId()
      const answered = yield* roundTrip(
        session,
        { method: "ping", requestId: id },
        JsonRpc.encode(JsonRpc.request(id, "ping"))
      ).pipe(
        Effect.timeout(Duration.millis(check.timeoutMillis)),
        Effect.either
      )
      if (answered._tag === "Left") {
        if (answered.left._tag !== "TimeoutException") return
        session.killedBecause = `did not answer a ping within ${check.timeoutMillis} ms`
        return yield* session.child.kill("SIGKILL")
      }
    }
  })

/** The session's scope is closing: nothing may wait on it any more. */
const close = (session: Session): void => {
  session.closed = true
  for (const waiter of session.waiting.values()) waiter.settle(Exit.fail(closedError(waiter.ctx, session)))
  session.waiting.clear()
}

const where = (ctx: McpTransport.RequestContext, session: Session) => ({
  method: ctx.method,
  ...(ctx.requestId === undefined ? {} : { requestId: ctx.requestId }),
  sessionId: session.id
})

/** The session is gone, as the request `ctx` learned; the process's end in `exit`. @internal */
export const expired = (
  ctx: McpTransport.RequestContext,
  session: Session,
  accepted: boolean
): McpError.SessionExpired =>
  new McpError.SessionExpired({
    ...where(ctx, session),
    status: 0,
    accepted,
    ...(session.exit === undefined ? {} : { exit: session.exit })
  })

const closedError = (ctx: McpTransport.RequestContext, session: Session): McpError.TransportError =>
  new McpError.TransportError({
    ...where(ctx, session),
    phase: "request",
    description: "the session's server process is being shut down"
  })

/**
 * A request waiting for its response: settled once, by the response, the
 * process's end or the session's close; gives up when the request's deadline
 * passes (the deadline is a signal, not an interruption: see `McpTransport`).
 */
class Waiter {
  private result: Exit.Exit<JsonRpc.JsonRpcResponse, McpError.McpError> | undefined = undefined
  private resume: ((effect: Effect.Effect<JsonRpc.JsonRpcResponse, McpError.McpError>) => void) | undefined = undefined

  constructor(readonly ctx: McpTransport.RequestContext) {}

  settle(exit: Exit.Exit<JsonRpc.JsonRpcResponse, McpError.McpError>): void {
    if (this.result !== undefined) return
    this.result = exit
    this.resume?.(exit)
  }

  readonly await: Effect.Effect<JsonRpc.JsonRpcResponse, McpError.McpError> = Effect.async((resume) => {
    if (this.result !== undefined) return resume(this.result)
    this.resume = resume
    const deadline = this.ctx.deadline
    const off = deadline?.onAbort(() =>
      this.settle(Exit.fail(
        deadline.expired ?? new McpError.TransportError({
          method: this.ctx.method,
          ...(this.ctx.requestId === undefined ? {} : { requestId: this.ctx.requestId }),
          phase: "response",
          description: "the request was given up"
        })
      ))
    )
    return Effect.sync(() => {
      this.resume = undefined
      off?.()
    })
  })
}

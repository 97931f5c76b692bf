/**
 * The deadline of one request, as the code that waits for it sees it; also
 * how the request's HTTP exchanges learn that it was given up.
 *
 * A request runs in its caller's fiber; when its deadline passes (the
 * client's `timers` call `expire`), it is not interrupted — that would end
 * the caller — but every wait of the request gives up:
 *
 * - HTTP waits through the `McpHttp` signal (this object): the backend fails
 *   `execute` or the pending `read`, and every later one at once;
 * - the other waits (a recovery in flight, a backoff, a header Effect of the
 *   user's) through `guard`, a race, on paths a plain request never takes.
 *
 * The request then fails with the `RequestTimeout` (see `answered` in
 * `client.ts`), and, as it was sent, the server is told.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as McpError from "../McpError.js"
import type * as McpHttp from "../McpHttp.js"

/** @internal */
export class Deadline implements McpHttp.Signal {
  /** The error the request ends with, once its deadline passed. */
  expired: McpError.RequestTimeout | undefined = undefined
  private abandoned = false
  private listeners: Array<() => void> | undefined = undefined

  get aborted(): boolean {
    return this.abandoned
  }

  onAbort(f: () => void): () => void {
    if (this.abandoned) {
      f()
      return noop
    }
    const listeners = (this.listeners ??= [])
    listeners.push(f)
    return () => {
      const i = listeners.indexOf(f)
      if (i !== -1) listeners.splice(i, 1)
    }
  }

  expire(error: McpError.RequestTimeout): void {
    if (this.abandoned) return
    this.expired = error
    this.abort()
  }

  /**
   * The request was given up (its deadline passed, or its fiber was
   * interrupted): its HTTP exchanges are aborted through this signal, which
   * spares the backend an interruption handler on every wait.
   */
  abort(): void {
    if (this.abandoned) return
    this.abandoned = true
    const listeners = this.listeners
    this.listeners = undefined
    if (listeners !== undefined) { for (const f of listeners) f() }
  }
}

const noop = () => {}

/**
 * `effect`, giving up with the `RequestTimeout` once `deadline` passes: a race
 * (two fibers), for the waits a plain request never reaches. Without a
 * deadline, or for an Effect already done (static headers), `effect` itself.
 *
 * @internal
 */
export const guard = <A, E, R>(
  deadline: Deadline | undefined,
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, E | McpError.RequestTimeout, R> => {
  if (deadline === undefined || Exit.isExit(effect)) return effect
  return Effect.suspend(() =>
    deadline.expired !== undefined ? Effect.fail(deadline.expired) : Effect.raceFirst(effect, passed(deadline))
  )
}

/** Fails with the deadline's `RequestTimeout` once it passes (built only when a guard races it). */
const passed = (deadline: Deadline): Effect.Effect<never, McpError.RequestTimeout> =>
  Effect.async((resume) => {
    const off = deadline.onAbort(() => {
      if (deadline.expired !== undefined) resume(Effect.fail(deadline.expired))
    })
    return Effect.sync(off)
  })

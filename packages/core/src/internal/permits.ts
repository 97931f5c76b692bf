/**
 * Permits handed out first come, first served: each one freed goes to the
 * next waiter alone. Effect's `Semaphore` wakes every waiter on each release
 * (each checks, one wins, the rest queue again): with 10,000 clients queued
 * for a handshake that is 10,000 wake-ups per release, quadratic in all —
 * measured: a 10,000-client recovery stalled, the process at 3.8 GB.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as McpHttp from "../McpHttp.js"

/** @internal */
export const make = (count: number): McpHttp.Permits => {
  let free = count
  // Insertion-ordered: the first waiter is the oldest.
  const waiting = new Set<() => void>()
  const release = () => {
    const next = waiting.values().next()
    if (next.done === true) {
      free++
    } else {
      waiting.delete(next.value)
      next.value()
    }
  }
  const acquire = Effect.async<void>((resume) => {
    let granted = false
    const grant = () => {
      granted = true
      resume(Effect.void)
    }
    if (free > 0) {
      free--
      grant()
    } else {
      waiting.add(grant)
    }
    // Interrupted before it resumed: leave the queue, or pass on the permit it was just given.
    return Effect.sync(() => granted ? release() : waiting.delete(grant))
  })
  const released = Effect.sync(release)
  return {
    withPermit: (self) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.zipRight(restore(acquire), Effect.ensuring(restore(self), released))
      )
  }
}

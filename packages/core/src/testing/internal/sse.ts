/**
 * Server-Sent Events framing (the WHATWG `text/event-stream` format).
 *
 * @internal
 */

/** One event: the fields present are written, in the order `id`, `retry`, `event`, `data`. */
export interface SseFrame {
  readonly id?: string | undefined
  readonly retry?: number | undefined
  readonly event?: string | undefined
  readonly data?: string | undefined
}

/**
 * Frames one event, ending with the blank line that dispatches it. Multi-line
 * data becomes one `data:` line per line, as the format requires (our JSON
 * never has any, but `notify` params are the caller's).
 */
export const frame = (event: SseFrame): string => {
  let out = ""
  if (event.id !== undefined) out += `id: ${event.id}\n`
  if (event.retry !== undefined) out += `retry: ${event.retry}\n`
  if (event.event !== undefined) out += `event: ${event.event}\n`
  if (event.data !== undefined) {
    for (const line of event.data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`
  }
  return `${out}\n`
}

/** A JSON-RPC message as an SSE `message` event. */
export const message = (json: string, id?: string): string => frame({ id, event: "message", data: json })

/** The SEP-1699 priming event: an id and an empty `data` field, optionally with `retry`. */
export const priming = (id: string, retry?: number): string => frame({ id, retry, data: "" })

/**
 * Newline-delimited JSON-RPC, as a server writes it to stdout: bytes in
 * chunks of any size (a message split across chunks, many in one chunk) cut
 * into lines, each parsed as one message.
 *
 * Bounded whatever the server writes: a line longer than `maxMessageSize`
 * bytes is not kept (only its first and last bytes, to name the request it
 * answered, if it can be told), so a never-ending line costs no memory; a line
 * that is not JSON-RPC is reported, not thrown.
 *
 * Hand-written rather than `Stream.splitLines` + `Ndjson`: those keep a line
 * whole however long it grows and end the stream at the first bad line.
 *
 * @internal
 */
import * as JsonRpc from "@mcp-effect/core/JsonRpc"

/** What one line of stdout was. @internal */
export type Frame =
  | { readonly _tag: "Message"; readonly message: JsonRpc.JsonRpcMessage }
  | { readonly _tag: "Malformed"; readonly reason: string; readonly excerpt: string }
  | {
    readonly _tag: "TooLarge"
    readonly size: number
    /** The id of the response it was, when its first or last bytes say so. */
    readonly id: JsonRpc.RequestId | undefined
  }

const NEWLINE = 0x0a
/** How much of a line too large is kept, at each end, to find its id. */
const HEAD = 256
const TAIL = 64
const EXCERPT = 200

/** A decoder of one stdout: push chunks, get frames. @internal */
export class Lines {
  private parts: Array<Uint8Array> = []
  /** Bytes of the current line so far (also while it is being discarded). */
  private size = 0
  private discarding = false
  private head = ""
  private tail: Uint8Array = new Uint8Array(0)
  private readonly decoder = new TextDecoder()

  constructor(readonly maxMessageSize: number) {}

  /** Cuts `chunk` into lines; `emit` gets a frame per complete line. */
  push(chunk: Uint8Array, emit: (frame: Frame) => void): void {
    let start = 0
    while (start < chunk.length) {
      const end = chunk.indexOf(NEWLINE, start)
      const piece = chunk.subarray(start, end === -1 ? chunk.length : end)
      this.append(piece)
      if (end === -1) return
      this.endLine(emit)
      start = end + 1
    }
  }

  /** The line in progress, if the stream ends without its newline. */
  end(emit: (frame: Frame) => void): void {
    if (this.size > 0) this.endLine(emit)
  }

  private append(piece: Uint8Array): void {
    if (piece.length === 0) return
    this.size += piece.length
    if (this.discarding) {
      this.keepTail(piece)
      return
    }
    if (this.size <= this.maxMessageSize) {
      this.parts.push(piece)
      return
    }
    // Too large: keep the ends only, from now until the newline.
    const line = concat(this.parts, this.size, piece)
    this.parts = []
    this.discarding = true
    this.head = this.decoder.decode(line.subarray(0, HEAD))
    this.tail = new Uint8Array(0)
    this.keepTail(line)
  }

  private keepTail(piece: Uint8Array): void {
    if (piece.length >= TAIL) {
      this.tail = piece.slice(piece.length - TAIL)
    } else {
      const joined = new Uint8Array(this.tail.length + piece.length)
      joined.set(this.tail)
      joined.set(piece, this.tail.length)
      this.tail = joined.slice(Math.max(0, joined.length - TAIL))
    }
  }

  private endLine(emit: (frame: Frame) => void): void {
    const size = this.size
    if (this.discarding) {
      const id = idOf(this.head, this.decoder.decode(this.tail))
      this.reset()
      emit({ _tag: "TooLarge", size, id })
      return
    }
    const line = concat(this.parts, size, undefined)
    this.reset()
    const text = this.decoder.decode(line).trim()
    if (text.length === 0) return
    const parsed = JsonRpc.parseMessage(text)
    if (parsed._tag === "Left") {
      emit({ _tag: "Malformed", reason: parsed.left, excerpt: text.slice(0, EXCERPT) })
    } else if (isBatch(parsed.right)) {
      // Batches are gone from the protocol since 2025-06-18; an old server's still arrive whole.
      for (const message of parsed.right) emit({ _tag: "Message", message })
    } else {
      emit({ _tag: "Message", message: parsed.right })
    }
  }

  private reset(): void {
    this.parts = []
    this.size = 0
    this.discarding = false
    this.head = ""
    this.tail = new Uint8Array(0)
  }
}

const isBatch = (
  u: JsonRpc.JsonRpcMessage | ReadonlyArray<JsonRpc.JsonRpcMessage>
): u is ReadonlyArray<JsonRpc.JsonRpcMessage> => Array.isArray(u)

const concat = (parts: ReadonlyArray<Uint8Array>, size: number, last: Uint8Array | undefined): Uint8Array => {
  if (parts.length === 1 && last === undefined) return parts[0]
  const out = new Uint8Array(size)
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  if (last !== undefined) out.set(last, at)
  return out
}

const ID = String.raw`"id"\s*:\s*(-?\d+|"(?:[^"\\]|\\.)*")`
/** `{"jsonrpc":"2.0","id":…` or `{"id":…` at the start: the top level's first keys. */
const headId = new RegExp(String.raw`^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?${ID}`)
/** `…,"id":…}` at the very end: only the top-level object's last key can close the line. */
const tailId = new RegExp(String.raw`,\s*${ID}\s*\}\s*$`)

/**
 * The id of a response too large to parse, from its ends. Sound for a line
 * that is one JSON object: a nested `"id"` can be neither its first key nor
 * followed by the last brace alone.
 */
const idOf = (head: string, tail: string): JsonRpc.RequestId | undefined => {
  const found = headId.exec(head) ?? tailId.exec(tail)
  if (found === null) return undefined
  const raw = found[1]
  if (raw.startsWith("\"")) {
    try {
      const id: unknown = JSON.parse(raw)
      return typeof id === "string" ? id : undefined
    } catch {
      return undefined
    }
  }
  return Number(raw)
}

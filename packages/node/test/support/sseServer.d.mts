export interface SseServer {
  /** `http://127.0.0.1:PORT/mcp` (GET: the SSE stream). */
  readonly url: string
  /** Every HTTP request: method and path. */
  requests(): ReadonlyArray<{ readonly method: string; readonly path: string }>
  /** Open SSE streams. */
  streams(): number
  /** Cuts every SSE stream (the server forgets those sessions). */
  dropStreams(): void
  close(): Promise<void>
}

/** The official SDK v1 server on SSEServerTransport (2024-11-05 HTTP+SSE). */
export declare function startSseServer(): Promise<SseServer>

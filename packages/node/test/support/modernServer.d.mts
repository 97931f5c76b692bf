export declare const MODERN_VERSION: "2026-07-28"

export interface ModernRequest {
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | Array<string> | undefined>>
  readonly body: {
    readonly id?: string | number
    readonly method: string
    readonly params?: Record<string, unknown> & { readonly _meta?: Record<string, unknown> }
  }
}

export interface ModernServer {
  /** `http://127.0.0.1:PORT/mcp` */
  readonly url: string
  /** Every POST received, in order. */
  requests(): ReadonlyArray<ModernRequest>
  close(): Promise<void>
}

/**
 * A 2026-07-28 server on 127.0.0.1: `server/discover`, `tools/list` (echo, regional with an
 * `x-mcp-header: Region` argument, confirm (MRTR: elicitation, then the echo of what came back),
 * bad_header (an invalid annotation)), `tools/call`. A missing or other version gets 400 -32022.
 */
export declare function startModernServer(): Promise<ModernServer>

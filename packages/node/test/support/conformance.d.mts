import type { McpAuth } from "@mcp-effect/core"

/** A value for `schema` (JSON Schema): default → const → enum[0] → examples[0] → a value of its type. */
export declare function synthesize(schema: unknown, root?: unknown, depth?: number): unknown

/** The content of an accepted form elicitation: every field's default (typed), required fields synthesised. */
export declare function elicitationContent(requestedSchema: unknown): Record<string, unknown>

/** The authorization options for a run, from the suite's MCP_CONFORMANCE_CONTEXT and scenario name. */
export declare function authOptions(context: unknown, scenario?: string): McpAuth.Options

/** The Client ID Metadata Document URL the conformance suite expects. */
export declare const clientMetadataUrl: string

export interface ConformanceRunOptions {
  /** Authorization options (default: authorization code, CIMD or dynamic registration). */
  readonly auth?: McpAuth.Options
  /** Where log lines go (default: stderr, prefixed). */
  readonly log?: (line: string) => void
  /** The client's idle request timeout (default "20 seconds"). */
  readonly requestTimeout?: string
  /** "debug" shows the client's debug logs (default: warnings only). */
  readonly logLevel?: "debug" | "warning"
  /** The protocol generation to speak (default: the client's). */
  readonly era?: "stateless" | "sessions" | "http-sse"
  /** Arguments to call a tool with, by name, instead of synthesised ones (the suite's CONTEXT.toolCalls). */
  readonly toolArguments?: Readonly<Record<string, Readonly<Record<string, unknown>>>>
  /** The suite's scenario (MCP_CONFORMANCE_SCENARIO): a few need arguments no schema describes. */
  readonly scenario?: string | undefined
}

export interface ConformanceRunResult {
  /** true iff the client connected and every tool call succeeded (no error, no isError). */
  readonly ok: boolean
  /** The tools listed, in order. */
  readonly tools: ReadonlyArray<string>
  /** The tools whose call failed. */
  readonly failures: ReadonlyArray<string>
  /** Set when the run failed before or around the calls (connect, list). */
  readonly error: string | undefined
}

/** Connects to `url`, lists and calls every tool once, closes the session. Never rejects. */
export declare function runConformanceClient(
  url: string,
  options?: ConformanceRunOptions
): Promise<ConformanceRunResult>

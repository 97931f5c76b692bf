/**
 * The protocol facts the test server holds, in one place. It is a peer of the
 * client, so it repeats them rather than importing the client's.
 *
 * @internal
 */
import type { LoggingLevel } from "../../McpTestServer.js"

/** The protocol versions the server accepts, newest first. */
export const supportedVersions: ReadonlyArray<string> = ["2025-11-25", "2025-06-18", "2025-03-26"]

export const latestVersion = "2025-11-25"

/** The first version whose clients must send `MCP-Protocol-Version`. */
export const versionHeaderSince = "2025-06-18"

/** Least severe first: a session's `logging/setLevel` lets through its level and the ones after it. */
export const loggingLevels: ReadonlyArray<LoggingLevel> = [
  "debug",
  "info",
  "notice",
  "warning",
  "error",
  "critical",
  "alert",
  "emergency"
]

export const isLoggingLevel = (u: unknown): u is LoggingLevel => loggingLevels.some((level) => level === u)

/** Not an MCP code: what a cancelled request gets in JSON mode, where the HTTP exchange needs some answer. */
export const requestCancelledCode = -32800

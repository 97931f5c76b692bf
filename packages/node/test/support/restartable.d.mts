import type { ChildProcess } from "node:child_process"

/** A port free on 127.0.0.1 now, for a server started and restarted on it. */
export declare const freePort: () => Promise<number>
/** restartableServer.mjs (the SDK README's pattern) on `port`; resolves once it listens. */
export declare const startRestartable: (
  port: number,
  options?: {
    readonly calls?: string | undefined
    readonly initializes?: string | undefined
    readonly initializeMillis?: number | undefined
  }
) => Promise<ChildProcess>
/** @modelcontextprotocol/server-everything (streamable HTTP) on 127.0.0.1:`port` (0: a free one), not listening yet. */
export declare const spawnEverything: (port: number) => ChildProcess
/** The address it reports once it listens; with `log`, its stderr goes on being collected in `log.text`. */
export declare const everythingListening: (
  child: ChildProcess,
  log?: { text: string }
) => Promise<{ readonly host: string; readonly port: number }>
/** @modelcontextprotocol/server-everything (streamable HTTP) on 127.0.0.1:`port`; resolves once it listens. */
export declare const startEverything: (port: number) => Promise<ChildProcess>
/** SIGKILL; resolves once the process is gone. */
export declare const kill: (child: ChildProcess) => Promise<void>

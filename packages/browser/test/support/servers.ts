/**
 * The test servers seen from the page: their URLs (from `globalSetup`) and
 * their controls, called over HTTP with `fetch` (cross-origin, like the client).
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { inject } from "vitest"

/** What `globalSetup` hands over for one server. */
export interface ServerUrls {
  /** The MCP endpoint, `http://127.0.0.1:PORT/mcp`. */
  readonly url: string
  /** `http://127.0.0.1:PORT/__mcp-test/` */
  readonly controlUrl: string
}

export const servers = () => inject("servers")

/** What `globalSetup` hands over for one official SDK server behind `cors`. */
export interface SdkCorsUrls {
  /** The MCP endpoint, `http://127.0.0.1:PORT/mcp`. */
  readonly url: string
  /** Its counts and request log (see sdkCorsServer.mjs). */
  readonly stateUrl: string
}

/** The fields of one request in the SDK server's log. */
const SdkLogEntry = Schema.Struct({
  method: Schema.String,
  sessionId: Schema.optional(Schema.String),
  /** A preflight's Access-Control-Request-Headers. */
  requestHeaders: Schema.optional(Schema.String),
  requestMethod: Schema.optional(Schema.String),
  rpcMethod: Schema.optional(Schema.String),
  status: Schema.optional(Schema.Number)
})

const SdkState = Schema.Struct({
  /** Sessions the server made (initialize answered). */
  initializations: Schema.Number,
  /** Sessions ended by DELETE. */
  deleted: Schema.Number,
  /** Sessions open now. */
  sessions: Schema.Array(Schema.String),
  log: Schema.Array(SdkLogEntry)
})

/** The SDK server's state, read with a simple cross-origin GET. */
export const sdkState = (server: SdkCorsUrls) =>
  Effect.tryPromise(async () => {
    const response = await fetch(server.stateUrl)
    if (!response.ok) throw new Error(`state: HTTP ${response.status}`)
    return response.json()
  }).pipe(Effect.flatMap(Schema.decodeUnknown(SdkState)), Effect.orDie)

/** The session id of a session that must have one. */
export const idOf = (session: { readonly sessionId: string | undefined }): string => {
  if (session.sessionId === undefined) throw new Error("the session has no id")
  return session.sessionId
}

/** The fields of `McpTestServer.LogEntry` the tests look at. */
const LogEntry = Schema.Struct({
  seq: Schema.Number,
  httpMethod: Schema.String,
  headers: Schema.Record({ key: Schema.String, value: Schema.String }),
  sessionId: Schema.optional(Schema.String),
  kind: Schema.optional(Schema.String),
  rpcMethod: Schema.optional(Schema.String),
  status: Schema.optional(Schema.Number)
})
export type LogEntry = typeof LogEntry.Type

const call = <A, I>(server: ServerUrls, command: string, schema: Schema.Schema<A, I>, body?: unknown) =>
  Effect.tryPromise(async () => {
    const response = await fetch(
      `${server.controlUrl}${command}`,
      body === undefined ?
        {} :
        { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }
    )
    if (!response.ok) throw new Error(`control ${command}: HTTP ${response.status}: ${await response.text()}`)
    return response.json()
  }).pipe(Effect.flatMap(Schema.decodeUnknown(schema)), Effect.orDie)

/** The test server's controls (see `NodeMcpTestServer.Options.control`). */
export const control = (server: ServerUrls) => ({
  /** Live session ids. */
  sessions: call(server, "sessions", Schema.Array(Schema.String)),
  /** Every request the server received. */
  log: call(server, "log", Schema.Array(LogEntry)),
  /** The requests of one session (those that carried its id). */
  logOf: (sessionId: string) =>
    Effect.map(call(server, "log", Schema.Array(LogEntry)), (log) => log.filter((e) => e.sessionId === sessionId)),
  /** Expires one session now: its next request gets 404. */
  expire: (sessionId: string) => call(server, "expire", Schema.Unknown, { sessionId }),
  /** Pushes a notification on the session's GET stream. */
  notify: (method: string, params: unknown, sessionId: string) =>
    call(server, "notify", Schema.Unknown, { method, params, sessionId }),
  initializeCount: call(server, "initialize-count", Schema.Number),
  openStreams: call(
    server,
    "open-streams",
    Schema.Array(Schema.Struct({ sessionId: Schema.optional(Schema.String), kind: Schema.String }))
  )
})

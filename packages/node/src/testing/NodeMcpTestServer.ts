/**
 * The `McpTestServer` of `@mcp-effect/core/testing` over real HTTP: a Node
 * `http` server on 127.0.0.1 (port 0: a free port), serving the same app.
 *
 * @since 0.1.0
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import type * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import { McpTestServer } from "@mcp-effect/core/testing"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Http from "node:http"
import * as Control from "./internal/control.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options extends McpTestServer.Options {
  /** Default 0: any free port. */
  readonly port?: number | undefined
  /** The path of the MCP endpoint in `url` (default "/mcp"; the server answers MCP on every path). */
  readonly path?: string | undefined
  /**
   * Serve the controls over HTTP under `/__mcp-test/` (default false), for
   * tests that cannot hold the handle (e.g. browser tests): POST `restart`,
   * `expire {sessionId?}`, `clear-log`, `notify {method, params?, sessionId?}`,
   * `update-resource {uri}`, `inject {fault, match?}` (a fault as JSON, e.g.
   * `{"_tag":"Status","status":503}`); GET `sessions`, `log`,
   * `initialize-count`, `open-streams`. All answer JSON.
   */
  readonly control?: boolean | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The MCP endpoint, e.g. `http://127.0.0.1:49152/mcp`. */
  readonly url: string
  /** `http://127.0.0.1:PORT` */
  readonly origin: string
  /** The URL of the control endpoints (with `control: true`), e.g. `http://127.0.0.1:49152/__mcp-test/`. */
  readonly controlUrl: string
  readonly server: McpTestServer.Handle
}

/**
 * @since 0.1.0
 * @category tags
 */
export class NodeMcpTestServer extends Context.Tag("@mcp-effect/node/testing/NodeMcpTestServer")<
  NodeMcpTestServer,
  Service
>() {}

/**
 * Starts a server listening on 127.0.0.1; it stops when the scope closes
 * (open connections, SSE streams included, are closed first).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<Service, HttpServerError.ServeError, Scope.Scope> =>
  Effect.gen(function*() {
    const { control = false, path = "/mcp", port = 0, ...serverOptions } = options
    const server = yield* McpTestServer.make(serverOptions)
    const nodeServer = Http.createServer()
    const httpServer = yield* NodeHttpServer.make(() => nodeServer, { port, host: "127.0.0.1" })
    // Runs before the server's own finalizer, whose `close()` would wait for open SSE streams forever.
    yield* Effect.addFinalizer(() => Effect.sync(() => nodeServer.closeAllConnections()))
    const app = control ?
      Effect.flatMap(
        HttpServerRequest.HttpServerRequest,
        (request) =>
          Effect.flatMap(
            Control.handle(server, request),
            Option.match({ onNone: () => server.app, onSome: Effect.succeed })
          )
      ) :
      server.app
    yield* httpServer.serve(app)
    const address = httpServer.address
    const origin = `http://127.0.0.1:${address._tag === "TcpAddress" ? address.port : port}`
    return {
      url: `${origin}${path.startsWith("/") ? path : `/${path}`}`,
      origin,
      controlUrl: `${origin}${Control.prefix}`,
      server
    }
  })

/**
 * Provides the server over HTTP (`NodeMcpTestServer`) and its handle (`McpTestServer.McpTestServer`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options?: Options
): Layer.Layer<NodeMcpTestServer | McpTestServer.McpTestServer, HttpServerError.ServeError> =>
  Layer.scopedContext(
    Effect.map(
      make(options),
      (service) =>
        Context.make(NodeMcpTestServer, service).pipe(Context.add(McpTestServer.McpTestServer, service.server))
    )
  )

/**
 * A started server for code outside Effect (e.g. a vitest `globalSetup`).
 * The controls mirror `McpTestServer.Handle`, as Promises.
 *
 * @since 0.1.0
 * @category models
 */
export interface Started {
  readonly url: string
  readonly origin: string
  readonly controlUrl: string
  /** The Effect handle, for callers that do use Effect. */
  readonly server: McpTestServer.Handle
  /** Stops the server (idempotent). */
  readonly close: () => Promise<void>
  readonly sessions: () => Promise<ReadonlyArray<string>>
  readonly restart: () => Promise<void>
  readonly expire: (sessionId?: string) => Promise<void>
  readonly log: () => Promise<ReadonlyArray<McpTestServer.LogEntry>>
  readonly clearLog: () => Promise<void>
  readonly notify: (method: string, params?: unknown, sessionId?: string) => Promise<void>
  readonly updateResource: (uri: string) => Promise<void>
  readonly inject: (fault: McpTestServer.Fault, match?: McpTestServer.FaultMatch) => Promise<void>
  readonly initializeCount: () => Promise<number>
  readonly openStreams: () => Promise<ReadonlyArray<McpTestServer.OpenStream>>
}

/**
 * Starts a server with a plain Promise API.
 *
 * @since 0.1.0
 * @category constructors
 */
export const startNodeMcpTestServer = async (options?: Options): Promise<Started> => {
  const scope = Effect.runSync(Scope.make())
  const exit = await Effect.runPromiseExit(Scope.extend(make(options), scope))
  if (Exit.isFailure(exit)) {
    await Effect.runPromise(Scope.close(scope, exit))
    return Effect.runPromise(Effect.failCause(exit.cause))
  }
  const { controlUrl, origin, server, url } = exit.value
  const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)
  return {
    url,
    origin,
    controlUrl,
    server,
    close: () => run(Scope.close(scope, Exit.void)),
    sessions: () => run(server.sessions),
    restart: () => run(server.restart),
    expire: (sessionId) => run(server.expire(sessionId)),
    log: () => run(server.log),
    clearLog: () => run(server.clearLog),
    notify: (method, params, sessionId) => run(server.notify(method, params, sessionId)),
    updateResource: (uri) => run(server.updateResource(uri)),
    inject: (fault, match) => run(server.inject(fault, match)),
    initializeCount: () => run(server.initializeCount),
    openStreams: () => run(server.openStreams)
  }
}

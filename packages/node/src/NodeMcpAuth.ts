/**
 * Authorization on Node: where tokens are kept (a file only the user can
 * read) and the interactive step (a loopback listener on 127.0.0.1 that
 * receives the authorization server's redirect, RFC 8252 §7.3).
 *
 * @example
 * ```ts
 * import { McpAuth, McpClient } from "@mcp-effect/core"
 * import { NodeMcpAuth, NodeMcpHttp } from "@mcp-effect/node"
 * import { Layer } from "effect"
 *
 * const ClientLive = McpClient.layer({ url: "https://mcp.example.com/mcp" }).pipe(
 *   Layer.provide(McpAuth.layer({ clientName: "my tool" })),
 *   Layer.provide(Layer.mergeAll(NodeMcpAuth.layerFileStore(), NodeMcpAuth.layerLoopback())),
 *   Layer.provide(NodeMcpHttp.layer)
 * )
 * ```
 *
 * @since 0.2.0
 */
import type * as McpAuth from "@mcp-effect/core/McpAuth"
import * as McpConfig from "@mcp-effect/core/McpConfig"
import * as McpError from "@mcp-effect/core/McpError"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { promises as fs } from "node:fs"
import * as http from "node:http"
import * as os from "node:os"
import * as path from "node:path"

/**
 * The default token file: `$XDG_CONFIG_HOME/mcp-effect/auth.json`, else
 * `~/.config/mcp-effect/auth.json`.
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultStorePath = (): string =>
  path.join(process.env.XDG_CONFIG_HOME ?? path.join(os.homedir(), ".config"), "mcp-effect", "auth.json")

/**
 * A `McpAuth.Store` in one JSON file, created with mode 0600 in a 0700
 * directory and replaced atomically (write, then rename). An unreadable file
 * counts as empty; a failed write is logged (without values), never fatal.
 *
 * @since 0.2.0
 * @category constructors
 */
export const fileStore = (file: string = defaultStorePath()): Effect.Effect<McpAuth.StoreService> =>
  Effect.map(Effect.makeSemaphore(1), (lock) => {
    const read = Effect.promise(() =>
      fs.readFile(file, "utf8").then(
        (text): Record<string, string> => {
          let parsed: unknown
          try {
            parsed = JSON.parse(text)
          } catch {
            return {}
          }
          if (typeof parsed !== "object" || parsed === null) return {}
          return Object.fromEntries(Object.entries(parsed).filter(([, v]) => typeof v === "string"))
        },
        (): Record<string, string> => ({})
      )
    )
    const write = (entries: Record<string, string>) =>
      Effect.tryPromise(async () => {
        await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 })
        const temporary = `${file}.${process.pid}.tmp`
        await fs.writeFile(temporary, JSON.stringify(entries, null, 2), { mode: 0o600 })
        await fs.chmod(temporary, 0o600)
        await fs.rename(temporary, file)
      }).pipe(Effect.catchAll(() => Effect.logWarning(`McpAuth: could not write the token file ${file}`)))
    const update = (f: (entries: Record<string, string>) => Record<string, string>) =>
      lock.withPermits(1)(Effect.flatMap(read, (entries) => write(f(entries))))
    return {
      get: (key) => Effect.map(read, (entries) => entries[key]),
      set: (key, value) => update((entries) => ({ ...entries, [key]: value })),
      remove: (key) =>
        update((entries) => {
          const { [key]: _, ...rest } = entries
          return rest
        })
    }
  })

/**
 * `McpAuth` (the authorization flows, a dozen modules) is loaded when one of
 * these layers is built, not with `@mcp-effect/node`'s index, which
 * re-exports this module: an application without authorization that imports
 * `@mcp-effect/core`'s modules by their entry points loads none of it.
 */
const loadMcpAuth = Effect.promise(() => import("@mcp-effect/core/McpAuth"))

/**
 * @since 0.2.0
 * @category layers
 */
export const layerFileStore = (file?: string): Layer.Layer<McpAuth.Store> =>
  Layer.unwrapEffect(Effect.map(loadMcpAuth, (Auth) => Layer.effect(Auth.Store, fileStore(file))))

/**
 * @since 0.2.0
 * @category models
 */
export interface LoopbackOptions {
  /** The port on 127.0.0.1. Default: 0 (any free port; RFC 8252 servers accept any loopback port). */
  readonly port?: number | undefined
  /** Show the user the authorization URL. Default: print it on stderr. */
  readonly open?: ((url: string) => Effect.Effect<void>) | undefined
  /** How long to wait for the user. Default: 5 minutes. */
  readonly timeout?: Duration.DurationInput | undefined
}

const page = (title: string) =>
  `<!doctype html><meta charset="utf-8"><title>${title}</title><p>${title} You can close this window.</p>`

/**
 * The interactive step on Node: listens on `http://127.0.0.1:<port>/callback`
 * for the life of the layer, shows the authorization URL, and answers the
 * redirect's parameters. Only a redirect carrying the pending request's
 * `state` is taken; anything else gets 400.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerLoopback = (options: LoopbackOptions = {}): Layer.Layer<McpAuth.Authorizer> =>
  Layer.unwrapEffect(Effect.map(loadMcpAuth, (Auth) => loopback(Auth, options)))

const loopback = (
  Auth: typeof McpAuth,
  options: LoopbackOptions
): Layer.Layer<McpAuth.Authorizer> =>
  Layer.scoped(
    Auth.Authorizer,
    Effect.gen(function*() {
      const pending = new Map<string, Deferred.Deferred<Readonly<Record<string, string>>>>()
      const server = http.createServer((req, res) => {
        const url = new URL(req.url ?? "/", "http://127.0.0.1")
        const waiting = url.pathname === "/callback" ? pending.get(url.searchParams.get("state") ?? "") : undefined
        if (waiting === undefined) {
          res.writeHead(400, { "content-type": "text/html; charset=utf-8" }).end(page("Unexpected request."))
          return
        }
        const ok = !url.searchParams.has("error")
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" })
          .end(page(ok ? "Authorized." : "Authorization refused."))
        Deferred.unsafeDone(waiting, Effect.succeed(Object.fromEntries(url.searchParams)))
      })
      const port = yield* Effect.acquireRelease(
        Effect.async<number>((resume) => {
          server.listen(options.port ?? 0, "127.0.0.1", () => {
            const address = server.address()
            resume(Effect.succeed(typeof address === "object" && address !== null ? address.port : 0))
          })
        }),
        () =>
          Effect.async<void>((resume) => {
            server.close(() => resume(Effect.void))
            server.closeAllConnections()
          })
      )
      const show = options.open ??
        ((url: string) =>
          Effect.sync(() => process.stderr.write(`Open this URL in a browser to authorize:\n\n  ${url}\n\n`)))
      const timeout = Duration.decode(options.timeout ?? "5 minutes")
      const authorizer: McpAuth.AuthorizerService = {
        redirectUri: `http://127.0.0.1:${port}/callback`,
        authorize: (request) =>
          Effect.gen(function*() {
            const answer = yield* Deferred.make<Readonly<Record<string, string>>>()
            pending.set(request.state, answer)
            yield* show(request.url)
            return yield* Deferred.await(answer).pipe(
              Effect.timeoutFail({
                duration: timeout,
                onTimeout: () =>
                  new McpError.AuthorizationFailed({
                    resource: request.resource,
                    step: "authorization",
                    description: `no answer from the browser within ${Duration.format(timeout)}`
                  })
              })
            )
          }).pipe(Effect.ensuring(Effect.sync(() => pending.delete(request.state))))
      }
      return authorizer
    })
  )

/**
 * The options of {@link layerConfig}: where tokens are kept, and the loopback
 * listener's.
 *
 * @since 0.2.0
 * @category models
 */
export interface Options extends LoopbackOptions {
  /** The token file. Default: {@link defaultStorePath}. */
  readonly storePath?: string | undefined
}

/**
 * The options read from `Config`, only the keys that are set (under an
 * optional prefix, see `Config.nested`): `STORE_PATH`, `LOOPBACK_PORT`,
 * `LOOPBACK_TIMEOUT`. How the URL is shown (`open`) stays in code.
 *
 * @since 0.2.0
 * @category config
 */
export const config: Config.Config<Options> = Config.all({
  storePath: McpConfig.optional(Config.string("STORE_PATH")),
  port: McpConfig.optional(
    Config.validate(Config.integer("LOOPBACK_PORT"), {
      message: "Expected a port number (0 to 65535)",
      validation: (port) => port >= 0 && port <= 65535
    })
  ),
  timeout: McpConfig.optional(Config.duration("LOOPBACK_TIMEOUT"))
}).pipe(Config.map(McpConfig.defined))

/**
 * The token file ({@link layerFileStore}) and the loopback listener
 * ({@link layerLoopback}), configured from `Config` (see {@link config}) over
 * `options`: a key that is set wins.
 *
 * @example
 * ```ts
 * // MCP_AUTH_STORE_PATH=/var/lib/app/mcp-auth.json MCP_AUTH_LOOPBACK_PORT=8765
 * NodeMcpAuth.layerConfig(Config.nested(NodeMcpAuth.config, "MCP_AUTH"))
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layerConfig = (
  configs: Config.Config<Options> = config,
  options?: Options
): Layer.Layer<McpAuth.Store | McpAuth.Authorizer, ConfigError.ConfigError> =>
  Layer.unwrapEffect(Effect.map(configs, (fromConfig) => {
    const { storePath, ...loopback } = { ...options, ...fromConfig }
    return Layer.merge(layerFileStore(storePath), layerLoopback(loopback))
  }))

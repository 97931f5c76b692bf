/**
 * The tools of one or more MCP servers as an `@effect/ai` toolkit, kept up to
 * date.
 *
 * `McpToolkit.toolkit` is what `LanguageModel.generateText({ toolkit })` (or
 * `Chat`) takes: it reads the latest toolkit, with its handlers, each time a
 * model call starts. The handlers call the tools through the recovering
 * `McpClient`, so an expired session in the middle of a conversation is
 * replaced without the model noticing.
 *
 * @example
 * ```ts
 * import { LanguageModel } from "@effect/ai"
 * import { McpToolkit } from "@mcp-effect/ai"
 * import { Effect } from "effect"
 *
 * const answer = LanguageModel.generateText({
 *   prompt: "What is 2 + 3?",
 *   toolkit: McpToolkit.toolkit
 * }) // needs LanguageModel and McpToolkit (McpToolkit.layer() on an McpClient)
 * ```
 *
 * @since 0.2.0
 */
import type * as Tool from "@effect/ai/Tool"
import type * as Toolkit from "@effect/ai/Toolkit"
import { McpClient, McpConfig } from "@mcp-effect/core"
import type { McpError, McpSchema } from "@mcp-effect/core"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import { listTools } from "./internal/listTools.js"
import * as Snapshots from "./internal/snapshot.js"
import type * as McpTool from "./McpTool.js"

/**
 * The tools of an `McpToolkit`, by the name the model knows them by.
 *
 * @since 0.2.0
 * @category models
 */
export type Tools = Record<string, McpTool.McpTool>

/**
 * Which tools of a server are exposed: called with each tool as the server
 * describes it (its own name, before any prefix).
 *
 * @since 0.2.0
 * @category models
 */
export type Filter = (tool: McpSchema.Tool) => boolean

/**
 * One server's part of a toolkit.
 *
 * @since 0.2.0
 * @category models
 */
export interface Server {
  readonly client: McpClient.Service
  /**
   * Put before each tool's name, so that tools of several servers cannot
   * clash (e.g. `"github_"`). Model providers restrict tool names (OpenAI:
   * letters, digits, `_` and `-`, at most 64): choose a prefix that keeps
   * them valid. Default: none.
   */
  readonly prefix?: string | undefined
  /** Default: every tool. */
  readonly filter?: Filter | undefined
}

/**
 * Options of a toolkit on the `McpClient` service.
 *
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** See {@link Server.prefix}. */
  readonly prefix?: string | undefined
  /** See {@link Server.filter}. */
  readonly filter?: Filter | undefined
  /** Follow `notifications/tools/list_changed` and new sessions. Default: true. */
  readonly follow?: boolean | undefined
}

/**
 * One exposed tool: the name the model knows it by, its server's description
 * of it, and the server it belongs to.
 *
 * @since 0.2.0
 * @category models
 */
export interface Entry {
  readonly name: string
  readonly tool: McpSchema.Tool
  /** The index of its server in the list given to {@link makeServers} (0 for {@link make}). */
  readonly server: number
}

/**
 * The toolkit at one moment.
 *
 * @since 0.2.0
 * @category models
 */
export interface Snapshot {
  /** The exposed tools, in server order, then in each server's order. */
  readonly entries: ReadonlyArray<Entry>
  /** The `@effect/ai` toolkit (merge it with your own with `Toolkit.merge`). */
  readonly toolkit: Toolkit.Toolkit<Tools>
  /** Its handlers, for `Effect.provide` on the toolkit (or a merge of it). */
  readonly handlers: Context.Context<Tool.HandlersFor<Tools>>
  /** The toolkit with its handlers, as `generateText({ toolkit })` takes it. */
  readonly withHandler: Toolkit.WithHandler<Tools>
}

/**
 * Two servers expose a tool under the same name: give them prefixes.
 *
 * @since 0.2.0
 * @category errors
 */
export class ToolNameClash extends Schema.TaggedError<ToolNameClash>("@mcp-effect/ai/ToolNameClash")(
  "ToolNameClash",
  {
    /** The name two tools would share. */
    name: Schema.String,
    /** The indexes of their servers. */
    servers: Schema.Tuple(Schema.Number, Schema.Number)
  }
) {
  override get message(): string {
    return `two tools are named "${this.name}" (servers ${this.servers[0]} and ${
      this.servers[1]
    }): give the servers prefixes`
  }
}

/**
 * @since 0.2.0
 * @category models
 */
export interface Service {
  /** The latest toolkit with its handlers: pass it to `generateText({ toolkit })`. */
  readonly toolkit: Effect.Effect<Toolkit.WithHandler<Tools>>
  /** The latest snapshot. */
  readonly current: Effect.Effect<Snapshot>
  /** The current snapshot, then each new one. */
  readonly changes: Stream.Stream<Snapshot>
  /**
   * Lists every server's tools again now. Done by itself (unless `follow` is
   * false) on each `notifications/tools/list_changed` and each new session (a
   * notification sent while the session was being replaced is lost).
   */
  readonly refresh: Effect.Effect<void, McpError.McpError | ToolNameClash>
}

/**
 * @since 0.2.0
 * @category tags
 */
export class McpToolkit extends Context.Tag("@mcp-effect/ai/McpToolkit")<McpToolkit, Service>() {}

/**
 * The tools of several servers, each with its prefix and filter. Lists them
 * now (failing when two exposed names clash), then follows each server.
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeServers = (
  servers: ReadonlyArray<Server>,
  options?: { readonly follow?: boolean | undefined }
): Effect.Effect<Service, McpError.McpError | ToolNameClash, Scope.Scope> =>
  Effect.gen(function*() {
    // The servers' last lists; a listing that would clash is not kept (nor its snapshot).
    let lists: ReadonlyArray<ReadonlyArray<McpSchema.Tool>> = servers.map(() => [])
    const rebuild = (next: ReadonlyArray<ReadonlyArray<McpSchema.Tool>>) => {
      const list = Snapshots.entries(servers, next)
      const clash = Snapshots.clash(list)
      return clash === undefined ? Snapshots.snapshot(servers, list) : Effect.fail(new ToolNameClash(clash))
    }
    // Empty until the first listing below, which runs after the followers subscribed: a change
    // during that listing is then listed again, never missed.
    const ref = yield* SubscriptionRef.make(yield* rebuild(lists))
    // One listing at a time, so that an older list never replaces a newer one.
    const lock = yield* Effect.makeSemaphore(1)
    const relist = (indexes: ReadonlyArray<number>) =>
      lock.withPermits(1)(Effect.gen(function*() {
        const listed = yield* Effect.forEach(indexes, (i) => listTools(servers[i].client), { concurrency: "unbounded" })
        const next = lists.map((list, server) => {
          const at = indexes.indexOf(server)
          return at === -1 ? list : listed[at]
        })
        yield* SubscriptionRef.set(ref, yield* rebuild(next))
        lists = next
      }))
    const all = servers.map((_, i) => i)
    // The followers get a scope of their own, closed if the first listing fails: a `make` retried
    // in a long-lived scope must not leave followers behind.
    const followers = yield* Scope.fork(yield* Effect.scope, ExecutionStrategy.sequential)
    if (options?.follow !== false) {
      yield* Effect.forEach(servers, (server, i) => follow(server.client, relist([i])), { discard: true }).pipe(
        Scope.extend(followers)
      )
    }
    yield* relist(all).pipe(Effect.onError((cause) => Scope.close(followers, Exit.failCause(cause))))
    const current = SubscriptionRef.get(ref)
    return {
      toolkit: Effect.map(current, (snapshot) => snapshot.withHandler),
      current,
      changes: ref.changes,
      refresh: relist(all)
    }
  })

// Re-lists on each `tools/list_changed` and each new session, logging a failure (the last
// snapshot stays). Both streams are subscribed before `make` returns, so that no change after it
// is missed: `sessionEvents` proves it by its first event (`Started`); `notifications` subscribes
// in the same run of its fiber as `onStart`, before the fiber can wait for anything.
const follow = (client: McpClient.Service, relist: Effect.Effect<void, McpError.McpError | ToolNameClash>) =>
  Effect.gen(function*() {
    const again = relist.pipe(
      Effect.catchAll((error) => Effect.logWarning("McpToolkit: the tools could not be listed again", error))
    )
    const notified = yield* Deferred.make<void>()
    const started = yield* Deferred.make<void>()
    yield* client.notifications.pipe(
      Stream.onStart(Deferred.succeed(notified, undefined)),
      Stream.runForEach((n) => n._tag === "ToolListChanged" ? again : Effect.void),
      Effect.forkScoped
    )
    yield* client.sessionEvents.pipe(
      Stream.runForEach((e) =>
        e._tag === "Started" ? Deferred.succeed(started, undefined) : e._tag === "Recovered" ? again : Effect.void
      ),
      Effect.forkScoped
    )
    yield* Deferred.await(notified)
    yield* Deferred.await(started)
  })

/**
 * The tools of the server of the `McpClient` service.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (
  options: Options = {}
): Effect.Effect<Service, McpError.McpError | ToolNameClash, McpClient.McpClient | Scope.Scope> =>
  Effect.flatMap(
    McpClient.McpClient,
    (client) => makeServers([{ client, prefix: options.prefix, filter: options.filter }], { follow: options.follow })
  )

/**
 * @since 0.2.0
 * @category layers
 */
export const layer = (
  options?: Options
): Layer.Layer<McpToolkit, McpError.McpError | ToolNameClash, McpClient.McpClient> =>
  Layer.scoped(McpToolkit, make(options))

/**
 * The options `Config` can hold, only the keys that are set. Keys (under an
 * optional prefix, see `Config.nested`): `PREFIX` (the tools' name prefix),
 * `TOOLS` (the names of the tools to expose, comma-separated; every tool when
 * unset), `EXCLUDE_TOOLS` (names never exposed), `FOLLOW` (boolean). A filter
 * of another kind (on annotations, say) stays in code.
 *
 * @since 0.2.0
 * @category config
 */
export const config: Config.Config<Options> = Config.all({
  prefix: McpConfig.optional(Config.string("PREFIX")),
  tools: McpConfig.optional(Config.array(Config.string(), "TOOLS")),
  exclude: McpConfig.optional(Config.array(Config.string(), "EXCLUDE_TOOLS")),
  follow: McpConfig.optional(Config.boolean("FOLLOW"))
}).pipe(Config.map(({ exclude, follow, prefix, tools }) => {
  const excluded = exclude === undefined ? undefined : byName(exclude)
  const included = tools === undefined ? undefined : byName(tools)
  return McpConfig.defined({
    prefix,
    follow,
    filter: included === undefined && excluded === undefined
      ? undefined
      : (tool: McpSchema.Tool) => (included?.(tool) ?? true) && !(excluded?.(tool) ?? false)
  })
}))

/**
 * The toolkit configured from `Config` (see {@link config}); a key that is
 * set wins over `options`.
 *
 * @example
 * ```ts
 * // MCP_TOOLKIT_PREFIX=notes_ MCP_TOOLKIT_TOOLS=search,read
 * McpToolkit.layerConfig(Config.nested(McpToolkit.config, "MCP_TOOLKIT"))
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layerConfig = (
  configs: Config.Config<Options> = config,
  options?: Options
): Layer.Layer<McpToolkit, McpError.McpError | ToolNameClash | ConfigError.ConfigError, McpClient.McpClient> =>
  Layer.scoped(McpToolkit, Effect.flatMap(configs, (fromConfig) => make({ ...options, ...fromConfig })))

/**
 * A filter exposing the tools with these names (their names on the server).
 *
 * @since 0.2.0
 * @category filters
 */
export const byName = (names: Iterable<string>): Filter => {
  const set = new Set(names)
  return (tool) => set.has(tool.name)
}

/**
 * The latest toolkit of the `McpToolkit` service, with its handlers:
 * `LanguageModel.generateText({ prompt, toolkit: McpToolkit.toolkit })`.
 *
 * @since 0.2.0
 * @category accessors
 */
export const toolkit: Effect.Effect<Toolkit.WithHandler<Tools>, never, McpToolkit> = Effect.flatMap(
  McpToolkit,
  (service) => service.toolkit
)

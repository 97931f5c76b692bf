/**
 * McpAuth against a peer we did not write: the official SDK's `requireBearerAuth` and
 * `mcpAuthRouter` (support/sdkAuthServerMain.mjs) in their own process, over real HTTP on
 * 127.0.0.1. 401 + WWW-Authenticate → Protected Resource Metadata → authorization server metadata
 * → DCR → authorization code with PKCE S256 and `resource` → token → the tool call; then an
 * expired token (refreshed) and a rejected refresh token (one re-authorization).
 */
import { describe, expect, it } from "@effect/vitest"
import { McpAuth, McpClient, McpHttp } from "@mcp-effect/core"
import { McpTestAuth } from "@mcp-effect/core/testing"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import * as NodeMcpHttp from "../../src/NodeMcpHttp.js"

const main = fileURLToPath(new URL("../support/sdkAuthServerMain.mjs", import.meta.url))

const Loose = Schema.Record({ key: Schema.String, value: Schema.Unknown })
/** What the peer's provider recorded (its `stats` command). */
const Stats = Schema.Struct({
  registrations: Schema.Array(Loose),
  authorizations: Schema.Array(Loose),
  exchanges: Schema.Array(Loose),
  refreshes: Schema.Array(Schema.Struct({ client_id: Schema.String, resource: Schema.String, known: Schema.Boolean })),
  mcp: Schema.Array(Schema.Struct({
    method: Schema.String,
    authorized: Schema.Boolean,
    rpcMethod: Schema.optional(Schema.String),
    status: Schema.Number
  }))
})

/** The peer process for the life of the scope, and its command channel (one JSON line per command). */
const peer = Effect.gen(function*() {
  const child = yield* Effect.acquireRelease(
    Effect.sync(() => spawn(process.execPath, [main], { stdio: ["pipe", "pipe", "inherit"] })),
    (child) =>
      Effect.async<void>((resume) => {
        if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
        child.once("exit", () => resume(Effect.void))
        child.kill("SIGKILL")
      })
  )
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  const nextLine = Effect.promise(async () => {
    const line = await lines.next()
    if (line.done === true) throw new Error("the SDK auth peer exited")
    const value: unknown = JSON.parse(line.value)
    return value
  }).pipe(Effect.timeout("10 seconds"), Effect.orDie)
  const started = yield* nextLine
  if (typeof started !== "object" || started === null || !("url" in started) || typeof started.url !== "string") {
    return yield* Effect.die(new Error(`bad first line: ${JSON.stringify(started)}`))
  }
  const command = (line: string) => Effect.zipRight(Effect.sync(() => child.stdin.write(`${line}\n`)), nextLine)
  return {
    url: started.url,
    command,
    stats: Effect.flatMap(command("stats"), Schema.decodeUnknown(Stats)).pipe(Effect.orDie)
  }
})

/** Our client over NodeMcpHttp with McpAuth and the headless Authorizer (it follows the approval redirect). */
const client = (url: string) =>
  Effect.gen(function*() {
    const store = McpAuth.memoryStore()
    const context = yield* Layer.build(
      McpAuth.layer({ clientName: "mcp-effect interop test" }).pipe(
        Layer.provideMerge(Layer.mergeAll(
          McpTestAuth.layerHeadless({ redirectUri: "http://127.0.0.1:1/callback" }),
          Layer.succeed(McpAuth.Store, store)
        )),
        Layer.provideMerge(NodeMcpHttp.layer)
      )
    )
    const events = yield* Context.get(context, McpAuth.McpAuth).subscribe
    const mcp = yield* McpClient.make({ url, getStream: false }).pipe(
      Effect.provideService(McpHttp.McpHttp, Context.get(context, McpHttp.McpHttp))
    )
    const whoami = Effect.map(mcp.callTool("whoami", {}), (result) => {
      const first = result.content[0]
      const text = first?.type === "text" ? first.text : undefined
      const parsed: unknown = typeof text === "string" ? JSON.parse(text) : undefined
      return parsed
    })
    return { mcp, store, events, whoami }
  })

describe("McpAuth against the official SDK's auth middleware and router", () => {
  it.scopedLive("401 → metadata → DCR → PKCE S256 + resource → token → tools/call", () =>
    Effect.gen(function*() {
      const server = yield* peer
      const { events, mcp, store, whoami } = yield* client(server.url)
      const origin = new URL(server.url).origin
      const echoed = yield* mcp.callTool("echo", { text: "through the SDK's bearer middleware" })
      expect(echoed.content).toEqual([{ type: "text", text: "through the SDK's bearer middleware" }])

      const stats = yield* server.stats
      expect(stats.registrations).toHaveLength(1)
      const registration = stats.registrations[0]
      expect(registration).toMatchObject({
        redirect_uris: ["http://127.0.0.1:1/callback"],
        client_name: "mcp-effect interop test",
        // A public client (the SDK's metadata offers client_secret_post and none): no secret issued.
        token_endpoint_auth_method: "none",
        has_secret: false
      })
      expect(stats.authorizations).toEqual([{
        client_id: registration?.client_id,
        code_challenge_method: "S256",
        has_code_challenge: true,
        has_state: true,
        resource: server.url,
        // No scope in the SDK's challenge: the PRM's scopes_supported (offline_access is not listed).
        scope: "mcp:tools",
        redirect_uri: "http://127.0.0.1:1/callback"
      }])
      // One code exchange, PKCE verified by the SDK's token handler, for this resource.
      expect(stats.exchanges).toEqual([{
        client_id: registration?.client_id,
        redirect_uri: "http://127.0.0.1:1/callback",
        resource: server.url,
        authorize_resource: server.url
      }])
      expect(stats.refreshes).toEqual([])
      // The first request went without a token and met 401 (the body unread); every later one carried
      // the token. The era probe gets 400 from this v1 server, which then speaks 2025-11-25.
      expect(stats.mcp).toEqual([
        { method: "POST", authorized: false, status: 401 },
        { method: "POST", authorized: true, rpcMethod: "server/discover", status: 400 },
        { method: "POST", authorized: true, rpcMethod: "initialize", status: 200 },
        { method: "POST", authorized: true, rpcMethod: "notifications/initialized", status: 202 },
        { method: "POST", authorized: true, rpcMethod: "tools/call", status: 200 }
      ])

      // The tool ran with a token of the registered client, issued for this resource (the SDK's AuthInfo).
      expect(yield* whoami).toEqual({ clientId: registration?.client_id, resource: server.url })
      const grant = JSON.parse((yield* store.get(`grant:${server.url}`)) ?? "{}")
      expect(typeof grant.access_token).toBe("string")
      expect(typeof grant.refresh_token).toBe("string")
      expect([...yield* events.takeAll].map((e) => e._tag)).toEqual(["Started", "Authorized"])
      expect(JSON.parse((yield* store.get(`client:${origin}/`)) ?? "{}")).toMatchObject({
        client_id: registration?.client_id
      })
    }), 30_000)

  it.scopedLive(
    "a token the SDK's middleware calls expired is refreshed once; a rejected refresh token re-authorizes once",
    () =>
      Effect.gen(function*() {
        const server = yield* peer
        const { events, mcp, whoami } = yield* client(server.url)
        yield* mcp.ping()
        expect([...yield* events.takeAll].map((e) => e._tag)).toEqual(["Started", "Authorized"])

        // The verifier now reports every token expired: the middleware answers 401 "Token has expired".
        expect(yield* server.command("expire-access")).toEqual({ expired: 1 })
        yield* Effect.all([mcp.ping(), mcp.ping(), mcp.ping()], { concurrency: "unbounded" })
        let stats = yield* server.stats
        expect(stats.refreshes).toEqual([{
          client_id: stats.registrations[0]?.client_id,
          resource: server.url,
          known: true
        }])
        expect(stats.exchanges).toHaveLength(1)
        // Each concurrent ping met 401 at most once with the stale token, then went on with the new one.
        const stale = stats.mcp.filter((r) => r.authorized && r.status === 401).length
        expect(stale).toBeGreaterThanOrEqual(1)
        expect(stale).toBeLessThanOrEqual(3)
        expect([...yield* events.takeAll].map((e) => e._tag)).toEqual(["Refreshed"])
        expect(yield* whoami).toMatchObject({ resource: server.url })

        // Expired again, and the refresh token forgotten: the refresh gets invalid_grant → one new authorization.
        expect(yield* server.command("expire-access")).toMatchObject({ expired: 2 })
        expect(yield* server.command("revoke-refresh")).toEqual({ revoked: 1 })
        yield* Effect.all([mcp.ping(), mcp.ping(), mcp.ping()], { concurrency: "unbounded" })
        stats = yield* server.stats
        expect(stats.refreshes.map((r) => r.known)).toEqual([true, false])
        expect(stats.exchanges).toHaveLength(2)
        expect(stats.registrations).toHaveLength(1)
        expect(stats.authorizations).toHaveLength(2)
        const seen = [...yield* events.takeAll]
        expect(seen.map((e) => e._tag)).toEqual(["Started", "Authorized"])
        expect(seen[0]).toMatchObject({ trigger: "refresh-rejected" })
        expect(yield* whoami).toMatchObject({ resource: server.url })
      }),
    30_000
  )
})

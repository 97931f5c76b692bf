/**
 * McpAuth's revoke (logout) over real HTTP: NodeMcpHttp to the test
 * authorization server and protected MCP endpoint on 127.0.0.1.
 */
import { describe, expect, it } from "@effect/vitest"
import { McpAuth, McpClient, McpHttp } from "@mcp-effect/core"
import { McpTestAuth } from "@mcp-effect/core/testing"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as NodeMcpHttp from "../src/NodeMcpHttp.js"
import { serveAuth } from "./support/authHttp.js"

/** A client authorized at `as`, and the McpAuth of its layer over a store the test can read. */
const authorized = (as: McpTestAuth.ServerHandle) =>
  Effect.gen(function*() {
    const store = McpAuth.memoryStore()
    const context = yield* Layer.build(
      McpAuth.layer().pipe(
        Layer.provideMerge(Layer.mergeAll(
          McpTestAuth.layerHeadless({ redirectUri: "http://127.0.0.1:1/callback" }),
          Layer.succeed(McpAuth.Store, store)
        )),
        Layer.provideMerge(NodeMcpHttp.layer)
      )
    )
    const client = yield* McpClient.make({ url: as.resource, getStream: false }).pipe(
      Effect.provideService(McpHttp.McpHttp, Context.get(context, McpHttp.McpHttp))
    )
    yield* client.ping()
    const grant = JSON.parse((yield* store.get(`grant:${as.resource}`)) ?? "{}")
    return { auth: Context.get(context, McpAuth.McpAuth), client, store, grant }
  })

/** A request to the MCP endpoint with a token, straight over HTTP: its status. */
const statusWith = (url: string, token: string) =>
  Effect.promise(async () => {
    const response = await fetch(url, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream"
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" })
    })
    await response.text()
    return response.status
  })

describe("McpAuth.revoke over HTTP", () => {
  it.scopedLive("revokes the refresh and the access token at the server, then forgets them", () =>
    Effect.gen(function*() {
      const as = yield* serveAuth()
      const { auth, grant, store } = yield* authorized(as)
      expect(typeof grant.access_token).toBe("string")
      expect(yield* statusWith(as.resource, grant.access_token)).not.toBe(401)
      const result = yield* auth.revoke(as.resource)
      expect(result).toEqual({ hadTokens: true, revoked: ["refresh_token", "access_token"] })
      expect((yield* as.stats).revocations).toBe(2)
      expect(yield* store.get(`grant:${as.resource}`)).toBeUndefined()
      // The server no longer takes the token; the client registration is kept for the next login.
      expect(yield* statusWith(as.resource, grant.access_token)).toBe(401)
      const revokeRequests = (yield* as.requests).filter((r) => r.url === `${as.issuer}/revoke`)
      expect(revokeRequests).toHaveLength(2)
      // Nothing left: a second logout has nothing to revoke.
      expect(yield* auth.revoke(as.resource)).toEqual({ hadTokens: false, revoked: [] })
      expect((yield* as.requests).filter((r) => r.url === `${as.issuer}/revoke`)).toHaveLength(2)
    }))

  it.scopedLive("after revoke, the next request authorizes afresh", () =>
    Effect.gen(function*() {
      const as = yield* serveAuth()
      const { auth, client } = yield* authorized(as)
      yield* auth.revoke(as.resource)
      yield* client.ping()
      expect(yield* as.stats).toMatchObject({ authorizations: 2, registrations: 1 })
    }))

  it.scopedLive("a server without revocation_endpoint: the tokens are only forgotten", () =>
    Effect.gen(function*() {
      const as = yield* serveAuth({ revocation: false })
      const { auth, grant, store } = yield* authorized(as)
      expect(yield* auth.revoke(as.resource)).toEqual({ hadTokens: true, revoked: [] })
      expect(yield* store.get(`grant:${as.resource}`)).toBeUndefined()
      expect((yield* as.requests).some((r) => r.url.endsWith("/revoke"))).toBe(false)
      // Still valid at the server: nobody told it.
      expect(yield* statusWith(as.resource, grant.access_token)).not.toBe(401)
    }))

  it.scopedLive("a server that refuses the revocation: AuthorizationFailed(revocation), the tokens forgotten all the same", () =>
    Effect.gen(function*() {
      const as = yield* serveAuth()
      const { auth, store } = yield* authorized(as)
      // A registration the server no longer knows: every revocation request is 401 invalid_client.
      yield* store.remove(`client:${as.issuer}`)
      yield* store.set(`client:${as.issuer}`, JSON.stringify({ issuer: as.issuer, client_id: "unknown-client" }))
      const events = yield* auth.subscribe
      const error = yield* Effect.flip(auth.revoke(as.resource))
      expect(error).toMatchObject({
        _tag: "AuthorizationFailed",
        step: "revocation",
        error: "invalid_client",
        status: 401
      })
      expect(yield* store.get(`grant:${as.resource}`)).toBeUndefined()
      const seen = yield* events.takeAll
      expect([...seen].map((e) => e._tag)).toEqual(["Failed"])
    }))
})

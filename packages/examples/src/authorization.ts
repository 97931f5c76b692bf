/**
 * Connecting to a protected MCP server (docs/authorization.md): the
 * authorization layer between the client and its HTTP, its services, its
 * errors, and testing an application against an authorization server.
 */
import { McpAuth, McpClient, McpHttp } from "@mcp-effect/core"
import { McpTestAuth, McpTestServer } from "@mcp-effect/core/testing"
import { NodeMcpAuth, NodeMcpHttp } from "@mcp-effect/node"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"

// #region node
/** A Node app: tokens in ~/.config/mcp-effect/auth.json (0600), the browser step on a loopback port. */
export const ClientLive = (url: string) =>
  McpClient.layer({ url }).pipe(
    Layer.provide(McpAuth.layer({ clientName: "my app" })),
    Layer.provide(Layer.mergeAll(NodeMcpAuth.layerFileStore(), NodeMcpAuth.layerLoopback())),
    Layer.provide(NodeMcpHttp.layer)
  )
// #endregion

// #region machine
/** A service with no user: the client credentials grant, tokens in memory. */
export const MachineClientLive = (url: string, clientId: string, clientSecret: string) =>
  McpClient.layer({ url }).pipe(
    Layer.provide(McpAuth.layer({ grant: { _tag: "ClientCredentials", clientId, clientSecret } })),
    Layer.provide(NodeMcpHttp.layer)
  )
// #endregion

// #region errors
/** The tool names, or why the server would not let us see them. */
export const toolNames = Effect.flatMap(McpClient.McpClient, (client) => client.listAllTools()).pipe(
  Effect.map((tools) => tools.map((tool) => tool.name)),
  // Authorization errors are McpErrors like the others: caught by their tag, with the request's method.
  Effect.catchTags({
    AuthorizationRequired: () => Effect.succeed(["(log in first)"]),
    AuthorizationFailed: (e) => Effect.succeed([`(authorization failed at ${e.step}: ${e.error ?? e.description})`])
  })
)
// #endregion

// #region testing
/** An app tested against an in-memory MCP server behind a test authorization server. */
export const testedApp = Effect.gen(function*() {
  const server = yield* McpTestServer.make()
  const auth = yield* McpTestAuth.makeServer({ tokenTtl: "10 minutes" })
  const network = auth.wrap(McpHttp.fromHttpClient(McpTestServer.httpClient(server)))
  const http = yield* Layer.build(
    McpAuth.layer().pipe(Layer.provide(Layer.mergeAll(
      Layer.succeed(McpHttp.McpHttp, network),
      Layer.succeed(McpAuth.Authorizer, McpTestAuth.headless(network)) // approves at once
    )))
  )
  const client = yield* McpClient.make({ url: auth.resource }).pipe(
    Effect.provideService(McpHttp.McpHttp, Context.get(http, McpHttp.McpHttp))
  )
  const result = yield* client.callTool("echo", { text: "authorized" })
  return { result, stats: yield* auth.stats }
})
// #endregion

// #region events
/** What authorization does, as it happens: one log line per event (they never hold a token). */
export const logAuthorization = Effect.flatMap(McpAuth.McpAuth, (auth) =>
  auth.events.pipe(
    Stream.runForEach((event) =>
      Effect.logInfo(`authorization: ${event._tag}`).pipe(Effect.annotateLogs({ resource: event.resource }))
    )
  ))
// #endregion

// #region logout
/** Logout: revoke the tokens at the server where it offers revocation (RFC 7009), then forget them. */
export const logout = (url: string) =>
  Effect.flatMap(McpAuth.McpAuth, (auth) => auth.revoke(url)).pipe(
    Effect.map(({ hadTokens, revoked }) =>
      !hadTokens ? "not logged in" : revoked.length > 0 ? `revoked ${revoked.join(", ")}` : "forgotten locally"
    )
  )
// #endregion

#!/usr/bin/env node
// A test peer we did not write: the OFFICIAL @modelcontextprotocol/sdk server behind the SDK's own
// authorization pieces, in its own process on 127.0.0.1 (a free port):
//   - /mcp: StreamableHTTPServerTransport (stateless, JSON answers) behind `requireBearerAuth`
//     with `resourceMetadataUrl` and `expectedResource` (a token for another resource is refused);
//   - `mcpAuthRouter`: Protected Resource Metadata, authorization server metadata, /register
//     (DCR), /authorize, /token (the SDK checks PKCE S256 itself), /revoke.
// Only the OAuthServerProvider below is ours: in memory, it approves every authorization at
// once (redirect to the redirect_uri with a code), issues refresh tokens, and records what it saw.
//
//   node sdkAuthServerMain.mjs
//
// Prints one JSON line on stdout, {"url":"http://127.0.0.1:PORT/mcp","issuer":"..."}, then reads
// commands from stdin, one per line, each answered by one JSON line:
//   stats           -> {"registrations":[...],"authorizations":[...],"exchanges":[...],"refreshes":[...],"mcp":[...]}
//   expire-access   -> {"expired":N}  every access token now has expiresAt in the past (the SDK's
//                      middleware answers 401 invalid_token "Token has expired")
//   revoke-refresh  -> {"revoked":N}  every refresh token is forgotten (a refresh gets invalid_grant)
// Exits on SIGTERM, SIGINT or when stdin closes (spawn it with stdin as a pipe).
import { InvalidGrantError, InvalidTokenError } from "@modelcontextprotocol/sdk/server/auth/errors.js"
import { requireBearerAuth } from "@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js"
import { getOAuthProtectedResourceMetadataUrl, mcpAuthRouter } from "@modelcontextprotocol/sdk/server/auth/router.js"
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js"
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js"
import express from "express"
import { randomUUID } from "node:crypto"
import { createServer } from "node:http"
import { createInterface } from "node:readline"
import { z } from "zod"

const TOKEN_TTL_SECONDS = 3600

/** What the provider saw, for the test to assert on (never used by the server itself). */
const records = { registrations: [], authorizations: [], exchanges: [], refreshes: [], mcp: [] }

class ClientsStore {
  clients = new Map()
  async getClient(clientId) {
    return this.clients.get(clientId)
  }
  async registerClient(client) {
    this.clients.set(client.client_id, client)
    records.registrations.push({
      client_id: client.client_id,
      redirect_uris: client.redirect_uris,
      token_endpoint_auth_method: client.token_endpoint_auth_method,
      grant_types: client.grant_types,
      client_name: client.client_name,
      has_secret: client.client_secret !== undefined
    })
    return client
  }
}

class Provider {
  clientsStore = new ClientsStore()
  codes = new Map()
  access = new Map()
  refresh = new Map()

  async authorize(client, params, res) {
    const code = randomUUID()
    this.codes.set(code, { clientId: client.client_id, params })
    const target = new URL(params.redirectUri)
    target.searchParams.set("code", code)
    if (params.state !== undefined) target.searchParams.set("state", params.state)
    res.redirect(302, target.href)
  }

  async challengeForAuthorizationCode(_client, code) {
    const entry = this.codes.get(code)
    if (entry === undefined) throw new InvalidGrantError("unknown authorization code")
    return entry.params.codeChallenge
  }

  async exchangeAuthorizationCode(client, code, _verifier, redirectUri, resource) {
    const entry = this.codes.get(code)
    if (entry === undefined || entry.clientId !== client.client_id) {
      throw new InvalidGrantError("unknown authorization code")
    }
    this.codes.delete(code)
    records.exchanges.push({
      client_id: client.client_id,
      redirect_uri: redirectUri,
      resource: resource?.href,
      authorize_resource: entry.params.resource?.href
    })
    return this.#issue(client.client_id, entry.params.scopes ?? [], resource ?? entry.params.resource)
  }

  async exchangeRefreshToken(client, refreshToken, scopes, resource) {
    const entry = this.refresh.get(refreshToken)
    records.refreshes.push({ client_id: client.client_id, resource: resource?.href, known: entry !== undefined })
    if (entry === undefined || entry.clientId !== client.client_id) {
      throw new InvalidGrantError("unknown refresh token")
    }
    // Rotation: each refresh token works once.
    this.refresh.delete(refreshToken)
    return this.#issue(client.client_id, scopes ?? entry.scopes, resource ?? entry.resource)
  }

  async verifyAccessToken(token) {
    const entry = this.access.get(token)
    if (entry === undefined) throw new InvalidTokenError("unknown token")
    return {
      token,
      clientId: entry.clientId,
      scopes: entry.scopes,
      expiresAt: entry.expiresAt,
      resource: entry.resource
    }
  }

  async revokeToken(_client, request) {
    this.access.delete(request.token)
    this.refresh.delete(request.token)
  }

  #issue(clientId, scopes, resource) {
    const accessToken = randomUUID()
    const refreshToken = randomUUID()
    const expiresAt = Math.floor(Date.now() / 1000) + TOKEN_TTL_SECONDS
    this.access.set(accessToken, { clientId, scopes, expiresAt, resource })
    this.refresh.set(refreshToken, { clientId, scopes, resource })
    return {
      access_token: accessToken,
      token_type: "Bearer",
      expires_in: TOKEN_TTL_SECONDS,
      refresh_token: refreshToken,
      scope: scopes.join(" ")
    }
  }
}

const mcpServer = () => {
  const server = new McpServer({ name: "sdk-auth-peer", version: "1.0.0" })
  server.registerTool("whoami", { description: "The token's client and resource, as the SDK saw them" }, (extra) => ({
    content: [{
      type: "text",
      text: JSON.stringify({ clientId: extra.authInfo?.clientId, resource: extra.authInfo?.resource?.href })
    }]
  }))
  server.registerTool(
    "echo",
    { description: "Echoes text", inputSchema: { text: z.string() } },
    ({ text }) => ({ content: [{ type: "text", text }] })
  )
  return server
}

// Listen first: the metadata names the port.
let app = (_req, res) => res.writeHead(503).end()
const http = createServer((req, res) => app(req, res))
await new Promise((resolve) => http.listen(0, "127.0.0.1", resolve))
const origin = `http://127.0.0.1:${http.address().port}`
const mcpUrl = new URL("/mcp", origin)
const provider = new Provider()

const expressApp = express()
// What the authorization request carried, as the SDK's handler received it, recorded before the router answers (it only passes the
// challenge, not its method, to the provider).
expressApp.use("/authorize", (req, _res, next) => {
  records.authorizations.push({
    client_id: req.query.client_id,
    code_challenge_method: req.query.code_challenge_method,
    has_code_challenge: typeof req.query.code_challenge === "string",
    has_state: typeof req.query.state === "string",
    resource: req.query.resource,
    scope: req.query.scope,
    redirect_uri: req.query.redirect_uri
  })
  next()
})
expressApp.use(mcpAuthRouter({
  provider,
  issuerUrl: new URL(origin),
  resourceServerUrl: mcpUrl,
  scopesSupported: ["mcp:tools"],
  resourceName: "sdk auth peer",
  // The test's requests are few, but the machine is shared: no rate limiting in the way.
  authorizationOptions: { rateLimit: false },
  tokenOptions: { rateLimit: false },
  clientRegistrationOptions: { rateLimit: false },
  revocationOptions: { rateLimit: false }
}))
const bearer = requireBearerAuth({
  verifier: provider,
  resourceMetadataUrl: getOAuthProtectedResourceMetadataUrl(mcpUrl),
  expectedResource: mcpUrl
})
expressApp.all(
  "/mcp",
  (req, res, next) => {
    const entry = { method: req.method, authorized: typeof req.headers.authorization === "string", status: 0 }
    records.mcp.push(entry)
    res.on("finish", () => (entry.status = res.statusCode))
    next()
  },
  bearer,
  express.json(),
  async (req, res) => {
    // The JSON-RPC method (single messages only), known once the bearer check let the body through.
    records.mcp.at(-1).rpcMethod = typeof req.body?.method === "string" ? req.body.method : undefined
    if (req.method !== "POST") return res.status(405).set("Allow", "POST").end()
    const server = mcpServer()
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true })
    res.on("close", () => {
      void transport.close()
      void server.close()
    })
    await server.connect(transport)
    await transport.handleRequest(req, res, req.body)
  }
)
app = expressApp

const reply = (value) => process.stdout.write(`${JSON.stringify(value)}\n`)
reply({ url: mcpUrl.href, issuer: new URL(origin).href })

let stopping = false
const stop = () => {
  if (stopping) return
  stopping = true
  http.closeAllConnections()
  http.close(() => process.exit(0))
}
process.on("SIGTERM", stop)
process.on("SIGINT", stop)

const commands = createInterface({ input: process.stdin })
commands.on("close", stop)
commands.on("line", (line) => {
  switch (line.trim()) {
    case "":
      return
    case "stats":
      return reply(records)
    case "expire-access": {
      const past = Math.floor(Date.now() / 1000) - 60
      for (const entry of provider.access.values()) entry.expiresAt = past
      return reply({ expired: provider.access.size })
    }
    case "revoke-refresh": {
      const revoked = provider.refresh.size
      provider.refresh.clear()
      return reply({ revoked })
    }
    default:
      return reply({ error: `unknown command: ${line.trim()}` })
  }
})

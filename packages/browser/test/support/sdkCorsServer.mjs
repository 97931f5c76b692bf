// The OFFICIAL @modelcontextprotocol/sdk server behind express and the `cors` middleware, the way the
// SDK's README sets it up for browser clients (stateful: a transport per session, ended by DELETE).
// Runs in Node (globalSetup); plain ESM JavaScript, types in sdkCorsServer.d.mts. Its state is read
// over HTTP at /__control/state (a simple GET: no preflight).
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js"
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js"
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js"
import cors from "cors"
import express from "express"
import { randomUUID } from "node:crypto"
import { createServer } from "node:http"
import { z } from "zod"

const makeServer = () => {
  const server = new McpServer({ name: "sdk-cors-server", version: "1.0.0" })
  server.registerTool("echo", {
    description: "Returns its text",
    inputSchema: { text: z.string() }
  }, async ({ text }) => ({ content: [{ type: "text", text }] }))
  return server
}

// The CORS of docs/browser.md for a plain node:http server (shown there from this region).
// #region node-http
/** `handler` with the CORS headers a browser page on `origin` needs for the MCP client. */
const withCors = (origin, handler) => (req, res) => {
  res.setHeader("Access-Control-Allow-Origin", origin)
  res.setHeader("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS")
  res.setHeader("Access-Control-Allow-Headers", "Content-Type, Mcp-Session-Id, MCP-Protocol-Version, Last-Event-ID")
  res.setHeader("Access-Control-Expose-Headers", "Mcp-Session-Id")
  res.setHeader("Access-Control-Max-Age", "7200")
  if (origin !== "*") res.setHeader("Vary", "Origin")
  // The preflight: answered here, before any authentication.
  if (req.method === "OPTIONS") {
    res.writeHead(204).end()
    return
  }
  handler(req, res)
}
// #endregion

/**
 * Starts the server on 127.0.0.1 with `cors(corsOptions)` (express), or with `withCors` on
 * node:http when given `{ nodeHttp: origin }`; see sdkCorsServer.d.mts.
 */
export async function startSdkCorsServer(corsOptions) {
  const nodeHttp = "nodeHttp" in corsOptions ? corsOptions.nodeHttp : undefined
  /** sessionId -> transport */
  const transports = new Map()
  const log = []
  let initializations = 0
  let deleted = 0

  const app = express()
  // Before `cors`: the preflights it answers are logged too.
  app.use("/mcp", (req, res, next) => {
    const entry = {
      method: req.method,
      sessionId: req.headers["mcp-session-id"],
      requestHeaders: req.headers["access-control-request-headers"],
      requestMethod: req.headers["access-control-request-method"],
      rpcMethod: undefined,
      status: undefined
    }
    log.push(entry)
    res.on("finish", () => (entry.status = res.statusCode))
    next()
  })
  if (nodeHttp === undefined) app.use(cors(corsOptions))
  app.use(express.json())

  app.get("/__control/state", (_req, res) => {
    res.json({ initializations, deleted, sessions: [...transports.keys()], log })
  })

  app.post("/mcp", async (req, res) => {
    const entry = log.at(-1)
    if (entry !== undefined && typeof req.body?.method === "string") entry.rpcMethod = req.body.method
    const sessionId = req.headers["mcp-session-id"]
    let transport
    if (typeof sessionId === "string" && transports.has(sessionId)) {
      transport = transports.get(sessionId)
    } else if (sessionId === undefined && isInitializeRequest(req.body)) {
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          initializations++
          transports.set(id, transport)
        },
        onsessionclosed: () => {
          deleted++
        }
      })
      transport.onclose = () => {
        if (transport.sessionId !== undefined) transports.delete(transport.sessionId)
      }
      await makeServer().connect(transport)
    } else {
      res.status(400).json({
        jsonrpc: "2.0",
        error: { code: -32000, message: "Bad Request: No valid session ID provided" },
        id: null
      })
      return
    }
    await transport.handleRequest(req, res, req.body)
  })

  const sessionRequest = async (req, res) => {
    const sessionId = req.headers["mcp-session-id"]
    const transport = typeof sessionId === "string" ? transports.get(sessionId) : undefined
    if (transport === undefined) {
      res.status(400).send("Invalid or missing session ID")
      return
    }
    await transport.handleRequest(req, res)
  }
  app.get("/mcp", sessionRequest)
  app.delete("/mcp", sessionRequest)

  const httpServer = nodeHttp === undefined ? createServer(app) : createServer(withCors(nodeHttp, app))
  await new Promise((resolve, reject) => {
    httpServer.once("error", reject)
    httpServer.listen(0, "127.0.0.1", () => {
      httpServer.off("error", reject)
      resolve()
    })
  })
  const address = httpServer.address()
  const origin = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`
  return {
    url: `${origin}/mcp`,
    stateUrl: `${origin}/__control/state`,
    close: async () => {
      await Promise.all([...transports.values()].map((transport) => transport.close()))
      await new Promise((resolve) => {
        httpServer.close(() => resolve())
        httpServer.closeAllConnections()
      })
    }
  }
}

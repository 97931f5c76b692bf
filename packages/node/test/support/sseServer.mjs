// A test peer: the OFFICIAL SDK v1 server on the deprecated 2024-11-05 HTTP+SSE transport
// (`SSEServerTransport`) over real HTTP on 127.0.0.1: GET /mcp opens the stream, whose `endpoint`
// event names /messages?sessionId=…; a POST to /mcp is answered 404 as such servers do.
import { SSEServerTransport } from "@modelcontextprotocol/sdk/server/sse.js"
import { createServer } from "node:http"
import { createSdkMcpServer } from "./sdkServer.mjs"

export const startSseServer = async () => {
  const transports = new Map()
  const log = []
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1")
    log.push({ method: req.method, path: url.pathname })
    if (req.method === "GET" && url.pathname === "/mcp") {
      const transport = new SSEServerTransport("/messages", res)
      transports.set(transport.sessionId, { transport, res })
      res.on("close", () => transports.delete(transport.sessionId))
      await createSdkMcpServer().connect(transport)
      return
    }
    if (req.method === "POST" && url.pathname === "/messages") {
      const entry = transports.get(url.searchParams.get("sessionId") ?? "")
      if (entry === undefined) {
        res.writeHead(404).end("unknown session")
        return
      }
      await entry.transport.handlePostMessage(req, res)
      return
    }
    res.writeHead(404).end("not found")
  })
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = server.address().port
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    requests: () => [...log],
    streams: () => transports.size,
    dropStreams: () => {
      for (const { res } of transports.values()) res.destroy()
      transports.clear()
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

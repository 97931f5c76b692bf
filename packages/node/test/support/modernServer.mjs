// A test peer: a 2026-07-28 (stateless) MCP server over real HTTP on 127.0.0.1, written from the
// specification (no SDK publishes a modern server mode yet). It checks what a modern server checks
// (the version header against _meta, Mcp-Method, Mcp-Param-* against x-mcp-header) and answers with
// the era's errors, so a client that gets the wire wrong fails here.
import { createServer } from "node:http"

export const MODERN_VERSION = "2026-07-28"

const tools = [
  { name: "echo", inputSchema: { type: "object", properties: { text: { type: "string" } } } },
  {
    name: "regional",
    inputSchema: {
      type: "object",
      properties: { region: { type: "string", "x-mcp-header": "Region" }, note: { type: "string" } },
      required: ["region"]
    }
  },
  { name: "confirm", inputSchema: { type: "object", properties: {} } },
  { name: "bad_header", inputSchema: { type: "object", properties: { x: { type: "number", "x-mcp-header": "X" } } } }
]

const json = (res, status, body) => {
  res.writeHead(status, { "content-type": "application/json" })
  res.end(JSON.stringify(body))
}
const failure = (res, status, id, code, message, data) =>
  json(res, status, {
    jsonrpc: "2.0",
    id: id ?? null,
    error: { code, message, ...(data === undefined ? {} : { data }) }
  })
const text = (value) => ({ resultType: "complete", content: [{ type: "text", text: value }] })

/** Starts the server; `requests()` is every POST it got: headers (lower case) and body. */
export const startModernServer = async () => {
  const log = []
  const server = createServer((req, res) => {
    if (req.method !== "POST") return failure(res, 405, null, -32601, "POST only")
    let raw = ""
    req.setEncoding("utf8")
    req.on("data", (chunk) => (raw += chunk))
    req.on("end", () => {
      let body
      try {
        body = JSON.parse(raw)
      } catch {
        return failure(res, 400, null, -32700, "parse error")
      }
      log.push({ headers: req.headers, body })
      const { id, method, params } = body
      const meta = params?._meta ?? {}
      const version = req.headers["mcp-protocol-version"]
      if (version !== MODERN_VERSION || meta["io.modelcontextprotocol/protocolVersion"] !== MODERN_VERSION) {
        return failure(res, 400, id, -32022, "Unsupported protocol version", {
          supported: [MODERN_VERSION],
          requested: String(version ?? "")
        })
      }
      if (req.headers["mcp-method"] !== method) return failure(res, 400, id, -32020, "Mcp-Method mismatch")
      if (meta["io.modelcontextprotocol/clientCapabilities"] === undefined) {
        return failure(res, 400, id, -32602, "missing client capabilities")
      }
      switch (method) {
        case "server/discover":
          return json(res, 200, {
            jsonrpc: "2.0",
            id,
            result: {
              resultType: "complete",
              supportedVersions: [MODERN_VERSION],
              capabilities: { tools: {} },
              serverInfo: { name: "modern-test-server", version: "1.0.0" }
            }
          })
        case "tools/list":
          return json(res, 200, { jsonrpc: "2.0", id, result: { resultType: "complete", tools } })
        case "tools/call":
          return call(res, req, id, params)
        default:
          return failure(res, 404, id, -32601, `Method not found: ${method}`)
      }
    })
  })
  const call = (res, req, id, params) => {
    if (req.headers["mcp-name"] !== params.name) return failure(res, 400, id, -32020, "Mcp-Name mismatch")
    switch (params.name) {
      case "echo":
        return json(res, 200, { jsonrpc: "2.0", id, result: text(String(params.arguments?.text ?? "")) })
      case "regional":
        if (req.headers["mcp-param-region"] !== params.arguments?.region) {
          return failure(res, 400, id, -32020, "Mcp-Param-Region mismatch")
        }
        return json(res, 200, { jsonrpc: "2.0", id, result: text(`region ${params.arguments.region}`) })
      case "confirm": {
        if (params.inputResponses === undefined) {
          return json(res, 200, {
            jsonrpc: "2.0",
            id,
            result: {
              resultType: "input_required",
              inputRequests: {
                ok: {
                  method: "elicitation/create",
                  params: {
                    message: "Sure?",
                    requestedSchema: { type: "object", properties: { sure: { type: "boolean" } } }
                  }
                }
              },
              requestState: "  opaque\u00e9 state {\"x\":1}  "
            }
          })
        }
        // No resultType: complete by default.
        return json(res, 200, {
          jsonrpc: "2.0",
          id,
          result: {
            content: [{
              type: "text",
              text: JSON.stringify({ inputResponses: params.inputResponses, requestState: params.requestState })
            }]
          }
        })
      }
      default:
        return failure(res, 404, id, -32601, `Unknown tool: ${params.name}`)
    }
  }
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = server.address().port
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    requests: () => [...log],
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

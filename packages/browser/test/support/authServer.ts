/**
 * Runs in Node (globalSetup): the test authorization server of `McpTestAuth`
 * in front of the in-memory test MCP server, over real HTTP on 127.0.0.1,
 * with the CORS a browser app needs (`Authorization` allowed,
 * `WWW-Authenticate` and `Mcp-Session-Id` exposed) and the controls a page
 * reaches: the node tests' server (`serveAuth`), with a Promise API.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import { controlPath, serveAuth } from "../../../node/test/support/authHttp.js"

export interface StartedAuthServer {
  /** The protected MCP endpoint. */
  readonly url: string
  readonly issuer: string
  readonly controlUrl: string
  readonly close: () => Promise<void>
}

export const startAuthServer = async (): Promise<StartedAuthServer> => {
  const scope = Effect.runSync(Scope.make())
  const handle = await Effect.runPromise(Scope.extend(serveAuth({}, { browser: true }), scope))
  return {
    url: handle.resource,
    issuer: handle.issuer,
    controlUrl: new URL(controlPath, handle.resource).href,
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

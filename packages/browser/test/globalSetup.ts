/**
 * Runs in Node before the browser tests: starts the MCP test servers over real
 * HTTP on 127.0.0.1 (a different origin from the page, which vitest serves
 * from localhost) with their controls under `/__mcp-test/`, and hands their
 * URLs to the tests with `provide`; bundles the apps of scripts/bundle-size/.
 */
import { NodeMcpTestServer } from "@mcp-effect/node/testing"
import type { TestProject } from "vitest/node"
import { bundleApps } from "../../../scripts/bundle-size/bundle.mjs"
import { startAuthServer } from "./support/authServer.js"
import { startSdkCorsServer } from "./support/sdkCorsServer.mjs"
import type { SdkCorsUrls, ServerUrls } from "./support/servers.js"

declare module "vitest" {
  export interface ProvidedContext {
    readonly servers: {
      readonly json: ServerUrls
      readonly sse: ServerUrls
      readonly hiddenSession: ServerUrls
    }
    /** The official SDK server behind the `cors` middleware, configured four ways. */
    readonly sdkCors: {
      /** As the SDK's README shows it: `mcp-protocol-version` is not an allowed header. */
      readonly readme: SdkCorsUrls
      /** Not even `mcp-session-id` allowed: no request on the session can pass, not even DELETE. */
      readonly sessionRefused: SdkCorsUrls
      /** As docs/browser.md's checklist says, with the `cors` middleware. */
      readonly checklist: SdkCorsUrls
      /** As docs/browser.md's checklist says, on plain node:http. */
      readonly nodeHttp: SdkCorsUrls
    }
    /** A protected MCP endpoint behind the test authorization server (McpTestAuth), with its controls. */
    readonly auth: { readonly url: string; readonly controlUrl: string }
    /** The apps scripts/bundle-size.mjs measures, bundled the same way. */
    readonly bundles: ReadonlyArray<{ readonly name: string; readonly code: string }>
  }
}

export default async function setup(project: TestProject) {
  project.provide("bundles", (await bundleApps()).map(({ code, name }) => ({ name, code })))
  const started: Array<{ readonly close: () => Promise<void> }> = []
  const startSdk = async (cors: Parameters<typeof startSdkCorsServer>[0]): Promise<SdkCorsUrls> => {
    const server = await startSdkCorsServer(cors)
    started.push(server)
    return { url: server.url, stateUrl: server.stateUrl }
  }
  const start = async (options: NodeMcpTestServer.Options): Promise<ServerUrls> => {
    const server = await NodeMcpTestServer.startNodeMcpTestServer({ control: true, ...options })
    started.push(server)
    return { url: server.url, controlUrl: server.controlUrl }
  }
  try {
    project.provide("servers", {
      // CORS as the docs require: MCP headers allowed, Mcp-Session-Id exposed.
      json: await start({ cors: true }),
      // Answers as SSE streams (progress and server requests travel on the POST's response).
      sse: await start({ cors: true, answers: "sse" }),
      // A server that forgot `Access-Control-Expose-Headers: Mcp-Session-Id`.
      hiddenSession: await start({ cors: { exposeSessionHeader: false } })
    })
    project.provide("sdkCors", {
      readme: await startSdk({
        origin: "*",
        exposedHeaders: ["Mcp-Session-Id"],
        allowedHeaders: ["Content-Type", "mcp-session-id"]
      }),
      sessionRefused: await startSdk({
        origin: "*",
        exposedHeaders: ["Mcp-Session-Id"],
        allowedHeaders: ["Content-Type"]
      }),
      // The same settings as docs/browser.md (keep them in step).
      checklist: await startSdk({
        origin: "*",
        exposedHeaders: ["Mcp-Session-Id"],
        allowedHeaders: ["Content-Type", "mcp-session-id", "mcp-protocol-version", "last-event-id"]
      }),
      nodeHttp: await startSdk({ nodeHttp: "*" })
    })
    const auth = await startAuthServer()
    started.push(auth)
    project.provide("auth", { url: auth.url, controlUrl: auth.controlUrl })
  } catch (error) {
    await Promise.all(started.map((server) => server.close()))
    throw error
  }
  return async () => {
    await Promise.all(started.map((server) => server.close()))
  }
}

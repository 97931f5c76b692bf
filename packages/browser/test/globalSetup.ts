/**
 * Runs in Node before the browser tests: starts the MCP test servers over real
 * HTTP on 127.0.0.1 (a different origin from the page, which vitest serves
 * from localhost) with their controls under `/__mcp-test/`, and hands their
 * URLs to the tests with `provide`; bundles the apps of scripts/bundle-size/.
 */
import { NodeMcpTestServer } from "@mcp-effect/node/testing"
import type { TestProject } from "vitest/node"
import { bundleApps } from "../../../scripts/bundle-size/bundle.mjs"
import type { ServerUrls } from "./support/servers.js"

declare module "vitest" {
  export interface ProvidedContext {
    readonly servers: {
      readonly json: ServerUrls
      readonly sse: ServerUrls
      readonly hiddenSession: ServerUrls
    }
    /** The apps scripts/bundle-size.mjs measures, bundled the same way. */
    readonly bundles: ReadonlyArray<{ readonly name: string; readonly code: string }>
  }
}

export default async function setup(project: TestProject) {
  project.provide("bundles", (await bundleApps()).map(({ code, name }) => ({ name, code })))
  const started: Array<NodeMcpTestServer.Started> = []
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
  } catch (error) {
    await Promise.all(started.map((server) => server.close()))
    throw error
  }
  return async () => {
    await Promise.all(started.map((server) => server.close()))
  }
}

/**
 * Test kit for Node: the MCP test server over real HTTP.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 */
export * as NodeMcpTestServer from "./NodeMcpTestServer.js"

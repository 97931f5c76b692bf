/**
 * Test kit: a real MCP server to test clients against.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 */
export * as McpTestServer from "./McpTestServer.js"

/**
 * @since 0.2.0
 */
export * as McpTestAuth from "./McpTestAuth.js"

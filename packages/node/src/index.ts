/**
 * @since 0.1.0
 */
export * as NodeMcpClient from "./NodeMcpClient.js"

/**
 * @since 0.1.0
 */
export * as NodeMcpHttp from "./NodeMcpHttp.js"

/**
 * @since 0.1.0
 */
export * as NodeMcpClient from "./NodeMcpClient.js"

/**
 * @since 0.1.0
 */
export * as NodeMcpHttp from "./NodeMcpHttp.js"

/**
 * @since 0.2.0
 */
export * as NodeMcpStdio from "./NodeMcpStdio.js"

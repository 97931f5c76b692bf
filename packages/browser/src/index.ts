/**
 * @since 0.2.0
 */
export * as BrowserMcpAuth from "./BrowserMcpAuth.js"

/**
 * @since 0.1.0
 */
export * as BrowserMcpClient from "./BrowserMcpClient.js"

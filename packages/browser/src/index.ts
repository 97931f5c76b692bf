/**
 * @since 0.1.0
 */
export * as BrowserMcpClient from "./BrowserMcpClient.js"

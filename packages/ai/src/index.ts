/**
 * @since 0.2.0
 */
export * as McpPrompt from "./McpPrompt.js"

/**
 * @since 0.2.0
 */
export * as McpResource from "./McpResource.js"

/**
 * @since 0.2.0
 */
export * as McpTool from "./McpTool.js"

/**
 * @since 0.2.0
 */
export * as McpToolkit from "./McpToolkit.js"

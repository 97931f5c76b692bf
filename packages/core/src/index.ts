/**
 * @since 0.1.0
 */
export * as JsonRpc from "./JsonRpc.js"

/**
 * @since 0.2.0
 */
export * as McpAuth from "./McpAuth.js"

/**
 * @since 0.2.0
 */
export * as McpAuthEvent from "./McpAuthEvent.js"

/**
 * @since 0.2.0
 */
export * as McpAuthGrant from "./McpAuthGrant.js"

/**
 * @since 0.1.0
 */
export * as McpClient from "./McpClient.js"

/**
 * @since 0.2.0
 */
export * as McpConfig from "./McpConfig.js"

/**
 * @since 0.1.0
 */
export * as McpError from "./McpError.js"

/**
 * @since 0.1.0
 */
export * as McpHttp from "./McpHttp.js"

/**
 * @since 0.2.0
 */
export * as McpHttpSpan from "./McpHttpSpan.js"

/**
 * @since 0.1.0
 */
export * as McpSchema from "./McpSchema.js"

/**
 * @since 0.2.0
 */
export * as McpTransport from "./McpTransport.js"

/**
 * @since 0.1.0
 */
export * as Recovery from "./Recovery.js"

/**
 * @since 0.1.0
 */
export * as Session from "./Session.js"

/**
 * @since 0.2.0
 */
export * as EraCache from "./EraCache.js"

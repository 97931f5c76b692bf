/**
 * The CLI's authorization: tokens in the user's config directory (a 0600
 * file, `MCP_EFFECT_AUTH_FILE` to put it elsewhere), shared by every
 * command; only `login` opens the browser step (a loopback listener).
 *
 * @internal
 */
import { McpAuth } from "@mcp-effect/core"
import type { McpError, McpHttp } from "@mcp-effect/core"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as NodeMcpAuth from "../../NodeMcpAuth.js"
import * as NodeMcpHttp from "../../NodeMcpHttp.js"

/** @internal */
export const storePath = (): string => process.env.MCP_EFFECT_AUTH_FILE ?? NodeMcpAuth.defaultStorePath()

/** @internal */
export const options: McpAuth.Options = { clientName: "mcp-effect-cli", applicationType: "native" }

/**
 * Wraps the CLI's `McpHttp`: stored tokens are sent and refreshed; a server
 * that wants a new authorization is `AuthorizationRequired` unless
 * `interactive` (then the URL is printed and the redirect awaited).
 *
 * @internal
 */
export const layer = (interactive: boolean): Layer.Layer<McpHttp.McpHttp, never, McpHttp.McpHttp> => {
  const store = NodeMcpAuth.layerFileStore(storePath())
  return McpAuth.layer(options).pipe(
    Layer.provide(interactive ? Layer.merge(store, NodeMcpAuth.layerLoopback()) : store)
  )
}

/**
 * `logout`: the authorization layer over the CLI's stored tokens revokes
 * those of `url` (RFC 7009 where the server offers it), then forgets them.
 *
 * @internal
 */
export const revoke = (url: string): Effect.Effect<McpAuth.RevokeResult, McpError.AuthorizationFailed> =>
  Effect.scoped(
    Effect.flatMap(
      Layer.build(
        McpAuth.layer(options).pipe(
          Layer.provide(Layer.merge(NodeMcpAuth.layerFileStore(storePath()), NodeMcpHttp.layer))
        )
      ),
      (context) => Context.get(context, McpAuth.McpAuth).revoke(url)
    )
  )

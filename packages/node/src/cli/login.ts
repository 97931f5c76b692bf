/**
 * `mcp-effect login <url>` / `mcp-effect logout <url>`: authorize the CLI
 * for a protected server (browser, loopback redirect), or forget its token.
 *
 * @internal
 */
import * as Command from "@effect/cli/Command"
import * as Effect from "effect/Effect"
import * as CliAuth from "./internal/auth.js"
import * as Common from "./internal/common.js"
import * as Connect from "./internal/connect.js"
import * as Errors from "./internal/errors.js"

const { out } = Common

/** OAuth is HTTP's: a local server gets its credentials from its environment. */
const httpOnly = (command: string, options: Common.Common) =>
  options.stdio ?
    Effect.fail(
      new Errors.UsageError({
        message: `${command} is for HTTP servers that use OAuth; a --stdio server has no authorization to ` +
          `log in to: give it its credentials with --env KEY=VALUE`
      })
    ) :
    Effect.void

/** @internal */
export const login = Command.make("login", Common.common, (options) =>
  Common.run(
    options,
    Effect.gen(function*() {
      yield* httpOnly("login", options)
      const client = yield* Connect.connect(options, { interactive: true })
      const session = yield* client.session
      if (options.json) {
        yield* out.json({ url: options.url, loggedIn: true, serverInfo: session.serverInfo })
      } else {
        yield* out.line(`Logged in to ${options.url} (${session.serverInfo.name} ${session.serverInfo.version}).`)
        yield* out.line(`Tokens are kept in ${CliAuth.storePath()}.`)
      }
    })
  )).pipe(Command.withDescription("Authorize the CLI for a protected server (opens the browser step)."))

/** @internal */
export const logout = Command.make("logout", Common.common, (options) =>
  Common.run(
    options,
    Effect.gen(function*() {
      yield* httpOnly("logout", options)
      const url = yield* Common.parseUrl(options.url)
      // The tokens are forgotten here whatever the server says; a refusal is still reported (exit 1).
      const result = yield* CliAuth.revoke(url.href).pipe(
        Effect.mapError((error) =>
          new Errors.Failed({ message: `Forgot the tokens for ${options.url}, but ${error.message}` })
        )
      )
      const atServer = result.revoked.length > 0
      if (options.json) {
        yield* out.json({ url: options.url, loggedOut: result.hadTokens, revoked: result.revoked })
      } else if (!result.hadTokens) {
        yield* out.line(`No token for ${options.url}.`)
      } else {
        yield* out.line(
          `Logged out of ${options.url} (${
            atServer ? `revoked at the server: ${result.revoked.join(", ")}` : "the server offers no revocation"
          }).`
        )
      }
    })
  )).pipe(
    Command.withDescription("Revoke the stored tokens for a server (where it offers revocation), then forget them.")
  )

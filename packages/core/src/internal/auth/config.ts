/**
 * The authorization options read from `Config` (`McpAuth.config`): the keys,
 * and the client credentials grant assembled from them.
 *
 * @internal
 */
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import type * as McpAuth from "../../McpAuth.js"
import * as McpConfig from "../../McpConfig.js"

/** @internal */
export const config: Config.Config<McpAuth.Options> = Config.all({
  clientId: McpConfig.optional(Config.string("CLIENT_ID")),
  clientSecret: McpConfig.optional(Config.redacted("CLIENT_SECRET")),
  tokenEndpointAuthMethod: McpConfig.optional(
    Config.literal("none", "client_secret_basic", "client_secret_post")("TOKEN_ENDPOINT_AUTH_METHOD")
  ),
  clientMetadataUrl: McpConfig.optional(Config.string("CLIENT_METADATA_URL")),
  clientName: McpConfig.optional(Config.string("CLIENT_NAME")),
  applicationType: McpConfig.optional(Config.literal("native", "web")("APPLICATION_TYPE")),
  grant: McpConfig.optional(Config.literal("authorization_code", "client_credentials")("GRANT")),
  privateKey: McpConfig.optional(Config.redacted("PRIVATE_KEY")),
  algorithm: McpConfig.optional(Config.literal("ES256", "ES384", "RS256", "PS256")("PRIVATE_KEY_ALGORITHM")),
  scope: McpConfig.optional(Config.string("SCOPE")),
  offlineAccess: McpConfig.optional(Config.boolean("OFFLINE_ACCESS")),
  maxStepUps: McpConfig.optional(McpConfig.count("MAX_STEP_UPS")),
  refreshSkew: McpConfig.optional(Config.duration("REFRESH_SKEW")),
  timeout: McpConfig.optional(Config.duration("TIMEOUT")),
  failureCooldown: McpConfig.optional(Config.duration("FAILURE_COOLDOWN")),
  legacyDiscovery: McpConfig.optional(Config.boolean("LEGACY_DISCOVERY")),
  allowInsecureHttp: McpConfig.optional(Config.boolean("ALLOW_INSECURE_HTTP"))
}).pipe(Config.mapOrFail(({ algorithm, clientSecret, grant, privateKey, ...rest }): Either.Either<
  McpAuth.Options,
  ConfigError.ConfigError
> => {
  const secret = clientSecret === undefined ? undefined : Redacted.value(clientSecret)
  if (grant !== "client_credentials") {
    return Either.right(McpConfig.defined({ ...rest, clientSecret: secret }))
  }
  // The client credentials grant: the client is the grant's, not a pre-registration.
  const { clientId, ...others } = rest
  if (clientId === undefined) {
    return Either.left(ConfigError.MissingData(["CLIENT_ID"], "Expected CLIENT_ID with GRANT=client_credentials"))
  }
  const credentials: McpAuth.ClientCredentials | undefined = privateKey !== undefined
    ? {
      _tag: "ClientCredentials",
      clientId,
      privateKeyPem: Redacted.value(privateKey),
      ...McpConfig.defined({ algorithm })
    }
    : secret !== undefined
    ? { _tag: "ClientCredentials", clientId, clientSecret: secret }
    : undefined
  return credentials === undefined
    ? Either.left(
      ConfigError.MissingData(["CLIENT_SECRET"], "Expected CLIENT_SECRET or PRIVATE_KEY with GRANT=client_credentials")
    )
    : Either.right(McpConfig.defined({ ...others, grant: credentials }))
}))

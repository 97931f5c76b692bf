// McpAuth.config: every key, the client credentials grant from Config against the test
// authorization server, and malformed values named by their key.
import { describe, expect, it } from "@effect/vitest"
import * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as McpAuth from "../src/McpAuth.js"
import * as McpClient from "../src/McpClient.js"
import * as McpHttp from "../src/McpHttp.js"
import * as McpTestAuth from "../src/testing/McpTestAuth.js"
import * as McpTestServer from "../src/testing/McpTestServer.js"

const authConfig = Config.nested(McpAuth.config, "AUTH")
const env = (entries: ReadonlyArray<readonly [string, string]>) =>
  ConfigProvider.fromMap(new Map(entries.map(([key, value]) => [`AUTH_${key}`, value])), { pathDelim: "_" })

describe("McpAuth.config", () => {
  it.effect("reads every key of the authorization code grant", () =>
    Effect.gen(function*() {
      const options = yield* authConfig.pipe(Effect.withConfigProvider(env([
        ["CLIENT_ID", "app"],
        ["CLIENT_SECRET", "pw"],
        ["TOKEN_ENDPOINT_AUTH_METHOD", "client_secret_post"],
        ["CLIENT_METADATA_URL", "https://app.example/client.json"],
        ["CLIENT_NAME", "Notes"],
        ["APPLICATION_TYPE", "web"],
        ["GRANT", "authorization_code"],
        ["SCOPE", "mcp:read mcp:write"],
        ["OFFLINE_ACCESS", "false"],
        ["MAX_STEP_UPS", "1"],
        ["REFRESH_SKEW", "10 seconds"],
        ["TIMEOUT", "5 seconds"],
        ["FAILURE_COOLDOWN", "2 minutes"],
        ["LEGACY_DISCOVERY", "false"],
        ["ALLOW_INSECURE_HTTP", "true"]
      ])))
      expect(options).toEqual({
        clientId: "app",
        clientSecret: "pw",
        tokenEndpointAuthMethod: "client_secret_post",
        clientMetadataUrl: "https://app.example/client.json",
        clientName: "Notes",
        applicationType: "web",
        scope: "mcp:read mcp:write",
        offlineAccess: false,
        maxStepUps: 1,
        refreshSkew: Duration.seconds(10),
        timeout: Duration.seconds(5),
        failureCooldown: Duration.minutes(2),
        legacyDiscovery: false,
        allowInsecureHttp: true
      })
    }))

  it.effect("GRANT=client_credentials: the client id with a secret, or with a private key", () =>
    Effect.gen(function*() {
      const secret = yield* authConfig.pipe(Effect.withConfigProvider(env([
        ["GRANT", "client_credentials"],
        ["CLIENT_ID", "machine"],
        ["CLIENT_SECRET", "s3cret"]
      ])))
      expect(secret).toEqual({ grant: { _tag: "ClientCredentials", clientId: "machine", clientSecret: "s3cret" } })
      const key = yield* authConfig.pipe(Effect.withConfigProvider(env([
        ["GRANT", "client_credentials"],
        ["CLIENT_ID", "machine"],
        ["PRIVATE_KEY", "-----BEGIN PRIVATE KEY-----"],
        ["PRIVATE_KEY_ALGORITHM", "RS256"]
      ])))
      expect(key).toEqual({
        grant: {
          _tag: "ClientCredentials",
          clientId: "machine",
          privateKeyPem: "-----BEGIN PRIVATE KEY-----",
          algorithm: "RS256"
        }
      })
    }))

  it.scoped("layerConfig: the client credentials grant from Config reaches the authorization server", () =>
    Effect.gen(function*() {
      const mcp = yield* McpTestServer.make({ getStream: false })
      const as = yield* McpTestAuth.makeServer({ clients: [{ clientId: "machine", clientSecret: "s3cret" }] })
      const network = Layer.succeed(McpHttp.McpHttp, as.wrap(McpHttp.fromHttpClient(McpTestServer.httpClient(mcp))))
      yield* Effect.flatMap(McpClient.McpClient, (client) => client.ping()).pipe(
        Effect.provide(
          McpClient.layer({ url: as.resource, getStream: false }).pipe(
            Layer.provide(McpAuth.layerConfig(authConfig, { clientName: "from code" })),
            Layer.provide(network)
          )
        ),
        Effect.withConfigProvider(env([
          ["GRANT", "client_credentials"],
          ["CLIENT_ID", "machine"],
          ["CLIENT_SECRET", "s3cret"]
        ]))
      )
      expect(yield* as.stats).toMatchObject({ clientCredentials: 1, registrations: 0, authorizations: 0 })
    }))

  it.effect.each(
    [
      [[["GRANT", "client_credentials"], ["CLIENT_ID", "machine"]], "MissingData", "CLIENT_SECRET"],
      [[["GRANT", "client_credentials"], ["CLIENT_SECRET", "s3cret"]], "MissingData", "CLIENT_ID"],
      [[["GRANT", "device_code"]], "InvalidData", "GRANT"],
      [[["APPLICATION_TYPE", "desktop"]], "InvalidData", "APPLICATION_TYPE"],
      [[["TOKEN_ENDPOINT_AUTH_METHOD", "basic"]], "InvalidData", "TOKEN_ENDPOINT_AUTH_METHOD"],
      [[["PRIVATE_KEY_ALGORITHM", "HS256"]], "InvalidData", "PRIVATE_KEY_ALGORITHM"],
      [[["MAX_STEP_UPS", "-1"]], "InvalidData", "MAX_STEP_UPS"],
      [[["REFRESH_SKEW", "early"]], "InvalidData", "REFRESH_SKEW"],
      [[["TIMEOUT", "never"]], "InvalidData", "TIMEOUT"],
      [[["FAILURE_COOLDOWN", "a while"]], "InvalidData", "FAILURE_COOLDOWN"],
      [[["OFFLINE_ACCESS", "perhaps"]], "InvalidData", "OFFLINE_ACCESS"],
      [[["LEGACY_DISCOVERY", "perhaps"]], "InvalidData", "LEGACY_DISCOVERY"],
      [[["ALLOW_INSECURE_HTTP", "perhaps"]], "InvalidData", "ALLOW_INSECURE_HTTP"]
    ] as const
  )("%j fails with %s naming %s", ([entries, op, key]) =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(authConfig.pipe(Effect.withConfigProvider(env(entries))))
      expect(error).toMatchObject({ _tag: "ConfigError", _op: op, path: ["AUTH", key] })
    }))
})

// A generic MCP conformance client on @mcp-effect/node: initialize (declaring elicitation), list the
// tools, call each once with arguments synthesised from its input schema, accept form elicitations
// with the schema's defaults, close the session (DELETE). One scenario is known by name, where its
// check needs an argument no schema can describe (see `scenarioArguments`).
//
// Plain ESM JavaScript so that Node runs it as is against the BUILT packages (conformanceMain.mjs,
// scripts/conformance-client), while vitest runs it against the sources (the workspace aliases);
// the types live in conformance.d.mts.
import { McpAuth, McpClient } from "@mcp-effect/core"
import { McpTestAuth } from "@mcp-effect/core/testing"
import { NodeMcpHttp } from "@mcp-effect/node"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Stream from "effect/Stream"

const isObject = (value) => typeof value === "object" && value !== null && !Array.isArray(value)

/** Follows a local `$ref` (`#/$defs/x`, `#/definitions/x`); undefined for anything else. */
const resolveRef = (ref, root) => {
  if (!ref.startsWith("#")) return undefined
  let node = root
  for (const raw of ref.slice(1).split("/").filter((part) => part !== "")) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~")
    if (!isObject(node) || !(part in node)) return undefined
    node = node[part]
  }
  return node
}

/** The first type of a `type` that may be a list (`["string", "null"]` → "string"). */
const typeOf = (schema) => {
  const type = schema.type
  if (typeof type === "string") return type
  if (Array.isArray(type)) return type.find((t) => t !== "null") ?? type[0]
  if (isObject(schema.properties) || Array.isArray(schema.required)) return "object"
  if (schema.items !== undefined) return "array"
  return undefined
}

const clampNumber = (schema, value, integer) => {
  let n = value
  if (typeof schema.minimum === "number") n = Math.max(n, schema.minimum)
  if (typeof schema.exclusiveMinimum === "number") n = Math.max(n, schema.exclusiveMinimum + (integer ? 1 : 0.5))
  if (typeof schema.maximum === "number") n = Math.min(n, schema.maximum)
  if (typeof schema.exclusiveMaximum === "number") n = Math.min(n, schema.exclusiveMaximum - (integer ? 1 : 0.5))
  return integer ? Math.ceil(n) : n
}

const stringFor = (schema) => {
  const formats = {
    email: "user@example.com",
    uri: "https://example.com",
    url: "https://example.com",
    date: "2025-01-01",
    "date-time": "2025-01-01T00:00:00Z",
    time: "00:00:00",
    uuid: "00000000-0000-4000-8000-000000000000"
  }
  let text = typeof schema.format === "string" && schema.format in formats ? formats[schema.format] : "test"
  if (typeof schema.minLength === "number" && text.length < schema.minLength) {
    text = text.padEnd(schema.minLength, "x")
  }
  if (typeof schema.maxLength === "number" && text.length > schema.maxLength) text = text.slice(0, schema.maxLength)
  return text
}

/**
 * A value that satisfies `schema` as far as a generic client can tell: its `default`, else `const`,
 * else `enum[0]` (or the first titled option), else `examples[0]`, else a value of its type. Objects
 * get their required properties and every property that has a default.
 */
export const synthesize = (schema, root = schema, depth = 0) => {
  if (!isObject(schema) || depth > 16) return undefined
  if ("default" in schema) return schema.default
  if ("const" in schema) return schema.const
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0]
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0]
  if (typeof schema.$ref === "string") {
    const target = resolveRef(schema.$ref, root)
    return target === undefined ? undefined : synthesize(target, root, depth + 1)
  }
  for (const key of ["oneOf", "anyOf"]) {
    const options = schema[key]
    if (Array.isArray(options) && options.length > 0 && typeOf(schema) === undefined) {
      const choice = options.find((option) => !(isObject(option) && option.type === "null")) ?? options[0]
      return synthesize(choice, root, depth + 1)
    }
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0 && typeOf(schema) === undefined) {
    const parts = schema.allOf.map((part) => synthesize(part, root, depth + 1))
    return parts.every(isObject) ? Object.assign({}, ...parts) : parts[0]
  }
  switch (typeOf(schema)) {
    case "string": {
      // Titled single-select enums (SEP-1330): `oneOf: [{ const, title }]`.
      const titled = Array.isArray(schema.oneOf) ? schema.oneOf : schema.anyOf
      if (Array.isArray(titled) && titled.length > 0 && isObject(titled[0]) && "const" in titled[0]) {
        return titled[0].const
      }
      return stringFor(schema)
    }
    case "integer":
      return clampNumber(schema, 1, true)
    case "number":
      return clampNumber(schema, 1, false)
    case "boolean":
      return true
    case "null":
      return null
    case "array": {
      const count = typeof schema.minItems === "number" ? schema.minItems : 0
      const item = synthesize(isObject(schema.items) ? schema.items : {}, root, depth + 1)
      return Array.from({ length: count }, () => item)
    }
    case "object": {
      const properties = isObject(schema.properties) ? schema.properties : {}
      const required = new Set(Array.isArray(schema.required) ? schema.required : [])
      const result = {}
      for (const [name, property] of Object.entries(properties)) {
        if (required.has(name) || (isObject(property) && "default" in property)) {
          const value = synthesize(property, root, depth + 1)
          if (value !== undefined) result[name] = value
        }
      }
      // Required names without a property schema still need a value.
      for (const name of required) if (!(name in result)) result[name] = "test"
      return result
    }
    default:
      return "test"
  }
}

/** A form value typed as its field says, even when a server wrote the default as a string. */
const typedValue = (field, value) => {
  const type = isObject(field) ? typeOf(field) : undefined
  if ((type === "number" || type === "integer") && typeof value === "string" && value.trim() !== "") {
    const n = Number(value)
    return Number.isFinite(n) ? n : value
  }
  if (type === "boolean" && typeof value === "string") {
    return value === "true" ? true : value === "false" ? false : value
  }
  if (type === "string" && (typeof value === "number" || typeof value === "boolean")) return String(value)
  return value
}

/**
 * What the user "types" into an elicitation form without changing anything: every field that has a
 * default (typed as the field says), and a synthesised value for required fields without one.
 */
export const elicitationContent = (requestedSchema) => {
  const schema = isObject(requestedSchema) ? requestedSchema : {}
  const properties = isObject(schema.properties) ? schema.properties : {}
  const required = new Set(Array.isArray(schema.required) ? schema.required : [])
  const content = {}
  for (const [name, field] of Object.entries(properties)) {
    if (isObject(field) && "default" in field) content[name] = typedValue(field, field.default)
    else if (required.has(name)) content[name] = typedValue(field, synthesize(field, schema))
  }
  return content
}

/**
 * Arguments that come from what the client received rather than from a schema, per scenario (the
 * suite names it in MCP_CONFORMANCE_SCENARIO). json-schema-2020-12-preservation: `json_schema_echo`
 * is handed the input schema of the other tool as the client decoded it, so that the suite can
 * see what the client kept of it.
 */
const scenarioArguments = {
  "json-schema-2020-12-preservation": (tool, tools) => {
    if (tool.name !== "json_schema_echo") return undefined
    const focal = tools.find((other) => other.name !== tool.name)
    return focal === undefined ? undefined : { schema: focal.inputSchema }
  }
}

// Authorization errors are McpErrors of their own (not the cause of a TransportError): shown like the others.
const describeError = (error) =>
  isObject(error) && typeof error._tag === "string" ? `${error._tag}: ${error.message}` : String(error)

/** The Client ID Metadata Document URL the suite expects (never fetched by it in `basic-cimd`). */
export const clientMetadataUrl = "https://conformance-test.local/client-metadata.json"

/**
 * The authorization options for a run: what the suite passes in MCP_CONFORMANCE_CONTEXT (JSON) decides
 * the identity: a workload's JWT → the JWT bearer grant (SEP-1933); an identity provider's ID token → the
 * identity assertion grant (SEP-990); a private key →
 * client credentials with private_key_jwt; a client id and secret → client credentials for the
 * `client-credentials-*` scenarios (machine-to-machine), else a pre-registered client. Without context,
 * the authorization code grant with a Client ID Metadata Document or dynamic registration.
 */
export const authOptions = (context, scenario = "") => {
  // DPoP (RFC 9449) always: an authorization server without it ignores the proofs and issues Bearer tokens.
  const base = { clientName: "mcp-effect-conformance", clientMetadataUrl, dpop: true }
  if (!isObject(context) || typeof context.client_id !== "string") return base
  if (typeof context.valid_jwt === "string") {
    // Workload identity federation: the platform's JWT, as the JWT bearer grant (RFC 7523).
    return { ...base, grant: { _tag: "WorkloadIdentity", assertion: context.valid_jwt, clientId: context.client_id } }
  }
  if (typeof context.idp_id_token === "string") {
    return {
      ...base,
      grant: {
        _tag: "IdentityAssertion",
        idpTokenEndpoint: context.idp_token_endpoint,
        idToken: context.idp_id_token,
        ...(typeof context.idp_client_id === "string" ? { idpClientId: context.idp_client_id } : {}),
        clientId: context.client_id,
        clientSecret: context.client_secret
      }
    }
  }
  if (typeof context.private_key_pem === "string") {
    return {
      ...base,
      grant: {
        _tag: "ClientCredentials",
        clientId: context.client_id,
        privateKeyPem: context.private_key_pem,
        algorithm: context.signing_algorithm ?? "ES256"
      }
    }
  }
  if (scenario.includes("client-credentials") && typeof context.client_secret === "string") {
    return {
      ...base,
      grant: { _tag: "ClientCredentials", clientId: context.client_id, clientSecret: context.client_secret }
    }
  }
  return {
    ...base,
    clientId: context.client_id,
    ...(typeof context.client_secret === "string" ? { clientSecret: context.client_secret } : {})
  }
}

/**
 * Runs the client against `url`. Resolves (never rejects) with what happened; `ok` is true iff
 * every call succeeded (a tool result with `isError: true` counts as a failed call).
 */
export const runConformanceClient = (url, options = {}) => {
  const log = options.log ?? ((line) => process.stderr.write(`[conformance-client] ${line}\n`))
  const elicitation = (params) =>
    Effect.sync(() => {
      if (params.mode === "url") {
        log(`elicitation (url mode) declined: ${params.url}`)
        return { action: "decline" }
      }
      const content = elicitationContent(params.requestedSchema)
      log(`elicitation accepted with ${JSON.stringify(content)}`)
      return { action: "accept", content }
    })

  const program = Effect.gen(function*() {
    const client = yield* McpClient.McpClient
    yield* client.sessionEvents.pipe(
      Stream.runForEach((event) =>
        Effect.sync(() => {
          if (event._tag === "Expired") log(`session ${event.sessionId} expired (${event.status}); recovering`)
          if (event._tag === "Recovered") log(`recovered: new session ${event.session.sessionId ?? "(none)"}`)
          if (event._tag === "RecoveryFailed") log(`recovery failed: ${describeError(event.error)}`)
        })
      ),
      Effect.forkScoped
    )
    const session = yield* client.session
    log(
      `initialized (${session.era}): ${session.serverInfo.name} ${session.serverInfo.version}, ` +
        `protocol ${session.protocolVersion}, ` +
        `session ${session.sessionId ?? "(stateless)"}`
    )
    const tools = yield* client.listAllTools()
    log(`${tools.length} tool(s): ${tools.map((tool) => tool.name).join(", ") || "(none)"}`)
    const failures = []
    for (const tool of tools) {
      const args = options.toolArguments?.[tool.name] ?? scenarioArguments[options.scenario]?.(tool, tools) ??
        synthesize(tool.inputSchema)
      const exit = yield* Effect.either(client.callTool(tool.name, isObject(args) ? args : {}))
      if (exit._tag === "Left") {
        failures.push(tool.name)
        log(`call ${tool.name}(${JSON.stringify(args)}) failed: ${describeError(exit.left)}`)
      } else if (exit.right.isError === true) {
        failures.push(tool.name)
        log(`call ${tool.name}(${JSON.stringify(args)}) returned isError: ${JSON.stringify(exit.right.content)}`)
      } else {
        log(`call ${tool.name}(${JSON.stringify(args)}) ok`)
      }
    }
    return { tools: tools.map((tool) => tool.name), failures }
  }).pipe(Effect.scoped)

  // The client on NodeMcpHttp wrapped by the authorization layer, whose interactive step is headless:
  // it opens the authorization URL itself and takes the code from the redirect (the suite approves at once).
  const http = NodeMcpHttp.layer
  const authorized = McpAuth.layer(options.auth ?? authOptions(undefined)).pipe(
    Layer.provide(Layer.merge(http, McpTestAuth.layerHeadless().pipe(Layer.provide(http))))
  )
  const layer = McpClient.layer({
    url,
    clientInfo: { name: "mcp-effect-conformance", version: "0.1.0" },
    handlers: { elicitation },
    ...(options.era === undefined ? {} : { era: options.era }),
    requestTimeout: options.requestTimeout ?? "20 seconds"
  }).pipe(Layer.provide(authorized))
  // The client's own warnings (e.g. a GET stream given up) go to stderr with the rest of the log.
  const stderrLogger = Logger.withConsoleError(Logger.logfmtLogger)
  return program.pipe(
    Effect.provide(layer), // its scope ends with the program: DELETE
    Effect.map(({ failures, tools }) => ({ ok: failures.length === 0, tools, failures, error: undefined })),
    Effect.catchAll((error) => {
      log(`failed: ${describeError(error)}`)
      return Effect.succeed({ ok: false, tools: [], failures: [], error: describeError(error) })
    }),
    Effect.provide(Logger.replace(Logger.defaultLogger, stderrLogger)),
    Logger.withMinimumLogLevel(options.logLevel === "debug" ? LogLevel.Debug : LogLevel.Warning),
    Effect.runPromise
  )
}

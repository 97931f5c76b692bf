/**
 * The test server's controls over HTTP, for tests that cannot hold the
 * handle (browser tests talking to a server started by a vitest globalSetup).
 *
 * @internal
 */
import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import type { McpTestServer } from "@mcp-effect/core/testing"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"

/** The path prefix of the control endpoints. */
export const prefix = "/__mcp-test/"

const FaultJson = Schema.Union(
  Schema.TaggedStruct("Status", {
    status: Schema.Number,
    body: Schema.optional(Schema.String),
    contentType: Schema.optional(Schema.String),
    headers: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String }))
  }),
  Schema.TaggedStruct("ContentType", { contentType: Schema.String }),
  Schema.TaggedStruct("MalformedJson", { body: Schema.optional(Schema.String) }),
  Schema.TaggedStruct("MalformedSse", { body: Schema.optional(Schema.String) }),
  Schema.TaggedStruct("OversizedSseEvent", { bytes: Schema.Number }),
  Schema.TaggedStruct("InvalidSessionId", { sessionId: Schema.optional(Schema.String) }),
  Schema.TaggedStruct("WrongResponseId", { id: Schema.optional(Schema.Union(Schema.String, Schema.Number)) }),
  Schema.TaggedStruct("CloseStream", {
    afterEvents: Schema.optional(Schema.Number),
    retryMillis: Schema.optional(Schema.Number)
  }),
  Schema.TaggedStruct("Hang", {}),
  Schema.TaggedStruct("ExpireSession", { status: Schema.optional(Schema.Number) })
)

const Body = Schema.Struct({
  sessionId: Schema.optional(Schema.String),
  method: Schema.optional(Schema.String),
  params: Schema.optional(Schema.Unknown),
  uri: Schema.optional(Schema.String),
  fault: Schema.optional(FaultJson),
  match: Schema.optional(Schema.Struct({
    httpMethod: Schema.optional(Schema.Literal("GET", "POST", "DELETE")),
    rpcMethod: Schema.optional(Schema.String),
    sessionId: Schema.optional(Schema.String),
    times: Schema.optional(Schema.Number)
  }))
})

const decodeBody = Schema.decodeUnknown(Schema.parseJson(Body))

const json = (body: unknown, status = 200) =>
  HttpServerResponse.text(JSON.stringify(body ?? null), {
    status,
    contentType: "application/json",
    headers: { "access-control-allow-origin": "*" }
  })

/**
 * Answers `<prefix><command>` requests: `restart`, `expire {sessionId?}`,
 * `sessions`, `log`, `clear-log`, `notify {method, params?, sessionId?}`,
 * `update-resource {uri}`, `inject {fault, match?}`, `initialize-count`,
 * `open-streams`. `None` for any other path.
 */
export const handle = (
  server: McpTestServer.Handle,
  request: HttpServerRequest.HttpServerRequest
): Effect.Effect<Option.Option<HttpServerResponse.HttpServerResponse>> => {
  const path = request.url.split("?")[0]
  const at = path.indexOf(prefix)
  if (at === -1) return Effect.succeedNone
  const command = path.slice(at + prefix.length)
  if (request.method === "OPTIONS") {
    return Effect.succeedSome(HttpServerResponse.empty({
      status: 204,
      headers: {
        "access-control-allow-origin": "*",
        "access-control-allow-methods": "GET, POST, OPTIONS",
        "access-control-allow-headers": "Content-Type"
      }
    }))
  }
  return Effect.gen(function*() {
    const text = yield* Effect.orElseSucceed(request.text, () => "")
    const body = yield* decodeBody(text.trim() === "" ? "{}" : text)
    switch (command) {
      case "restart":
        return json(yield* server.restart)
      case "expire":
        return json(yield* server.expire(body.sessionId))
      case "sessions":
        return json(yield* server.sessions)
      case "log":
        return json(yield* server.log)
      case "clear-log":
        return json(yield* server.clearLog)
      case "initialize-count":
        return json(yield* server.initializeCount)
      case "open-streams":
        return json(yield* server.openStreams)
      case "notify":
        if (body.method === undefined) return json({ error: "method is required" }, 400)
        return json(yield* server.notify(body.method, body.params, body.sessionId))
      case "update-resource":
        if (body.uri === undefined) return json({ error: "uri is required" }, 400)
        return json(yield* server.updateResource(body.uri))
      case "inject":
        if (body.fault === undefined) return json({ error: "fault is required" }, 400)
        return json(yield* server.inject(body.fault, body.match))
      default:
        return json({ error: `unknown command ${command}` }, 404)
    }
  }).pipe(
    Effect.catchTag("ParseError", (error) => Effect.succeed(json({ error: error.message }, 400))),
    Effect.map(Option.some)
  )
}

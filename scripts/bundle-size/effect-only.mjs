// The floor under any client built on Effect: an app of a few lines on `effect` and
// `@effect/platform` alone, using what the client uses (Effect, Layer, Stream, Schema decoding,
// the fetch HttpClient) and no MCP. Measured by scripts/bundle-size.mjs beside the apps; never run
// (it would GET /x): the bytes it takes are those an Effect application has anyway.
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"

const Answer = Schema.Struct({ text: Schema.String, count: Schema.optional(Schema.Number) })

const program = Effect.gen(function*() {
  const client = yield* HttpClient.HttpClient
  const response = yield* client.get("/x")
  const answer = yield* Effect.flatMap(response.json, Schema.decodeUnknown(Answer))
  yield* Stream.runForEach(Stream.make(1, 2, 3), (n) => Effect.log(n, answer))
})

program.pipe(Effect.provide(FetchHttpClient.layer), Effect.runPromise)

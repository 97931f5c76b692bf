import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Deferred from "effect/Deferred"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as TestClock from "effect/TestClock"
import * as McpClient from "../../src/McpClient.js"
import type * as McpError from "../../src/McpError.js"
import * as McpHttp from "../../src/McpHttp.js"
import * as McpTestServer from "../../src/testing/McpTestServer.js"

/** Connects a client to an in-memory test server. */
export const connect = (
  server: McpTestServer.Handle,
  options?: Omit<McpClient.Options, "url">,
  client: HttpClient.HttpClient = McpTestServer.httpClient(server)
): Effect.Effect<McpClient.Service, McpError.McpError, Scope.Scope> =>
  McpClient.make({ url: McpTestServer.inMemoryUrl, ...options }).pipe(
    Effect.provideService(McpHttp.McpHttp, McpHttp.fromHttpClient(client))
  )

/** Starts a test server and connects a client to it. */
export const setup = (
  serverOptions?: McpTestServer.Options,
  clientOptions?: Omit<McpClient.Options, "url">
) =>
  Effect.gen(function*() {
    const server = yield* McpTestServer.make(serverOptions)
    const client = yield* connect(server, clientOptions)
    return { server, client }
  })

/**
 * An HttpClient in front of `inner` that holds back requests matching `match`
 * until the test opens the gate: how a test orders "this request reaches the
 * server only after that recovery" without timing.
 */
export const gated = (
  inner: HttpClient.HttpClient,
  match: (request: HttpClientRequest.HttpClientRequest, body: string) => boolean
) =>
  Effect.gen(function*() {
    const held = yield* Deferred.make<void>()
    const gate = yield* Deferred.make<void>()
    let armed = true
    const client = HttpClient.make((request) =>
      Effect.gen(function*() {
        const body = request.body._tag === "Uint8Array" ? new TextDecoder().decode(request.body.body) : ""
        if (armed && match(request, body)) {
          armed = false
          yield* Deferred.succeed(held, undefined)
          yield* Deferred.await(gate)
        }
        return yield* inner.execute(request)
      })
    )
    return {
      client,
      /** Completes when the matching request is being held. */
      held: Deferred.await(held),
      open: Deferred.succeed(gate, undefined)
    }
  })

/**
 * Runs `effect` in a fiber and moves the TestClock forward in `step`s until
 * it completes (for code that sleeps through backoff schedules).
 */
export const runWithClock = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  step: Duration.DurationInput = "100 millis",
  maxSteps = 10_000
) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    for (let i = 0; i < maxSteps; i++) {
      const done = yield* Fiber.poll(fiber)
      if (Option.isSome(done)) break
      yield* TestClock.adjust(step)
    }
    return yield* Fiber.join(fiber)
  })

/** The method and tool name of a JSON-RPC body, for matching requests in tests. */
export const bodyOf = (body: string): { readonly method?: string; readonly params?: { readonly name?: string } } => {
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    return {}
  }
  if (typeof parsed !== "object" || parsed === null) return {}
  const method = "method" in parsed && typeof parsed.method === "string" ? parsed.method : undefined
  const params = "params" in parsed && typeof parsed.params === "object" && parsed.params !== null ? parsed.params : {}
  const name = "name" in params && typeof params.name === "string" ? params.name : undefined
  return { ...(method === undefined ? {} : { method }), params: name === undefined ? {} : { name } }
}

/**
 * `McpHttp` on an undici dispatcher: a request's target, headers and span,
 * around the exchange of `undiciExchange.ts`.
 *
 * @internal
 */
import * as McpError from "@mcp-effect/core/McpError"
import * as McpHttp from "@mcp-effect/core/McpHttp"
import * as McpHttpSpan from "@mcp-effect/core/McpHttpSpan"
import * as Effect from "effect/Effect"
import type { Dispatcher } from "undici"
import { send } from "./undiciExchange.js"

/** Where a request goes, and what its span says of it. */
interface Target {
  readonly full: string
  readonly origin: string
  /** The request target: path and query. */
  readonly path: string
  readonly pathname: string
  readonly query: string
  readonly host: string
  readonly port: string
  readonly scheme: string
}

/** One `McpHttp`'s state. */
interface Client {
  readonly dispatcher: Dispatcher
  /**
   * The last URL parsed, and what it parsed into: the client sends every
   * request to its one endpoint, so the URL is parsed once.
   */
  lastUrl: string
  lastTarget: Target
}

/** @internal */
export const make = (dispatcher: Dispatcher, options?: Options): McpHttp.Service => {
  const client: Client = {
    dispatcher,
    lastUrl: "",
    lastTarget: { full: "", origin: "", path: "", pathname: "", query: "", host: "", port: "", scheme: "" }
  }
  const max = options?.maxHandshakes ?? defaultMaxHandshakes
  return {
    execute: (request) => execute(client, request),
    ...(max === Infinity ? {} : { handshakes: McpHttp.permits(max) })
  }
}

/** @internal */
export interface Options {
  readonly maxHandshakes?: number | undefined
}

/** @internal */
export const defaultMaxHandshakes = 128

const execute = (client: Client, request: McpHttp.Request): Effect.Effect<McpHttp.Response, McpError.HttpFailure> =>
  Effect.withFiberRuntime((fiber) => {
    let target: Target
    try {
      target = targetOf(client, request.url)
    } catch (error) {
      return Effect.fail(new McpError.HttpFailure({ description: `invalid URL: ${request.url}`, cause: error }))
    }
    const headers: Record<string, string> = request.body === undefined
      ? { ...request.headers }
      : { "content-type": "application/json", ...request.headers }
    return McpHttpSpan.traced(
      fiber,
      request,
      target,
      headers,
      (headers) => send(client.dispatcher, request, target.origin, target.path, headers)
    )
  })

/** The target of `url`; throws on a URL that does not parse. */
const targetOf = (client: Client, url: string): Target => {
  if (url !== client.lastUrl) {
    const parsed = new URL(url)
    client.lastTarget = {
      full: url,
      origin: parsed.origin,
      path: `${parsed.pathname}${parsed.search}`,
      pathname: parsed.pathname,
      query: parsed.search.slice(1),
      host: parsed.hostname,
      port: parsed.port,
      scheme: parsed.protocol.slice(0, -1)
    }
    client.lastUrl = url
  }
  return client.lastTarget
}

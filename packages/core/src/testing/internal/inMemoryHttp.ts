/**
 * An `HttpClient` that runs an `HttpApp` in the calling fiber: no sockets, no
 * WHATWG `Request`/`Response` (the core builds against ES2022 only), and a
 * streamed response body *is* the app's body stream, so the client sees SSE
 * events as the app produces them and interrupting the client's read
 * interrupts the app's stream.
 *
 * @internal
 */
import * as Cookies from "@effect/platform/Cookies"
import * as Headers from "@effect/platform/Headers"
import * as HttpApp from "@effect/platform/HttpApp"
import type * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import type { HttpMethod } from "@effect/platform/HttpMethod"
import * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import type * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Multipart from "@effect/platform/Multipart"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberRef from "effect/FiberRef"
import * as Inspectable from "effect/Inspectable"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"

const concatBytes = (chunks: Chunk.Chunk<Uint8Array>): Uint8Array<ArrayBuffer> => {
  let length = 0
  for (const chunk of chunks) length += chunk.length
  const out = new Uint8Array(length)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.length
  }
  return out
}

const decodeUtf8 = (bytes: Uint8Array): Effect.Effect<string> =>
  Stream.make(bytes).pipe(Stream.decodeText(), Stream.mkString)

const encodeUtf8 = (text: string): Effect.Effect<Uint8Array<ArrayBuffer>> =>
  Stream.make(text).pipe(Stream.encodeText, Stream.runCollect, Effect.map(concatBytes))

// `URLSearchParams` is not in ES2022; `application/x-www-form-urlencoded` is simple enough.
const parseUrlEncoded = (text: string): UrlParams.UrlParams =>
  UrlParams.fromInput(
    text.split("&").filter((part) => part.length > 0).map((part): [string, string] => {
      const index = part.indexOf("=")
      const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, " "))
      return index === -1 ? [decode(part), ""] : [decode(part.slice(0, index)), decode(part.slice(index + 1))]
    })
  )

/** The bytes of a client request body (a stream body is collected: requests are small). */
const requestBodyBytes = (
  request: HttpClientRequest.HttpClientRequest
): Effect.Effect<Option.Option<Uint8Array>, HttpClientError.RequestError> => {
  const body = request.body
  const encodeError = (description: string, cause?: unknown) =>
    new HttpClientError.RequestError({ request, reason: "Encode", description, cause })
  switch (body._tag) {
    case "Empty":
      return Effect.succeedNone
    case "Uint8Array":
      return Effect.succeedSome(body.body)
    case "Raw":
      if (typeof body.body === "string") return Effect.asSome(encodeUtf8(body.body))
      if (body.body instanceof Uint8Array) return Effect.succeedSome(body.body)
      return Effect.fail(encodeError("in-memory HttpClient: unsupported raw body"))
    case "Stream":
      return body.stream.pipe(
        Stream.runCollect,
        Effect.map((chunks) => Option.some<Uint8Array>(concatBytes(chunks))),
        Effect.mapError((cause) => encodeError("in-memory HttpClient: request body stream failed", cause))
      )
    case "FormData":
      return Effect.fail(encodeError("in-memory HttpClient: FormData bodies are not supported"))
  }
}

class InMemoryServerRequest extends Inspectable.Class implements HttpServerRequest.HttpServerRequest {
  readonly [HttpServerRequest.TypeId]: HttpServerRequest.TypeId = HttpServerRequest.TypeId
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId

  constructor(
    readonly source: HttpClientRequest.HttpClientRequest,
    readonly url: string,
    readonly originalUrl: string,
    readonly method: HttpMethod,
    readonly headers: Headers.Headers,
    readonly body: Option.Option<Uint8Array>,
    readonly remoteAddress: Option.Option<string>
  ) {
    super()
  }

  toJSON(): unknown {
    return { _id: "@effect/platform/HttpServerRequest", method: this.method, url: this.originalUrl }
  }

  modify(options: {
    readonly url?: string
    readonly headers?: Headers.Headers
    readonly remoteAddress?: string
  }): HttpServerRequest.HttpServerRequest {
    return new InMemoryServerRequest(
      this.source,
      options.url ?? this.url,
      this.originalUrl,
      this.method,
      options.headers ?? this.headers,
      this.body,
      options.remoteAddress !== undefined ? Option.some(options.remoteAddress) : this.remoteAddress
    )
  }

  get cookies() {
    return Cookies.parseHeader(this.headers.cookie ?? "")
  }

  private decodeError(description: string, cause?: unknown) {
    return new HttpServerError.RequestError({ request: this, reason: "Decode", description, cause })
  }

  get stream(): Stream.Stream<Uint8Array, HttpServerError.RequestError> {
    return Option.match(this.body, {
      onNone: () => Stream.fail(this.decodeError("can not create stream from empty body")),
      onSome: (bytes) => Stream.make(bytes)
    })
  }

  get text(): Effect.Effect<string, HttpServerError.RequestError> {
    return Option.match(this.body, { onNone: () => Effect.succeed(""), onSome: decodeUtf8 })
  }

  get json(): Effect.Effect<unknown, HttpServerError.RequestError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({
        try: (): unknown => JSON.parse(text),
        catch: (cause) => this.decodeError("invalid JSON", cause)
      }))
  }

  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpServerError.RequestError> {
    return Effect.map(this.text, parseUrlEncoded)
  }

  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpServerError.RequestError> {
    return Effect.succeed(concatBytes(Chunk.fromIterable(Option.toArray(this.body))).buffer)
  }

  get multipart(): Effect.Effect<never, Multipart.MultipartError> {
    return Effect.fail(
      new Multipart.MultipartError({ reason: "InternalError", cause: "in-memory requests have no multipart support" })
    )
  }

  get multipartStream(): Stream.Stream<never, Multipart.MultipartError> {
    return Stream.fromEffect(this.multipart)
  }

  get upgrade(): Effect.Effect<never, HttpServerError.RequestError> {
    return Effect.fail(this.decodeError("not an upgradeable request"))
  }
}

class InMemoryClientResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  readonly remoteAddress: Option.Option<string> = Option.none()

  constructor(
    readonly request: HttpClientRequest.HttpClientRequest,
    readonly status: number,
    readonly headers: Headers.Headers,
    private readonly body: Option.Option<Stream.Stream<Uint8Array, unknown>>
  ) {
    super()
  }

  toJSON(): unknown {
    // Not `HttpIncomingMessage.inspect`: it would read (and so consume) a streamed body.
    return { _id: "@effect/platform/HttpClientResponse", status: this.status, headers: this.headers }
  }

  get cookies(): Cookies.Cookies {
    return Cookies.fromSetCookie(this.headers["set-cookie"] ?? [])
  }

  private error(reason: "Decode" | "EmptyBody", description: string, cause?: unknown) {
    return new HttpClientError.ResponseError({ request: this.request, response: this, reason, description, cause })
  }

  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    return Option.match(this.body, {
      onNone: () => Stream.fail(this.error("EmptyBody", "can not create stream from empty body")),
      onSome: (stream) =>
        Stream.mapError(stream, (cause) => this.error("Decode", "the response body stream failed", cause))
    })
  }

  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return Option.match(this.body, {
      onNone: () => Effect.succeed(new Uint8Array(0).buffer),
      onSome: () => Effect.map(Stream.runCollect(this.stream), (chunks) => concatBytes(chunks).buffer)
    })
  }

  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    return Effect.flatMap(this.arrayBuffer, (buffer) => decodeUtf8(new Uint8Array(buffer)))
  }

  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({
        try: (): unknown => JSON.parse(text),
        catch: (cause) => this.error("Decode", "invalid JSON", cause)
      }))
  }

  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return Effect.map(this.text, parseUrlEncoded)
  }

  get formData(): Effect.Effect<never, HttpClientError.ResponseError> {
    return Effect.fail(this.error("Decode", "in-memory responses have no FormData support"))
  }
}

const responseBody = (body: HttpBody.HttpBody): Option.Option<Stream.Stream<Uint8Array, unknown>> => {
  switch (body._tag) {
    case "Empty":
      return Option.none()
    case "Uint8Array":
      return Option.some(Stream.make(body.body))
    case "Stream":
      return Option.some(body.stream)
    case "Raw":
      if (typeof body.body === "string") return Option.some(Stream.make(body.body).pipe(Stream.encodeText))
      if (body.body instanceof Uint8Array) return Option.some(Stream.make(body.body))
      return Option.some(Stream.die("in-memory HttpClient: unsupported raw response body"))
    case "FormData":
      return Option.some(Stream.die("in-memory HttpClient: FormData responses are not supported"))
  }
}

const responseHeaders = (response: HttpServerResponse.HttpServerResponse): Headers.Headers => {
  let headers = response.headers
  const body = response.body
  if ((body._tag === "Uint8Array" || body._tag === "Stream") && headers["content-type"] === undefined) {
    headers = Headers.set(headers, "content-type", body.contentType)
  }
  if (body._tag === "Uint8Array") headers = Headers.set(headers, "content-length", String(body.contentLength))
  const cookies = Cookies.toSetCookieHeaders(response.cookies)
  if (cookies.length > 0) headers = Headers.set(headers, "set-cookie", cookies.join(", "))
  return headers
}

/**
 * Runs `app` for each request, in the fiber that executes the request.
 *
 * The app gets a fresh `Scope` per request, closed when the response body has
 * been read to its end (or its read was interrupted), or at once for a body
 * that is not a stream.
 */
export const fromApp = <E>(app: HttpApp.Default<E, Scope.Scope>): HttpClient.HttpClient =>
  HttpClient.make((request, url, signal) =>
    Effect.gen(function*() {
      const body = yield* requestBodyBytes(request)
      const path = `${url.pathname}${url.search}`
      const serverRequest = new InMemoryServerRequest(
        request,
        path,
        url.toString(),
        request.method,
        request.headers,
        body,
        Option.some("127.0.0.1")
      )
      const scope = yield* Scope.make()
      const closeScope = Scope.close(scope, Exit.void)
      const response = yield* app.pipe(
        Effect.catchAllCause((cause) => Effect.map(HttpServerError.causeResponse(cause), ([response]) => response)),
        Effect.flatMap((response) =>
          Effect.flatMap(FiberRef.get(HttpApp.currentPreResponseHandlers), (handler) =>
            Option.match(handler, {
              onNone: () => Effect.succeed(response),
              onSome: (handler) =>
                Effect.catchAllCause(
                  handler(serverRequest, response),
                  (cause) => Effect.map(HttpServerError.causeResponse(cause), ([response]) => response)
                )
            }))
        ),
        Effect.provideService(HttpServerRequest.HttpServerRequest, serverRequest),
        Scope.extend(scope),
        Effect.onExit((exit) => Exit.isSuccess(exit) && exit.value.body._tag === "Stream" ? Effect.void : closeScope)
      )
      const stream = responseBody(response.body)
      if (response.body._tag === "Stream") {
        // A body the client never reads is released when the client gives up on the response.
        signal.addEventListener("abort", () => Effect.runFork(closeScope), { once: true })
      }
      return new InMemoryClientResponse(
        request,
        response.status,
        responseHeaders(response),
        Option.map(stream, (stream) => response.body._tag === "Stream" ? Stream.ensuring(stream, closeScope) : stream)
      )
    })
  )

/**
 * The HTTP answers the server builds in more than one place.
 *
 * @internal
 */
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as JsonRpc from "../jsonRpc.js"
import type { ServerConfig } from "./config.js"

export const json = (status: number, body: unknown, headers?: Readonly<Record<string, string>>) =>
  HttpServerResponse.text(JSON.stringify(body), { status, contentType: "application/json", headers })

/** A JSON-RPC error as the body of an HTTP error status. */
export const error = (
  status: number,
  id: JsonRpc.Id | null,
  code: number,
  message: string,
  headers?: Readonly<Record<string, string>>
) => json(status, JsonRpc.failure(id, code, message), headers)

export const accepted = HttpServerResponse.empty({ status: 202 })

export const unknownSession = (config: ServerConfig, status?: number) =>
  error(status ?? config.unknownSessionStatus, null, JsonRpc.ErrorCode.SessionNotFound, "Session not found")

export const badRequest = (message: string, id: JsonRpc.Id | null = null) =>
  error(400, id, JsonRpc.ErrorCode.ServerError, `Bad Request: ${message}`)

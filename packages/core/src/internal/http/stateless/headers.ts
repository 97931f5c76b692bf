/**
 * The request headers of the 2026-07-28 era (SEP-2243): `Mcp-Method`,
 * `Mcp-Name`, and the `Mcp-Param-*` headers a tool asks for with
 * `x-mcp-header` annotations on its input schema — their values encoded as
 * the spec says, and the annotations validated (a tool with an invalid one
 * must not be offered to the application).
 *
 * @internal
 */
import * as Encoding from "effect/Encoding"

/** One annotated argument: the property and the header suffix it is mirrored to. @internal */
export interface Mirror {
  readonly property: string
  readonly header: string
}

/** Why a tool's annotations are invalid, or its mirrors. @internal */
export type Validation =
  | { readonly _tag: "Valid"; readonly mirrors: ReadonlyArray<Mirror> }
  | { readonly _tag: "Invalid"; readonly reason: string }

/** RFC 9110 `token`: `1*tchar`. */
const token = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * Validates the `x-mcp-header` annotations of an input schema (SH L376–409):
 * each is a non-empty token, unique case-insensitively, on a `string`,
 * `integer` or `boolean` property reached through `properties` only.
 *
 * @internal
 */
export const validate = (inputSchema: unknown): Validation => {
  const mirrors: Array<Mirror> = []
  const seen = new Set<string>()
  const properties = isRecord(inputSchema) && isRecord(inputSchema.properties) ? inputSchema.properties : {}
  for (const [property, schema] of Object.entries(properties)) {
    if (!isRecord(schema) || !("x-mcp-header" in schema)) {
      // Annotations deeper than the top level's `properties` are not reachable by a header.
      if (isRecord(schema) && containsAnnotation(schema, 0)) {
        return { _tag: "Invalid", reason: `property ${property}: x-mcp-header below the top level` }
      }
      continue
    }
    const header = schema["x-mcp-header"]
    if (typeof header !== "string" || header === "") {
      return { _tag: "Invalid", reason: `property ${property}: x-mcp-header must be a non-empty string` }
    }
    if (!token.test(header)) {
      return { _tag: "Invalid", reason: `property ${property}: x-mcp-header ${JSON.stringify(header)} is not a token` }
    }
    const type = schema.type
    if (type !== "string" && type !== "integer" && type !== "boolean") {
      return {
        _tag: "Invalid",
        reason: `property ${property}: x-mcp-header on type ${JSON.stringify(type)} (string, integer, boolean only)`
      }
    }
    const key = header.toLowerCase()
    if (seen.has(key)) return { _tag: "Invalid", reason: `x-mcp-header ${JSON.stringify(header)} is used twice` }
    seen.add(key)
    mirrors.push({ property, header })
  }
  return { _tag: "Valid", mirrors }
}

const containsAnnotation = (schema: Readonly<Record<string, unknown>>, depth: number): boolean => {
  if (depth > 32) return false
  for (const [key, value] of Object.entries(schema)) {
    if (key === "x-mcp-header") return true
    if (isRecord(value) && containsAnnotation(value, depth + 1)) return true
    if (Array.isArray(value) && value.some((v) => isRecord(v) && containsAnnotation(v, depth + 1))) return true
  }
  return false
}

const sentinel = /^=\?base64\?.*\?=$/i

/**
 * A value as a header carries it (SH L469–518): plain when every character is
 * visible ASCII or an inner space and it does not look like the sentinel,
 * else `=?base64?…?=` of its UTF-8. Undefined for null / absent / other
 * types (the header is then omitted).
 *
 * @internal
 */
export const encodeValue = (value: unknown): string | undefined => {
  if (typeof value === "boolean") return value ? "true" : "false"
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : undefined
  if (typeof value !== "string") return undefined
  return isPlain(value) ? value : `=?base64?${Encoding.encodeBase64(value)}?=`
}

const isPlain = (value: string): boolean =>
  /^[\x20-\x7E]*$/.test(value) && value.trim() === value && !sentinel.test(value)

/**
 * The headers of one request: `Mcp-Method`, `Mcp-Name` (the tool or prompt
 * name, the resource URI), and the mirrored arguments of a tool call.
 *
 * @internal
 */
export const forRequest = (
  method: string,
  params: Readonly<Record<string, unknown>> | undefined,
  mirrors: ReadonlyArray<Mirror> | undefined
): Record<string, string> => {
  const headers: Record<string, string> = { "mcp-method": method }
  const name = method === "tools/call" || method === "prompts/get"
    ? params?.name
    : method === "resources/read"
    ? params?.uri
    : undefined
  const encodedName = encodeValue(name)
  if (encodedName !== undefined) headers["mcp-name"] = encodedName
  const args = params?.arguments
  if (mirrors !== undefined && isRecord(args)) {
    for (const mirror of mirrors) {
      const value = encodeValue(args[mirror.property])
      if (value !== undefined) headers[`mcp-param-${mirror.header.toLowerCase()}`] = value
    }
  }
  return headers
}

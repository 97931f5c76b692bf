/**
 * Human-readable rendering of what servers return: capabilities, tool
 * signatures, content blocks, notifications.
 *
 * @internal
 */
import type { Session } from "@mcp-effect/core"
import { McpSchema } from "@mcp-effect/core"
import type * as Style from "./style.js"

/** `{ text: string, count?: integer }` from a tool's input schema. @internal */
export const signature = (schema: McpSchema.ObjectJsonSchema | undefined): string => {
  const properties = schema?.properties ?? {}
  const required = new Set(schema?.required ?? [])
  const names = Object.keys(properties)
  if (names.length === 0) return "{}"
  const fields = names.map((name) => {
    const property = properties[name]
    const type = typeof property === "object" && property !== null && "type" in property ?
      typeOf(property.type) :
      "any"
    return `${name}${required.has(name) ? "" : "?"}: ${type}`
  })
  return `{ ${fields.join(", ")} }`
}

const typeOf = (type: unknown): string =>
  typeof type === "string" ? type : Array.isArray(type) ? type.map(typeOf).join(" | ") : "any"

/** `[read-only] [idempotent]`… from a tool's annotations. @internal */
export const hints = (annotations: McpSchema.ToolAnnotations | undefined): ReadonlyArray<string> => {
  if (annotations === undefined) return []
  const out: Array<string> = []
  if (annotations.readOnlyHint === true) out.push("read-only")
  else {
    if (annotations.destructiveHint === false) out.push("non-destructive")
    else if (annotations.destructiveHint === true) out.push("destructive")
    if (annotations.idempotentHint === true) out.push("idempotent")
  }
  if (annotations.openWorldHint === false) out.push("closed-world")
  return out
}

/** `tools (listChanged), resources (subscribe, listChanged), logging`. @internal */
export const capabilities = (caps: McpSchema.ServerCapabilities): string => {
  const parts: Array<string> = []
  for (const [name, value] of Object.entries(caps)) {
    if (value === undefined) continue
    const flags = typeof value === "object" && value !== null ?
      Object.entries(value).filter(([, v]) => v === true).map(([k]) => k) :
      []
    parts.push(flags.length === 0 ? name : `${name} (${flags.join(", ")})`)
  }
  return parts.length === 0 ? "none" : parts.join(", ")
}

/** The size of base64 `data` once decoded. @internal */
export const bytesOfBase64 = (data: string) =>
  Math.floor((data.length * 3) / 4) - (data.endsWith("==") ? 2 : data.endsWith("=") ? 1 : 0)

/** One content block as text (binary blocks are summarized, not dumped). @internal */
export const content = (block: McpSchema.ContentBlock, style: Style.Style): string => {
  if (McpSchema.isTextContent(block)) return block.text
  if (McpSchema.isImageContent(block)) return style.dim(`[image ${block.mimeType}, ${bytesOfBase64(block.data)} bytes]`)
  if (McpSchema.isAudioContent(block)) return style.dim(`[audio ${block.mimeType}, ${bytesOfBase64(block.data)} bytes]`)
  if (McpSchema.isResourceLink(block)) {
    return style.dim(`[resource link ${block.uri}${block.name === block.uri ? "" : ` (${block.name})`}]`)
  }
  if (McpSchema.isEmbeddedResource(block)) {
    const resource = block.resource
    return "text" in resource ?
      `${style.dim(`[resource ${resource.uri}]`)}\n${resource.text}` :
      style.dim(`[resource ${resource.uri}, ${bytesOfBase64(resource.blob)} bytes]`)
  }
  return style.dim(`[${block.type} content] ${JSON.stringify(block)}`)
}

/** A log notification's data as one line. @internal */
export const logData = (data: unknown): string => typeof data === "string" ? data : JSON.stringify(data)

/** A session id, shortened for display. @internal */
export const shortId = (id: string | undefined): string =>
  id === undefined ? "(no session id)" : id.length <= 40 ? id : `${id.slice(0, 38)}…`

/** `12:03:04.567` (local time). @internal */
export const clock = (date = new Date()): string =>
  [date.getHours(), date.getMinutes(), date.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":") +
  `.${String(date.getMilliseconds()).padStart(3, "0")}`

/** A session event as JSON-friendly data (ids in full). @internal */
export const sessionEventJson = (event: Session.SessionEvent): Record<string, unknown> => {
  switch (event._tag) {
    case "Started":
      return { event: "started", sessionId: event.session.sessionId, protocolVersion: event.session.protocolVersion }
    case "Expired":
      return {
        event: "expired",
        sessionId: event.sessionId,
        status: event.status,
        method: event.method,
        // A local server's end: exit code or signal, and its last stderr lines.
        ...(event.exit === undefined ? {} : { exit: event.exit })
      }
    case "Recovered":
      return {
        event: "recovered",
        previousSessionId: event.previousSessionId,
        sessionId: event.session.sessionId,
        protocolVersion: event.session.protocolVersion,
        durationMillis: event.durationMillis,
        waiters: event.waiters
      }
    case "RecoveryFailed":
      return {
        event: "recoveryFailed",
        sessionId: event.sessionId,
        error: event.error instanceof Error ? event.error.message : String(event.error)
      }
    case "Closed":
      return { event: "closed", sessionId: event.sessionId }
    case "EraDecided":
      return {
        event: "eraDecided",
        endpoint: event.endpoint,
        era: event.era,
        cached: event.cached,
        reason: event.reason
      }
  }
}

/**
 * The MCP methods a client calls, and the notifications it sends, answered
 * from the server's tools, resources, prompts and the session's own state.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import type { Prompt, Resource, ResourceTemplate, Tool, ToolContext } from "../../McpTestServer.js"
import * as JsonRpc from "../jsonRpc.js"
import { RpcError } from "../rpcError.js"
import { isLoggingLevel } from "./protocol.js"
import type { ServerState, Session } from "./state.js"

const isId = (u: unknown): u is JsonRpc.Id => typeof u === "string" || typeof u === "number"

const invalidParams = (message: string) => new RpcError({ code: JsonRpc.ErrorCode.InvalidParams, message })

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** Matches `uri` against a template of simple `{name}` variables (one path segment each). */
const matchTemplate = (template: string, uri: string): Option.Option<Record<string, string>> => {
  const names: Array<string> = []
  const pattern = template.split(/(\{[^}]+\})/).map((part) => {
    if (part.startsWith("{") && part.endsWith("}")) {
      names.push(part.slice(1, -1))
      return "([^/]+)"
    }
    return escapeRegExp(part)
  }).join("")
  const match = new RegExp(`^${pattern}$`).exec(uri)
  if (match === null) return Option.none()
  const variables: Record<string, string> = {}
  names.forEach((name, i) => {
    variables[name] = decodeURIComponent(match[i + 1])
  })
  return Option.some(variables)
}

const paginate = (
  state: ServerState,
  session: Session,
  key: string,
  items: ReadonlyArray<unknown>,
  params: JsonRpc.JsonObject | undefined
): Effect.Effect<JsonRpc.JsonObject, RpcError> => {
  const pageSize = state.config.pageSize
  const cursor = params?.cursor
  if (pageSize === undefined || pageSize <= 0) return Effect.succeed({ [key]: items })
  let offset = 0
  if (cursor !== undefined) {
    // Cursors name their session: one from another session is invalid here.
    const match = typeof cursor === "string" ? /^c(\d+)-(\d+)$/.exec(cursor) : null
    if (match === null || Number(match[1]) !== session.ordinal || Number(match[2]) > items.length) {
      return Effect.fail(invalidParams(`Invalid cursor: ${JSON.stringify(cursor)}`))
    }
    offset = Number(match[2])
  }
  const next = offset + pageSize
  return Effect.succeed({
    [key]: items.slice(offset, next),
    ...(next < items.length ? { nextCursor: `c${session.ordinal}-${next}` } : {})
  })
}

const describeTool = (tool: Tool) => ({
  name: tool.name,
  ...(tool.title === undefined ? {} : { title: tool.title }),
  ...(tool.description === undefined ? {} : { description: tool.description }),
  inputSchema: tool.inputSchema ?? { type: "object" },
  ...(tool.outputSchema === undefined ? {} : { outputSchema: tool.outputSchema }),
  ...(tool.annotations === undefined ? {} : { annotations: tool.annotations })
})

const describeResource = ({ text: _text, ...resource }: Resource) => resource

const describeTemplate = ({ completions: _c, read: _r, ...template }: ResourceTemplate) => template

const describePrompt = (prompt: Prompt) => ({
  name: prompt.name,
  ...(prompt.title === undefined ? {} : { title: prompt.title }),
  ...(prompt.description === undefined ? {} : { description: prompt.description }),
  ...(prompt.arguments === undefined ?
    {} :
    { arguments: prompt.arguments.map(({ completions: _c, ...argument }) => argument) })
})

const readResource = (state: ServerState, uri: string) => {
  const resource = state.resources.find((r) => r.uri === uri)
  if (resource !== undefined) {
    return Effect.succeed({
      contents: [{
        uri,
        ...(resource.mimeType === undefined ? {} : { mimeType: resource.mimeType }),
        text: resource.text
      }]
    })
  }
  for (const template of state.resourceTemplates) {
    const variables = matchTemplate(template.uriTemplate, uri)
    if (Option.isSome(variables)) {
      const text = template.read === undefined ?
        JSON.stringify(variables.value) :
        template.read(variables.value, uri)
      return Effect.succeed({
        contents: [{ uri, ...(template.mimeType === undefined ? {} : { mimeType: template.mimeType }), text }]
      })
    }
  }
  return Effect.fail(
    new RpcError({ code: JsonRpc.ErrorCode.ResourceNotFound, message: "Resource not found", data: { uri } })
  )
}

const complete = (state: ServerState, params: JsonRpc.JsonObject) => {
  const ref = params.ref
  const argument = params.argument
  if (!Predicate.isRecord(ref) || !Predicate.isRecord(argument) || typeof argument.name !== "string") {
    return Effect.fail(invalidParams("completion/complete needs ref and argument"))
  }
  const prefix = typeof argument.value === "string" ? argument.value : ""
  let candidates: ReadonlyArray<string> = []
  if (ref.type === "ref/prompt") {
    const prompt = state.prompts.find((p) => p.name === ref.name)
    if (prompt === undefined) return Effect.fail(invalidParams(`Unknown prompt: ${String(ref.name)}`))
    candidates = prompt.arguments?.find((a) => a.name === argument.name)?.completions ?? []
  } else if (ref.type === "ref/resource") {
    const template = state.resourceTemplates.find((t) => t.uriTemplate === ref.uri)
    if (template === undefined) return Effect.fail(invalidParams(`Unknown resource template: ${String(ref.uri)}`))
    candidates = template.completions?.[argument.name] ?? []
  } else {
    return Effect.fail(invalidParams(`Unknown reference type: ${String(ref.type)}`))
  }
  const values = candidates.filter((value) => value.startsWith(prefix))
  return Effect.succeed({ completion: { values, total: values.length, hasMore: false } })
}

const getPrompt = (state: ServerState, params: JsonRpc.JsonObject) => {
  const prompt = state.prompts.find((p) => p.name === params.name)
  if (prompt === undefined) return Effect.fail(invalidParams(`Unknown prompt: ${String(params.name)}`))
  const args = JsonRpc.stringEntries(params.arguments)
  const missing = (prompt.arguments ?? []).find((a) => a.required === true && args[a.name] === undefined)
  if (missing !== undefined) return Effect.fail(invalidParams(`Missing required argument: ${missing.name}`))
  return Effect.sync(() => ({
    ...(prompt.description === undefined ? {} : { description: prompt.description }),
    messages: prompt.messages(args)
  }))
}

/** The result of one client request (other than `initialize`), or the JSON-RPC error answering it. */
export const dispatch = (
  state: ServerState,
  session: Session,
  message: JsonRpc.Request,
  context: ToolContext
): Effect.Effect<unknown, RpcError> => {
  const params = message.params ?? {}
  switch (message.method) {
    case "ping":
      return Effect.succeed({})
    case "tools/list":
      return paginate(state, session, "tools", state.tools.map(describeTool), params)
    case "tools/call": {
      const tool = state.tools.find((t) => t.name === params.name)
      if (tool === undefined) return Effect.fail(invalidParams(`Unknown tool: ${String(params.name)}`))
      return tool.handler(Predicate.isRecord(params.arguments) ? params.arguments : {}, context)
    }
    case "resources/list":
      return paginate(state, session, "resources", state.resources.map(describeResource), params)
    case "resources/templates/list":
      return paginate(state, session, "resourceTemplates", state.resourceTemplates.map(describeTemplate), params)
    case "resources/read":
      return typeof params.uri === "string"
        ? readResource(state, params.uri)
        : Effect.fail(invalidParams("uri is required"))
    case "resources/subscribe":
    case "resources/unsubscribe": {
      const uri = params.uri
      if (typeof uri !== "string") return Effect.fail(invalidParams("uri is required"))
      return Effect.sync(() => {
        if (message.method === "resources/subscribe") session.subscriptions.add(uri)
        else session.subscriptions.delete(uri)
        return {}
      })
    }
    case "prompts/list":
      return paginate(state, session, "prompts", state.prompts.map(describePrompt), params)
    case "prompts/get":
      return getPrompt(state, params)
    case "completion/complete":
      return complete(state, params)
    case "logging/setLevel": {
      const level = params.level
      if (!isLoggingLevel(level)) return Effect.fail(invalidParams(`Invalid logging level: ${String(level)}`))
      return Effect.sync(() => {
        session.logLevel = level
        return {}
      })
    }
    default:
      return Effect.fail(
        new RpcError({ code: JsonRpc.ErrorCode.MethodNotFound, message: `Method not found: ${message.method}` })
      )
  }
}

/** A notification from the client: `initialized` marks the session, `cancelled` stops a running request. */
export const onNotification = (session: Session, message: JsonRpc.Notification): Effect.Effect<void> =>
  Effect.suspend(() => {
    if (message.method === "notifications/initialized") {
      session.initialized = true
    } else if (message.method === "notifications/cancelled") {
      const requestId = message.params?.requestId
      if (isId(requestId)) {
        session.cancelled.push(requestId)
        const running = session.inflight.get(JsonRpc.idKey(requestId))
        if (running !== undefined) return Fiber.interruptFork(running.fiber)
      }
    }
    return Effect.void
  })

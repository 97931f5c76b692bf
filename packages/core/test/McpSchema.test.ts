import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as McpSchema from "../src/McpSchema.js"

// decode then encode; the wire value must come back unchanged (no field lost, none added).
const roundTrip = <A, I>(schema: Schema.Schema<A, I>, wire: unknown): unknown =>
  Schema.encodeSync(schema)(Schema.decodeUnknownSync(schema)(wire))

const rejects = <A, I>(schema: Schema.Schema<A, I>, wire: unknown): boolean =>
  Either.isLeft(Schema.decodeUnknownEither(schema)(wire))

const hasProtoKey = (u: unknown): boolean =>
  Array.isArray(u) ?
    u.some(hasProtoKey) :
    Predicate.isRecord(u) && (Object.hasOwn(u, "__proto__") || Object.values(u).some(hasProtoKey))

const future = { "x-vendor": { deep: [1, { a: null }] }, futureField: "kept" }

describe("McpSchema round trips keep unknown fields at every level", () => {
  it("InitializeResult", () => {
    const wire = {
      protocolVersion: "2025-11-25",
      capabilities: {
        tools: { listChanged: true, ...future },
        resources: { subscribe: true },
        logging: {},
        completions: { x: 1 },
        experimental: { "acme/feature": { on: true } },
        tasks: { list: {}, requests: { tools: { call: {} } } },
        someNewCapability: { enabled: true }
      },
      serverInfo: {
        name: "srv",
        version: "1.0.0",
        title: "Server",
        websiteUrl: "https://example.com",
        icons: [{ src: "https://example.com/i.png", sizes: ["48x48"], theme: "dark", ...future }],
        ...future
      },
      instructions: "use it",
      _meta: { "io.example/trace": "t1" },
      ...future
    }
    expect(roundTrip(McpSchema.InitializeResult, wire)).toStrictEqual(wire)
  })

  it("InitializeRequestParams with 2025-11-25 elicitation and sampling capabilities", () => {
    const wire = {
      protocolVersion: McpSchema.LATEST_PROTOCOL_VERSION,
      capabilities: {
        roots: { listChanged: true },
        sampling: { context: {}, tools: {} },
        elicitation: { form: {}, url: {}, ...future },
        ...future
      },
      clientInfo: { name: "c", version: "0" },
      _meta: { progressToken: 3, other: true }
    }
    expect(roundTrip(McpSchema.InitializeRequestParams, wire)).toStrictEqual(wire)
  })

  it("ListToolsResult", () => {
    const wire = {
      tools: [
        {
          name: "search",
          title: "Search",
          description: "find things",
          inputSchema: {
            $schema: "https://json-schema.org/draft/2020-12/schema",
            type: "object",
            properties: { q: { type: "string", minLength: 1 } },
            required: ["q"],
            additionalProperties: false,
            $defs: { x: { type: "number" } }
          },
          outputSchema: { type: "object", properties: { hits: { type: "array" } } },
          annotations: { title: "S", readOnlyHint: true, openWorldHint: true, ...future },
          execution: { taskSupport: "optional", ...future },
          icons: [{ src: "data:image/png;base64,AAAA", mimeType: "image/png" }],
          _meta: { "io.example/x": 1 },
          ...future
        },
        { name: "minimal", inputSchema: { type: "object" } }
      ],
      nextCursor: "c2",
      ...future
    }
    expect(roundTrip(McpSchema.ListToolsResult, wire)).toStrictEqual(wire)
  })

  it("CallToolResult with every content type, an unknown one and structured content", () => {
    const wire = {
      content: [
        { type: "text", text: "hi", annotations: { audience: ["user"], priority: 0.5, ...future }, ...future },
        { type: "image", data: "AAAA", mimeType: "image/png", _meta: { a: 1 } },
        { type: "audio", data: "BBBB", mimeType: "audio/wav" },
        { type: "resource_link", uri: "file:///a.txt", name: "a.txt", mimeType: "text/plain", size: 3, ...future },
        { type: "resource", resource: { uri: "file:///b", text: "body", ...future }, ...future },
        { type: "resource", resource: { uri: "file:///c", blob: "CCCC", mimeType: "application/octet-stream" } },
        { type: "hologram", frames: 3, nested: { keep: true } }
      ],
      structuredContent: { hits: 3, nested: { a: [1] } },
      isError: false,
      _meta: { m: 1 },
      ...future
    }
    expect(roundTrip(McpSchema.CallToolResult, wire)).toStrictEqual(wire)
  })

  it("resources, templates and reads", () => {
    const resources = {
      resources: [{ uri: "file:///x", name: "x", title: "X", annotations: { lastModified: "2025-01-01" }, ...future }],
      nextCursor: "n"
    }
    expect(roundTrip(McpSchema.ListResourcesResult, resources)).toStrictEqual(resources)
    const templates = { resourceTemplates: [{ uriTemplate: "file:///{path}", name: "files", ...future }], ...future }
    expect(roundTrip(McpSchema.ListResourceTemplatesResult, templates)).toStrictEqual(templates)
    const read = { contents: [{ uri: "file:///x", text: "t", ...future }, { uri: "file:///y", blob: "AA" }] }
    expect(roundTrip(McpSchema.ReadResourceResult, read)).toStrictEqual(read)
    const params = { uri: "file:///x", _meta: { progressToken: "p" }, ...future }
    expect(roundTrip(McpSchema.ReadResourceRequestParams, params)).toStrictEqual(params)
    expect(roundTrip(McpSchema.SubscribeRequestParams, params)).toStrictEqual(params)
    expect(roundTrip(McpSchema.UnsubscribeRequestParams, params)).toStrictEqual(params)
  })

  it("prompts", () => {
    const list = {
      prompts: [{
        name: "p",
        description: "d",
        arguments: [{ name: "a", required: true, ...future }],
        icons: [{ src: "x" }],
        ...future
      }]
    }
    expect(roundTrip(McpSchema.ListPromptsResult, list)).toStrictEqual(list)
    const get = {
      description: "d",
      messages: [
        { role: "user", content: { type: "text", text: "hello", ...future }, ...future },
        { role: "assistant", content: { type: "future_kind", payload: 1 } }
      ],
      ...future
    }
    expect(roundTrip(McpSchema.GetPromptResult, get)).toStrictEqual(get)
    const params = { name: "p", arguments: { a: "1" } }
    expect(roundTrip(McpSchema.GetPromptRequestParams, params)).toStrictEqual(params)
  })

  it("completion", () => {
    const params = {
      ref: { type: "ref/prompt", name: "p", ...future },
      argument: { name: "a", value: "x", ...future },
      context: { arguments: { b: "2" }, ...future }
    }
    expect(roundTrip(McpSchema.CompleteRequestParams, params)).toStrictEqual(params)
    const template = { ref: { type: "ref/resource", uri: "file:///{p}" }, argument: { name: "p", value: "" } }
    expect(roundTrip(McpSchema.CompleteRequestParams, template)).toStrictEqual(template)
    const result = { completion: { values: ["a", "b"], total: 2, hasMore: false, ...future }, ...future }
    expect(roundTrip(McpSchema.CompleteResult, result)).toStrictEqual(result)
  })

  it("sampling", () => {
    const params = {
      messages: [
        { role: "user", content: { type: "text", text: "q" } },
        {
          role: "assistant",
          content: [
            { type: "tool_use", id: "u1", name: "search", input: { q: "x" }, ...future },
            { type: "mystery", x: 1 }
          ]
        },
        {
          role: "user",
          content: [{ type: "tool_result", toolUseId: "u1", content: [{ type: "text", text: "3 hits" }], ...future }]
        }
      ],
      modelPreferences: { hints: [{ name: "claude", ...future }], costPriority: 0.2, ...future },
      systemPrompt: "be brief",
      includeContext: "none",
      temperature: 0.1,
      maxTokens: 100,
      stopSequences: ["\n"],
      metadata: { anything: true },
      tools: [{ name: "search", inputSchema: { type: "object" } }],
      toolChoice: { mode: "auto" },
      task: { ttl: 1000 },
      ...future
    }
    expect(roundTrip(McpSchema.CreateMessageRequestParams, params)).toStrictEqual(params)
    const result = { role: "assistant", content: { type: "text", text: "a" }, model: "m", stopReason: "endTurn" }
    expect(roundTrip(McpSchema.CreateMessageResult, result)).toStrictEqual(result)
  })

  it("elicitation in form and url mode", () => {
    const form = {
      message: "Who are you?",
      requestedSchema: {
        type: "object",
        properties: {
          name: { type: "string", minLength: 1 },
          color: { type: "string", oneOf: [{ const: "r", title: "Red" }] },
          tags: { type: "array", items: { type: "string", enum: ["a"] } }
        },
        required: ["name"],
        ...future
      },
      ...future
    }
    expect(roundTrip(McpSchema.ElicitRequestParams, form)).toStrictEqual(form)
    const url = { mode: "url", message: "Log in", elicitationId: "e1", url: "https://example.com/auth" }
    expect(roundTrip(McpSchema.ElicitRequestParams, url)).toStrictEqual(url)
    const result = { action: "accept", content: { name: "Ada", age: 36, ok: true, tags: ["a"] }, ...future }
    expect(roundTrip(McpSchema.ElicitResult, result)).toStrictEqual(result)
  })

  it("roots, logging, empty results and notification params", () => {
    const roots = { roots: [{ uri: "file:///home", name: "home", _meta: {}, ...future }], ...future }
    expect(roundTrip(McpSchema.ListRootsResult, roots)).toStrictEqual(roots)
    expect(roundTrip(McpSchema.SetLevelRequestParams, { level: "warning" })).toStrictEqual({ level: "warning" })
    expect(roundTrip(McpSchema.EmptyResult, {})).toStrictEqual({})
    expect(roundTrip(McpSchema.EmptyResult, { ...future })).toStrictEqual({ ...future })
    const progress = { progressToken: "t", progress: 1, total: 2, message: "half", ...future }
    expect(roundTrip(McpSchema.ProgressNotificationParams, progress)).toStrictEqual(progress)
    const log = { level: "error", logger: "db", data: { code: 1 }, ...future }
    expect(roundTrip(McpSchema.LoggingMessageNotificationParams, log)).toStrictEqual(log)
    const paginated = { cursor: "c", _meta: { progressToken: 1 } }
    expect(roundTrip(McpSchema.PaginatedRequestParams, paginated)).toStrictEqual(paginated)
  })

  it.prop(
    "holds for generated values",
    { tools: McpSchema.ListToolsResult, call: McpSchema.CallToolResult, init: McpSchema.InitializeResult },
    ({ call, init, tools }) => {
      // `__proto__` keys are dropped by JsonRpc.parseMessage before any schema sees them.
      FastCheck.pre(!hasProtoKey([call, init, tools]))
      expect(roundTrip(McpSchema.ListToolsResult, tools)).toEqual(tools)
      expect(roundTrip(McpSchema.CallToolResult, call)).toEqual(call)
      expect(roundTrip(McpSchema.InitializeResult, init)).toEqual(init)
    },
    { fastCheck: { numRuns: 25 } }
  )
})

describe("McpSchema tool schemas pass through untouched", () => {
  // The conformance suite's JSON Schema 2020-12 fixture (SEP-1613 / SEP-2106), keys in its order.
  const rich = {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    type: "object",
    $defs: {
      address: { $anchor: "addressDef", type: "object", properties: { street: { type: "string" } } }
    },
    properties: {
      name: { type: "string" },
      address: { $ref: "#/$defs/address" },
      contactMethod: { type: "string", enum: ["phone", "email"] }
    },
    allOf: [{ anyOf: [{ required: ["phone"] }, { required: ["email"] }] }],
    if: { properties: { contactMethod: { const: "phone" } }, required: ["contactMethod"] },
    then: { required: ["phone"] },
    else: { required: ["email"] },
    additionalProperties: false,
    "x-vendor": { keep: [1, null] }
  }
  // `required` before `type` and `properties`: a rebuilt object would put the known fields first.
  const output = { required: ["total"], type: "object", properties: { total: { type: "number" } } }
  const wire = {
    tools: [{
      _meta: { "io.example/z": 1, "io.example/a": { deep: true } },
      inputSchema: rich,
      name: "contact",
      outputSchema: output,
      ...future
    }]
  }

  it("decoding returns the server's own schema objects, keys in the server's order", () => {
    const decoded = Schema.decodeUnknownSync(McpSchema.ListToolsResult)(wire)
    const tool = decoded.tools[0]
    expect(tool.inputSchema).toBe(rich)
    expect(tool.outputSchema).toBe(output)
    expect(JSON.stringify(tool.inputSchema)).toBe(JSON.stringify(rich))
    expect(JSON.stringify(tool.outputSchema)).toBe(JSON.stringify(output))
    expect(JSON.stringify(tool._meta)).toBe(JSON.stringify(wire.tools[0]._meta))
    expect(tool).toStrictEqual(wire.tools[0])
  })

  it("encoding gives the same objects back", () => {
    const decoded = Schema.decodeUnknownSync(McpSchema.Tool)(wire.tools[0])
    const encoded = Schema.encodeSync(McpSchema.Tool)(decoded)
    expect(encoded.inputSchema).toBe(rich)
    expect(encoded.outputSchema).toBe(output)
  })

  const invalid: ReadonlyArray<readonly [string, unknown, RegExp]> = [
    ["type is not object", { type: "array" }, /inputSchema[\s\S]*type[\s\S]*"object"/],
    ["no type", { properties: {} }, /inputSchema[\s\S]*type/],
    ["properties is not an object", { type: "object", properties: [1] }, /inputSchema[\s\S]*properties/],
    ["required holds a number", { type: "object", required: [1] }, /inputSchema[\s\S]*required/],
    ["$schema is not a string", { type: "object", $schema: 7 }, /inputSchema[\s\S]*\$schema/],
    ["not an object at all", "object", /inputSchema/]
  ]
  it.each(invalid)("rejects an input schema whose %s, saying where", (_, inputSchema, where) => {
    const result = Schema.decodeUnknownEither(McpSchema.Tool)({ name: "t", inputSchema })
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) expect(result.left.message).toMatch(where)
  })
})

describe("McpSchema keeps optional fields absent", () => {
  it("adds no keys for absent optional fields", () => {
    const decoded = Schema.decodeUnknownSync(McpSchema.Tool)({ name: "t", inputSchema: { type: "object" } })
    expect(Object.keys(decoded)).toEqual(["name", "inputSchema"])
    expect(Object.keys(decoded.inputSchema)).toEqual(["type"])
  })
})

describe("McpSchema rejects invalid input", () => {
  const cases: ReadonlyArray<readonly [string, Schema.Schema.AnyNoContext, unknown]> = [
    ["a tool without inputSchema", McpSchema.Tool, { name: "t" }],
    ["an inputSchema that is not an object schema", McpSchema.Tool, { name: "t", inputSchema: { type: "array" } }],
    ["a tool without name", McpSchema.Tool, { inputSchema: { type: "object" } }],
    ["a tool whose name is a number", McpSchema.Tool, { name: 1, inputSchema: { type: "object" } }],
    ["tools that are not an array", McpSchema.ListToolsResult, { tools: {} }],
    ["a result that is an array", McpSchema.EmptyResult, []],
    ["a result that is null", McpSchema.EmptyResult, null],
    ["content that is not an array", McpSchema.CallToolResult, { content: "x" }],
    ["a call result without content", McpSchema.CallToolResult, { isError: true }],
    ["a text block without text", McpSchema.CallToolResult, { content: [{ type: "text" }] }],
    ["an image without mimeType", McpSchema.ContentBlock, { type: "image", data: "AA" }],
    ["an embedded resource with neither text nor blob", McpSchema.ContentBlock, {
      type: "resource",
      resource: { uri: "x" }
    }],
    ["a content block without type", McpSchema.ContentBlock, { text: "x" }],
    ["a content block whose type is not a string", McpSchema.ContentBlock, { type: 3 }],
    ["isError that is not a boolean", McpSchema.CallToolResult, { content: [], isError: "yes" }],
    ["an initialize result without serverInfo", McpSchema.InitializeResult, {
      protocolVersion: "2025-06-18",
      capabilities: {}
    }],
    ["serverInfo without version", McpSchema.Implementation, { name: "s" }],
    ["a resource without name", McpSchema.Resource, { uri: "file:///x" }],
    ["resource contents without uri", McpSchema.ReadResourceResult, { contents: [{ text: "t" }] }],
    ["an unknown logging level", McpSchema.SetLevelRequestParams, { level: "verbose" }],
    ["a progress that is a string", McpSchema.ProgressNotificationParams, { progressToken: 1, progress: "1" }],
    ["a progress token that is null", McpSchema.ProgressNotificationParams, { progressToken: null, progress: 1 }],
    ["an unknown elicitation action", McpSchema.ElicitResult, { action: "maybe" }],
    ["a url elicitation without url", McpSchema.ElicitRequestParams, {
      mode: "url",
      message: "m",
      elicitationId: "e"
    }],
    ["an elicitation form without requestedSchema", McpSchema.ElicitRequestParams, { message: "m" }],
    ["a completion ref of unknown type", McpSchema.CompleteRequestParams, {
      ref: { type: "ref/tool", name: "x" },
      argument: { name: "a", value: "b" }
    }],
    ["completion values that are numbers", McpSchema.CompleteResult, { completion: { values: [1] } }],
    ["a sampling message with an unknown role", McpSchema.SamplingMessage, {
      role: "system",
      content: { type: "text", text: "x" }
    }],
    ["a sampling request without maxTokens", McpSchema.CreateMessageRequestParams, { messages: [] }],
    ["a root without uri", McpSchema.ListRootsResult, { roots: [{ name: "r" }] }],
    ["a cancelled notification with a boolean requestId", McpSchema.CancelledNotificationParams, { requestId: true }]
  ]

  it.each(cases)("%s", (_, schema, wire) => {
    expect(rejects(schema, wire)).toBe(true)
  })
})

describe("McpSchema content blocks", () => {
  it("decode an unknown type as-is and the guards tell the kinds apart", () => {
    const decode = Schema.decodeUnknownSync(Schema.Array(McpSchema.ContentBlock))
    const blocks = decode([
      { type: "text", text: "a" },
      { type: "image", data: "AA", mimeType: "image/png" },
      { type: "audio", data: "AA", mimeType: "audio/wav" },
      { type: "resource_link", uri: "file:///x", name: "x" },
      { type: "resource", resource: { uri: "file:///x", text: "t" } },
      { type: "tool_use", id: "1", name: "n", input: {} }
    ])
    expect(blocks.map((b) => [
      McpSchema.isTextContent(b),
      McpSchema.isImageContent(b),
      McpSchema.isAudioContent(b),
      McpSchema.isResourceLink(b),
      McpSchema.isEmbeddedResource(b)
    ])).toEqual([
      [true, false, false, false, false],
      [false, true, false, false, false],
      [false, false, true, false, false],
      [false, false, false, true, false],
      [false, false, false, false, true],
      [false, false, false, false, false]
    ])
    // tool_use is not a ContentBlock type (only a sampling one): kept as unknown content.
    expect(blocks[5]).toStrictEqual({ type: "tool_use", id: "1", name: "n", input: {} })
    const texts = blocks.filter(McpSchema.isTextContent).map((b) => b.text)
    expect(texts).toEqual(["a"])
  })

  it("sampling content knows tool_use and tool_result", () => {
    const decode = Schema.decodeUnknownSync(Schema.Array(McpSchema.SamplingContent))
    const blocks = decode([
      { type: "tool_use", id: "1", name: "n", input: {} },
      { type: "tool_result", toolUseId: "1", content: [] }
    ])
    expect(blocks.map((b) => [McpSchema.isToolUseContent(b), McpSchema.isToolResultContent(b)])).toEqual([
      [true, false],
      [false, true]
    ])
    expect(rejects(McpSchema.SamplingContent, { type: "tool_use", id: "1" })).toBe(true)
  })
})

describe("McpSchema protocol versions", () => {
  it("lists the supported revisions, newest first", () => {
    expect(McpSchema.LATEST_PROTOCOL_VERSION).toBe("2025-11-25")
    expect(McpSchema.SUPPORTED_PROTOCOL_VERSIONS).toEqual(["2025-11-25", "2025-06-18", "2025-03-26"])
    expect(McpSchema.isSupportedProtocolVersion("2025-03-26")).toBe(true)
    expect(McpSchema.isSupportedProtocolVersion("2024-11-05")).toBe(false)
    expect(McpSchema.isSupportedProtocolVersion("2026-07-28")).toBe(false)
  })
})

describe("McpSchema method tables", () => {
  it("cover every client and server request", () => {
    expect(Object.keys(McpSchema.ClientRequests).sort()).toEqual([
      "completion/complete",
      "initialize",
      "logging/setLevel",
      "ping",
      "prompts/get",
      "prompts/list",
      "resources/list",
      "resources/read",
      "resources/subscribe",
      "resources/templates/list",
      "resources/unsubscribe",
      "tools/call",
      "tools/list"
    ])
    expect(Object.keys(McpSchema.ServerRequests).sort()).toEqual([
      "elicitation/create",
      "ping",
      "roots/list",
      "sampling/createMessage"
    ])
    for (
      const { params, result } of [
        ...Object.values(McpSchema.ClientRequests),
        ...Object.values(McpSchema.ServerRequests)
      ]
    ) {
      expect(Schema.isSchema(params) && Schema.isSchema(result)).toBe(true)
    }
  })

  it("pair each method with the right schemas", () => {
    const call = McpSchema.ClientRequests["tools/call"]
    const params: McpSchema.ClientRequestParams<"tools/call"> = { name: "t", arguments: { a: 1 } }
    expect(Schema.encodeSync(call.params)(params)).toEqual(params)
    const result: McpSchema.ClientRequestResult<"tools/call"> = Schema.decodeUnknownSync(call.result)({
      content: [{ type: "text", text: "ok" }]
    })
    expect(result.content).toHaveLength(1)
    expect(rejects(McpSchema.ClientRequests["tools/list"].result, { content: [] })).toBe(true)
    expect(rejects(McpSchema.ServerRequests["roots/list"].result, { roots: [{ uri: "file:///" }] })).toBe(false)
  })
})

describe("McpSchema.decodeServerNotification", () => {
  it("decodes each known notification", () => {
    expect(McpSchema.decodeServerNotification("notifications/progress", { progressToken: 1, progress: 5, x: 1 }))
      .toStrictEqual({
        _tag: "Progress",
        method: "notifications/progress",
        params: { progressToken: 1, progress: 5, x: 1 }
      })
    expect(McpSchema.decodeServerNotification("notifications/message", { level: "info", data: "hi" })).toStrictEqual({
      _tag: "LoggingMessage",
      method: "notifications/message",
      params: { level: "info", data: "hi" }
    })
    expect(McpSchema.decodeServerNotification("notifications/resources/updated", { uri: "file:///x" }))
      .toStrictEqual({
        _tag: "ResourceUpdated",
        method: "notifications/resources/updated",
        params: { uri: "file:///x" }
      })
    expect(McpSchema.decodeServerNotification("notifications/cancelled", { requestId: 3, reason: "user" }))
      .toStrictEqual({ _tag: "Cancelled", method: "notifications/cancelled", params: { requestId: 3, reason: "user" } })
    expect(McpSchema.decodeServerNotification("notifications/elicitation/complete", { elicitationId: "e" }))
      .toStrictEqual({
        _tag: "ElicitationComplete",
        method: "notifications/elicitation/complete",
        params: { elicitationId: "e" }
      })
  })

  it("decodes the list_changed notifications with or without params", () => {
    const tags = [
      ["notifications/resources/list_changed", "ResourceListChanged"],
      ["notifications/tools/list_changed", "ToolListChanged"],
      ["notifications/prompts/list_changed", "PromptListChanged"]
    ] as const
    for (const [method, _tag] of tags) {
      expect(McpSchema.decodeServerNotification(method, undefined)).toStrictEqual({ _tag, method })
      expect(McpSchema.decodeServerNotification(method, { _meta: { a: 1 } })).toStrictEqual({
        _tag,
        method,
        params: { _meta: { a: 1 } }
      })
    }
  })

  it("keeps unknown notifications as Other", () => {
    expect(McpSchema.decodeServerNotification("notifications/tasks/status", { taskId: "t" })).toStrictEqual({
      _tag: "Other",
      method: "notifications/tasks/status",
      params: { taskId: "t" }
    })
    expect(McpSchema.decodeServerNotification("vendor/ping", undefined)).toStrictEqual({
      _tag: "Other",
      method: "vendor/ping",
      params: undefined
    })
  })

  it("turns a known notification with malformed params into Other with an issue, never throwing", () => {
    const weird: ReadonlyArray<unknown> = [undefined, null, "x", 3, [], { progress: "no" }]
    const methods = [
      "notifications/progress",
      "notifications/message",
      "notifications/resources/updated",
      "notifications/elicitation/complete"
    ]
    for (const method of methods) {
      for (const params of weird) {
        const n = McpSchema.decodeServerNotification(method, params)
        expect(n._tag).toBe("Other")
        expect(n._tag === "Other" && n.method === method && n.params === params).toBe(true)
        expect(n._tag === "Other" && typeof n.issue === "string" && n.issue.length > 0).toBe(true)
      }
    }
    const listChanged = McpSchema.decodeServerNotification("notifications/tools/list_changed", "nope")
    expect(listChanged._tag === "Other" && listChanged.issue !== undefined).toBe(true)
  })
})

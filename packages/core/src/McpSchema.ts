/**
 * The MCP messages the client sends and receives, as `effect/Schema` values
 * (spec revisions 2025-03-26, 2025-06-18 and 2025-11-25).
 *
 * Every object schema is *open*: fields this module does not know (`_meta`
 * contents, vendor extensions, fields of a newer revision) are kept by decoding
 * and written back by encoding, so a result can be passed on unchanged. Fields
 * a revision added later (`title`, `icons`, `outputSchema`, …) are optional.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import type * as AST from "effect/SchemaAST"
import { RequestId } from "./McpError.js"

// -----------------------------------------------------------------------------
// Protocol versions
// -----------------------------------------------------------------------------

/**
 * The revisions the client accepts from a server, newest first: the one list
 * of protocol versions in the client (the test server in `testing/` keeps its
 * own, as the independent peer it is).
 *
 * @since 0.1.0
 * @category constants
 */
export const SUPPORTED_PROTOCOL_VERSIONS = ["2025-11-25", "2025-06-18", "2025-03-26"] as const

/**
 * The revision the client asks for in `initialize`: the newest it supports.
 *
 * @since 0.1.0
 * @category constants
 */
export const LATEST_PROTOCOL_VERSION: typeof SUPPORTED_PROTOCOL_VERSIONS[0] = SUPPORTED_PROTOCOL_VERSIONS[0]

/**
 * @since 0.1.0
 * @category models
 */
export type ProtocolVersion = typeof SUPPORTED_PROTOCOL_VERSIONS[number]

/**
 * @since 0.1.0
 * @category refinements
 */
export const isSupportedProtocolVersion = (version: string): version is ProtocolVersion =>
  SUPPORTED_PROTOCOL_VERSIONS.some((v) => v === version)

// -----------------------------------------------------------------------------
// Common types
// -----------------------------------------------------------------------------

/**
 * Any JSON object. Also the index signature that makes every schema below
 * keep the fields it does not name.
 *
 * @since 0.1.0
 * @category schemas
 */
export const JsonObject = Schema.Record({ key: Schema.String, value: Schema.Unknown })

/**
 * @since 0.1.0
 * @category models
 */
export type JsonObject = typeof JsonObject.Type

// A struct that keeps unknown fields through decode and encode.
const open = <Fields extends Schema.Struct.Fields>(fields: Fields) => Schema.Struct(fields, JsonObject)

/**
 * The `_meta` object (free-form; keys are namespaced by convention).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Meta = JsonObject

/**
 * @since 0.1.0
 * @category schemas
 */
export { RequestId }

/**
 * @since 0.1.0
 * @category schemas
 */
export const ProgressToken = Schema.Union(Schema.String, Schema.Number)

/**
 * @since 0.1.0
 * @category models
 */
export type ProgressToken = typeof ProgressToken.Type

/**
 * An opaque pagination cursor.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Cursor = Schema.String

/**
 * @since 0.1.0
 * @category schemas
 */
export const Role = Schema.Literal("user", "assistant")

/**
 * @since 0.1.0
 * @category models
 */
export type Role = typeof Role.Type

/**
 * The `_meta` of a request's params; `progressToken` asks for progress notifications.
 *
 * @since 0.1.0
 * @category schemas
 */
export const RequestMeta = open({
  progressToken: Schema.optional(ProgressToken)
})

/**
 * @since 0.1.0
 * @category models
 */
export type RequestMeta = typeof RequestMeta.Type

/**
 * Params of a request that has no params of its own (`ping`, `roots/list`).
 *
 * @since 0.1.0
 * @category schemas
 */
export const RequestParams = open({
  _meta: Schema.optional(RequestMeta)
})

/**
 * @since 0.1.0
 * @category models
 */
export type RequestParams = typeof RequestParams.Type

/**
 * Params of a notification that has no params of its own (the `list_changed` ones).
 *
 * @since 0.1.0
 * @category schemas
 */
export const NotificationParams = open({
  _meta: Schema.optional(Meta)
})

/**
 * @since 0.1.0
 * @category models
 */
export type NotificationParams = typeof NotificationParams.Type

/**
 * The base of every result.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Result = open({
  _meta: Schema.optional(Meta)
})

/**
 * @since 0.1.0
 * @category models
 */
export type Result = typeof Result.Type

/**
 * A result that carries no data (`ping`, `logging/setLevel`, `resources/subscribe`, …).
 *
 * @since 0.1.0
 * @category schemas
 */
export const EmptyResult = Result

/**
 * @since 0.1.0
 * @category models
 */
export type EmptyResult = typeof EmptyResult.Type

/**
 * Params of the `…/list` requests.
 *
 * @since 0.1.0
 * @category schemas
 */
export const PaginatedRequestParams = open({
  _meta: Schema.optional(RequestMeta),
  cursor: Schema.optional(Cursor)
})

/**
 * @since 0.1.0
 * @category models
 */
export type PaginatedRequestParams = typeof PaginatedRequestParams.Type

/**
 * Asks for task-augmented execution of a request (2025-11-25).
 *
 * @since 0.1.0
 * @category schemas
 */
export const TaskMetadata = open({
  /** Requested retention of the task, in milliseconds. */
  ttl: Schema.optional(Schema.Number)
})

/**
 * @since 0.1.0
 * @category models
 */
export type TaskMetadata = typeof TaskMetadata.Type

/**
 * An icon a user interface may show (2025-11-25).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Icon = open({
  src: Schema.String,
  mimeType: Schema.optional(Schema.String),
  sizes: Schema.optional(Schema.Array(Schema.String)),
  /** "light" or "dark" in 2025-11-25; any string is kept so a new theme cannot break a listing. */
  theme: Schema.optional(Schema.String)
})

/**
 * @since 0.1.0
 * @category models
 */
export type Icon = typeof Icon.Type

/**
 * Hints for the client about how to use or show an object.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Annotations = open({
  audience: Schema.optional(Schema.Array(Role)),
  priority: Schema.optional(Schema.Number),
  lastModified: Schema.optional(Schema.String)
})

/**
 * @since 0.1.0
 * @category models
 */
export type Annotations = typeof Annotations.Type

// -----------------------------------------------------------------------------
// Initialization
// -----------------------------------------------------------------------------

/**
 * The name and version of a client or server implementation.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Implementation = open({
  name: Schema.String,
  version: Schema.String,
  title: Schema.optional(Schema.String),
  description: Schema.optional(Schema.String),
  websiteUrl: Schema.optional(Schema.String),
  icons: Schema.optional(Schema.Array(Icon))
})

/**
 * @since 0.1.0
 * @category models
 */
export type Implementation = typeof Implementation.Type

const ListChanged = open({
  listChanged: Schema.optional(Schema.Boolean)
})

/**
 * What the client supports. Open: experimental and future capabilities are kept.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ClientCapabilities = open({
  experimental: Schema.optional(JsonObject),
  roots: Schema.optional(ListChanged),
  sampling: Schema.optional(open({
    context: Schema.optional(JsonObject),
    tools: Schema.optional(JsonObject)
  })),
  /** `{}` (form mode, 2025-06-18) or `{ form?: {}, url?: {} }` (2025-11-25). */
  elicitation: Schema.optional(open({
    form: Schema.optional(JsonObject),
    url: Schema.optional(JsonObject)
  })),
  tasks: Schema.optional(JsonObject)
})

/**
 * @since 0.1.0
 * @category models
 */
export type ClientCapabilities = typeof ClientCapabilities.Type

/**
 * What the server supports. Open: experimental and future capabilities are kept.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ServerCapabilities = open({
  experimental: Schema.optional(JsonObject),
  logging: Schema.optional(JsonObject),
  completions: Schema.optional(JsonObject),
  prompts: Schema.optional(ListChanged),
  resources: Schema.optional(open({
    subscribe: Schema.optional(Schema.Boolean),
    listChanged: Schema.optional(Schema.Boolean)
  })),
  tools: Schema.optional(ListChanged),
  tasks: Schema.optional(JsonObject)
})

/**
 * @since 0.1.0
 * @category models
 */
export type ServerCapabilities = typeof ServerCapabilities.Type

/**
 * @since 0.1.0
 * @category schemas
 */
export const InitializeRequestParams = open({
  _meta: Schema.optional(RequestMeta),
  /** The newest revision the client supports. */
  protocolVersion: Schema.String,
  capabilities: ClientCapabilities,
  clientInfo: Implementation
})

/**
 * @since 0.1.0
 * @category models
 */
export type InitializeRequestParams = typeof InitializeRequestParams.Type

/**
 * @since 0.1.0
 * @category schemas
 */
export const InitializeResult = open({
  _meta: Schema.optional(Meta),
  /** The revision the server chose; the client disconnects if it does not support it. */
  protocolVersion: Schema.String,
  capabilities: ServerCapabilities,
  serverInfo: Implementation,
  instructions: Schema.optional(Schema.String)
})

/**
 * @since 0.1.0
 * @category models
 */
export type InitializeResult = typeof InitializeResult.Type

// -----------------------------------------------------------------------------
// Content
// -----------------------------------------------------------------------------

/**
 * @since 0.1.0
 * @category schemas
 */
export const TextContent = open({
  type: Schema.Literal("text"),
  text: Schema.String,
  annotations: Schema.optional(Annotations),
  _meta: Schema.optional(Meta)
})

/**
 * @since 0.1.0
 * @category models
 */
export type TextContent = typeof TextContent.Type

/**
 * @since 0.1.0
 * @category schemas
 */
export const ImageContent = open({
  type: Schema.Literal("image"),
  /** Base64-encoded image data. */
  data: Schema.String,
  mimeType: Schema.String,
  annotations: Schema.optional(Annotations),
  _meta: Schema.optional(Meta)
})

/**
 * @since 0.1.0
 * @category models
 */
export type ImageContent = typeof ImageContent.Type

/**
 * @since 0.1.0
 * @category schemas
 */
export const AudioContent = open({
  type: Schema.Literal("audio"),
  /** Base64-encoded audio data. */
  data: Schema.String,
  mimeType: Schema.String,
  annotations: Schema.optional(Annotations),
  _meta: Schema.optional(Meta)
})

/**
 * @since 0.1.0
 * @category models
 */
export type AudioContent = typeof AudioContent.Type

const resourceFields = {
  uri: Schema.String,
  name: Schema.String,
  title: Schema.optional(Schema.String),
  description: Schema.optional(Schema.String),
  mimeType: Schema.optional(Schema.String),
  annotations: Schema.optional(Annotations),
  /** Size of the raw content in bytes, if known. */
  size: Schema.optional(Schema.Number),
  icons: Schema.optional(Schema.Array(Icon)),
  _meta: Schema.optional(Meta)
}

/**
 * A link to a resource, in a tool result or prompt (2025-06-18).
 *
 * @since 0.1.0
 * @category schemas
 */
export const ResourceLink = open({
  type: Schema.Literal("resource_link"),
  ...resourceFields
})

/**
 * @since 0.1.0
 * @category models
 */
export type ResourceLink = typeof ResourceLink.Type

/**
 * @since 0.1.0
 * @category schemas
 */
export const TextResourceContents = open({
  uri: Schema.String,
  mimeType: Schema.optional(Schema.String),
  _meta: Schema.optional(Meta),
  text: Schema.String
})

/**
 * @since 0.1.0
 * @category models
 */
export type TextResourceContents = typeof TextResourceContents.Type

/**
 * @since 0.1.0
 * @category schemas
 */
export const BlobResourceContents = open({
  uri: Schema.String,
  mimeType: Schema.optional(Schema.String),
  _meta: Schema.optional(Meta),
  /** Base64-encoded binary data. */
  blob: Schema.String
})

/**
 * @since 0.1.0
 * @category models
 */
export type BlobResourceContents = typeof BlobResourceContents.Type

/**
 * @since 0.1.0
 * @category schemas
 */
export const ResourceContents = Schema.Union(TextResourceContents, BlobResourceContents)

/**
 * @since 0.1.0
 * @category models
 */
export type ResourceContents = typeof ResourceContents.Type

/**
 * A resource's contents embedded in a tool result or prompt.
 *
 * @since 0.1.0
 * @category schemas
 */
export const EmbeddedResource = open({
  type: Schema.Literal("resource"),
  resource: ResourceContents,
  annotations: Schema.optional(Annotations),
  _meta: Schema.optional(Meta)
})

/**
 * @since 0.1.0
 * @category models
 */
export type EmbeddedResource = typeof EmbeddedResource.Type

/**
 * A model's request to call a tool, in sampling (2025-11-25).
 *
 * @since 0.1.0
 * @category schemas
 */
export const ToolUseContent = open({
  type: Schema.Literal("tool_use"),
  id: Schema.String,
  name: Schema.String,
  input: JsonObject,
  _meta: Schema.optional(Meta)
})

/**
 * @since 0.1.0
 * @category models
 */
export type ToolUseContent = typeof ToolUseContent.Type

// A content block of a type this module does not know (a newer revision's).
// Its `type` must not be one of the known ones, so a malformed known block is
// still rejected instead of slipping through as "unknown".
const unknownContent = (known: ReadonlyArray<string>) =>
  open({
    type: Schema.String.pipe(
      Schema.filter((type) => !known.includes(type), {
        message: () => `a content block of type ${known.map((t) => `"${t}"`).join(", ")} is malformed`
      })
    )
  })

const contentBlockTypes = ["text", "image", "audio", "resource_link", "resource"]

/**
 * A content block whose `type` this client does not know. It is kept as-is
 * (and encoded back unchanged) rather than failing the whole message.
 *
 * @since 0.1.0
 * @category schemas
 */
export const UnknownContent = unknownContent(contentBlockTypes)

/**
 * @since 0.1.0
 * @category models
 */
export type UnknownContent = typeof UnknownContent.Type

/**
 * A block of a tool result or prompt message: text, image, audio, resource
 * link or embedded resource — or {@link UnknownContent}.
 *
 * Because of the fallback, `block.type === "text"` does not narrow
 * `block` to {@link TextContent} in TypeScript: use {@link isTextContent}
 * and its siblings.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ContentBlock = Schema.Union(
  TextContent,
  ImageContent,
  AudioContent,
  ResourceLink,
  EmbeddedResource,
  UnknownContent
)

/**
 * @since 0.1.0
 * @category models
 */
export type ContentBlock = typeof ContentBlock.Type

/**
 * The result of a tool use, sent back to the model in sampling (2025-11-25).
 *
 * @since 0.1.0
 * @category schemas
 */
export const ToolResultContent = open({
  type: Schema.Literal("tool_result"),
  toolUseId: Schema.String,
  content: Schema.Array(ContentBlock),
  structuredContent: Schema.optional(JsonObject),
  isError: Schema.optional(Schema.Boolean),
  _meta: Schema.optional(Meta)
})

/**
 * @since 0.1.0
 * @category models
 */
export type ToolResultContent = typeof ToolResultContent.Type

const samplingContentTypes = ["text", "image", "audio", "tool_use", "tool_result"]

/**
 * A block of a sampling message: text, image, audio, tool use, tool result — or
 * a block of unknown type, kept as-is.
 *
 * @since 0.1.0
 * @category schemas
 */
export const SamplingContent = Schema.Union(
  TextContent,
  ImageContent,
  AudioContent,
  ToolUseContent,
  ToolResultContent,
  unknownContent(samplingContentTypes)
)

/**
 * @since 0.1.0
 * @category models
 */
export type SamplingContent = typeof SamplingContent.Type

/**
 * @since 0.1.0
 * @category refinements
 */
export const isTextContent = (block: ContentBlock | SamplingContent): block is TextContent => block.type === "text"

/**
 * @since 0.1.0
 * @category refinements
 */
export const isImageContent = (block: ContentBlock | SamplingContent): block is ImageContent => block.type === "image"

/**
 * @since 0.1.0
 * @category refinements
 */
export const isAudioContent = (block: ContentBlock | SamplingContent): block is AudioContent => block.type === "audio"

/**
 * @since 0.1.0
 * @category refinements
 */
export const isResourceLink = (block: ContentBlock): block is ResourceLink => block.type === "resource_link"

/**
 * @since 0.1.0
 * @category refinements
 */
export const isEmbeddedResource = (block: ContentBlock): block is EmbeddedResource => block.type === "resource"

/**
 * @since 0.1.0
 * @category refinements
 */
export const isToolUseContent = (block: SamplingContent): block is ToolUseContent => block.type === "tool_use"

/**
 * @since 0.1.0
 * @category refinements
 */
export const isToolResultContent = (block: SamplingContent): block is ToolResultContent => block.type === "tool_result"

// -----------------------------------------------------------------------------
// Tools
// -----------------------------------------------------------------------------

const ObjectJsonSchemaFields = open({
  $schema: Schema.optional(Schema.String),
  type: Schema.Literal("object"),
  properties: Schema.optional(JsonObject),
  required: Schema.optional(Schema.Array(Schema.String))
})

/**
 * @since 0.1.0
 * @category models
 */
export type ObjectJsonSchema = typeof ObjectJsonSchemaFields.Type

const isObjectJsonSchema = Schema.is(ObjectJsonSchemaFields)
const validateObjectJsonSchema = ParseResult.validateEither(ObjectJsonSchemaFields)

// Checked like a struct, but the value is the server's own object: not rebuilt, so every keyword
// (`$defs`, `additionalProperties`, `$anchor`, vendor keys) and the order of the keys stay exactly
// as sent. A schema is handed on to a model or a validator; even a reordering changes its text.
const verbatim = (input: unknown, options: AST.ParseOptions, ast: AST.AST) => {
  if (isObjectJsonSchema(input)) return ParseResult.succeed(input)
  const checked = validateObjectJsonSchema(input, options)
  return ParseResult.fail(Either.isLeft(checked) ? checked.left : new ParseResult.Type(ast, input))
}

/**
 * A JSON Schema whose root is an object (a tool's input or output schema):
 * `type` must be `"object"`, `properties` an object and `required` a list of
 * strings when present. Decoding and encoding return the very object they
 * were given, every keyword and the order of its keys untouched.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ObjectJsonSchema: Schema.Schema<ObjectJsonSchema> = Schema.declare([], {
  decode: () => verbatim,
  encode: () => verbatim
}, {
  identifier: "ObjectJsonSchema",
  description: "a JSON Schema whose root is an object, kept as sent",
  jsonSchema: { type: "object" },
  // For property tests (`it.prop`): built from the `fc` it is handed, so that no fast-check is bundled.
  arbitrary: () => (fc) =>
    fc.record({
      type: fc.constant<"object">("object"),
      properties: fc.dictionary(fc.string(), fc.constantFrom({ type: "string" }, { type: "number" }, {}), {
        maxKeys: 3
      }),
      required: fc.array(fc.string(), { maxLength: 3 })
    }, { requiredKeys: ["type"] })
})

/**
 * Hints about a tool's behaviour. Hints only: never trust them from an
 * untrusted server (they may still feed a replay policy the user opts into).
 *
 * @since 0.1.0
 * @category schemas
 */
export const ToolAnnotations = open({
  title: Schema.optional(Schema.String),
  /** Default false. */
  readOnlyHint: Schema.optional(Schema.Boolean),
  /** Default true; meaningful only when not read-only. */
  destructiveHint: Schema.optional(Schema.Boolean),
  /** Default false; meaningful only when not read-only. */
  idempotentHint: Schema.optional(Schema.Boolean),
  /** Default true. */
  openWorldHint: Schema.optional(Schema.Boolean)
})

/**
 * @since 0.1.0
 * @category models
 */
export type ToolAnnotations = typeof ToolAnnotations.Type

/**
 * @since 0.1.0
 * @category schemas
 */
export const Tool = open({
  name: Schema.String,
  title: Schema.optional(Schema.String),
  description: Schema.optional(Schema.String),
  inputSchema: ObjectJsonSchema,
  outputSchema: Schema.optional(ObjectJsonSchema),
  annotations: Schema.optional(ToolAnnotations),
  /** 2025-11-25: `{ taskSupport?: "forbidden" | "optional" | "required" }` (any string kept). */
  execution: Schema.optional(open({
    taskSupport: Schema.optional(Schema.String)
  })),
  icons: Schema.optional(Schema.Array(Icon)),
  _meta: Schema.optional(Meta)
})

/**
 * @since 0.1.0
 * @category models
 */
export type Tool = typeof Tool.Type

/**
 * @since 0.1.0
 * @category schemas
 */
export const ListToolsResult = open({
  _meta: Schema.optional(Meta),
  tools: Schema.Array(Tool),
  nextCursor: Schema.optional(Cursor)
})

/**
 * @since 0.1.0
 * @category models
 */
export type ListToolsResult = typeof ListToolsResult.Type

/**
 * @since 0.1.0
 * @category schemas
 */
export const CallToolRequestParams = open({
  _meta: Schema.optional(RequestMeta),
  task: Schema.optional(TaskMetadata),
  name: Schema.String,
  arguments: Schema.optional(JsonObject)
})

/**
 * @since 0.1.0
 * @category models
 */
export type CallToolRequestParams = typeof CallToolRequestParams.Type

/**
 * A tool's answer. A tool that failed reports `isError: true` here (the model
 * should see it), not as a JSON-RPC error.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CallToolResult = open({
  _meta: Schema.optional(Meta),
  content: Schema.Array(ContentBlock),
  structuredContent: Schema.optional(JsonObject),
  isError: Schema.optional(Schema.Boolean)
})

/**
 * @since 0.1.0
 * @category models
 */
export type CallToolResult = typeof CallToolResult.Type

// -----------------------------------------------------------------------------
// Resources
// -----------------------------------------------------------------------------

/**
 * @since 0.1.0
 * @category schemas
 */
export const Resource = open(resourceFields)

/**
 * @since 0.1.0
 * @category models
 */
export type Resource = typeof Resource.Type

/**
 * @since 0.1.0
 * @category schemas
 */
export const ResourceTemplate = open({
  /** An RFC 6570 URI template. */
  uriTemplate: Schema.String,
  name: Schema.String,
  title: Schema.optional(Schema.String),
  description: Schema.optional(Schema.String),
  mimeType: Schema.optional(Schema.String),
  annotations: Schema.optional(Annotations),
  icons: Schema.optional(Schema.Array(Icon)),
  _meta: Schema.optional(Meta)
})

/**
 * @since 0.1.0
 * @category models
 */
export type ResourceTemplate = typeof ResourceTemplate.Type

/**
 * @since 0.1.0
 * @category schemas
 */
export const ListResourcesResult = open({
  _meta: Schema.optional(Meta),
  resources: Schema.Array(Resource),
  nextCursor: Schema.optional(Cursor)
})

/**
 * @since 0.1.0
 * @category models
 */
export type ListResourcesResult = typeof ListResourcesResult.Type

/**
 * @since 0.1.0
 * @category schemas
 */
export const ListResourceTemplatesResult = open({
  _meta: Schema.optional(Meta),
  resourceTemplates: Schema.Array(ResourceTemplate),
  nextCursor: Schema.optional(Cursor)
})

/**
 * @since 0.1.0
 * @category models
 */
export type ListResourceTemplatesResult = typeof ListResourceTemplatesResult.Type

const ResourceRequestParams = open({
  _meta: Schema.optional(RequestMeta),
  uri: Schema.String
})

/**
 * @since 0.1.0
 * @category schemas
 */
export const ReadResourceRequestParams = ResourceRequestParams

/**
 * @since 0.1.0
 * @category models
 */
export type ReadResourceRequestParams = typeof ReadResourceRequestParams.Type

/**
 * @since 0.1.0
 * @category schemas
 */
export const ReadResourceResult = open({
  _meta: Schema.optional(Meta),
  contents: Schema.Array(ResourceContents)
})

/**
 * @since 0.1.0
 * @category models
 */
export type ReadResourceResult = typeof ReadResourceResult.Type

/**
 * @since 0.1.0
 * @category schemas
 */
export const SubscribeRequestParams = ResourceRequestParams

/**
 * @since 0.1.0
 * @category models
 */
export type SubscribeRequestParams = typeof SubscribeRequestParams.Type

/**
 * @since 0.1.0
 * @category schemas
 */
export const UnsubscribeRequestParams = ResourceRequestParams

/**
 * @since 0.1.0
 * @category models
 */
export type UnsubscribeRequestParams = typeof UnsubscribeRequestParams.Type

// -----------------------------------------------------------------------------
// Prompts
// -----------------------------------------------------------------------------

/**
 * @since 0.1.0
 * @category schemas
 */
export const PromptArgument = open({
  name: Schema.String,
  title: Schema.optional(Schema.String),
  description: Schema.optional(Schema.String),
  required: Schema.optional(Schema.Boolean)
})

/**
 * @since 0.1.0
 * @category models
 */
export type PromptArgument = typeof PromptArgument.Type

/**
 * @since 0.1.0
 * @category schemas
 */
export const Prompt = open({
  name: Schema.String,
  title: Schema.optional(Schema.String),
  description: Schema.optional(Schema.String),
  arguments: Schema.optional(Schema.Array(PromptArgument)),
  icons: Schema.optional(Schema.Array(Icon)),
  _meta: Schema.optional(Meta)
})

/**
 * @since 0.1.0
 * @category models
 */
export type Prompt = typeof Prompt.Type

/**
 * @since 0.1.0
 * @category schemas
 */
export const ListPromptsResult = open({
  _meta: Schema.optional(Meta),
  prompts: Schema.Array(Prompt),
  nextCursor: Schema.optional(Cursor)
})

/**
 * @since 0.1.0
 * @category models
 */
export type ListPromptsResult = typeof ListPromptsResult.Type

/**
 * @since 0.1.0
 * @category schemas
 */
export const GetPromptRequestParams = open({
  _meta: Schema.optional(RequestMeta),
  name: Schema.String,
  arguments: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String }))
})

/**
 * @since 0.1.0
 * @category models
 */
export type GetPromptRequestParams = typeof GetPromptRequestParams.Type

/**
 * @since 0.1.0
 * @category schemas
 */
export const PromptMessage = open({
  role: Role,
  content: ContentBlock
})

/**
 * @since 0.1.0
 * @category models
 */
export type PromptMessage = typeof PromptMessage.Type

/**
 * @since 0.1.0
 * @category schemas
 */
export const GetPromptResult = open({
  _meta: Schema.optional(Meta),
  description: Schema.optional(Schema.String),
  messages: Schema.Array(PromptMessage)
})

/**
 * @since 0.1.0
 * @category models
 */
export type GetPromptResult = typeof GetPromptResult.Type

// -----------------------------------------------------------------------------
// Completion
// -----------------------------------------------------------------------------

/**
 * @since 0.1.0
 * @category schemas
 */
export const PromptReference = open({
  type: Schema.Literal("ref/prompt"),
  name: Schema.String,
  title: Schema.optional(Schema.String)
})

/**
 * @since 0.1.0
 * @category models
 */
export type PromptReference = typeof PromptReference.Type

/**
 * @since 0.1.0
 * @category schemas
 */
export const ResourceTemplateReference = open({
  type: Schema.Literal("ref/resource"),
  /** A URI or URI template. */
  uri: Schema.String
})

/**
 * @since 0.1.0
 * @category models
 */
export type ResourceTemplateReference = typeof ResourceTemplateReference.Type

/**
 * @since 0.1.0
 * @category schemas
 */
export const CompleteRequestParams = open({
  _meta: Schema.optional(RequestMeta),
  ref: Schema.Union(PromptReference, ResourceTemplateReference),
  argument: open({
    name: Schema.String,
    value: Schema.String
  }),
  /** 2025-06-18: values of arguments already resolved. */
  context: Schema.optional(open({
    arguments: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String }))
  }))
})

/**
 * @since 0.1.0
 * @category models
 */
export type CompleteRequestParams = typeof CompleteRequestParams.Type

/**
 * @since 0.1.0
 * @category schemas
 */
export const CompleteResult = open({
  _meta: Schema.optional(Meta),
  completion: open({
    /** At most 100 values. */
    values: Schema.Array(Schema.String),
    total: Schema.optional(Schema.Number),
    hasMore: Schema.optional(Schema.Boolean)
  })
})

/**
 * @since 0.1.0
 * @category models
 */
export type CompleteResult = typeof CompleteResult.Type

// -----------------------------------------------------------------------------
// Logging
// -----------------------------------------------------------------------------

/**
 * Syslog severities (RFC 5424), least severe first.
 *
 * @since 0.1.0
 * @category schemas
 */
export const LoggingLevel = Schema.Literal(
  "debug",
  "info",
  "notice",
  "warning",
  "error",
  "critical",
  "alert",
  "emergency"
)

/**
 * @since 0.1.0
 * @category models
 */
export type LoggingLevel = typeof LoggingLevel.Type

/**
 * @since 0.1.0
 * @category schemas
 */
export const SetLevelRequestParams = open({
  _meta: Schema.optional(RequestMeta),
  level: LoggingLevel
})

/**
 * @since 0.1.0
 * @category models
 */
export type SetLevelRequestParams = typeof SetLevelRequestParams.Type

// -----------------------------------------------------------------------------
// Notification params
// -----------------------------------------------------------------------------

/**
 * @since 0.1.0
 * @category schemas
 */
export const ProgressNotificationParams = open({
  _meta: Schema.optional(Meta),
  progressToken: ProgressToken,
  progress: Schema.Number,
  total: Schema.optional(Schema.Number),
  message: Schema.optional(Schema.String)
})

/**
 * @since 0.1.0
 * @category models
 */
export type ProgressNotificationParams = typeof ProgressNotificationParams.Type

/**
 * @since 0.1.0
 * @category schemas
 */
export const CancelledNotificationParams = open({
  _meta: Schema.optional(Meta),
  /** Required before 2025-11-25; optional since (task cancellation uses `tasks/cancel`). */
  requestId: Schema.optional(RequestId),
  reason: Schema.optional(Schema.String)
})

/**
 * @since 0.1.0
 * @category models
 */
export type CancelledNotificationParams = typeof CancelledNotificationParams.Type

/**
 * @since 0.1.0
 * @category schemas
 */
export const LoggingMessageNotificationParams = open({
  _meta: Schema.optional(Meta),
  level: LoggingLevel,
  logger: Schema.optional(Schema.String),
  /** Any JSON value. */
  data: Schema.Unknown
})

/**
 * @since 0.1.0
 * @category models
 */
export type LoggingMessageNotificationParams = typeof LoggingMessageNotificationParams.Type

/**
 * @since 0.1.0
 * @category schemas
 */
export const ResourceUpdatedNotificationParams = open({
  _meta: Schema.optional(Meta),
  uri: Schema.String
})

/**
 * @since 0.1.0
 * @category models
 */
export type ResourceUpdatedNotificationParams = typeof ResourceUpdatedNotificationParams.Type

/**
 * A URL-mode elicitation finished (2025-11-25).
 *
 * @since 0.1.0
 * @category schemas
 */
export const ElicitationCompleteNotificationParams = open({
  _meta: Schema.optional(Meta),
  elicitationId: Schema.String
})

/**
 * @since 0.1.0
 * @category models
 */
export type ElicitationCompleteNotificationParams = typeof ElicitationCompleteNotificationParams.Type

// -----------------------------------------------------------------------------
// Sampling (server → client)
// -----------------------------------------------------------------------------

/**
 * @since 0.1.0
 * @category schemas
 */
export const ModelHint = open({
  name: Schema.optional(Schema.String)
})

/**
 * @since 0.1.0
 * @category models
 */
export type ModelHint = typeof ModelHint.Type

/**
 * @since 0.1.0
 * @category schemas
 */
export const ModelPreferences = open({
  hints: Schema.optional(Schema.Array(ModelHint)),
  costPriority: Schema.optional(Schema.Number),
  speedPriority: Schema.optional(Schema.Number),
  intelligencePriority: Schema.optional(Schema.Number)
})

/**
 * @since 0.1.0
 * @category models
 */
export type ModelPreferences = typeof ModelPreferences.Type

/**
 * @since 0.1.0
 * @category schemas
 */
export const ToolChoice = open({
  mode: Schema.optional(Schema.Literal("auto", "required", "none"))
})

/**
 * @since 0.1.0
 * @category models
 */
export type ToolChoice = typeof ToolChoice.Type

const SamplingMessageContent = Schema.Union(SamplingContent, Schema.Array(SamplingContent))

/**
 * @since 0.1.0
 * @category schemas
 */
export const SamplingMessage = open({
  role: Role,
  /** One block, or (2025-11-25) several. */
  content: SamplingMessageContent,
  _meta: Schema.optional(Meta)
})

/**
 * @since 0.1.0
 * @category models
 */
export type SamplingMessage = typeof SamplingMessage.Type

/**
 * @since 0.1.0
 * @category schemas
 */
export const CreateMessageRequestParams = open({
  _meta: Schema.optional(RequestMeta),
  task: Schema.optional(TaskMetadata),
  messages: Schema.Array(SamplingMessage),
  modelPreferences: Schema.optional(ModelPreferences),
  systemPrompt: Schema.optional(Schema.String),
  includeContext: Schema.optional(Schema.Literal("none", "thisServer", "allServers")),
  temperature: Schema.optional(Schema.Number),
  maxTokens: Schema.Number,
  stopSequences: Schema.optional(Schema.Array(Schema.String)),
  metadata: Schema.optional(JsonObject),
  tools: Schema.optional(Schema.Array(Tool)),
  toolChoice: Schema.optional(ToolChoice)
})

/**
 * @since 0.1.0
 * @category models
 */
export type CreateMessageRequestParams = typeof CreateMessageRequestParams.Type

/**
 * @since 0.1.0
 * @category schemas
 */
export const CreateMessageResult = open({
  _meta: Schema.optional(Meta),
  role: Role,
  content: SamplingMessageContent,
  model: Schema.String,
  /** "endTurn", "stopSequence", "maxTokens", "toolUse" or a provider-specific reason. */
  stopReason: Schema.optional(Schema.String)
})

/**
 * @since 0.1.0
 * @category models
 */
export type CreateMessageResult = typeof CreateMessageResult.Type

// -----------------------------------------------------------------------------
// Elicitation (server → client)
// -----------------------------------------------------------------------------

/**
 * One field of an elicitation form: a string, number, boolean or enum schema.
 * Kept open (only `type` is checked) so new field kinds do not break a request.
 *
 * @since 0.1.0
 * @category schemas
 */
export const PrimitiveSchemaDefinition = open({
  type: Schema.String
})

/**
 * @since 0.1.0
 * @category models
 */
export type PrimitiveSchemaDefinition = typeof PrimitiveSchemaDefinition.Type

/**
 * Form mode: the client shows a form for `requestedSchema`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ElicitRequestFormParams = open({
  _meta: Schema.optional(RequestMeta),
  task: Schema.optional(TaskMetadata),
  /** Absent before 2025-11-25. */
  mode: Schema.optional(Schema.Literal("form")),
  message: Schema.String,
  requestedSchema: open({
    $schema: Schema.optional(Schema.String),
    type: Schema.Literal("object"),
    properties: Schema.Record({ key: Schema.String, value: PrimitiveSchemaDefinition }),
    required: Schema.optional(Schema.Array(Schema.String))
  })
})

/**
 * @since 0.1.0
 * @category models
 */
export type ElicitRequestFormParams = typeof ElicitRequestFormParams.Type

/**
 * URL mode (2025-11-25): the client sends the user to `url`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ElicitRequestUrlParams = open({
  _meta: Schema.optional(RequestMeta),
  task: Schema.optional(TaskMetadata),
  mode: Schema.Literal("url"),
  message: Schema.String,
  elicitationId: Schema.String,
  url: Schema.String
})

/**
 * @since 0.1.0
 * @category models
 */
export type ElicitRequestUrlParams = typeof ElicitRequestUrlParams.Type

/**
 * @since 0.1.0
 * @category schemas
 */
export const ElicitRequestParams = Schema.Union(ElicitRequestFormParams, ElicitRequestUrlParams)

/**
 * @since 0.1.0
 * @category models
 */
export type ElicitRequestParams = typeof ElicitRequestParams.Type

/**
 * @since 0.1.0
 * @category schemas
 */
export const ElicitResult = open({
  _meta: Schema.optional(Meta),
  action: Schema.Literal("accept", "decline", "cancel"),
  /** The form's values; only with `accept` in form mode. */
  content: Schema.optional(Schema.Record({
    key: Schema.String,
    value: Schema.Union(Schema.String, Schema.Number, Schema.Boolean, Schema.Array(Schema.String))
  }))
})

/**
 * @since 0.1.0
 * @category models
 */
export type ElicitResult = typeof ElicitResult.Type

// -----------------------------------------------------------------------------
// Roots (server → client)
// -----------------------------------------------------------------------------

/**
 * @since 0.1.0
 * @category schemas
 */
export const Root = open({
  /** A `file://` URI for now. */
  uri: Schema.String,
  name: Schema.optional(Schema.String),
  _meta: Schema.optional(Meta)
})

/**
 * @since 0.1.0
 * @category models
 */
export type Root = typeof Root.Type

/**
 * @since 0.1.0
 * @category schemas
 */
export const ListRootsResult = open({
  _meta: Schema.optional(Meta),
  roots: Schema.Array(Root)
})

/**
 * @since 0.1.0
 * @category models
 */
export type ListRootsResult = typeof ListRootsResult.Type

// -----------------------------------------------------------------------------
// Method tables
// -----------------------------------------------------------------------------

/**
 * The params and result schemas of one request method.
 *
 * @since 0.1.0
 * @category methods
 */
export interface Method<Params extends Schema.Schema.Any, Result extends Schema.Schema.Any> {
  readonly params: Params
  readonly result: Result
}

const method = <Params extends Schema.Schema.Any, Result extends Schema.Schema.Any>(
  params: Params,
  result: Result
): Method<Params, Result> => ({ params, result })

// The explicit type keeps the emitted .d.ts small (`typeof X` instead of every schema inlined).
/**
 * Every client → server request: its params and result schemas, by method.
 * `ping` and the `…/list` methods may be sent without params.
 *
 * @since 0.1.0
 * @category methods
 */
export const ClientRequests: {
  readonly "initialize": Method<typeof InitializeRequestParams, typeof InitializeResult>
  readonly "ping": Method<typeof RequestParams, typeof EmptyResult>
  readonly "tools/list": Method<typeof PaginatedRequestParams, typeof ListToolsResult>
  readonly "tools/call": Method<typeof CallToolRequestParams, typeof CallToolResult>
  readonly "resources/list": Method<typeof PaginatedRequestParams, typeof ListResourcesResult>
  readonly "resources/templates/list": Method<typeof PaginatedRequestParams, typeof ListResourceTemplatesResult>
  readonly "resources/read": Method<typeof ReadResourceRequestParams, typeof ReadResourceResult>
  readonly "resources/subscribe": Method<typeof SubscribeRequestParams, typeof EmptyResult>
  readonly "resources/unsubscribe": Method<typeof UnsubscribeRequestParams, typeof EmptyResult>
  readonly "prompts/list": Method<typeof PaginatedRequestParams, typeof ListPromptsResult>
  readonly "prompts/get": Method<typeof GetPromptRequestParams, typeof GetPromptResult>
  readonly "completion/complete": Method<typeof CompleteRequestParams, typeof CompleteResult>
  readonly "logging/setLevel": Method<typeof SetLevelRequestParams, typeof EmptyResult>
} = {
  "initialize": method(InitializeRequestParams, InitializeResult),
  "ping": method(RequestParams, EmptyResult),
  "tools/list": method(PaginatedRequestParams, ListToolsResult),
  "tools/call": method(CallToolRequestParams, CallToolResult),
  "resources/list": method(PaginatedRequestParams, ListResourcesResult),
  "resources/templates/list": method(PaginatedRequestParams, ListResourceTemplatesResult),
  "resources/read": method(ReadResourceRequestParams, ReadResourceResult),
  "resources/subscribe": method(SubscribeRequestParams, EmptyResult),
  "resources/unsubscribe": method(UnsubscribeRequestParams, EmptyResult),
  "prompts/list": method(PaginatedRequestParams, ListPromptsResult),
  "prompts/get": method(GetPromptRequestParams, GetPromptResult),
  "completion/complete": method(CompleteRequestParams, CompleteResult),
  "logging/setLevel": method(SetLevelRequestParams, EmptyResult)
}

/**
 * @since 0.1.0
 * @category methods
 */
export type ClientRequestMethod = keyof typeof ClientRequests

/**
 * @since 0.1.0
 * @category methods
 */
export type ClientRequestParams<M extends ClientRequestMethod> = typeof ClientRequests[M]["params"]["Type"]

/**
 * @since 0.1.0
 * @category methods
 */
export type ClientRequestResult<M extends ClientRequestMethod> = typeof ClientRequests[M]["result"]["Type"]

/**
 * Every server → client request: its params and result schemas, by method.
 *
 * @since 0.1.0
 * @category methods
 */
export const ServerRequests: {
  readonly "ping": Method<typeof RequestParams, typeof EmptyResult>
  readonly "roots/list": Method<typeof RequestParams, typeof ListRootsResult>
  readonly "sampling/createMessage": Method<typeof CreateMessageRequestParams, typeof CreateMessageResult>
  readonly "elicitation/create": Method<typeof ElicitRequestParams, typeof ElicitResult>
} = {
  "ping": method(RequestParams, EmptyResult),
  "roots/list": method(RequestParams, ListRootsResult),
  "sampling/createMessage": method(CreateMessageRequestParams, CreateMessageResult),
  "elicitation/create": method(ElicitRequestParams, ElicitResult)
}

/**
 * @since 0.1.0
 * @category methods
 */
export type ServerRequestMethod = keyof typeof ServerRequests

/**
 * @since 0.1.0
 * @category methods
 */
export type ServerRequestParams<M extends ServerRequestMethod> = typeof ServerRequests[M]["params"]["Type"]

/**
 * @since 0.1.0
 * @category methods
 */
export type ServerRequestResult<M extends ServerRequestMethod> = typeof ServerRequests[M]["result"]["Type"]

// -----------------------------------------------------------------------------
// Server notifications
// -----------------------------------------------------------------------------

/**
 * A notification from the server, decoded by {@link decodeServerNotification}.
 * `_tag` discriminates; `method` is the wire method. A notification this
 * module does not know — or a known one whose params are malformed (`issue`
 * says why) — is `Other`, never dropped.
 *
 * @since 0.1.0
 * @category models
 */
export type ServerNotification =
  | {
    readonly _tag: "Progress"
    readonly method: "notifications/progress"
    readonly params: ProgressNotificationParams
  }
  | {
    readonly _tag: "LoggingMessage"
    readonly method: "notifications/message"
    readonly params: LoggingMessageNotificationParams
  }
  | {
    readonly _tag: "ResourceUpdated"
    readonly method: "notifications/resources/updated"
    readonly params: ResourceUpdatedNotificationParams
  }
  | {
    readonly _tag: "ResourceListChanged"
    readonly method: "notifications/resources/list_changed"
    readonly params?: NotificationParams
  }
  | {
    readonly _tag: "ToolListChanged"
    readonly method: "notifications/tools/list_changed"
    readonly params?: NotificationParams
  }
  | {
    readonly _tag: "PromptListChanged"
    readonly method: "notifications/prompts/list_changed"
    readonly params?: NotificationParams
  }
  | {
    readonly _tag: "Cancelled"
    readonly method: "notifications/cancelled"
    readonly params: CancelledNotificationParams
  }
  | {
    readonly _tag: "ElicitationComplete"
    readonly method: "notifications/elicitation/complete"
    readonly params: ElicitationCompleteNotificationParams
  }
  | {
    readonly _tag: "Other"
    readonly method: string
    readonly params: unknown
    /** Set when `method` is a known one but its params did not decode. */
    readonly issue?: string
  }

const decodeProgress = Schema.decodeUnknownEither(ProgressNotificationParams)

const hasOwn = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key)

/**
 * `decodeProgress` for what servers send with every progress event — a plain object holding only
 * `progressToken`, `progress` and maybe `total` / `message`, all of the right type — without the
 * schema interpreter (a call can bring thousands of these). Anything else (`_meta`, another field,
 * a wrong type, a missing field) is `undefined` here and goes through the schema. The result is the
 * schema's own: a new object, its fields in the schema's order.
 */
const decodeProgressFast = (params: unknown): ProgressNotificationParams | undefined => {
  if (!Predicate.isRecord(params)) return undefined
  const proto: unknown = Object.getPrototypeOf(params)
  if (proto !== Object.prototype && proto !== null) return undefined
  if (!hasOwn(params, "progressToken") || !hasOwn(params, "progress")) return undefined
  const progressToken = params.progressToken
  const progress = params.progress
  if ((typeof progressToken !== "string" && typeof progressToken !== "number") || typeof progress !== "number") {
    return undefined
  }
  const decoded: { progressToken: ProgressToken; progress: number; total?: number; message?: string } = {
    progressToken,
    progress
  }
  let fields = 2
  if (hasOwn(params, "total")) {
    const total = params.total
    if (typeof total !== "number") return undefined
    decoded.total = total
    fields++
  }
  if (hasOwn(params, "message")) {
    const message = params.message
    if (typeof message !== "string") return undefined
    decoded.message = message
    fields++
  }
  return Object.keys(params).length === fields ? decoded : undefined
}
const decodeLoggingMessage = Schema.decodeUnknownEither(LoggingMessageNotificationParams)
const decodeResourceUpdated = Schema.decodeUnknownEither(ResourceUpdatedNotificationParams)
const decodeCancelled = Schema.decodeUnknownEither(CancelledNotificationParams)
const decodeElicitationComplete = Schema.decodeUnknownEither(ElicitationCompleteNotificationParams)
const decodeNotificationParams = Schema.decodeUnknownEither(NotificationParams)
// The `list_changed` notifications may come without params at all.
const decodeOptionalParams = (
  params: unknown
): Either.Either<NotificationParams | undefined, ParseResult.ParseError> =>
  params === undefined ? Either.right(undefined) : decodeNotificationParams(params)

const other = (method: string, params: unknown, error?: ParseResult.ParseError): ServerNotification =>
  error === undefined ?
    { _tag: "Other", method, params } :
    { _tag: "Other", method, params, issue: ParseResult.TreeFormatter.formatErrorSync(error) }

/**
 * Turns a notification's `method` and `params` into a {@link ServerNotification}.
 * Never throws and never drops a notification: what it cannot decode becomes `Other`.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeServerNotification = (method: string, params: unknown): ServerNotification => {
  switch (method) {
    case "notifications/progress": {
      const fast = decodeProgressFast(params)
      if (fast !== undefined) return { _tag: "Progress", method, params: fast }
      const r = decodeProgress(params)
      return Either.isRight(r) ? { _tag: "Progress", method, params: r.right } : other(method, params, r.left)
    }
    case "notifications/message": {
      const r = decodeLoggingMessage(params)
      return Either.isRight(r) ? { _tag: "LoggingMessage", method, params: r.right } : other(method, params, r.left)
    }
    case "notifications/resources/updated": {
      const r = decodeResourceUpdated(params)
      return Either.isRight(r) ? { _tag: "ResourceUpdated", method, params: r.right } : other(method, params, r.left)
    }
    case "notifications/cancelled": {
      const r = decodeCancelled(params)
      return Either.isRight(r) ? { _tag: "Cancelled", method, params: r.right } : other(method, params, r.left)
    }
    case "notifications/elicitation/complete": {
      const r = decodeElicitationComplete(params)
      return Either.isRight(r) ?
        { _tag: "ElicitationComplete", method, params: r.right } :
        other(method, params, r.left)
    }
    case "notifications/resources/list_changed": {
      const r = decodeOptionalParams(params)
      if (Either.isLeft(r)) return other(method, params, r.left)
      return r.right === undefined ?
        { _tag: "ResourceListChanged", method } :
        { _tag: "ResourceListChanged", method, params: r.right }
    }
    case "notifications/tools/list_changed": {
      const r = decodeOptionalParams(params)
      if (Either.isLeft(r)) return other(method, params, r.left)
      return r.right === undefined ?
        { _tag: "ToolListChanged", method } :
        { _tag: "ToolListChanged", method, params: r.right }
    }
    case "notifications/prompts/list_changed": {
      const r = decodeOptionalParams(params)
      if (Either.isLeft(r)) return other(method, params, r.left)
      return r.right === undefined ?
        { _tag: "PromptListChanged", method } :
        { _tag: "PromptListChanged", method, params: r.right }
    }
    default:
      return other(method, params)
  }
}

import * as Chat from "@effect/ai/Chat"
import * as LanguageModel from "@effect/ai/LanguageModel"
import * as Prompt from "@effect/ai/Prompt"
import * as Tool from "@effect/ai/Tool"
import { describe, expect, it } from "@effect/vitest"
import { McpTool, McpToolkit } from "@mcp-effect/ai"
import { McpAuth, McpClient, McpHttp } from "@mcp-effect/core"
import { McpTestAuth, McpTestServer } from "@mcp-effect/core/testing"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { scripted, text, toolCall, toolResults } from "./support/model.js"

const { Fault } = McpTestServer

/** A client on an in-memory test server. */
const connect = (server: McpTestServer.Handle, options?: Omit<McpClient.Options, "url">) =>
  McpClient.make({ url: McpTestServer.inMemoryUrl, ...options }).pipe(
    Effect.provideService(McpHttp.McpHttp, McpHttp.fromHttpClient(McpTestServer.httpClient(server)))
  )

/** A test server, a client on it, and the toolkit of its tools. */
const setup = (
  serverOptions?: McpTestServer.Options,
  toolkitOptions?: McpToolkit.Options,
  clientOptions?: Omit<McpClient.Options, "url">
) =>
  Effect.gen(function*() {
    const server = yield* McpTestServer.make(serverOptions)
    const client = yield* connect(server, clientOptions)
    const toolkit = yield* McpToolkit.make(toolkitOptions).pipe(Effect.provideService(McpClient.McpClient, client))
    return { server, client, toolkit }
  })

const names = (snapshot: McpToolkit.Snapshot) => Object.keys(snapshot.toolkit.tools)

/** Waits for the first snapshot that satisfies `predicate`. */
const awaitSnapshot = (toolkit: McpToolkit.Service, predicate: (snapshot: McpToolkit.Snapshot) => boolean) =>
  Stream.runHead(Stream.filter(toolkit.changes, predicate)).pipe(Effect.map(Option.getOrThrow))

// A tool whose schema a generated Schema would not reproduce: `type` last, `$schema`, `$defs`
// with a `$ref`, `anyOf` with null, `default`, `minLength`, numbers-as-keys, unicode.
const search: McpTestServer.Tool = {
  name: "search",
  description: "Searches the notes",
  annotations: { title: "Search notes", readOnlyHint: true, openWorldHint: false },
  inputSchema: {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    properties: {
      query: { type: "string", minLength: 1, description: "what to find — in any language" },
      limit: { type: "integer", minimum: 1, maximum: 50, default: 10 },
      filters: { $ref: "#/$defs/Filters" },
      "2024": { type: "boolean" }
    },
    $defs: {
      Filters: {
        type: "object",
        properties: { tag: { anyOf: [{ type: "string" }, { type: "null" }] } },
        additionalProperties: false
      }
    },
    required: ["query"],
    additionalProperties: false,
    type: "object"
  },
  handler: (args) => Effect.succeed({ content: [{ type: "text", text: `found: ${String(args.query)}` }] })
}

describe("McpToolkit", () => {
  it.scoped("holds the server's tools, described as the server describes them", () =>
    Effect.gen(function*() {
      const { toolkit } = yield* setup({ tools: [...McpTestServer.defaultTools, search] })
      const snapshot = yield* toolkit.current
      expect(names(snapshot)).toEqual(["echo", "add", "slow", "fail", "elicit", "search"])
      const tool = snapshot.toolkit.tools.search
      expect(Tool.getDescription(tool)).toBe("Searches the notes")
      expect(Context.getOption(tool.annotations, Tool.Title)).toEqual(Option.some("Search notes"))
      expect(Context.get(tool.annotations, Tool.Readonly)).toBe(true)
      expect(Context.get(tool.annotations, Tool.OpenWorld)).toBe(false)
      expect(Context.get(tool.annotations, Tool.Destructive)).toBe(true) // not sent: @effect/ai's default
      expect(snapshot.entries.map((e) => [e.name, e.tool.name, e.server])).toContainEqual(["search", "search", 0])
    }))

  it.scoped("the JSON Schemas reach the model byte-identical to what the server sent", () =>
    Effect.gen(function*() {
      const tools = [...McpTestServer.defaultTools, search]
      const { toolkit } = yield* setup({ tools })
      const model = scripted([() => [text("no tools needed")]])
      yield* LanguageModel.generateText({ prompt: "hi", toolkit: toolkit.toolkit }).pipe(Effect.provide(model.layer))
      // What a provider sends is `Tool.getJsonSchema` of each tool it is given (for a `Tool.Any`,
      // the same function on the parameters' AST).
      const sent = model.sent[0].tools.map((
        tool
      ) => [tool.name, JSON.stringify(Tool.getJsonSchemaFromSchemaAst(tool.parametersSchema.ast))])
      const served = tools.map((tool) => [tool.name, JSON.stringify(tool.inputSchema ?? { type: "object" })])
      expect(sent).toEqual(served)
    }))

  it.scoped("a scripted model calls a tool, the session expires, it calls another: it never notices", () =>
    Effect.gen(function*() {
      const { server, toolkit } = yield* setup({}, {}, { getStream: false })
      const model = scripted([
        () => [toolCall("call-1", "add", { a: 2, b: 3 })],
        () => [toolCall("call-2", "echo", { text: "hello" })],
        (options) => [text(`done after ${toolResults(options.prompt).length} results`)]
      ])
      const answers = yield* Effect.gen(function*() {
        const chat = yield* Chat.empty
        const first = yield* chat.generateText({ prompt: "add 2 and 3", toolkit: toolkit.toolkit })
        yield* server.expire() // the server forgets the session between two tool calls
        const second = yield* chat.generateText({ prompt: "now echo", toolkit: toolkit.toolkit })
        const third = yield* chat.generateText({ prompt: "and?", toolkit: toolkit.toolkit })
        return [first, second, third]
      }).pipe(Effect.provide(model.layer))
      expect(answers[0].toolResults.map((r) => [r.name, r.isFailure, r.encodedResult])).toEqual([
        ["add", false, { text: "5", structuredContent: { sum: 5 } }]
      ])
      expect(answers[1].toolResults.map((r) => [r.name, r.isFailure, r.encodedResult])).toEqual([
        ["echo", false, { text: "hello" }]
      ])
      expect(answers[2].text).toBe("done after 2 results")
      // What the model was shown: both results, neither a failure.
      expect(toolResults(model.sent[2].prompt)).toEqual([
        { name: "add", isFailure: false, result: { text: "5", structuredContent: { sum: 5 } } },
        { name: "echo", isFailure: false, result: { text: "hello" } }
      ])
      // Recovery happened underneath: the second call met a 404 and was re-sent on a new session.
      expect(yield* server.initializeCount).toBe(2)
      const calls = (yield* server.log).filter((e) => e.rpcMethod === "tools/call" && e.kind === "request")
      expect(calls.map((e) => e.status)).toEqual([200, 404, 200])
    }))

  it.scoped("an isError result is a failure the model sees, not an error of generateText", () =>
    Effect.gen(function*() {
      const { toolkit } = yield* setup()
      const model = scripted([() => [toolCall("call-1", "fail", {})], () => [text("sorry")]])
      const chat = yield* Chat.empty
      const response = yield* chat.generateText({ prompt: "fail", toolkit: toolkit.toolkit }).pipe(
        Effect.provide(model.layer)
      )
      const [result] = response.toolResults
      expect(result.isFailure).toBe(true)
      expect(result.result).toBeInstanceOf(McpTool.ToolFailure)
      expect(result.encodedResult).toMatchObject({ _tag: "ToolFailure", tool: "fail" })
      expect(result.encodedResult).not.toHaveProperty("error")
      yield* chat.generateText({ prompt: "and?", toolkit: toolkit.toolkit }).pipe(Effect.provide(model.layer))
      expect(toolResults(model.sent[1].prompt)).toMatchObject([{ name: "fail", isFailure: true }])
    }))

  it.scoped("a call the client cannot make is a failure the model sees, with the error's tag", () =>
    Effect.gen(function*() {
      const { server, toolkit } = yield* setup()
      yield* server.inject(Fault.Status({ status: 500 }), { rpcMethod: "tools/call" })
      const model = scripted([() => [toolCall("call-1", "echo", { text: "hi" })]])
      const response = yield* LanguageModel.generateText({ prompt: "echo", toolkit: toolkit.toolkit }).pipe(
        Effect.provide(model.layer)
      )
      expect(response.toolResults[0].isFailure).toBe(true)
      expect(response.toolResults[0].encodedResult).toMatchObject({
        _tag: "ToolFailure",
        tool: "echo",
        error: "UnexpectedStatus"
      })
    }))

  it.scoped("a call that authorization stops is a failure the model sees, with the authorization error's tag", () =>
    Effect.gen(function*() {
      const server = yield* McpTestServer.make()
      const as = yield* McpTestAuth.makeServer({ refreshTokens: false })
      const network = as.wrap(McpHttp.fromHttpClient(McpTestServer.httpClient(server)))
      const context = yield* Layer.build(
        McpAuth.layer().pipe(Layer.provide(Layer.mergeAll(
          Layer.succeed(McpHttp.McpHttp, network),
          Layer.succeed(McpAuth.Authorizer, McpTestAuth.headless(network))
        )))
      )
      const client = yield* McpClient.make({ url: as.resource, getStream: false }).pipe(
        Effect.provideService(McpHttp.McpHttp, Context.get(context, McpHttp.McpHttp))
      )
      const toolkit = yield* McpToolkit.make({ follow: false }).pipe(Effect.provideService(McpClient.McpClient, client))
      // The token is revoked, and the next authorization's token request refused.
      yield* as.revokeAll
      yield* as.inject({ _tag: "TokenError", error: "invalid_grant" })
      const model = scripted([() => [toolCall("call-1", "echo", { text: "hi" })]])
      const response = yield* LanguageModel.generateText({ prompt: "echo", toolkit: toolkit.toolkit }).pipe(
        Effect.provide(model.layer)
      )
      expect(response.toolResults[0].isFailure).toBe(true)
      expect(response.toolResults[0].encodedResult).toMatchObject({
        _tag: "ToolFailure",
        tool: "echo",
        error: "AuthorizationFailed"
      })
    }))

  it.scoped("follows notifications/tools/list_changed", () =>
    Effect.gen(function*() {
      const { server, toolkit } = yield* setup()
      yield* server.awaitGetStream()
      yield* server.setTools([search])
      const snapshot = yield* awaitSnapshot(toolkit, (s) => names(s).includes("search"))
      expect(names(snapshot)).toEqual(["search"])
      // The next model call gets the new tools and can call them.
      const model = scripted([() => [toolCall("call-1", "search", { query: "effect" })]])
      const response = yield* LanguageModel.generateText({ prompt: "find", toolkit: toolkit.toolkit }).pipe(
        Effect.provide(model.layer)
      )
      expect(model.sent[0].tools.map((t) => t.name)).toEqual(["search"])
      expect(response.toolResults[0].encodedResult).toEqual({ text: "found: effect" })
    }))

  it.scoped("lists the tools again on a new session (a notification to the old one is lost)", () =>
    Effect.gen(function*() {
      const { client, server, toolkit } = yield* setup({}, {}, { getStream: false })
      yield* server.restart // no session left to notify
      yield* server.setTools([search])
      yield* client.ping() // meets the 404, starts a new session
      const snapshot = yield* awaitSnapshot(toolkit, (s) => names(s).includes("search"))
      expect(names(snapshot)).toEqual(["search"])
    }))

  it.scoped("refresh lists the tools now; with follow: false nothing else does", () =>
    Effect.gen(function*() {
      const { server, toolkit } = yield* setup({}, { follow: false })
      yield* server.setTools([search])
      expect(names(yield* toolkit.current)).toEqual(["echo", "add", "slow", "fail", "elicit"])
      yield* toolkit.refresh
      expect(names(yield* toolkit.current)).toEqual(["search"])
    }))

  it.scoped("a filter picks the tools; a prefix renames them, calls use the server's name", () =>
    Effect.gen(function*() {
      const { server, toolkit } = yield* setup({}, { prefix: "test_", filter: McpToolkit.byName(["echo", "add"]) })
      expect(names(yield* toolkit.current)).toEqual(["test_echo", "test_add"])
      const model = scripted([() => [toolCall("call-1", "test_echo", { text: "hi" })]])
      const response = yield* LanguageModel.generateText({ prompt: "echo", toolkit: toolkit.toolkit }).pipe(
        Effect.provide(model.layer)
      )
      expect(response.toolResults[0].encodedResult).toEqual({ text: "hi" })
      const call = (yield* server.log).find((e) => e.rpcMethod === "tools/call" && e.kind === "request")
      expect(call?.message).toMatchObject({ params: { name: "echo" } })
    }))
})

describe("McpToolkit.makeServers", () => {
  it.scoped("tools of several servers, each with its prefix; each call goes to its server", () =>
    Effect.gen(function*() {
      const notes = yield* McpTestServer.make({ tools: [search] })
      const math = yield* McpTestServer.make()
      const toolkit = yield* McpToolkit.makeServers([
        { client: yield* connect(notes), prefix: "notes_" },
        { client: yield* connect(math), prefix: "math_", filter: (tool) => tool.name === "add" }
      ])
      const snapshot = yield* toolkit.current
      expect(snapshot.entries.map((e) => [e.name, e.server])).toEqual([["notes_search", 0], ["math_add", 1]])
      const model = scripted([() => [
        toolCall("call-1", "notes_search", { query: "x" }),
        toolCall("call-2", "math_add", { a: 1, b: 1 })
      ]])
      const response = yield* LanguageModel.generateText({ prompt: "go", toolkit: toolkit.toolkit }).pipe(
        Effect.provide(model.layer)
      )
      expect(response.toolResults.map((r) => r.encodedResult)).toEqual([
        { text: "found: x" },
        { text: "2", structuredContent: { sum: 2 } }
      ])
      const called = (server: McpTestServer.Handle) =>
        Effect.map(server.log, (log) => log.filter((e) => e.rpcMethod === "tools/call" && e.kind === "request").length)
      expect([yield* called(notes), yield* called(math)]).toEqual([1, 1])
    }))

  it.scoped("two tools of the same name without prefixes: ToolNameClash", () =>
    Effect.gen(function*() {
      const a = yield* McpTestServer.make()
      const b = yield* McpTestServer.make()
      const error = yield* Effect.flip(
        McpToolkit.makeServers([{ client: yield* connect(a) }, { client: yield* connect(b) }])
      )
      expect(error).toMatchObject({ _tag: "ToolNameClash", name: "echo", servers: [0, 1] })
    }))
  it.scoped("a make that fails leaves no follower behind", () =>
    Effect.gen(function*() {
      const a = yield* McpTestServer.make()
      const clientA = yield* connect(a)
      const clientB = yield* connect(yield* McpTestServer.make())
      for (let i = 0; i < 3; i++) {
        yield* Effect.flip(McpToolkit.makeServers([{ client: clientA }, { client: clientB }]))
      }
      // A toolkit that works, subscribed after the failed ones: when it has seen the change, a
      // follower left by a failed make (woken before it) would have listed `a`'s tools too.
      const toolkit = yield* McpToolkit.makeServers([{ client: clientA }])
      yield* a.awaitGetStream()
      yield* a.clearLog
      yield* a.setTools([search])
      yield* awaitSnapshot(toolkit, (s) => names(s).includes("search"))
      const listings = (yield* a.log).filter((e) => e.rpcMethod === "tools/list" && e.kind === "request")
      expect(listings.length).toBe(1)
    }))

  it.scoped("a listing that would clash fails the refresh and keeps the last toolkit", () =>
    Effect.gen(function*() {
      const a = yield* McpTestServer.make({ tools: [search] })
      const b = yield* McpTestServer.make()
      const toolkit = yield* McpToolkit.makeServers([{ client: yield* connect(a) }, { client: yield* connect(b) }], {
        follow: false
      })
      const before = yield* toolkit.current
      yield* b.setTools([search])
      expect(yield* Effect.flip(toolkit.refresh)).toMatchObject({ _tag: "ToolNameClash", name: "search" })
      expect(yield* toolkit.current).toBe(before)
      yield* b.setTools(McpTestServer.defaultTools.filter((tool) => tool.name === "echo"))
      yield* toolkit.refresh
      expect(names(yield* toolkit.current)).toEqual(["search", "echo"])
    }))
})

describe("McpToolkit.layerConfig", () => {
  it.scoped("reads PREFIX and TOOLS", () =>
    Effect.gen(function*() {
      const server = yield* McpTestServer.make()
      const client = yield* connect(server)
      const env = new Map([["AI_PREFIX", "srv_"], ["AI_TOOLS", "echo,fail"]])
      const snapshot = yield* McpToolkit.McpToolkit.pipe(
        Effect.flatMap((toolkit) => toolkit.current),
        Effect.provide(
          McpToolkit.layerConfig(McpToolkit.config, { prefix: "ignored_" }).pipe(
            Layer.provide(Layer.succeed(McpClient.McpClient, client))
          )
        ),
        Effect.withConfigProvider(
          ConfigProvider.fromMap(env, { pathDelim: "_" }).pipe(ConfigProvider.nested("AI"))
        )
      )
      expect(names(snapshot)).toEqual(["srv_echo", "srv_fail"])
    }))
})

describe("the toolkit with your own tools", () => {
  it.scoped("Toolkit.merge with the snapshot's toolkit, provided with its handlers", () =>
    Effect.gen(function*() {
      const { toolkit } = yield* setup({}, { filter: McpToolkit.byName(["echo"]) })
      const snapshot = yield* toolkit.current
      const model = scripted([() => [toolCall("call-1", "echo", { text: "merged" })]])
      const response = yield* LanguageModel.generateText({
        prompt: Prompt.make("echo"),
        toolkit: Effect.provide(snapshot.toolkit, snapshot.handlers)
      }).pipe(Effect.provide(model.layer))
      expect(response.toolResults[0].encodedResult).toEqual({ text: "merged" })
    }))
})

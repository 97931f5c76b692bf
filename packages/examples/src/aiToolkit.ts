// #region imports
import * as AiError from "@effect/ai/AiError"
import * as Chat from "@effect/ai/Chat"
import * as LanguageModel from "@effect/ai/LanguageModel"
import * as Prompt from "@effect/ai/Prompt"
import type * as Response from "@effect/ai/Response"
import * as Tool from "@effect/ai/Tool"
import * as Toolkit from "@effect/ai/Toolkit"
import { McpPrompt, McpResource, McpTool, McpToolkit } from "@mcp-effect/ai"
import { McpClient } from "@mcp-effect/core"
import { NodeMcpClient } from "@mcp-effect/node"
import * as Context from "effect/Context"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
// #endregion

// #region loop
// Asks the model; runs the tools it calls on the MCP server; shows it the results; again, until
// it answers without calling a tool (or `maxTurns` runs out). The Chat keeps the conversation.
// `McpToolkit.toolkit` is read at every turn: a tool the server adds meanwhile is offered at the
// next one, and a session the server forgets is replaced without the model noticing.
export const ask = (question: string, maxTurns = 8) =>
  Effect.gen(function*() {
    const chat = yield* Chat.empty
    let response = yield* chat.generateText({ prompt: question, toolkit: McpToolkit.toolkit })
    for (let turn = 1; turn < maxTurns && response.toolCalls.length > 0; turn++) {
      response = yield* chat.generateText({ prompt: Prompt.empty, toolkit: McpToolkit.toolkit })
    }
    return response.text
  })
// #endregion

// #region layers
// The client, the toolkit of its server's tools, and a model. In an application the model is a
// provider's, e.g. `OpenAiLanguageModel.model("gpt-4o")` from @effect/ai-openai.
export const AppLive = (url: string) =>
  Layer.merge(McpToolkit.layer(), ScriptedModel).pipe(Layer.provideMerge(NodeMcpClient.layer({ url })))

// Effect.runPromise(main("http://127.0.0.1:3000/mcp"))
export const main = (url: string) => ask("What is 2 + 3?").pipe(Effect.provide(AppLive(url)))
// #endregion

// #region context
// A resource and a prompt of the server as the prompt of a model call.
export const withContext = Effect.gen(function*() {
  const hello = yield* McpResource.read("test://hello")
  const greet = yield* McpPrompt.get("greet", { name: "Ada" })
  const response = yield* LanguageModel.generateText({ prompt: Prompt.merge(hello, greet) })
  return response.text
})
// #endregion

// #region servers
// Two servers in one toolkit: the model sees `notes_*` and `math_add`, and each call goes to its
// server. Prefixes keep the names apart (without them, two `echo` tools fail with ToolNameClash).
export const TwoServersLive = (notesUrl: string, mathUrl: string) =>
  Layer.scoped(
    McpToolkit.McpToolkit,
    Effect.gen(function*() {
      const connect = (url: string) =>
        Effect.map(Layer.build(NodeMcpClient.layer({ url })), Context.get(McpClient.McpClient))
      return yield* McpToolkit.makeServers([
        { client: yield* connect(notesUrl), prefix: "notes_" },
        { client: yield* connect(mathUrl), prefix: "math_", filter: McpToolkit.byName(["add"]) }
      ])
    })
  )
// #endregion

// #region own-tools
// The server's tools next to tools of your own: merge the toolkits, provide both handlers.
const Now = Tool.make("now", { description: "The current time (ISO 8601)", success: Schema.String })
const OwnTools = Toolkit.make(Now)
const OwnToolsLive = OwnTools.toLayer({ now: () => Effect.map(DateTime.now, DateTime.formatIso) })

export const allTools = Effect.gen(function*() {
  const mcp = yield* McpToolkit.McpToolkit
  const { handlers, toolkit } = yield* mcp.current
  return yield* Toolkit.merge(OwnTools, toolkit).pipe(Effect.provide(handlers), Effect.provide(OwnToolsLive))
})
// then: LanguageModel.generateText({ prompt, toolkit: allTools })
// #endregion

// #region model
// A language model without the network, for this example and for tests: with tools it asks for
// `add`, then for `echo` with the sum, then answers with what `echo` returned; without tools it
// answers with the text it was given.
export const ScriptedModel = Layer.effect(
  LanguageModel.LanguageModel,
  LanguageModel.make({
    generateText: (options) => Effect.succeed(answer(options)),
    streamText: () =>
      Stream.fail(new AiError.UnknownError({ module: "ScriptedModel", method: "streamText", description: "no" }))
  })
)

const answer = (options: LanguageModel.ProviderOptions): Array<Response.PartEncoded> => {
  const messages = options.prompt.content
  if (options.tools.length === 0) {
    const said = messages.flatMap((m) =>
      m.role === "user" ? m.content.flatMap((p) => p.type === "text" ? [p.text] : []) : []
    )
    return [{ type: "text", text: said.join(" ") }]
  }
  // The tool results so far, as the model reads them: McpTool.Output for a successful call.
  const results = messages.flatMap((m) => m.role === "tool" ? m.content.map((p) => outputText(p.result)) : [])
  switch (results.length) {
    case 0:
      return [{ type: "tool-call", id: "call-1", name: "add", params: { a: 2, b: 3 } }]
    case 1:
      return [{ type: "tool-call", id: "call-2", name: "echo", params: { text: `2 + 3 = ${results[0]}` } }]
    default:
      return [{ type: "text", text: `The server says: ${results[1]}` }]
  }
}

const outputText = (result: unknown) =>
  Schema.decodeUnknownOption(McpTool.Output)(result).pipe(
    Option.flatMap((output) => Option.fromNullable(output.text)),
    Option.getOrElse(() => "(no text)")
  )
// #endregion

/**
 * The server's default content (documented on `McpTestServer.defaultTools` & co.).
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { Prompt, Resource, ResourceTemplate, Tool } from "../McpTestServer.js"

const text = (value: string) => ({ type: "text", text: value })

const numberArg = (args: { readonly [key: string]: unknown }, name: string, fallback: number): number => {
  const value = args[name]
  return typeof value === "number" && Number.isFinite(value) ? value : fallback
}

export const tools: ReadonlyArray<Tool> = [
  {
    name: "echo",
    description: "Returns its text argument",
    inputSchema: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
    annotations: { readOnlyHint: true, idempotentHint: true },
    handler: (args) => Effect.succeed({ content: [text(typeof args.text === "string" ? args.text : "")] })
  },
  {
    name: "add",
    description: "Adds two numbers",
    inputSchema: {
      type: "object",
      properties: { a: { type: "number" }, b: { type: "number" } },
      required: ["a", "b"]
    },
    outputSchema: { type: "object", properties: { sum: { type: "number" } }, required: ["sum"] },
    annotations: { readOnlyHint: true, idempotentHint: true },
    handler: (args) => {
      const sum = numberArg(args, "a", 0) + numberArg(args, "b", 0)
      return Effect.succeed({ content: [text(String(sum))], structuredContent: { sum } })
    }
  },
  {
    name: "slow",
    description: "Reports progress `steps` times (sleeping `delayMillis` before each), then answers",
    inputSchema: {
      type: "object",
      properties: { steps: { type: "integer" }, delayMillis: { type: "integer" } }
    },
    annotations: { readOnlyHint: true },
    handler: (args, context) =>
      Effect.gen(function*() {
        const steps = Math.max(0, Math.floor(numberArg(args, "steps", 3)))
        const delay = Math.max(0, numberArg(args, "delayMillis", 0))
        for (let step = 1; step <= steps; step++) {
          if (delay > 0) yield* Effect.sleep(Duration.millis(delay))
          yield* context.progress(step, steps, `step ${step} of ${steps}`)
        }
        return { content: [text(`done after ${steps} steps`)] }
      })
  },
  {
    name: "fail",
    description: "Always fails (a result with isError: true)",
    inputSchema: { type: "object" },
    handler: () => Effect.succeed({ content: [text("failure requested")], isError: true })
  },
  {
    name: "elicit",
    description: "Asks the client for input (elicitation/create) and returns its answer",
    inputSchema: { type: "object", properties: { message: { type: "string" } } },
    handler: (args, context) =>
      Effect.map(
        context.request("elicitation/create", {
          message: typeof args.message === "string" ? args.message : "Your name?",
          requestedSchema: { type: "object", properties: { name: { type: "string" } }, required: ["name"] }
        }),
        (result) => ({ content: [text(JSON.stringify(result))], structuredContent: result })
      )
  }
]

export const resources: ReadonlyArray<Resource> = [
  { uri: "test://hello", name: "hello", mimeType: "text/plain", text: "Hello, world!" }
]

export const resourceTemplates: ReadonlyArray<ResourceTemplate> = [
  {
    uriTemplate: "test://greeting/{name}",
    name: "greeting",
    mimeType: "text/plain",
    read: (variables) => `Hello, ${variables.name}!`,
    completions: { name: ["Alice", "Bob", "Carol"] }
  }
]

export const prompts: ReadonlyArray<Prompt> = [
  {
    name: "greet",
    description: "Greets someone",
    arguments: [{ name: "name", required: true, completions: ["Alice", "Bob", "Carol"] }],
    messages: (args) => [{ role: "user", content: text(`Please greet ${args.name}.`) }]
  }
]

import * as AiError from "@effect/ai/AiError"
import * as LanguageModel from "@effect/ai/LanguageModel"
import type * as Prompt from "@effect/ai/Prompt"
import type * as Response from "@effect/ai/Response"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"

/** One answer of the model, given what the provider would be sent. */
export type Turn = (options: LanguageModel.ProviderOptions) => ReadonlyArray<Response.PartEncoded>

/**
 * A LanguageModel that answers with `turns`, one per call, and records what each call sent
 * (the prompt, the tools): a provider without the network. A call past the script fails, and
 * so does streaming.
 */
export const scripted = (turns: ReadonlyArray<Turn>) => {
  const sent: Array<LanguageModel.ProviderOptions> = []
  const generateText = (options: LanguageModel.ProviderOptions) =>
    Effect.suspend(() => {
      const turn = turns[sent.length]
      sent.push(options)
      return turn === undefined
        ? Effect.fail(
          new AiError.UnknownError({ module: "test", method: "generateText", description: "past the script" })
        )
        : Effect.succeed(Array.from(turn(options)))
    })
  const layer = Layer.effect(
    LanguageModel.LanguageModel,
    LanguageModel.make({
      generateText,
      streamText: () =>
        Stream.fail(
          new AiError.UnknownError({
            module: "test",
            method: "streamText",
            description: "only generateText is scripted"
          })
        )
    })
  )
  return { layer, sent }
}

export const toolCall = (id: string, name: string, params: unknown): Response.PartEncoded => ({
  type: "tool-call",
  id,
  name,
  params
})

export const text = (value: string): Response.PartEncoded => ({ type: "text", text: value })

/** The tool results of a prompt (what the model is shown), in order. */
export const toolResults = (prompt: Prompt.Prompt) =>
  prompt.content.flatMap((message) =>
    message.role === "tool"
      ? message.content.map((part) => ({ name: part.name, isFailure: part.isFailure, result: part.result }))
      : []
  )

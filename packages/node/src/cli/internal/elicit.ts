/**
 * Answering the server's `elicitation/create` from the terminal: on a TTY the
 * user is asked, one prompt per field of the requested form (or, in URL mode,
 * whether to open the URL); without a TTY nobody can answer, so the server
 * gets a JSON-RPC error that says so (instead of -32601, which would claim the
 * CLI does not know the method).
 *
 * @internal
 */
import * as Prompt from "@effect/cli/Prompt"
import * as Terminal from "@effect/platform/Terminal"
import { McpError } from "@mcp-effect/core"
import type { McpSchema } from "@mcp-effect/core"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"

/**
 * The JSON-RPC error code of a refusal: in the implementation-defined range,
 * since JSON-RPC has no code for "nobody is there to answer".
 *
 * @internal
 */
export const refusedCode = -32000

type Value = string | number | boolean | ReadonlyArray<string>
type Field = McpSchema.PrimitiveSchemaDefinition

const text = (field: Field, key: string): string | undefined => {
  const value = field[key]
  return typeof value === "string" ? value : undefined
}
const number = (field: Field, key: string): number | undefined => {
  const value = field[key]
  return typeof value === "number" ? value : undefined
}

/** `enum` (with `enumNames`) or `oneOf`/`anyOf` of `{ const, title }`: the choices of a field. */
const choicesOf = (schema: unknown): ReadonlyArray<{ readonly title: string; readonly value: string }> => {
  if (typeof schema !== "object" || schema === null) return []
  const record: Record<string, unknown> = { ...schema }
  if (Array.isArray(record.enum)) {
    const names: ReadonlyArray<unknown> = Array.isArray(record.enumNames) ? record.enumNames : []
    return record.enum.filter((v): v is string => typeof v === "string").map((value, i) => ({
      title: typeof names[i] === "string" ? `${names[i]}` : value,
      value
    }))
  }
  const options = Array.isArray(record.oneOf) ? record.oneOf : Array.isArray(record.anyOf) ? record.anyOf : []
  return options.flatMap((option: unknown) => {
    if (typeof option !== "object" || option === null || !("const" in option)) return []
    const value = option.const
    if (typeof value !== "string") return []
    const title = "title" in option && typeof option.title === "string" ? option.title : value
    return [{ title, value }]
  })
}

const label = (name: string, field: Field, required: boolean): string => {
  const title = text(field, "title") ?? name
  const description = text(field, "description")
  return `${title}${description === undefined ? "" : ` (${description})`}${required ? "" : " [optional]"}`
}

/** A text prompt that parses and checks what is typed; an optional field may be left empty. */
const typed = (
  message: string,
  required: boolean,
  fallback: string | undefined,
  parse: (input: string) => Either<Value>
): Prompt.Prompt<Option.Option<Value>> =>
  Prompt.text({
    message,
    ...(fallback === undefined ? {} : { default: fallback }),
    validate: (input) => {
      if (input.trim() === "") return required ? Effect.fail("an answer is required") : Effect.succeed(input)
      const parsed = parse(input.trim())
      return "error" in parsed ? Effect.fail(parsed.error) : Effect.succeed(input)
    }
  }).pipe(Prompt.map((input) => {
    if (input.trim() === "") return Option.none()
    const parsed = parse(input.trim())
    return "error" in parsed ? Option.none() : Option.some(parsed.value)
  }))

type Either<A> = { readonly value: A } | { readonly error: string }

const parseNumber = (field: Field, integer: boolean) => (input: string): Either<Value> => {
  const value = Number(input)
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    return { error: integer ? "a whole number, please" : "a number, please" }
  }
  const min = number(field, "minimum")
  const max = number(field, "maximum")
  if (min !== undefined && value < min) return { error: `at least ${min}` }
  if (max !== undefined && value > max) return { error: `at most ${max}` }
  return { value }
}

const parseString = (field: Field) => (input: string): Either<Value> => {
  const min = number(field, "minLength")
  const max = number(field, "maxLength")
  if (min !== undefined && input.length < min) return { error: `at least ${min} characters` }
  if (max !== undefined && input.length > max) return { error: `at most ${max} characters` }
  const format = text(field, "format")
  if (format === "email" && !/^[^@\s]+@[^@\s]+$/.test(input)) return { error: "an email address, please" }
  if (format === "uri" && !URL.canParse(input)) return { error: "an absolute URI, please" }
  return { value: input }
}

/** The prompt for one field of the requested form. */
const fieldPrompt = (name: string, field: Field, required: boolean): Prompt.Prompt<Option.Option<Value>> => {
  const message = label(name, field, required)
  const fallback = field.default
  switch (field.type) {
    case "boolean":
      return Prompt.toggle({ message, initial: fallback === true, active: "yes", inactive: "no" }).pipe(
        Prompt.map(Option.some)
      )
    case "number":
    case "integer":
      return typed(
        message,
        required,
        typeof fallback === "number" ? String(fallback) : undefined,
        parseNumber(field, field.type === "integer")
      )
    case "array": {
      const choices = choicesOf(field.items)
      return Prompt.multiSelect({ message, choices }).pipe(Prompt.map((values) => Option.some(values)))
    }
    default: {
      const choices = choicesOf(field)
      if (choices.length > 0) {
        const skip = required ? [] : [{ title: "(no answer)", value: undefined }]
        return Prompt.select<string | undefined>({ message, choices: [...choices, ...skip] }).pipe(
          Prompt.map(Option.fromNullable)
        )
      }
      return typed(message, required, typeof fallback === "string" ? fallback : undefined, parseString(field))
    }
  }
}

const decision = (message: string, accept: string) =>
  Prompt.select<McpSchema.ElicitResult["action"]>({
    message,
    choices: [
      { title: accept, value: "accept" },
      { title: "decline", value: "decline", description: "say no to the server" },
      { title: "cancel", value: "cancel", description: "dismiss without deciding" }
    ]
  })

const ask = (params: McpSchema.ElicitRequestParams): Effect.Effect<McpSchema.ElicitResult, never, Terminal.Terminal> =>
  Effect.gen(function*() {
    if (params.mode === "url") {
      const action = yield* decision(
        `The server asks you to open ${params.url}\n  ${params.message}\n  Open it yourself, then choose`,
        "accept (I opened it)"
      )
      return { action }
    }
    const action = yield* decision(`The server asks: ${params.message}`, "answer")
    if (action !== "accept") return { action }
    const schema = params.requestedSchema
    const required = new Set(schema.required ?? [])
    const content: Record<string, Value> = {}
    for (const [name, field] of Object.entries(schema.properties)) {
      const answer = yield* fieldPrompt(name, field, required.has(name))
      if (Option.isSome(answer)) content[name] = answer.value
    }
    return { action, content }
  }).pipe(
    // Ctrl-C (or Ctrl-D) in a prompt dismisses the request: "cancel" in MCP's words.
    Effect.catchTag("QuitException", () => Effect.succeed({ action: "cancel" as const }))
  )

/**
 * The elicitation handler: prompts on `terminal` when `interactive`, one
 * request at a time (two prompts cannot share the terminal), else a refusal
 * reported with `report` so the user sees what the server wanted.
 *
 * @internal
 */
export const handler = (
  interactive: boolean,
  terminal: Terminal.Terminal,
  report: (text: string) => Effect.Effect<void>
): Effect.Effect<
  (params: McpSchema.ElicitRequestParams) => Effect.Effect<McpSchema.ElicitResult, McpError.RequestRejected>
> =>
  Effect.map(Effect.makeSemaphore(1), (lock) => (params) => {
    if (interactive) {
      return lock.withPermits(1)(Effect.provideService(ask(params), Terminal.Terminal, terminal))
    }
    const message = `mcp-effect cannot ask for input: it is not running in a terminal (stdin and stdout ` +
      `must be TTYs); the server asked: ${params.message}`
    return Effect.zipRight(
      report(`the server asked for input (elicitation) and was refused, no terminal: ${params.message}`),
      Effect.fail(new McpError.RequestRejected({ code: refusedCode, message }))
    )
  })

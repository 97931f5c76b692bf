/**
 * A response body read as text, in one pull loop: the JSON answers of the
 * Streamable HTTP exchange, and the start of a refused request's body for its
 * error message.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as McpError from "../../McpError.js"
import type * as McpHttp from "../../McpHttp.js"

/**
 * Reads a body as text while `more(textSoFar)` says so, then releases the
 * rest, and goes on with `done` on the text; a failed read goes to `onError`.
 * One pull loop, no Stream stages, and no step of its own between the last
 * read and `done`: the one-shot bodies of every request.
 *
 * @internal
 */
export const read = <A, E>(
  response: McpHttp.Response,
  more: (text: string) => boolean,
  onError: (failure: McpError.HttpFailure) => E,
  done: (text: string) => Effect.Effect<A, E>
): Effect.Effect<A, E> =>
  Effect.suspend(() => {
    let text = ""
    const loop: Effect.Effect<A, E> = Effect.matchEffect(response.read, {
      onFailure: (failure) => Effect.fail(onError(failure)),
      onSuccess: (piece) => {
        if (piece === undefined) return done(text)
        text += piece
        return more(text) ? loop : Effect.zipRight(response.discard, done(text))
      }
    })
    return loop
  })

/** Reads at most `max` characters of the body, for error messages. Never fails. @internal */
export const excerpt = (response: McpHttp.Response, max: number): Effect.Effect<string> => {
  // What arrived before a failure or the time limit is still worth showing.
  let seen = ""
  return read(
    response,
    (text) => (seen = text).length < max,
    (failure) => failure,
    Effect.succeed
  ).pipe(
    Effect.timeout("5 seconds"),
    Effect.ensuring(response.discard),
    Effect.ignore,
    Effect.map(() => seen.slice(0, max))
  )
}

/**
 * Following `nextCursor` through every page of a list.
 *
 * @internal
 */
import * as Effect from "effect/Effect"

/** Walks `nextCursor` until the server stops giving one (bounded against servers that loop). @internal */
export const all = <R extends { readonly nextCursor?: string | undefined }, A, E>(
  page: (cursor: string | undefined) => Effect.Effect<R, E>,
  items: (result: R) => ReadonlyArray<A>
): Effect.Effect<ReadonlyArray<A>, E> =>
  Effect.gen(function*() {
    const all: Array<A> = []
    const seen = new Set<string>()
    let cursor: string | undefined = undefined
    while (true) {
      const result: R = yield* page(cursor)
      all.push(...items(result))
      const next = result.nextCursor
      if (next === undefined || seen.has(next)) return all
      seen.add(next)
      cursor = next
    }
  })

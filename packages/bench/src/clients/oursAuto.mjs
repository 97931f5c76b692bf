// @mcp-effect/node as ours.mjs drives it, with `era: "auto"`: the generation probed once per
// endpoint and process (server/discover, then initialize on a session-era server). For the cold
// start figure, should "auto" become the default.
import { connectWith } from "./ours.mjs"

export const label = "@mcp-effect/node (era auto)"

export const recoversItself = true

export const connect = connectWith({ era: "auto" })

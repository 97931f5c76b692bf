#!/usr/bin/env node
// The conformance client's entry point (see conformance.mjs and scripts/conformance-client):
//   node conformanceMain.mjs [...ignored] <server URL>
// The URL is the LAST argument, as the official suite passes it. Exit 0 iff every call succeeded.
// MCP_CONFORMANCE_DEBUG=1 also prints the client's debug logs.
import { authOptions, runConformanceClient } from "./conformance.mjs"

const url = process.argv.at(-1)
if (process.argv.length < 3 || url === undefined || !/^https?:\/\//.test(url)) {
  process.stderr.write("usage: conformance-client <server URL>\n")
  process.exit(2)
}
const scenario = process.env.MCP_CONFORMANCE_SCENARIO
process.stderr.write(`[conformance-client] ${url}${scenario === undefined ? "" : ` (scenario ${scenario})`}\n`)
let context
try {
  context = process.env.MCP_CONFORMANCE_CONTEXT === undefined
    ? undefined
    : JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT)
} catch {
  process.stderr.write("[conformance-client] MCP_CONFORMANCE_CONTEXT is not JSON: ignored\n")
}
// The suite says which revision a scenario speaks: pick the era from it rather than probe (the
// suite's README asks so). Arguments it prescribes (CONTEXT.toolCalls) replace synthesised ones.
const version = process.env.MCP_CONFORMANCE_PROTOCOL_VERSION
const toolArguments = {}
for (const call of Array.isArray(context?.toolCalls) ? context.toolCalls : []) {
  if (typeof call?.name === "string") toolArguments[call.name] = call.arguments ?? {}
}
const result = await runConformanceClient(url, {
  scenario,
  auth: authOptions(context, scenario ?? ""),
  logLevel: process.env.MCP_CONFORMANCE_DEBUG === "1" ? "debug" : "warning",
  ...(version === undefined ? {} : { era: version >= "2026-07-28" ? "stateless" : "sessions" }),
  toolArguments
})
process.stderr.write(
  `[conformance-client] ${result.ok ? "ok" : "FAILED"}: ${result.tools.length - result.failures.length}/` +
    `${result.tools.length} call(s) succeeded${result.error === undefined ? "" : `; ${result.error}`}\n`
)
process.exitCode = result.ok ? 0 : 1

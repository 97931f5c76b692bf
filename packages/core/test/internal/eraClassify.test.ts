import { describe, expect, it } from "@effect/vitest"
import * as Discover from "../../src/internal/http/stateless/discover.js"
import * as JsonRpc from "../../src/JsonRpc.js"

const discover = (supportedVersions: ReadonlyArray<string>) =>
  JsonRpc.success(1, { supportedVersions, capabilities: {}, serverInfo: { name: "s", version: "1" } })
const error = (code: number, data?: unknown) => JsonRpc.failure(1, code, "x", data)

// The dual-era classification (VER L132–146, SH L650–668; protocol-eras.md §2), one row per case.
const table: ReadonlyArray<
  readonly [string, number, JsonRpc.JsonRpcResponse | undefined, Discover.Verdict["_tag"], boolean?]
> = [
  ["2xx DiscoverResult with a modern version", 200, discover(["2026-07-28", "2025-11-25"]), "Modern"],
  ["2xx DiscoverResult, session-era versions only", 200, discover(["2025-11-25"]), "Legacy", false],
  ["2xx DiscoverResult, no version we speak", 200, discover(["2030-01-01"]), "Incompatible"],
  ["2xx {result:{}} (not a DiscoverResult)", 200, JsonRpc.success(1, {}), "Legacy", false],
  ["2xx DiscoverResult without capabilities", 200, JsonRpc.success(1, { supportedVersions: ["2026-07-28"] }), "Legacy"],
  ["2xx JSON-RPC -32601", 200, error(-32601), "Legacy", false],
  ["2xx JSON-RPC -32602", 200, error(-32602), "Legacy", false],
  ["400 -32022 with a mutual version", 400, error(-32022, { supported: ["2026-07-28"] }), "Renegotiate"],
  ["400 -32022 without a mutual version", 400, error(-32022, { supported: ["2031-01-01"] }), "Incompatible"],
  ["400 -32022 without data", 400, error(-32022), "Incompatible"],
  ["400 -32020 (correct the request)", 400, error(-32020), "Modern"],
  ["400 -32021 (correct the request)", 400, error(-32021), "Modern"],
  ["400 -32000 (TS SDK v1: no valid session)", 400, error(-32000), "Legacy", true],
  ["400 -32602 (FastMCP)", 400, error(-32602), "Legacy", true],
  ["400 with no JSON-RPC body", 400, undefined, "Legacy", true],
  ["404 with no JSON-RPC body", 404, undefined, "Legacy", true],
  ["405 with no JSON-RPC body", 405, undefined, "Legacy", true],
  ["404 -32601: Streamable HTTP without the method, never HTTP+SSE", 404, error(-32601), "Legacy", false],
  ["401: authorize first", 401, undefined, "Undecided"],
  ["403 with a body", 403, error(-32000), "Undecided"],
  ["406", 406, undefined, "Undecided"],
  ["429", 429, error(-32000), "Undecided"],
  ["500", 500, undefined, "Undecided"],
  ["503 with -32022 is still a server error", 503, error(-32022, { supported: ["2026-07-28"] }), "Undecided"]
]

describe("era detection: classifying the probe's answer", () => {
  for (const [name, status, response, verdict, sseFallback] of table) {
    it(name, () => {
      const result = Discover.classify(status, response)
      expect(result._tag).toBe(verdict)
      if (sseFallback !== undefined && result._tag === "Legacy") expect(result.sseFallback).toBe(sseFallback)
    })
  }

  it("renegotiates to the version the server names", () =>
    expect(Discover.classify(400, error(-32022, { supported: ["2025-11-25", "2026-07-28"] }))).toEqual({
      _tag: "Renegotiate",
      version: "2026-07-28"
    }))
})

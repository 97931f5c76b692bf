// How the CLI takes a local server's command line out of argv before @effect/cli parses the rest,
// and how it reads --env: table-driven, no process.
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Stdio from "../src/cli/internal/stdio.js"

const names = ["inspect", "call", "ping", "login"]

describe("cli: --stdio -- <command>", () => {
  it.each([
    {
      name: "the command line takes the place of <url>, right after the subcommand",
      argv: ["call", "add", `{"a":1}`, "--stdio", "--", "node", "server.js"],
      out: ["call", "node server.js", "add", `{"a":1}`, "--stdio"],
      server: ["node", "server.js"]
    },
    {
      name: "the server's own flags stay its own, --help and --stdio included",
      argv: ["ping", "--stdio", "--json", "--", "npx", "-y", "srv", "--help", "--stdio"],
      out: ["ping", "npx -y srv --help --stdio", "--stdio", "--json"],
      server: ["npx", "-y", "srv", "--help", "--stdio"]
    },
    {
      name: "options before the subcommand (@effect/cli's) stay where they are",
      argv: ["--log-level", "debug", "inspect", "--stdio", "--", "srv"],
      out: ["--log-level", "debug", "inspect", "srv", "--stdio"],
      server: ["srv"]
    },
    {
      name: "nothing after --stdio: MCP_COMMAND's turn",
      argv: ["ping", "--stdio"],
      out: ["ping", "$MCP_COMMAND", "--stdio"],
      server: []
    },
    {
      name: "without --stdio (or with it only after --), argv is untouched",
      argv: ["call", "http://h/mcp", "echo", "--", "-1", "--stdio"],
      out: ["call", "http://h/mcp", "echo", "--", "-1", "--stdio"],
      server: undefined
    },
    {
      name: "no subcommand: untouched",
      argv: ["--stdio", "--", "srv"],
      out: ["--stdio", "--", "srv"],
      server: undefined
    }
  ])("$name", ({ argv, out, server }) => {
    const split = Stdio.split(argv, names)
    expect(split.argv).toEqual(out)
    expect(split.server).toEqual(server)
  })

  it("labels quote what a shell would need quoted (labels only: no shell runs them)", () => {
    expect(Stdio.label(["node", "/srv/my server.js", "--name=a", "it's"])).toBe(
      `node '/srv/my server.js' --name=a 'it'\\''s'`
    )
  })

  it.effect("--env: KEY=VALUE, the value may hold '=' or be empty; anything else is a usage error", () =>
    Effect.gen(function*() {
      expect(yield* Stdio.parseEnv(["A=1", "URL=http://x/?a=b", "EMPTY="])).toEqual({
        A: "1",
        URL: "http://x/?a=b",
        EMPTY: ""
      })
      for (const bad of ["NOEQUALS", "=value", "1A=x", "A B=x"]) {
        const error = yield* Effect.flip(Stdio.parseEnv([bad]))
        expect(error._tag).toBe("UsageError")
        expect(error.message).toContain(`bad --env "${bad}"`)
      }
    }))
})

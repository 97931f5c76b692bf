#!/usr/bin/env node
// A test peer for framing: a minimal MCP server over stdio written by hand (no SDK), so that each
// tool controls the exact bytes written to stdout and stderr.
//
// Tools (tools/call name → what is written):
//   echo {text}          the result, as one line, in one write
//   split {text}         the result's line in 3 writes 20 ms apart (split across chunks)
//   batched {text}       3 notifications/message + the result, all in ONE write
//   garbage {text}       a plain text line, a broken JSON line, a JSON non-message, then the result
//   big {bytes}          a result whose text is `bytes` long, on one line
//   endless {mib}        `mib` MiB of a line that never ends (no newline), then "\n" and a notification; no result
//   flood {mib}          `mib` MiB of stderr lines (and one 1 MiB stderr line), then the result
// Flags: --ignore-sigterm (SIGTERM and the end of stdin are ignored),
//        --grandchild <file> (starts a child of its own, in its process group, and writes its pid to <file>),
//        --goodbye <file> (at the end of stdin, writes a notification to stdout, then "written" to <file>,
//        or "failed: <code>" when stdout is closed, e.g. EPIPE; then exits)
/* global setInterval */
import { spawn } from "node:child_process"
import { writeFileSync } from "node:fs"

const argv = process.argv.slice(2)
if (argv.includes("--ignore-sigterm")) {
  process.on("SIGTERM", () => {})
  setInterval(() => {}, 1 << 30)
}
const grandchildAt = argv.indexOf("--grandchild")
if (grandchildAt !== -1) {
  const child = spawn(process.execPath, ["-e", "process.on('SIGTERM', () => {}); setInterval(() => {}, 1 << 30)"], {
    stdio: "ignore"
  })
  writeFileSync(argv[grandchildAt + 1], String(child.pid))
}

const write = (text) => new Promise((resolve) => process.stdout.write(text, resolve))
const line = (message) => JSON.stringify(message) + "\n"
const result = (id, text) => line({ jsonrpc: "2.0", id, result: { content: [{ type: "text", text }] } })
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

const tools = {
  echo: async (id, { text }) => write(result(id, text)),
  split: async (id, { text }) => {
    const whole = result(id, text)
    const third = Math.ceil(whole.length / 3)
    for (let i = 0; i < 3; i++) {
      await write(whole.slice(i * third, (i + 1) * third))
      await sleep(20)
    }
  },
  batched: async (id, { text }) => {
    const note = (n) =>
      line({ jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: `note ${n}` } })
    await write(note(1) + note(2) + note(3) + result(id, text))
  },
  garbage: async (id, { text }) => {
    await write("Server listening (a stray console.log)\n{\"jsonrpc\": \"2.0\", broken\n[1, 2, 3]\n" + result(id, text))
  },
  big: async (id, { bytes }) => write(result(id, "x".repeat(bytes))),
  endless: async (_id, { mib }) => {
    const chunk = "y".repeat(1 << 16)
    for (let i = 0; i < mib * 16; i++) await write(chunk)
    await write(
      "\n" + line({ jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: "line ended" } })
    )
  },
  flood: async (id, { mib }) => {
    const text = "stderr flood line ".repeat(50) + "\n"
    let written = 0
    while (written < mib * 1024 * 1024) {
      await new Promise((resolve) => process.stderr.write(text.repeat(64), resolve))
      written += text.length * 64
    }
    await new Promise((resolve) => process.stderr.write("z".repeat(1 << 20) + "\nlast stderr line\n", resolve))
    await write(result(id, "flooded"))
  }
}

let buffered = ""
process.stdin.setEncoding("utf8")
process.stdin.on("data", async (data) => {
  buffered += data
  let at
  while ((at = buffered.indexOf("\n")) !== -1) {
    const text = buffered.slice(0, at)
    buffered = buffered.slice(at + 1)
    if (text.trim() === "") continue
    const message = JSON.parse(text)
    if (message.method === "initialize") {
      await write(line({
        jsonrpc: "2.0",
        id: message.id,
        result: {
          protocolVersion: message.params.protocolVersion,
          capabilities: { tools: {}, logging: {} },
          serverInfo: { name: "raw-stdio-server", version: "1.0.0" }
        }
      }))
    } else if (message.method === "tools/call") {
      const tool = tools[message.params.name]
      await tool(message.id, message.params.arguments ?? {})
    } else if (message.method === "ping") {
      await write(line({ jsonrpc: "2.0", id: message.id, result: {} }))
    }
  }
})
const goodbyeAt = argv.indexOf("--goodbye")
if (goodbyeAt !== -1) {
  process.stdin.on("end", () => {
    process.stdout.on("error", () => {}) // reported in the file below, not a crash
    const goodbye = line({ jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: "bye" } })
    process.stdout.write(goodbye, (error) => {
      writeFileSync(argv[goodbyeAt + 1], error ? `failed: ${error.code}` : "written")
      process.exit(0)
    })
  })
} else if (!argv.includes("--ignore-sigterm")) process.stdin.on("end", () => process.exit(0))

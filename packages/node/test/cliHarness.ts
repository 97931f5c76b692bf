/**
 * Running the `mcp-effect` CLI as users do, for the CLI tests: the built
 * CLI through its bin launcher (packages/node/bin/mcp-effect.js), as a child
 * process with pipes, or on a pseudo-terminal.
 *
 * The build is reused when it is newer than every source it comes from;
 * otherwise the first test file to need it builds it (support/build.ts).
 *
 * The pseudo-terminal is Python's `pty` module (python3 is on every machine
 * this project runs on): no native addon to compile, as `node-pty` would need
 * (node-gyp, Node's headers), and no prebuilt binary to trust.
 */
import { spawn } from "node:child_process"
import { join } from "node:path"
import * as Build from "./support/build.js"

/** The repository. */
export const root = Build.root
/** What `mcp-effect` runs: the committed launcher, which imports dist/esm/cli/main.js. */
export const bin = join(root, "packages/node/bin/mcp-effect.js")

/** Builds core and node unless their dist/ is up to date (see support/build.ts). */
export const ensureBuilt = (): Promise<void> => Build.ensureBuilt(["packages/node/dist/esm/cli/main.js"])

/** An environment without the variables the CLI reads, so the machine's own settings cannot leak in. */
export const cleanEnv = (extra: Readonly<Record<string, string>> = {}): Record<string, string> => {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith("MCP_") && key !== "COLUMNS" && key !== "NO_COLOR") env[key] = value
  }
  return { ...env, NO_COLOR: "1", ...extra }
}

export interface Result {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

export interface Running {
  /** Resolves once the output contains `text` (ANSI escapes removed). */
  readonly waitFor: (text: string) => Promise<void>
  /** Types into the process (only meaningful on a pseudo-terminal). */
  readonly write: (text: string) => void
  readonly done: Promise<Result>
  /** What the process has written on stdout so far. */
  readonly stdout: () => string
  /** Sends a signal to the process (e.g. SIGINT, as Ctrl-C does). */
  readonly signal: (signal: NodeJS.Signals) => void
}

const sgr = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]`, "g")

/** `text` without terminal escapes (colours, cursor moves, erases). */
export const plain = (text: string): string => text.replace(sgr, "")

const watch = (
  child: ReturnType<typeof spawn>,
  timeoutMillis: number
): Running => {
  let stdout = ""
  let stderr = ""
  const waiters: Array<{ text: string; resolve: () => void }> = []
  const check = () => {
    for (const w of waiters.filter((w) => plain(stdout).includes(w.text))) w.resolve()
  }
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk
    check()
  })
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMillis)
  const done = new Promise<Result>((resolve) =>
    child.on("close", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  )
  return {
    done,
    stdout: () => stdout,
    signal: (signal) => void child.kill(signal),
    write: (text) => void child.stdin?.write(text),
    waitFor: (text) =>
      plain(stdout).includes(text) ? Promise.resolve() : Promise.race([
        new Promise<void>((resolve) => waiters.push({ text, resolve })),
        done.then((r) => {
          throw new Error(`the CLI exited (${r.code}) before printing "${text}":\n${r.stdout}\n${r.stderr}`)
        })
      ])
  }
}

/** The CLI with pipes (no TTY): stdout and stderr apart. */
export const start = (
  args: ReadonlyArray<string>,
  options: { readonly env?: Readonly<Record<string, string>>; readonly timeoutMillis?: number } = {}
): Running =>
  watch(
    spawn(process.execPath, [bin, ...args], {
      cwd: root,
      env: cleanEnv(options.env),
      stdio: ["ignore", "pipe", "pipe"]
    }),
    options.timeoutMillis ?? 30_000
  )

/** Runs the CLI with pipes to the end. */
export const run = (...args: ReadonlyArray<string>): Promise<Result> => start(args).done

/**
 * A child on a pseudo-terminal of `columns` x `rows`: stdin, stdout and stderr
 * are the terminal (so stdout carries both). The size is set before the child
 * starts, so it reads it at once.
 */
const ptyScript = String.raw`
import fcntl, os, pty, select, struct, subprocess, sys, termios
columns, rows = int(sys.argv[1]), int(sys.argv[2])
master, slave = pty.openpty()
fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
child = subprocess.Popen(sys.argv[3:], stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
os.close(slave)
reading = True
while True:
    ready, _, _ = select.select([master] + ([0] if reading else []), [], [])
    if master in ready:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child and every holder of the terminal are gone
            data = b""
        if not data:
            break
        os.write(1, data)
    if 0 in ready:
        data = os.read(0, 65536)
        if data:
            os.write(master, data)
        else:
            reading = False
code = child.wait()
sys.exit(code if code >= 0 else 128 - code)
`

const terminalEnv = () => {
  const { NO_COLOR: _, ...env } = cleanEnv({ TERM: "xterm-256color" })
  return env
}

/** The CLI on a pseudo-terminal, as a person runs it. */
export const startOnTerminal = (
  args: ReadonlyArray<string>,
  options: { readonly columns?: number; readonly rows?: number; readonly timeoutMillis?: number } = {}
): Running =>
  watch(
    spawn(
      "python3",
      ["-c", ptyScript, String(options.columns ?? 80), String(options.rows ?? 24), process.execPath, bin, ...args],
      // Colours on, as in a terminal: the tests read the text with `plain`.
      { cwd: root, env: terminalEnv(), stdio: ["pipe", "pipe", "pipe"] }
    ),
    options.timeoutMillis ?? 30_000
  )

/**
 * Running the `mcp-effect` CLI as users do, for the CLI tests: the built
 * CLI through its bin launcher (packages/node/bin/mcp-effect.js), as a child
 * process with pipes, or on a pseudo-terminal.
 *
 * The build is reused when it is newer than every source it comes from (as
 * after `npm test`'s build stage); otherwise the first test file to need it
 * builds core and node, holding a lock directory so that test files running
 * in parallel do not build at the same time.
 *
 * The pseudo-terminal is Python's `pty` module (python3 is on every machine
 * this project runs on): no native addon to compile, as `node-pty` would need
 * (node-gyp, Node's headers), and no prebuilt binary to trust.
 */
import { spawn } from "node:child_process"
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from "node:fs"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

/** The repository. */
export const root = resolve(fileURLToPath(new URL("../../..", import.meta.url)))
/** What `mcp-effect` runs: the committed launcher, which imports dist/esm/cli/main.js. */
export const bin = join(root, "packages/node/bin/mcp-effect.js")
const built = join(root, "packages/node/dist/esm/cli/main.js")

// The newest modification time of the files a package's build reads.
const newestInput = (dir: string): number => {
  let newest = 0
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name)
      if (entry.isDirectory()) walk(full)
      else newest = Math.max(newest, statSync(full).mtimeMs)
    }
  }
  walk(join(dir, "src"))
  for (const file of ["package.json", "tsconfig.build.json"]) {
    if (existsSync(join(dir, file))) newest = Math.max(newest, statSync(join(dir, file)).mtimeMs)
  }
  return newest
}

// build-package.mjs writes dist/cjs/package.json last: its time is the end of the build.
const isStale = (pkg: string): boolean => {
  const dir = join(root, "packages", pkg)
  const marker = join(dir, "dist/cjs/package.json")
  return !existsSync(marker) || statSync(marker).mtimeMs < newestInput(dir)
}

const isFresh = () => !isStale("core") && !isStale("node") && existsSync(built)

const lock = join(root, "packages/node/build-cli-test.lock")

const sleep = (millis: number) => new Promise<void>((resolve) => setTimeout(resolve, millis))

/**
 * Builds core and node unless their dist/ is up to date; one test file at a
 * time. Asynchronous: a test worker blocked for minutes loses its link to
 * vitest ("Timeout calling onTaskUpdate").
 */
export const ensureBuilt = async (): Promise<void> => {
  if (isFresh()) return
  const deadline = Date.now() + 300_000
  for (;;) {
    try {
      mkdirSync(lock)
      break
    } catch {
      // Another test file is building; a lock older than the deadline was left by a killed run.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 300_000) rmdirSync(lock)
      if (Date.now() > deadline) throw new Error(`cli tests: ${lock} held for 5 minutes`)
      await sleep(500)
    }
  }
  try {
    if (isFresh()) return
    process.stderr.write("cli tests: dist is older than the sources: building @mcp-effect/node (and core if stale)\n")
    // Core too only when it is stale itself (a build of both takes minutes on a busy machine).
    const filter = isStale("core") ? "@mcp-effect/node..." : "@mcp-effect/node"
    const output = await new Promise<{ code: number | null; text: string }>((resolve) => {
      const child = spawn("sh", [join(root, "scripts/pnpm.sh"), "-r", "--filter", filter, "build"], {
        cwd: root,
        stdio: ["ignore", "pipe", "pipe"]
      })
      let text = ""
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => (text += chunk))
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => (text += chunk))
      const timer = setTimeout(() => child.kill("SIGKILL"), 280_000)
      child.on("close", (code) => {
        clearTimeout(timer)
        resolve({ code, text })
      })
    })
    if (output.code !== 0) {
      throw new Error(`cli tests: building @mcp-effect/node failed (exit ${output.code}):\n${output.text}`)
    }
    if (!existsSync(built)) throw new Error(`cli tests: the build did not produce ${built}`)
  } finally {
    rmdirSync(lock)
  }
}

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

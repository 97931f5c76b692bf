/**
 * The built packages the process-level tests run (the CLI, the demo), as users
 * run them. The build is reused when it is newer than every source it comes
 * from (as after `npm test`'s build stage); otherwise the first test file to
 * need it builds node (and core when core is stale too), holding a lock
 * directory so that test files running in parallel do not build at the same
 * time.
 */
import { type ChildProcessByStdio, spawn } from "node:child_process"
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from "node:fs"
import { join, resolve } from "node:path"
import type { Readable } from "node:stream"
import { fileURLToPath } from "node:url"

/** The repository. */
export const root = resolve(fileURLToPath(new URL("../../../..", import.meta.url)))

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

/** What a child process printed, once it has ended (killed with SIGKILL after `killAfterMillis`). */
export const finished = (
  child: ChildProcessByStdio<null, Readable, Readable>,
  killAfterMillis: number
): Promise<{ readonly code: number | null; readonly stdout: string; readonly stderr: string }> =>
  new Promise((resolve) => {
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => child.kill("SIGKILL"), killAfterMillis)
    child.on("close", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })

const lock = join(root, "packages/node/build-cli-test.lock")

const sleep = (millis: number) => new Promise<void>((resolve) => setTimeout(resolve, millis))

/**
 * Builds core and node unless their dist/ is up to date and holds `outputs`
 * (paths from the repository root); one test file at a time. Asynchronous: a
 * test worker blocked for minutes loses its link to vitest ("Timeout calling
 * onTaskUpdate").
 */
export const ensureBuilt = async (outputs: ReadonlyArray<string>): Promise<void> => {
  const isFresh = () => !isStale("core") && !isStale("node") && outputs.every((path) => existsSync(join(root, path)))
  if (isFresh()) return
  const deadline = Date.now() + 300_000
  for (;;) {
    try {
      mkdirSync(lock)
      break
    } catch {
      // Another test file is building; a lock older than the deadline was left by a killed run.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 300_000) rmdirSync(lock)
      if (Date.now() > deadline) throw new Error(`tests: ${lock} held for 5 minutes`)
      await sleep(500)
    }
  }
  try {
    if (isFresh()) return
    process.stderr.write("tests: dist is older than the sources: building @mcp-effect/node (and core if stale)\n")
    // Core too only when it is stale itself (a build of both takes minutes on a busy machine).
    const filter = isStale("core") ? "@mcp-effect/node..." : "@mcp-effect/node"
    const output = await finished(
      spawn("sh", [join(root, "scripts/pnpm.sh"), "-r", "--filter", filter, "build"], {
        cwd: root,
        stdio: ["ignore", "pipe", "pipe"]
      }),
      280_000
    )
    if (output.code !== 0) {
      throw new Error(
        `tests: building @mcp-effect/node failed (exit ${output.code}):\n${output.stdout}${output.stderr}`
      )
    }
    const missing = outputs.filter((path) => !existsSync(join(root, path)))
    if (missing.length > 0) throw new Error(`tests: the build did not produce ${missing.join(", ")}`)
  } finally {
    rmdirSync(lock)
  }
}

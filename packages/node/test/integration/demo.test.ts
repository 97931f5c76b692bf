/**
 * `npm start`'s demo, run as users run it (the built dist/esm/demo/main.js, as
 * a process): its server is a child process really killed with SIGKILL and
 * started again, and the workload must get through with no failed call and no
 * server process left behind.
 *
 * The build is reused when it is newer than every source it comes from;
 * otherwise beforeAll builds it (support/build.ts, shared with the CLI tests).
 */
import { spawn } from "node:child_process"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { ensureBuilt, root } from "../support/build.js"

const demo = join(root, "packages/node/dist/esm/demo/main.js")
const serverEntry = join(root, "packages/node/dist/esm/demo/serverMain.js")

// Asynchronous: a synchronous build would block the worker, whose messages to vitest then time out.
beforeAll(
  () => ensureBuilt(["packages/node/dist/esm/demo/main.js", "packages/node/dist/esm/demo/serverMain.js"]),
  320_000
)

interface Result {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
}

/** Runs the demo; `interruptAfter`: sends SIGINT once stdout contains that text. */
const runDemo = (interruptAfter?: string): Promise<Result> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [demo, "--plain"], {
      cwd: root,
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "inherit"]
    })
    let stdout = ""
    let interrupted = false
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk
      if (interruptAfter !== undefined && !interrupted && stdout.includes(interruptAfter)) {
        interrupted = true
        child.kill("SIGINT")
      }
    })
    const timer = setTimeout(() => child.kill("SIGKILL"), 110_000)
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout })
    })
  })

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  // An exited process not yet reaped (a zombie: after the demo exits, its children belong to
  // whatever reaps orphans here) is not running.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"))
  } catch {
    return false
  }
}

/** Waits (a bounded poll) until `pid` has stopped running: it exits when its stdin closes. */
const stopped = async (pid: number, within = 10_000): Promise<boolean> => {
  const until = Date.now() + within
  while (isAlive(pid) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50))
  return !isAlive(pid)
}

/** The pids of live processes running this build's server entry (Linux: /proc). */
const serverProcesses = (): Array<number> =>
  existsSync("/proc") ?
    readdirSync("/proc").filter((name) => /^\d+$/.test(name)).filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(serverEntry)
      } catch {
        return false // gone meanwhile
      }
    }).map(Number) :
    []

const pidsIn = (stdout: string, pattern: RegExp): Array<number> =>
  [...stdout.matchAll(pattern)].map((match) => Number(match[1]))

describe("the npm start demo", () => {
  it("kills its server process three times and no call fails", async () => {
    const { code, stdout } = await runDemo()
    expect(stdout).toContain("OK:")
    expect(code).toBe(0)

    const calls = /calls\s+(\d+) \((\d+) ok, (\d+) failed\)/.exec(stdout)
    expect(calls?.slice(1).map(Number)).toEqual([Number(calls?.[1]), Number(calls?.[1]), 0])
    expect(Number(calls?.[1])).toBeGreaterThan(50)

    const killed = pidsIn(stdout, /server process (\d+) killed \(SIGKILL\)/g)
    const started = pidsIn(stdout, /server process (\d+) started on the same port/g)
    const first = pidsIn(stdout, /server process \(pid (\d+)\)/g)
    expect(killed).toHaveLength(3)
    expect(started).toHaveLength(3)
    // Each kill hits the process that was serving: the first, then each one started after a kill.
    expect(killed).toEqual([...first, ...started.slice(0, 2)])
    expect(new Set([...first, ...started]).size).toBe(4)
    for (const pid of [...first, ...started]) expect(await stopped(pid)).toBe(true)

    const restarts = /restarts\s+(\d+) \(processes ([\d, ]+) killed with SIGKILL.*; (\d+) calls? waited through one/
      .exec(
        stdout
      )
    expect(restarts?.[1]).toBe("3")
    expect(restarts?.[2]?.split(", ").map(Number)).toEqual(killed)
    expect(Number(restarts?.[3])).toBeGreaterThan(0)
    expect(serverProcesses()).toEqual([])
  }, 120_000)

  it("leaves no server process behind when interrupted (Ctrl-C)", async () => {
    const { stdout } = await runDemo("started on the same port")
    // Interrupted mid-run: no summary, and the scope closed stops both the running and the waiting process.
    expect(stdout).toContain("started on the same port")
    expect(stdout).not.toContain("Summary")
    const pids = pidsIn(stdout, /server process (?:\(pid )?(\d+)/g)
    expect(pids.length).toBeGreaterThanOrEqual(2)
    for (const pid of pids) expect(await stopped(pid)).toBe(true)
    expect(serverProcesses()).toEqual([])
  }, 120_000)
})

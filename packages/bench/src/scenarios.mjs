// What a worker process measures. Each scenario gets a connected-client factory and the server it
// talks to, warms up, measures, checks every answer (a wrong answer fails the run), and returns
// plain numbers.
import { performance } from "node:perf_hooks"
import { setTimeout as sleep } from "node:timers/promises"
import { withRecovery } from "./clients/recovery.mjs"
import { median, quantileSorted, sortNumbers } from "./stats.mjs"

const ECHO = { text: "hello, benchmark" }

const checkEcho = (result) => {
  const text = result?.content?.[0]?.text
  if (text !== ECHO.text) throw new Error(`echo answered ${JSON.stringify(result)}`)
}

const echo = async (connection) => checkEcho(await connection.call("echo", ECHO))

const cpuMicros = (start) => {
  const used = process.cpuUsage(start)
  return used.user + used.system
}

/** Sequential echo calls for `ms`, returning each call's latency in ms. */
const sequential = async (connection, ms) => {
  const latencies = []
  const start = performance.now()
  while (performance.now() - start < ms) {
    const t = performance.now()
    await echo(connection)
    latencies.push(performance.now() - t)
  }
  return { latencies, elapsed: performance.now() - start }
}

/** `inflight` loops of echo calls for `ms`; returns how many completed. */
const concurrent = async (connection, inflight, ms) => {
  let count = 0
  const start = performance.now()
  const loop = async () => {
    while (performance.now() - start < ms) {
      await echo(connection)
      count++
    }
  }
  await Promise.all(Array.from({ length: inflight }, loop))
  return { count, elapsed: performance.now() - start }
}

export async function throughput({ client, url, params }) {
  const connection = await client.connect(url)
  // Warm-up: both shapes of load, so the measured phases start with hot code on both sides.
  await sequential(connection, params.warmupMs / 2)
  await concurrent(connection, params.inflight, params.warmupMs / 2)

  const cpuSeq = process.cpuUsage()
  const seq = await sequential(connection, params.seqMs)
  const seqCpu = cpuMicros(cpuSeq)
  const sorted = sortNumbers(seq.latencies)

  const cpuConc = process.cpuUsage()
  const conc = await concurrent(connection, params.inflight, params.concMs)
  const concCpu = cpuMicros(cpuConc)
  await connection.close()
  return {
    seqCalls: seq.latencies.length,
    seqRps: seq.latencies.length / (seq.elapsed / 1000),
    p50Ms: quantileSorted(sorted, 0.5),
    p99Ms: quantileSorted(sorted, 0.99),
    cpuUsPerCall: seqCpu / seq.latencies.length,
    concCalls: conc.count,
    concRps: conc.count / (conc.elapsed / 1000),
    concCpuUsPerCall: concCpu / conc.count
  }
}

/** One `progress` call that makes the server send `count` progress notifications on the call's SSE stream. */
const progressCall = async (connection, count) => {
  let received = 0
  let last = 0
  const start = performance.now()
  const result = await connection.call("progress", { count }, (progress) => {
    received++
    last = progress.progress
  })
  const ms = performance.now() - start
  const text = result?.content?.[0]?.text
  if (received !== count || last !== count || text !== `done ${count}`) {
    throw new Error(`progress ${count}: received ${received} (last ${last}), result ${JSON.stringify(result)}`)
  }
  return ms
}

export async function events({ client, url, params }) {
  const connection = await client.connect(url)
  for (let i = 0; i < params.warmupCalls; i++) await progressCall(connection, params.warmupCount)
  const times = []
  for (let i = 0; i < params.inner; i++) times.push(await progressCall(connection, params.count))
  await connection.close()
  return { count: params.count, ms: median(times), runs: times }
}

const heapAfterGc = async () => {
  for (let i = 0; i < 4; i++) {
    globalThis.gc()
    await sleep(20)
  }
  return process.memoryUsage().heapUsed
}

export async function heap({ client, url, params, server }) {
  if (typeof globalThis.gc !== "function") throw new Error("the heap scenario needs node --expose-gc")
  const connections = []
  const open = async (n) => {
    // recipe "shared": the client's many-clients constructor where it has one (ours: McpClient.make on
    // one NodeMcpHttp); otherwise each client is built the way its README builds one.
    for (let i = 0; i < n; i++) connections.push(await client.connect(url, { shared: params.recipe === "shared" }))
  }
  // Every session sends at least initialize, initialized and its GET: wait until the server saw them
  // all, so every GET stream is open when the heap is measured.
  const settle = async (before, n) => {
    const deadline = performance.now() + 10_000
    let stats = await server("stats")
    while (stats.requests - before.requests < 3 * n && performance.now() < deadline) {
      await sleep(50)
      stats = await server("stats")
    }
    await sleep(200)
    return stats.requests - before.requests
  }
  let stats = await server("stats")
  await open(params.base)
  await settle(stats, params.base)
  const before = await heapAfterGc()
  stats = await server("stats")
  await open(params.sessions)
  const requests = await settle(stats, params.sessions)
  const after = await heapAfterGc()
  const sessions = (await server("stats")).sessions.length
  if (sessions < params.base + params.sessions) {
    throw new Error(`expected ${params.base + params.sessions} open sessions, the server has ${sessions}`)
  }
  // Close in small batches: the server ends each GET stream as its session is deleted.
  for (let i = 0; i < connections.length; i += 25) {
    await Promise.all(connections.slice(i, i + 25).map((c) => c.close()))
  }
  return {
    sessions: params.sessions,
    bytesPerSession: (after - before) / params.sessions,
    requestsPerSession: requests / params.sessions
  }
}

export async function cold({ client, url }) {
  const connection = await client.connect(url)
  await echo(connection)
  await connection.close()
  return { ms: performance.now() }
}

export async function recovery({ client, url, params, server }) {
  const connection = await withRecovery(client, url)
  for (let i = 0; i < params.warmupCalls; i++) await echo(connection)
  const plain = []
  for (let i = 0; i < params.plainCalls; i++) {
    const t = performance.now()
    await echo(connection)
    plain.push(performance.now() - t)
  }

  const initializes = async (action) => {
    const before = (await server("stats")).initializeCount
    const value = await action()
    return { value, initializes: (await server("stats")).initializeCount - before }
  }

  const recoveries = []
  for (let i = 0; i < params.recoveries; i++) {
    const { value, initializes: count } = await initializes(async () => {
      const expired = await server("expire-all")
      if (expired.expired !== 1) throw new Error(`expected to expire 1 session, expired ${JSON.stringify(expired)}`)
      const t = performance.now()
      await echo(connection)
      return performance.now() - t
    })
    if (count !== 1) throw new Error(`a recovery made ${count} initializes`)
    recoveries.push(value)
    // A few plain calls between recoveries, as in real use.
    for (let j = 0; j < 5; j++) await echo(connection)
  }

  const bursts = []
  for (const n of params.concurrent) {
    const { value, initializes: count } = await initializes(async () => {
      await server("expire-all")
      const t = performance.now()
      await Promise.all(Array.from({ length: n }, () => echo(connection)))
      return performance.now() - t
    })
    bursts.push({ calls: n, ms: value, initializes: count })
    for (let j = 0; j < 5; j++) await echo(connection)
  }
  await connection.close()
  const plainMs = median(plain)
  const recoveryMs = median(recoveries)
  return { plainMs, recoveryMs, recoveryRatio: recoveryMs / plainMs, recoveries, bursts }
}

/** Runs `action` over `items`, `width` at a time. */
const inBatches = async (items, width, action) => {
  let next = 0
  const lane = async () => {
    while (next < items.length) {
      const i = next++
      await action(items[i], i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane))
}

/** A connection that failed to connect or was cut (a stale kept-alive socket after the restart). */
const isCut = (error) => {
  const text = `${error?.code ?? ""} ${error?.cause?.code ?? ""} ${error?.message ?? ""}`
  return /ECONNRESET|ECONNREFUSED|EPIPE|UND_ERR_SOCKET|other side closed|fetch failed|terminated/i.test(text)
}

/**
 * `clients` clients in this process, each with its session and GET stream open (counted on the
 * server), held for `holdMs`; heap after GC; then the server process is killed and started again on
 * the same port, which expires every session at once, and every client makes one call: done when
 * every call has its answer and every client has its GET stream again. The new server counts its
 * initializes: exactly one per client. Clients are built the way their READMEs build one (ours:
 * `NodeMcpClient.layer` per client); the floor and the SDK clients get the benchmark's recovery
 * wrapper, and their calls cut by the restart (a kept-alive socket of the dead server) are sent again
 * up to 3 times (counted). Ours is told that echo is harmless to repeat (`Recovery.replay`,
 * as a user would), so it re-sends such a call itself; it recovers by itself, every client at once (from its GET stream),
 * its handshakes queued on the shared NodeMcpHttp's bound (128 at once by default):
 * `params.options.ours` raises its deadlines (a call waiting for its client's re-initialize is
 * bounded by its own 60 s default, shorter than that queue of 10,000 on a loaded machine; the wait
 * in the queue itself no longer counts in connectTimeout). `pnpm bench --scale-defaults` runs it
 * on the defaults.
 */
export async function scale({ client, url, params, server }) {
  if (typeof globalThis.gc !== "function") throw new Error("the scale scenario needs node --expose-gc")
  const n = params.clients
  const width = params.concurrency
  const counts = () => server("counts")
  const waitFor = async (what, done, timeoutMs) => {
    const deadline = performance.now() + timeoutMs
    let last = await counts()
    while (!done(last)) {
      if (performance.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms: ${JSON.stringify(last)}`)
      await sleep(50)
      last = await counts()
    }
    return last
  }
  const heapBefore = await heapAfterGc()
  const connections = new Array(n)
  const openStart = performance.now()
  // The client process's own CPU time per phase: on a shared machine the wall-clock times mostly
  // measure the load, this does not (the server's side is in another process).
  const openCpu = process.cpuUsage()
  await inBatches(connections, width, async (_, i) => {
    connections[i] = await withRecovery(client, url, params.options)
  })
  await waitFor("open every GET stream", (c) => c.getStreams >= n, params.timeoutMs)
  const openMs = performance.now() - openStart
  const openCpuUs = cpuMicros(openCpu)

  await sleep(params.holdMs)
  const held = await counts()
  if (held.getStreams < n) throw new Error(`after ${params.holdMs} ms, ${held.getStreams} of ${n} GET streams open`)
  const heapAfter = await heapAfterGc()
  const rss = process.memoryUsage().rss

  await server("restart")
  const recoverStart = performance.now()
  const recoverCpu = process.cpuUsage()
  let resent = 0
  await inBatches(connections, width, async (connection) => {
    for (let attempt = 0;; attempt++) {
      try {
        return checkEcho(await connection.call("echo", ECHO))
      } catch (error) {
        if (client.recoversItself || attempt >= 3 || !isCut(error)) throw error
        resent++
      }
    }
  })
  const recovered = await waitFor("every client's GET stream again", (c) => c.getStreams >= n, params.timeoutMs)
  const recoverMs = performance.now() - recoverStart
  const recoverCpuUs = cpuMicros(recoverCpu)
  // Anything late (a second initialize from some client) has had time to arrive.
  await sleep(500)
  // Fewer than one initialize per client cannot be (every call was answered on a new session); more
  // is a figure of its own (the target: exactly one each), reported rather than thrown.
  const after = await counts()
  if (after.initializeCount < n) {
    throw new Error(`${n} clients recovered with ${after.initializeCount} initializes on the new server`)
  }
  return {
    clients: n,
    openMs,
    recoverMs,
    openCpuUsPerClient: openCpuUs / n,
    recoverCpuUsPerClient: recoverCpuUs / n,
    heapMiB: heapAfter / 2 ** 20,
    heapClientsMiB: (heapAfter - heapBefore) / 2 ** 20,
    bytesPerClient: (heapAfter - heapBefore) / n,
    rssMiB: rss / 2 ** 20,
    initializes: after.initializeCount,
    // Every request the restarted server saw (it counts from zero), per client: what a recovery
    // costs on the wire, independent of the machine's load (the floor: initialize, initialized,
    // GET, the call; the SDK clients add their old GET stream's reconnects and the old session's
    // DELETE, both met by 404s).
    requestsPerClient: after.requests / n,
    getStreams: recovered.getStreams,
    resent
  }
}

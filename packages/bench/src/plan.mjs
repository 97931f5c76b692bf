// What runs: the units (one scenario against one kind of server, each in a fresh client process
// per client and repeat) for the full run and for --smoke, and the figures read from their results.

// Warm-ups are long on purpose: V8 keeps optimizing the Effect-based client for ~3,000 calls
// (about 3 s here), and compiler threads count in the process' CPU time.
export const fullUnits = [
  {
    id: "throughput-sse",
    scenario: "throughput",
    server: "sse",
    params: { warmupMs: 4_000, seqMs: 3_000, concMs: 3_000, inflight: 32 }
  },
  {
    id: "throughput-json",
    scenario: "throughput",
    server: "json",
    params: { warmupMs: 4_000, seqMs: 3_000, concMs: 3_000, inflight: 32 }
  },
  {
    id: "events-sse",
    scenario: "events",
    server: "sse",
    params: { count: 10_000, warmupCount: 2_000, warmupCalls: 5, inner: 3 }
  },
  {
    id: "events-prerendered",
    scenario: "events",
    server: "prerendered",
    serverOptions: { count: 10_000 },
    params: { count: 10_000, warmupCount: 10_000, warmupCalls: 10, inner: 5 }
  },
  // Heap per session: every client built the way its README builds one (ours: `NodeMcpClient.layer`
  // per client); then ours with the docs' "client per user" recipe (`McpClient.make` per client on
  // one shared `NodeMcpHttp`), beside the floor of the same run.
  { id: "heap", scenario: "heap", server: "sse", nodeArgs: ["--expose-gc"], params: { base: 10, sessions: 200 } },
  {
    id: "heap-recipe",
    scenario: "heap",
    server: "sse",
    clients: ["floor", "ours"],
    nodeArgs: ["--expose-gc"],
    params: { base: 10, sessions: 200, recipe: "shared" }
  },
  {
    id: "recovery",
    scenario: "recovery",
    server: "sse",
    params: { warmupCalls: 3_000, plainCalls: 200, recoveries: 10, concurrent: [1, 32, 1000] }
  },
  // 10,000 clients in one process, each with its session and GET stream, against the pre-rendered
  // server holding every stream; then a server restart that expires every session.
  {
    id: "scale",
    scenario: "scale",
    server: "prerendered",
    serverOptions: { getStreams: true },
    nodeArgs: ["--expose-gc"],
    params: {
      clients: 10_000,
      concurrency: 100,
      holdMs: 10_000,
      timeoutMs: 600_000,
      // echo is harmless to repeat: ours is told so (Recovery.replay), the others' wrapper re-sends it.
      options: { ours: { replayTools: ["echo"], requestTimeout: "10 minutes", connectTimeout: "10 minutes" } }
    },
    // A process of the v1 SDK client took 927 s at 10,000 clients under load 10-15 (v2 800 s):
    // 40 minutes leaves room for a busier machine.
    workerTimeoutMs: 2_400_000
  },
  // Cold start: one process per repeat, timed by the parent from spawn to exit, against a warm server.
  { id: "cold", scenario: "cold", server: "sse", minRepeats: 5 }
]

/** --smoke: every scenario, tiny, one process per client on shared servers: seconds, not minutes. */
export const smokeUnits = [
  {
    id: "throughput-sse",
    scenario: "throughput",
    server: "sse",
    params: { warmupMs: 60, seqMs: 100, concMs: 100, inflight: 32 }
  },
  {
    id: "throughput-json",
    scenario: "throughput",
    server: "json",
    params: { warmupMs: 60, seqMs: 100, concMs: 100, inflight: 32 }
  },
  {
    id: "events-sse",
    scenario: "events",
    server: "sse",
    params: { count: 200, warmupCount: 20, warmupCalls: 1, inner: 1 }
  },
  {
    id: "events-prerendered",
    scenario: "events",
    server: "prerendered",
    serverOptions: { count: 200 },
    params: { count: 200, warmupCount: 200, warmupCalls: 1, inner: 1 }
  },
  { id: "heap", scenario: "heap", server: "sse", nodeArgs: ["--expose-gc"], params: { base: 2, sessions: 10 } },
  {
    id: "heap-recipe",
    scenario: "heap",
    server: "sse",
    clients: ["floor", "ours"],
    nodeArgs: ["--expose-gc"],
    params: { base: 2, sessions: 10, recipe: "shared" }
  },
  {
    id: "recovery",
    scenario: "recovery",
    server: "sse",
    params: { warmupCalls: 5, plainCalls: 5, recoveries: 2, concurrent: [1, 32, 100] }
  },
  {
    id: "scale",
    scenario: "scale",
    server: "prerendered",
    serverOptions: { getStreams: true },
    nodeArgs: ["--expose-gc"],
    params: { clients: 50, concurrency: 25, holdMs: 100, timeoutMs: 20_000 }
  },
  { id: "cold", scenario: "cold", server: "sse", minRepeats: 1 }
]

const KiB = 1024

/**
 * The figures of the report. `better` says which way is good; the ratio to the floor is always
 * client / floor (a throughput ratio below 1 and a cost ratio above 1 both mean "slower"). A
 * `title` may be a function of one run's value (sizes differ between the full run and --smoke).
 */
export const figures = [
  {
    id: "seq_rps_sse",
    unit: "throughput-sse",
    title: "sequential tools/call, SSE",
    units: "req/s",
    better: "higher",
    get: (v) => v.seqRps
  },
  {
    id: "seq_rps_json",
    unit: "throughput-json",
    title: "sequential tools/call, JSON",
    units: "req/s",
    better: "higher",
    get: (v) => v.seqRps
  },
  {
    id: "p50_sse",
    unit: "throughput-sse",
    title: "sequential latency p50, SSE",
    units: "ms",
    better: "lower",
    get: (v) => v.p50Ms
  },
  {
    id: "p99_sse",
    unit: "throughput-sse",
    title: "sequential latency p99, SSE",
    units: "ms",
    better: "lower",
    get: (v) => v.p99Ms
  },
  {
    id: "p50_json",
    unit: "throughput-json",
    title: "sequential latency p50, JSON",
    units: "ms",
    better: "lower",
    get: (v) => v.p50Ms
  },
  {
    id: "p99_json",
    unit: "throughput-json",
    title: "sequential latency p99, JSON",
    units: "ms",
    better: "lower",
    get: (v) => v.p99Ms
  },
  {
    id: "conc_rps_sse",
    unit: "throughput-sse",
    title: "32 in flight, SSE",
    units: "req/s",
    better: "higher",
    get: (v) => v.concRps
  },
  {
    id: "conc_rps_json",
    unit: "throughput-json",
    title: "32 in flight, JSON",
    units: "req/s",
    better: "higher",
    get: (v) => v.concRps
  },
  {
    id: "cpu_sse",
    unit: "throughput-sse",
    title: "client CPU per call (sequential), SSE",
    units: "µs",
    better: "lower",
    get: (v) => v.cpuUsPerCall
  },
  {
    id: "cpu_json",
    unit: "throughput-json",
    title: "client CPU per call (sequential), JSON",
    units: "µs",
    better: "lower",
    get: (v) => v.cpuUsPerCall
  },
  {
    id: "cpu_conc_sse",
    unit: "throughput-sse",
    title: "client CPU per call (32 in flight), SSE",
    units: "µs",
    better: "lower",
    get: (v) => v.concCpuUsPerCall
  },
  {
    id: "events_sse",
    unit: "events-sse",
    title: (v) => `${v.count.toLocaleString("en-US")} SSE progress events in one call, SDK server`,
    units: "ms",
    better: "lower",
    get: (v) => v.ms
  },
  {
    id: "events_prerendered",
    unit: "events-prerendered",
    title: (v) => `${v.count.toLocaleString("en-US")} SSE progress events in one call, pre-rendered body`,
    units: "ms",
    better: "lower",
    get: (v) => v.ms
  },
  {
    id: "heap_session",
    unit: "heap",
    title: (v) => `heap per open session (${v.sessions} more sessions, each with its GET stream)`,
    units: "KiB",
    better: "lower",
    get: (v) => v.bytesPerSession / KiB
  },
  {
    id: "heap_session_recipe",
    unit: "heap-recipe",
    title: (v) => `heap per open session, ours made with McpClient.make on one shared NodeMcpHttp (${v.sessions} more)`,
    units: "KiB",
    better: "lower",
    get: (v) => v.bytesPerSession / KiB
  },
  ...[
    ["scale_heap", "heap after GC, all open", "MiB", (v) => v.heapMiB],
    ["scale_client", "heap per client", "KiB", (v) => v.bytesPerClient / KiB],
    ["scale_open", "time to open all", "ms", (v) => v.openMs],
    ["scale_recover", "server restart → every client called and listening again", "ms", (v) => v.recoverMs],
    ["scale_open_cpu", "client CPU per client to open", "µs", (v) => v.openCpuUsPerClient],
    ["scale_recover_cpu", "client CPU per client to recover", "µs", (v) => v.recoverCpuUsPerClient]
  ].map(([id, what, units, get]) => ({
    id,
    unit: "scale",
    title: (v) => `${v.clients?.toLocaleString("en-US")} clients, each with its GET stream: ${what}`,
    units,
    better: "lower",
    get
  })),
  {
    id: "scale_inits",
    unit: "scale",
    title: (v) => `${v.clients?.toLocaleString("en-US")} clients: initializes on the restarted server`,
    units: "count",
    better: "lower",
    noRatio: true,
    get: (v) => v.initializes
  },
  {
    id: "scale_requests",
    unit: "scale",
    title: (v) => `${v.clients?.toLocaleString("en-US")} clients: requests on the restarted server, per client`,
    units: "count",
    better: "lower",
    get: (v) => v.requestsPerClient
  },
  {
    id: "cold_start",
    unit: "cold",
    title: "cold start (spawn → connect → 1 call → exit)",
    units: "ms",
    better: "lower",
    get: (v, run) => run.wallMs
  },
  {
    id: "plain_call",
    unit: "recovery",
    title: "one plain call (recovery baseline)",
    units: "ms",
    better: "lower",
    get: (v) => v.plainMs
  },
  {
    id: "recovery",
    unit: "recovery",
    title: "call meeting a 404 → retried call done",
    units: "ms",
    better: "lower",
    get: (v) => v.recoveryMs
  },
  {
    id: "recovery_ratio",
    unit: "recovery",
    title: "recovery ÷ plain call (same process)",
    units: "×",
    better: "lower",
    get: (v) => v.recoveryRatio
  },
  ...[1, 32, 1000, 100].flatMap((n) => [
    {
      id: `burst_${n}_ms`,
      unit: "recovery",
      title: `${n} concurrent call(s) meeting one expiry: wall time`,
      units: "ms",
      better: "lower",
      get: (v) => v.bursts.find((b) => b.calls === n)?.ms
    },
    {
      id: `burst_${n}_inits`,
      unit: "recovery",
      title: `${n} concurrent call(s) meeting one expiry: initializes`,
      units: "count",
      better: "lower",
      noRatio: true,
      get: (v) => v.bursts.find((b) => b.calls === n)?.initializes
    }
  ])
]

/** The targets, for our client, judged on the medians of one run. */
export const targets = [
  {
    figure: "seq_rps_sse",
    text: "sequential req/s ≥ 0.80× floor (SSE)",
    check: (f) => f.ours.ratio >= 0.8,
    show: "ratio"
  },
  {
    figure: "conc_rps_sse",
    text: "32 in flight ≥ 0.60× floor (SSE)",
    check: (f) => f.ours.ratio >= 0.6,
    show: "ratio"
  },
  {
    figure: "cpu_sse",
    text: "client CPU ≤ 250 µs per request (SSE)",
    check: (f) => f.ours.median <= 250,
    show: "median"
  },
  {
    figure: "events_prerendered",
    text: "10,000 SSE events ≤ 2× floor (pre-rendered body)",
    check: (f) => f.ours.ratio <= 2,
    show: "ratio"
  },
  {
    figure: "events_sse",
    text: "10,000 SSE events ≤ 2× floor (SDK server)",
    check: (f) => f.ours.ratio <= 2,
    show: "ratio"
  },
  { figure: "heap_session", text: "heap per open session ≤ 16 KiB", check: (f) => f.ours.median <= 16, show: "median" },
  {
    figure: "recovery_ratio",
    text: "recovery ≤ 3.5× one plain call",
    check: (f) => f.ours.median <= 3.5,
    show: "median"
  },
  {
    figure: "burst_1000_inits",
    text: "1000 concurrent calls at one expiry → exactly 1 initialize (every repeat)",
    check: (f) => f.ours.values.length > 0 && f.ours.values.every((v) => v === 1),
    show: "values"
  }
]

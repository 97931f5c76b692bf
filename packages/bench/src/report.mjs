// From the raw runs to figures (median, min–max, ratio to the floor) and the markdown table.
import { labels } from "./clients/index.mjs"
import { figures, targets } from "./plan.mjs"
import { summarize } from "./stats.mjs"

export function aggregate(runs, meta, clients) {
  const table = []
  for (const figure of figures) {
    const perClient = runs[figure.unit]
    if (perClient === undefined) continue
    const first = Object.values(perClient).find((list) => list.length > 0)?.[0]
    const title = typeof figure.title === "function" ? figure.title(first?.value ?? {}) : figure.title
    const row = { id: figure.id, title, units: figure.units, better: figure.better, clients: {} }
    for (const client of clients) {
      const values = (perClient[client] ?? [])
        .map((run) => figure.get(run.value, run))
        .filter((v) => typeof v === "number" && Number.isFinite(v))
      if (values.length > 0) row.clients[client] = summarize(values)
    }
    if (Object.keys(row.clients).length === 0) continue
    const floor = row.clients.floor?.median
    for (const [client, summary] of Object.entries(row.clients)) {
      if (client !== "floor" && figure.noRatio !== true && floor !== undefined && floor > 0) {
        summary.ratio = summary.median / floor
      }
    }
    table.push(row)
  }
  const byId = Object.fromEntries(table.map((row) => [row.id, row.clients]))
  const verdicts = targets.map((target) => {
    const clientsOf = byId[target.figure]
    if (clientsOf?.ours === undefined) return { target: target.text, figure: target.figure, met: undefined }
    return {
      target: target.text,
      figure: target.figure,
      met: target.check(clientsOf),
      ours: clientsOf.ours,
      sdk: clientsOf.sdk,
      show: target.show
    }
  })
  return { meta, figures: table, targets: verdicts }
}

const number = (v) => {
  if (!Number.isFinite(v)) return "–"
  const abs = Math.abs(v)
  if (abs >= 1000) return Math.round(v).toLocaleString("en-US")
  if (abs >= 100) return v.toFixed(0)
  if (abs >= 10) return v.toFixed(1)
  return v.toFixed(2)
}

const cell = (summary) => {
  if (summary === undefined) return "–"
  const spread = summary.values.length > 1 ? ` (${number(summary.min)}–${number(summary.max)})` : ""
  const ratio = summary.ratio === undefined ? "" : ` **${summary.ratio.toFixed(2)}×**`
  return `${number(summary.median)}${spread}${ratio}`
}

const verdictValue = (verdict) => {
  if (verdict.ours === undefined) return "–"
  switch (verdict.show) {
    case "ratio":
      return `${verdict.ours.ratio?.toFixed(2)}× (SDK ${verdict.sdk?.ratio?.toFixed(2) ?? "–"}×)`
    case "median":
      return `${number(verdict.ours.median)} (SDK ${verdict.sdk === undefined ? "–" : number(verdict.sdk.median)})`
    default:
      return `${verdict.ours.values.join(", ")} (SDK ${verdict.sdk?.values.join(", ") ?? "–"})`
  }
}

export function renderMarkdown(report) {
  const { meta } = report
  const clients = meta.clients
  const lines = []
  lines.push(`### Results (${meta.mode}, ${meta.date})`, "")
  lines.push(
    `\`${meta.command}\` — ${meta.node}, ${meta.cpu}, ${meta.pinning}; load average before ${
      meta.loadBefore.join(" ")
    }, ` +
      `after ${
        meta.loadAfter.join(" ")
      }; commit ${meta.commit}; ${meta.repeats} process repeat(s) per figure; ${meta.seconds} s.`,
    ""
  )
  lines.push(
    "Each cell: median (min–max) over the process repeats, then **the ratio to the floor** measured in the same run " +
      "(client ÷ floor: below 1 is slower for req/s, above 1 is slower for times and costs).",
    ""
  )
  lines.push(`| figure | ${clients.map((c) => labels[c] ?? c).join(" | ")} |`)
  lines.push(`|---|${clients.map(() => "---:").join("|")}|`)
  for (const row of report.figures) {
    lines.push(`| ${row.title} (${row.units}) | ${clients.map((c) => cell(row.clients[c])).join(" | ")} |`)
  }
  // Smoke sizes are far too small for the targets to mean anything.
  const verdicts = meta.mode === "smoke" ? [] : report.targets
  if (verdicts.length > 0) lines.push("", "| target (@mcp-effect/node) | measured | met |", "|---|---|:---:|")
  for (const verdict of verdicts) {
    const met = verdict.met === undefined ? "–" : verdict.met ? "yes" : "**no**"
    lines.push(`| ${verdict.target} | ${verdictValue(verdict)} | ${met} |`)
  }
  if (report.errors?.length > 0) {
    lines.push("", "Failures:", "", ...report.errors.map((e) => `- ${e.split("\n")[0]}`))
  }
  lines.push("")
  return `${lines.join("\n")}\n`
}

// Small statistics helpers shared by the workers and the report.

/** The q-quantile (0..1) of already sorted numbers, nearest-rank. */
export const quantileSorted = (sorted, q) => {
  if (sorted.length === 0) return NaN
  const rank = Math.ceil(q * sorted.length) - 1
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]
}

export const sortNumbers = (values) => Float64Array.from(values).sort()

export const median = (values) => {
  if (values.length === 0) return NaN
  const sorted = sortNumbers(values)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** median with min–max of the process repeats of one figure. */
export const summarize = (values) => ({
  values,
  median: median(values),
  min: values.length === 0 ? NaN : Math.min(...values),
  max: values.length === 0 ? NaN : Math.max(...values)
})

/**
 * When a battery reaches `thresholdPct`, from the least-squares line through recent samples.
 * Null when there is too little data or the charge is not falling.
 */
export function batteryForecast(
  samples: ReadonlyArray<readonly [number, number]>,
  thresholdPct: number,
  minSamples: number,
): { date_ms: number; pct_per_day: number } | null {
  if (samples.length < minSamples) return null
  const n = samples.length
  const t0 = (samples[0] as readonly [number, number])[0]
  let sx = 0
  let sy = 0
  let sxx = 0
  let sxy = 0
  for (const [t, y] of samples) {
    const x = (t - t0) / 86_400_000
    sx += x
    sy += y
    sxx += x * x
    sxy += x * y
  }
  const den = n * sxx - sx * sx
  if (den === 0) return null
  const slope = (n * sxy - sx * sy) / den
  if (slope >= 0) return null
  const intercept = (sy - slope * sx) / n
  const days = (thresholdPct - intercept) / slope
  return { date_ms: t0 + days * 86_400_000, pct_per_day: slope }
}

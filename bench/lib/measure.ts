/** Figures rounded to two decimals for the JSON report. */
export function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/** The p-th percentile of an ascending array (nearest rank). */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

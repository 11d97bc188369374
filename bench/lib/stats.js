// Percentile math for latency samples (milliseconds).

/**
 * The p-th percentile (0..100) of an ascending array, nearest-rank.
 * @param {number[]} sorted
 * @param {number} p
 * @returns {number}
 */
export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/**
 * @typedef {{ n: number, mean: number, p50: number, p95: number, p99: number, max: number }} Summary
 */

/**
 * Summary statistics of latency samples.
 * @param {number[]} samples
 * @returns {Summary}
 */
export function summarize(samples) {
  const sorted = Float64Array.from(samples).sort();
  const arr = Array.from(sorted);
  const sum = arr.reduce((a, b) => a + b, 0);
  return {
    n: arr.length,
    mean: arr.length ? sum / arr.length : Number.NaN,
    p50: percentile(arr, 50),
    p95: percentile(arr, 95),
    p99: percentile(arr, 99),
    max: arr.length ? arr[arr.length - 1] : Number.NaN,
  };
}

/**
 * The median of a few numbers.
 * @param {number[]} values
 * @returns {number}
 */
export function median(values) {
  return percentile([...values].sort((a, b) => a - b), 50);
}

/**
 * Least-squares slope of y over x.
 * @param {[number, number][]} points
 * @returns {number}
 */
export function slope(points) {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? Number.NaN : num / den;
}

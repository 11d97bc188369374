/**
 * Column widths for the --list-* table on a terminal. Pure. The first column holds names (tool, resource,
 * prompt): a name is never wrapped or broken, so that column is as wide as the longest name. The other
 * columns (descriptions, parameters) share what is left and wrap inside it.
 */

/** Spaces between columns. */
export const COLUMN_GAP = 2;
/** The narrowest a wrapping column gets, even on a very narrow terminal. */
export const MIN_WRAP_WIDTH = 12;

export function listingColumnWidths(columns: readonly string[], rows: readonly (readonly string[])[], width: number): number[] {
  const natural = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? '').length)));
  const [name = 0, ...rest] = natural;
  if (rest.length === 0) return [name];
  const available = width - name - COLUMN_GAP * columns.length;
  const total = rest.reduce((a, b) => a + b, 0);
  if (total <= available) return [name, ...rest];
  // Share the space by natural width, never below the minimum; a short column keeps its natural width.
  const floor = rest.map((w) => Math.min(w, MIN_WRAP_WIDTH));
  const spare = Math.max(0, available - floor.reduce((a, b) => a + b, 0));
  const growable = rest.map((w, i) => w - (floor[i] ?? 0));
  const growTotal = growable.reduce((a, b) => a + b, 0);
  return [name, ...rest.map((_, i) => (floor[i] ?? 0) + (growTotal === 0 ? 0 : Math.floor(((growable[i] ?? 0) / growTotal) * spare)))];
}

/** An ink table for --list-* on a terminal. Presentational only; rendered to stderr by the CLI. */

import { Box, Text } from 'ink';
import type { ReactElement } from 'react';

export interface ListingTableProps {
  title: string;
  columns: string[];
  rows: string[][];
  /** Terminal width; cells wrap within their column. */
  width: number;
}

/** The first column keeps its natural width (up to 24); the others share the rest by their natural widths. */
function columnWidths(columns: string[], rows: string[][], width: number): number[] {
  const natural = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? '').length)));
  const first = Math.min(natural[0] ?? 8, 24);
  const gaps = columns.length * 2;
  const available = Math.max(10 * (columns.length - 1), width - first - gaps - 1);
  const rest = natural.slice(1);
  const total = rest.reduce((a, b) => a + b, 0);
  if (total <= available) return [first, ...rest];
  return [first, ...rest.map((w) => Math.max(10, Math.floor((w / total) * available)))];
}

export function ListingTable({ title, columns, rows, width }: ListingTableProps): ReactElement {
  const widths = columnWidths(columns, rows, width);
  return (
    <Box flexDirection="column">
      <Text bold>{title}</Text>
      <Box>
        {columns.map((c, i) => (
          <Box key={c} width={(widths[i] ?? 10) + 2}>
            <Text bold underline>
              {c}
            </Text>
          </Box>
        ))}
      </Box>
      {rows.map((row, r) => (
        <Box key={r}>
          {row.map((cell, i) => (
            <Box key={i} width={(widths[i] ?? 10) + 2} paddingRight={2}>
              <Text color={i === 0 ? 'cyan' : undefined} wrap="wrap">
                {cell === '' ? ' ' : cell}
              </Text>
            </Box>
          ))}
        </Box>
      ))}
    </Box>
  );
}

/** An ink table for --list-* on a terminal. Presentational only; rendered to stderr by the CLI. */

import { Box, Text } from 'ink';
import type { ReactElement } from 'react';

export interface ListingTableProps {
  title: string;
  columns: string[];
  rows: string[][];
  /** Terminal width; the last column wraps within what is left. */
  width: number;
}

function columnWidths(columns: string[], rows: string[][], width: number): number[] {
  const natural = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? '').length)));
  const widths = natural.map((w, i) => (i === columns.length - 1 ? w : Math.min(w, 32)));
  const fixed = widths.slice(0, -1).reduce((a, b) => a + b + 2, 0);
  widths[widths.length - 1] = Math.max(12, Math.min(widths[widths.length - 1] ?? 12, width - fixed - 1));
  return widths;
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
              <Text color={i === 0 ? 'cyan' : undefined} wrap={i === row.length - 1 ? 'wrap' : 'truncate-end'}>
                {cell === '' ? ' ' : cell}
              </Text>
            </Box>
          ))}
        </Box>
      ))}
    </Box>
  );
}

/** An ink table for --list-* on a terminal. Presentational only; rendered to stderr by the CLI. */

import { Box, Text } from 'ink';
import type { ReactElement } from 'react';
import { COLUMN_GAP, listingColumnWidths } from './listing-layout.js';

export interface ListingTableProps {
  title: string;
  columns: string[];
  rows: string[][];
  /** Terminal width; description cells wrap within their column, names never do. */
  width: number;
}

export function ListingTable({ title, columns, rows, width }: ListingTableProps): ReactElement {
  const widths = listingColumnWidths(columns, rows, width);
  return (
    <Box flexDirection="column">
      <Text bold>{title}</Text>
      <Box>
        {columns.map((c, i) => (
          <Box key={c} width={(widths[i] ?? 10) + COLUMN_GAP} flexShrink={0}>
            <Text bold underline>
              {c}
            </Text>
          </Box>
        ))}
      </Box>
      {rows.map((row, r) => (
        <Box key={r}>
          {row.map((cell, i) => (
            <Box key={i} width={(widths[i] ?? 10) + COLUMN_GAP} paddingRight={COLUMN_GAP} flexShrink={0}>
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

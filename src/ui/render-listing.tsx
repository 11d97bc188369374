/** Renders a listing table to a string with ink; the CLI writes it to stderr. */

import { renderToString } from 'ink';
import { ListingTable, type ListingTableProps } from './listing-table.js';

export function renderListing(props: Omit<ListingTableProps, 'width'>, columns: number): string {
  return renderToString(<ListingTable {...props} width={columns} />, { columns });
}

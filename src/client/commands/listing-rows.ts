/** Table rows for a listing (name, description, parameters / uri / arguments). Pure. */

import type { Listing } from './list-command.js';
import { describeParameters, toToolInputSchema } from './tool-schema.js';

export interface ListingTableData {
  title: string;
  columns: string[];
  rows: string[][];
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.replace(/\s+/g, ' ').trim() : '';
}

function promptArguments(value: unknown): string {
  if (!Array.isArray(value) || value.length === 0) return '(none)';
  return value
    .map((a: Record<string, unknown>) => `${text(a.name)}${a.required === true ? ' (required)' : ''}`)
    .join(', ');
}

export function listingRows(listing: Listing): ListingTableData {
  const count = listing.items.length;
  switch (listing.kind) {
    case 'tools':
      return {
        title: `${count} tool${count === 1 ? '' : 's'}`,
        columns: ['Name', 'Description', 'Parameters'],
        rows: listing.items.map((t) => [text(t.name), text(t.description), describeParameters(toToolInputSchema(t.inputSchema))]),
      };
    case 'resources':
      return {
        title: `${count} resource${count === 1 ? '' : 's'}`,
        columns: ['Name', 'URI', 'Description'],
        rows: listing.items.map((r) => [text(r.name), text(r.uri), [text(r.description), r.mimeType ? `(${text(r.mimeType)})` : ''].filter(Boolean).join(' ')]),
      };
    case 'prompts':
      return {
        title: `${count} prompt${count === 1 ? '' : 's'}`,
        columns: ['Name', 'Description', 'Arguments'],
        rows: listing.items.map((p) => [text(p.name), text(p.description), promptArguments(p.arguments)]),
      };
  }
}

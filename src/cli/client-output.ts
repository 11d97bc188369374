/**
 * Where shell-command results go. On a terminal, listings are an ink table on stderr; piped or with
 * --json, JSON goes to stdout. Tool results: text on stdout (stderr when isError), or raw JSON.
 */

import type { CallOutcome } from '../client/commands/call-command.js';
import { formatCallResult } from '../client/commands/call-output.js';
import type { Listing } from '../client/commands/list-command.js';
import { listingRows } from '../client/commands/listing-rows.js';

export interface OutputStreams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

export function useInk(json: boolean, streams: OutputStreams): boolean {
  return !json && streams.stdout.isTTY === true && streams.stderr.isTTY === true;
}

export async function printListing(listing: Listing, json: boolean, streams: OutputStreams): Promise<void> {
  if (useInk(json, streams)) {
    // ink and React load only when a person is looking at a terminal, not on the bridge's start-up path
    const { renderListing } = await import('../ui/render-listing.js');
    streams.stderr.write(`${renderListing(listingRows(listing), streams.stderr.columns ?? 100)}\n`);
    return;
  }
  streams.stdout.write(`${JSON.stringify({ [listing.kind]: listing.items }, null, 2)}\n`);
}

export function printCallResult(outcome: CallOutcome, json: boolean, streams: OutputStreams): void {
  if (json) {
    streams.stdout.write(`${JSON.stringify(outcome.result, null, 2)}\n`);
    return;
  }
  const text = formatCallResult(outcome.result);
  const target = outcome.isError ? streams.stderr : streams.stdout;
  if (text !== '') target.write(text.endsWith('\n') ? text : `${text}\n`);
}

import { isJsonContentType } from '@modelcontextprotocol/server';

/**
 * Content-Type values accepted as JSON (a client sends the same one on every POST, and the SDK's check
 * parses the media type each time); only accepted values are kept, at most MAX_ACCEPTED of them.
 */
const accepted = new Set<string>();
const MAX_ACCEPTED = 16;

/** The SDK's `isJsonContentType` verdict for a request's Content-Type, remembered for accepted values. */
export function isJsonRequest(contentType: string | undefined): boolean {
  if (contentType !== undefined && accepted.has(contentType)) return true;
  const ok = isJsonContentType(contentType ?? null);
  if (ok && contentType !== undefined && accepted.size < MAX_ACCEPTED) accepted.add(contentType);
  return ok;
}

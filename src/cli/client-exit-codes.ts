/** mcp-client's exit codes, decided only here. */

import { isClientError } from '../shared/errors.js';

export const EXIT_OK = 0;
/** Runtime failure: remote unreachable or gone, the call failed, or the tool returned isError. */
export const EXIT_FAILURE = 1;
/** Bad usage: flags, configuration, unknown tool or parameter, uncoercible argument. */
export const EXIT_USAGE = 2;

export function exitCodeFor(error: unknown): number {
  if (
    isClientError(error, 'BAD_ARGUMENTS') ||
    isClientError(error, 'UNKNOWN_TOOL') ||
    isClientError(error, 'CONFIG_INVALID') ||
    isClientError(error, 'INSECURE_URL')
  ) {
    return EXIT_USAGE;
  }
  return EXIT_FAILURE;
}

/** The exit codes of both binaries (mcp-client and mcp-proxy), decided only here. */

import { isClientError, isProxyError } from '../shared/errors.js';
import { UsageError } from './proxy-args.js';

export const EXIT_OK = 0;
/** Runtime failure: remote unreachable or gone, the call failed, the tool returned isError, the proxy could not start or stop. */
export const EXIT_FAILURE = 1;
/** Bad usage: flags, environment, configuration, unknown tool or parameter, uncoercible argument. */
export const EXIT_USAGE = 2;

/** The typed error codes that mean "you asked for something wrong" rather than "something broke". */
const USAGE_CODES: ReadonlySet<string> = new Set(['BAD_ARGUMENTS', 'UNKNOWN_TOOL', 'CONFIG_INVALID', 'INSECURE_URL']);

export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError) return error.exitCode;
  if ((isClientError(error) || isProxyError(error)) && USAGE_CODES.has(error.code)) return EXIT_USAGE;
  return EXIT_FAILURE;
}

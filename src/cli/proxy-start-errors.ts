import { describeError, errnoOf, isProxyError } from '../shared/errors.js';
import type { ProxyCliOptions } from './proxy-args.js';

/** The one line (and fields) an operator sees when the proxy cannot start; the advice is decided here. */
export function describeProxyStartError(error: unknown, cli: Pick<ProxyCliOptions, 'host' | 'port'>): { message: string; fields: Record<string, unknown> } {
  if (isProxyError(error, 'LISTEN_FAILED')) {
    const errno = errnoOf(error.cause);
    if (errno === 'EADDRINUSE') {
      return { message: `cannot listen on ${cli.host}:${cli.port}: the port is in use; choose another with --port (or --port 0 for any free port)`, fields: { errno } };
    }
    if (errno === 'EACCES') {
      return { message: `cannot listen on ${cli.host}:${cli.port}: permission denied; ports below 1024 need privileges, choose another with --port`, fields: { errno } };
    }
    if (errno === 'EADDRNOTAVAIL') {
      return { message: `cannot listen on ${cli.host}:${cli.port}: no such address on this machine; check --host`, fields: { errno } };
    }
    return { message: `${error.message}: ${describeError(error.cause)}`, fields: errno ? { errno } : {} };
  }
  if (isProxyError(error, 'CHILD_START_FAILED')) return { message: `cannot start: ${error.message}`, fields: {} };
  if (isProxyError(error)) return { message: error.cause ? `${error.message}: ${describeError(error.cause)}` : error.message, fields: {} };
  return { message: describeError(error), fields: {} };
}

import type { IncomingHttpHeaders } from 'node:http';

/** The value of a request header, or its first value when it came more than once; undefined when absent. */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

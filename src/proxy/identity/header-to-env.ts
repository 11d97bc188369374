import type { IncomingHttpHeaders } from 'node:http';
import type { HeaderToEnvSpec } from '../proxy-options.js';
import { headerValue } from '../http/header-value.js';

/** The longest header value put into a child's environment (bytes; a header value is Latin-1, one byte a character). */
export const MAX_HEADER_ENV_BYTES = 8 * 1024;

/** RFC 9110 §5.1: a field name is a token. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** A portable environment variable name. */
const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** C0 controls (tab included), DEL and the C1 controls: none may reach an environment variable. */
function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}

/** Headers that carry the caller's credentials or the proxy's own secrets: never copied by --header-to-env. */
function reservedHeader(lower: string): string | undefined {
  if (lower === 'authorization' || lower === 'proxy-authorization') return 'it carries the caller\'s credentials (use --forward-claims or --forward-token)';
  if (lower === 'cookie') return 'it carries the caller\'s credentials';
  if (lower.startsWith('x-mcp-proxy-')) return 'X-Mcp-Proxy-* headers belong to the proxy';
  return undefined;
}

/**
 * One `HEADER=VAR` or `HEADER=VAR!` (`!`: required). Refused: a header name that is not an HTTP token
 * or carries credentials, a variable that is not a portable name, and any variable starting with
 * `MCP_PROXY_` (those are the proxy's: a header must never spoof the forwarded claims).
 */
export function parseHeaderToEnv(item: string): { spec: HeaderToEnvSpec } | { error: string } {
  const text = item.trim();
  const eq = text.indexOf('=');
  if (eq <= 0) return { error: `--header-to-env takes HEADER=VAR or HEADER=VAR!, got ${JSON.stringify(text)}` };
  const header = text.slice(0, eq).trim();
  let variable = text.slice(eq + 1).trim();
  const required = variable.endsWith('!');
  if (required) variable = variable.slice(0, -1);
  if (!TOKEN.test(header)) return { error: `--header-to-env: ${JSON.stringify(header)} is not a valid header name` };
  const reserved = reservedHeader(header.toLowerCase());
  if (reserved) return { error: `--header-to-env: the ${header} header cannot be copied: ${reserved}` };
  if (!VARIABLE.test(variable)) return { error: `--header-to-env: ${JSON.stringify(variable)} is not a valid environment variable name (letters, digits, _; not starting with a digit)` };
  if (variable.toUpperCase().startsWith('MCP_PROXY_')) return { error: `--header-to-env: ${variable} is refused: MCP_PROXY_* variables are set only by the proxy itself` };
  return { spec: { header: header.toLowerCase(), variable, required } };
}

export type HeaderEnvProblem = 'missing' | 'too-large' | 'control-characters';

export type HeaderEnvResult =
  | { ok: true; env: Record<string, string> }
  | { ok: false; header: string; problem: HeaderEnvProblem };

/**
 * The child variables the request's headers give: each configured header present with a non-empty value
 * sets its variable. A required header that is absent or empty, a value over 8 KiB or one with a control
 * character refuses the request (the answer names the header, never its value).
 */
export function readHeaderEnv(specs: readonly HeaderToEnvSpec[], headers: IncomingHttpHeaders): HeaderEnvResult {
  const env: Record<string, string> = {};
  for (const spec of specs) {
    const value = headerValue(headers, spec.header);
    if (value === undefined || value === '') {
      if (spec.required) return { ok: false, header: spec.header, problem: 'missing' };
      continue;
    }
    if (value.length > MAX_HEADER_ENV_BYTES) return { ok: false, header: spec.header, problem: 'too-large' };
    if (hasControlCharacter(value)) return { ok: false, header: spec.header, problem: 'control-characters' };
    env[spec.variable] = value;
  }
  return { ok: true, env };
}

/** The client's reading of a refusal: what is wrong with which header (the value is never repeated). */
export function describeHeaderProblem(header: string, problem: HeaderEnvProblem): string {
  if (problem === 'missing') return `the ${header} header is required`;
  if (problem === 'too-large') return `the ${header} header is longer than ${MAX_HEADER_ENV_BYTES} bytes`;
  return `the ${header} header contains control characters`;
}

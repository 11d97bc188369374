import { validateHostHeader } from '@modelcontextprotocol/server';

/**
 * Pure request-edge decisions: Origin (CSRF / browser pages) and Host (DNS rebinding).
 *
 * Origins are compared exactly (scheme, host and port), not by hostname as the SDK's
 * `validateOriginHeader` does: with hostname matching, any page served from another port on
 * localhost could drive a loopback proxy.
 */

export interface EdgePolicy {
  /** Exact origins allowed in addition to same-origin requests, e.g. `https://app.example.com`; `*` allows any. */
  allowedOrigins: readonly string[];
  /** When set, the Host header's hostname must be one of these (DNS-rebinding protection on loopback). */
  allowedHostnames?: readonly string[];
}

export type EdgeVerdict = { ok: true; corsOrigin?: string } | { ok: false; check: 'host' | 'origin'; reason: string };

const LOOPBACK_HOSTNAMES = ['localhost', '127.0.0.1', '[::1]'];

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** The Host allow-list to enforce for a bind address, or undefined when the proxy is not on loopback. */
export function hostAllowListFor(bindHost: string, extra: readonly string[] = []): string[] | undefined {
  if (!isLoopbackHost(bindHost)) return extra.length > 0 ? [...extra] : undefined;
  const bracketed = bindHost.includes(':') && !bindHost.startsWith('[') ? `[${bindHost}]` : bindHost;
  return [...new Set([...LOOPBACK_HOSTNAMES, bracketed.toLowerCase(), ...extra])];
}

export function normalizeOrigin(value: string): string | undefined {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    return url.origin;
  } catch {
    return undefined;
  }
}

/**
 * Host values a policy accepted (a client sends the same one on every request, and the SDK's check parses
 * a URL each time); only accepted values are kept, at most MAX_ACCEPTED_HOSTS per policy.
 */
const acceptedHosts = new WeakMap<EdgePolicy, Set<string>>();
const MAX_ACCEPTED_HOSTS = 16;

export function checkEdge(policy: EdgePolicy, headers: { host?: string; origin?: string }): EdgeVerdict {
  if (policy.allowedHostnames && (headers.host === undefined || acceptedHosts.get(policy)?.has(headers.host) !== true)) {
    const host = validateHostHeader(headers.host, [...policy.allowedHostnames]);
    if (!host.ok) return { ok: false, check: 'host', reason: host.message };
    let accepted = acceptedHosts.get(policy);
    if (!accepted) acceptedHosts.set(policy, (accepted = new Set()));
    if (accepted.size < MAX_ACCEPTED_HOSTS) accepted.add(headers.host!);
  }
  const origin = headers.origin;
  if (origin === undefined || origin === '') return { ok: true };
  if (policy.allowedOrigins.includes('*')) return { ok: true, corsOrigin: origin };
  const normalized = normalizeOrigin(origin);
  if (normalized === undefined) return { ok: false, check: 'origin', reason: `Invalid Origin header: ${origin}` };
  const sameOrigin = headers.host !== undefined && (normalized === `http://${headers.host}` || normalized === `https://${headers.host}`);
  if (sameOrigin || policy.allowedOrigins.some((o) => normalizeOrigin(o) === normalized)) return { ok: true, corsOrigin: normalized };
  return { ok: false, check: 'origin', reason: `Origin not allowed: ${normalized}` };
}

export const CORS_ALLOW_HEADERS = 'Content-Type, Accept, Authorization, Mcp-Session-Id, Mcp-Protocol-Version, Mcp-Method, Mcp-Name, Last-Event-ID';
export const CORS_EXPOSE_HEADERS = 'Mcp-Session-Id, Mcp-Protocol-Version, WWW-Authenticate';

export function corsHeaders(origin: string): Record<string, string> {
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Expose-Headers': CORS_EXPOSE_HEADERS,
    Vary: 'Origin',
  };
}

export function preflightHeaders(origin: string): Record<string, string> {
  return {
    ...corsHeaders(origin),
    'Access-Control-Allow-Methods': 'GET, POST, DELETE, OPTIONS',
    'Access-Control-Allow-Headers': CORS_ALLOW_HEADERS,
    'Access-Control-Max-Age': '600',
  };
}

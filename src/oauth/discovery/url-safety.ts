/**
 * Pure URL checks for everything the OAuth flow will fetch or hand to a browser.
 * DESIGN §4: https except on loopback; a browser only ever receives an http(s) URL with no shell metacharacters.
 */
import { OAuthFlowError } from '../../shared/errors.js';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** Characters that never belong in an OAuth endpoint and that shells interpret (CVE-2025-6514 class). */
const SHELL_CHARACTERS = /[\s`$(){}|;<>"'\\^!]/;

function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

function hasShellMetacharacter(value: string): boolean {
  return SHELL_CHARACTERS.test(value) || hasControlCharacter(value);
}

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname.toLowerCase()) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

export function parseUrl(value: string | URL): URL | undefined {
  if (value instanceof URL) return value;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** True when `value` is https, or http on a loopback host; no credentials, no fragment. */
export function isSecureEndpoint(value: string | URL): boolean {
  const url = parseUrl(value);
  if (!url || url.username || url.password || url.hash) return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && isLoopbackHost(url.hostname);
}

/** Throws INSECURE_ENDPOINT naming `what` when `value` is not a secure endpoint. */
export function assertSecureEndpoint(value: unknown, what: string): URL {
  if (typeof value !== 'string' && !(value instanceof URL)) {
    throw new OAuthFlowError('METADATA_INVALID', `${what} is missing or not a string`);
  }
  const raw = String(value);
  if (!isSecureEndpoint(raw) || hasShellMetacharacter(raw)) {
    throw new OAuthFlowError('INSECURE_ENDPOINT', `${what} must be an https URL (http only on loopback): ${safeForMessage(raw)}`);
  }
  return new URL(raw);
}

/**
 * May this URL be handed to the system browser? Only http(s), no credentials, and no character a shell or a
 * Windows URL handler would interpret. `URL.href` is what gets passed on, so check the serialised form.
 */
export function isBrowserSafeUrl(value: string): boolean {
  const url = parseUrl(value);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) return false;
  if (url.username || url.password) return false;
  // `&` and `=` separate query parameters legitimately; everything else a shell treats specially is refused.
  return !hasShellMetacharacter(url.href) && !hasShellMetacharacter(value);
}

/** Shortens and strips control characters so a hostile value cannot forge log or terminal output. */
export function safeForMessage(value: string): string {
  let clean = '';
  for (const ch of value) clean += hasControlCharacter(ch) ? '?' : ch;
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean;
}

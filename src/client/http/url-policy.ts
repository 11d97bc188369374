/**
 * Which server URLs the client may talk to: https anywhere, plain http only to a loopback host unless
 * the user opts in with --allow-http. Pure.
 */

import { ClientError } from '../../shared/errors.js';

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host === '::1' || host === '0:0:0:0:0:0:0:1') return true;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) return true;
  if (/^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) return true;
  return false;
}

/** Parses and vets the server URL; throws CONFIG_INVALID or INSECURE_URL. */
export function checkServerUrl(raw: string, allowHttp: boolean): URL {
  // `example.com/mcp` and `localhost:3000/mcp` (which URL would read as scheme "localhost:") have no scheme
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(raw.trim())) {
    const rest = raw.trim().replace(/^\/+/, '');
    throw new ClientError('CONFIG_INVALID', `the server URL ${JSON.stringify(raw)} has no scheme: use https://${rest} (or http://${rest} for a server on this machine)`);
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch (error) {
    throw new ClientError('CONFIG_INVALID', `not a valid URL: ${JSON.stringify(raw)}`, { cause: error });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ClientError('CONFIG_INVALID', `unsupported URL scheme ${url.protocol} (use https:// or http://)`);
  }
  if (url.username || url.password) {
    throw new ClientError('CONFIG_INVALID', 'credentials in the server URL are not allowed; use --header or --bearer');
  }
  if (url.protocol === 'http:' && !allowHttp && !isLoopbackHost(url.hostname)) {
    throw new ClientError(
      'INSECURE_URL',
      `refusing plain http to ${url.host}: use https, or pass --allow-http (MCP_CLIENT_ALLOW_HTTP=1) if you accept an unencrypted connection`,
    );
  }
  return url;
}

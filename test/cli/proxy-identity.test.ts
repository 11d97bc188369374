import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/client-bridge.js';
import { startJwksIssuer } from '../helpers/jwks-issuer.js';
import { FIXTURE, textOf } from '../helpers/proxy-harness.js';
import { cleanEnv, killProxyBinaries, runBinary, startProxyBinary, type ProxyBinary } from '../helpers/proxy-binary.js';
import { messagesOf, openSession, post } from '../helpers/raw-http.js';
import { final, post as modernPost, request } from '../helpers/modern-wire.js';

/**
 * Identity for the child on the real binary: what a child sees (--header-to-env, --forward-claims,
 * --forward-token), what the proxy refuses at start (exit 2), and that neither a token nor a header
 * value appears in the proxy's stderr even at --log-level debug.
 */

const started: ProxyBinary[] = [];
const fixture = ['--', process.execPath, FIXTURE];
async function start(args: string[], env: Record<string, string> = {}): Promise<ProxyBinary> {
  const p = await startProxyBinary([...args, ...fixture], { env: cleanEnv({ MCP_PROXY_LOG_FORMAT: 'json', MCP_PROXY_KILL_GRACE: '1', ...env }) });
  started.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.stop()));
});
afterAll(() => killProxyBinaries());

async function sessionEnv(url: string, sid: string, name: string, headers: Record<string, string>): Promise<string> {
  const res = await post(url, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'env', arguments: { name } } }, { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25', ...headers });
  return textOf((await messagesOf(res)).find((m) => m.id === 3)!.result);
}

describe('mcp-proxy identity forwarding, on the binary', () => {
  it('OAuth: the child gets the JWT sub, iss and scopes; MCP_PROXY_TOKEN stays absent without --forward-token; a spoofed MCP_PROXY_SUB in the proxy\'s environment never reaches it', async () => {
    const issuer = await startJwksIssuer();
    try {
      const port = await freePort();
      const audience = `http://127.0.0.1:${port}/mcp`;
      const p = await start(['--port', String(port), '--oauth-issuer', issuer.issuer, '--oauth-audience', audience, '--oauth-jwks-uri', issuer.jwksUri, '--forward-claims'], { MCP_PROXY_SUB: 'spoofed-by-env', MCP_PROXY_TOKEN: 'spoofed-token' });
      const token = await issuer.token({ aud: audience, scope: 'mcp:read mcp:write', sub: 'alice' });
      const auth = { authorization: `Bearer ${token}` };
      const sid = await openSession(p.url, auth);
      expect(await sessionEnv(p.url, sid, 'MCP_PROXY_SUB', auth)).toBe('alice');
      expect(await sessionEnv(p.url, sid, 'MCP_PROXY_ISS', auth)).toBe(issuer.issuer);
      expect(await sessionEnv(p.url, sid, 'MCP_PROXY_SCOPES', auth)).toBe('mcp:read mcp:write');
      expect(await sessionEnv(p.url, sid, 'MCP_PROXY_TOKEN', auth)).toBe('(unset)');
      // 2026-07-28: the principal's child, the same claims.
      const answer = await final(await modernPost(p.url, request('tools/call', { name: 'env', arguments: { name: 'MCP_PROXY_SUB' } }), auth));
      expect(textOf(answer.result)).toBe('alice');
      expect(p.stderr()).not.toContain(token);
    } finally {
      await issuer.close();
    }
  }, 40_000);

  it('at --log-level debug, neither the bearer token nor a header value is in stderr, though the child got both', async () => {
    const token = 'tok-9f8e7d6c5b4a';
    const value = 'hdr-1a2b3c4d5e6f';
    const p = await start(['--port', '0', '--log-level', 'debug', '--auth-token', token, '--forward-claims', '--forward-token', '--header-to-env', 'X-Api-Key=API_KEY!']);
    const headers = { authorization: `Bearer ${token}`, 'x-api-key': value };
    const sid = await openSession(p.url, headers);
    expect(await sessionEnv(p.url, sid, 'MCP_PROXY_TOKEN', headers)).toBe(token);
    expect(await sessionEnv(p.url, sid, 'API_KEY', headers)).toBe(value);
    const answer = await final(await modernPost(p.url, request('tools/call', { name: 'env', arguments: { name: 'API_KEY' } }), headers));
    expect(textOf(answer.result)).toBe(value);
    const refused = await post(p.url, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }, { authorization: `Bearer ${token}`, 'x-api-key': `${value}\tmore` });
    expect(refused.status).toBe(400);
    expect(await refused.text()).not.toContain(value);
    await p.stop();
    const stderr = p.stderr();
    expect(stderr).toContain('"level":"debug"'); // the debug log was on
    expect(stderr).toContain('"rpc":"tools/call"');
    expect(stderr).not.toContain(token);
    expect(stderr).not.toContain(value);
  }, 40_000);

  it('refuses at start (exit 2): forwarding without auth, a header onto an MCP_PROXY_* variable, a bad header name', async () => {
    const runs = [
      { args: ['--forward-claims'], says: '--forward-claims and --forward-token need --auth-token or --oauth-issuer' },
      { args: ['--forward-token'], says: 'need --auth-token or --oauth-issuer' },
      { args: ['--header-to-env', 'X-Id=MCP_PROXY_SUB'], says: 'MCP_PROXY_SUB is refused' },
      { args: ['--header-to-env', 'Bad Header=VAR'], says: 'not a valid header name' },
      { args: ['--header-to-env', 'Authorization=AUTH'], says: 'use --forward-claims or --forward-token' },
      { args: ['--header-to-env', 'X-A=ONE', '--header-to-env', 'X-B=ONE'], says: 'ONE is given twice' },
    ];
    for (const run of runs) {
      const out = await runBinary(['--port', '0', ...run.args, ...fixture], { env: cleanEnv() });
      expect(out.code, run.args.join(' ')).toBe(2);
      expect(out.stderr).toContain(run.says);
      expect(out.stderr).not.toContain('listening');
    }
  }, 60_000);
});

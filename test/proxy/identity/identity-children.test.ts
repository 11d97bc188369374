import { afterEach, describe, expect, it } from 'vitest';
import { startModernProxy } from '../../helpers/modern-harness.js';
import { alive, startTestProxy, textOf, waitFor } from '../../helpers/proxy-harness.js';
import { INIT, messagesOf, openSession, post } from '../../helpers/raw-http.js';
import { final, post as modernPost, request } from '../../helpers/modern-wire.js';
import { parseHeaderToEnv } from '../../../src/proxy/identity/header-to-env.js';
import { createAuthGuard } from '../../../src/proxy/auth/auth-guard.js';
import { toEdgeAuthenticator } from '../../../src/proxy/auth/edge-authenticator.js';
import { tokenFingerprint } from '../../../src/proxy/auth/static-token-verifier.js';
import type { HeaderToEnvSpec } from '../../../src/proxy/proxy-options.js';
import type { RunningProxy } from '../../../src/proxy/server.js';

const spec = (item: string): HeaderToEnvSpec => {
  const parsed = parseHeaderToEnv(item);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed.spec;
};
const running: RunningProxy[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.close()));
});
const track = <P extends RunningProxy>(p: P): P => {
  running.push(p);
  return p;
};

/** A tool call in a 2025 session, with extra request headers; the tool's text. */
async function sessionCall(url: string, sid: string, name: string, args: Record<string, unknown>, headers: Record<string, string> = {}): Promise<string> {
  const res = await post(url, { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name, arguments: args } }, { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25', ...headers });
  return textOf((await messagesOf(res)).find((m) => m.id === 5)!.result);
}

/** A 2026-07-28 tool call (no session); the tool's text. */
async function statelessCall(url: string, name: string, args: Record<string, unknown>, headers: Record<string, string> = {}): Promise<string> {
  const answer = await final(await modernPost(url, request('tools/call', { name, arguments: args }), headers));
  if (!answer.result) throw new Error(`no result: ${JSON.stringify(answer)}`);
  return textOf(answer.result);
}

describe('--header-to-env in 2025 sessions', () => {
  it('the child sees exactly the header value of the session\'s first request, and a later value does not change it', async () => {
    const proxy = track(await startTestProxy({ headerToEnv: [spec('X-Tenant=TENANT!'), spec('X-Region=REGION')] }));
    const sid = await openSession(proxy.url, { 'x-tenant': 'acme corp/ü' });
    expect(await sessionCall(proxy.url, sid, 'env', { name: 'TENANT' })).toBe('acme corp/ü');
    expect(await sessionCall(proxy.url, sid, 'env', { name: 'REGION' })).toBe('(unset)');
    expect(await sessionCall(proxy.url, sid, 'env', { name: 'TENANT' }, { 'x-tenant': 'evil', 'x-region': 'eu' })).toBe('acme corp/ü');
    expect(await sessionCall(proxy.url, sid, 'env', { name: 'REGION' }, { 'x-region': 'eu' })).toBe('(unset)');
    // Another session gets its own value in its own child.
    const other = await openSession(proxy.url, { 'x-tenant': 'globex', 'x-region': 'us' });
    expect(await sessionCall(proxy.url, other, 'env', { name: 'TENANT' })).toBe('globex');
    expect(await sessionCall(proxy.url, other, 'env', { name: 'REGION' })).toBe('us');
  }, 30_000);

  it('a missing required header, a too long value or a control character: 400 naming the header, never the value, and no child', async () => {
    const proxy = track(await startTestProxy({ headerToEnv: [spec('X-Tenant=TENANT!'), spec('X-Region=REGION')] }));
    const missing = await post(proxy.url, INIT);
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ jsonrpc: '2.0', id: 0, error: { code: -32600, message: 'Bad Request: the x-tenant header is required' } });
    const long = 'v'.repeat(8 * 1024 + 1);
    const tooLong = await post(proxy.url, INIT, { 'x-tenant': 'acme', 'x-region': long });
    expect(tooLong.status).toBe(400);
    const tooLongBody = await tooLong.text();
    expect(tooLongBody).toContain('x-region header is longer than 8192 bytes');
    expect(tooLongBody).not.toContain('vvvv');
    const control = await post(proxy.url, INIT, { 'x-tenant': 'ac\tme-secret' });
    expect(control.status).toBe(400);
    const controlBody = await control.text();
    expect(controlBody).toContain('x-tenant header contains control characters');
    expect(controlBody).not.toContain('me-secret');
    expect(proxy.sessions.size).toBe(0);
    expect(proxy.lines.join('')).not.toContain('session started');
  }, 30_000);

  it('with --prewarm the pool stays off (a prewarmed child was spawned before any header), and says so', async () => {
    const proxy = track(await startTestProxy({ prewarm: 2, headerToEnv: [spec('X-Tenant=TENANT')] }));
    expect(proxy.lines.join('')).toContain('--prewarm is off');
    const health = (await (await fetch(proxy.url.replace(/\/mcp$/, '/healthz'), { signal: AbortSignal.timeout(5_000) })).json()) as Record<string, unknown>;
    expect(health.prewarmed).toBeUndefined();
    const sid = await openSession(proxy.url, { 'x-tenant': 'acme' });
    expect(await sessionCall(proxy.url, sid, 'env', { name: 'TENANT' })).toBe('acme');
  }, 30_000);
});

describe('--header-to-env in 2026-07-28 mode: the principal\'s child is keyed by the header values too', () => {
  it('two callers with different values get two children; equal values share one', async () => {
    const proxy = track(await startModernProxy('legacy', { headerToEnv: [spec('X-Tenant=TENANT')] }, 'legacy'));
    const pidA = await statelessCall(proxy.url, 'pid', {}, { 'x-tenant': 'a' });
    const pidB = await statelessCall(proxy.url, 'pid', {}, { 'x-tenant': 'b' });
    expect(pidA).not.toBe(pidB);
    expect(await statelessCall(proxy.url, 'pid', {}, { 'x-tenant': 'a' })).toBe(pidA);
    expect(await statelessCall(proxy.url, 'env', { name: 'TENANT' }, { 'x-tenant': 'a' })).toBe('a');
    expect(await statelessCall(proxy.url, 'env', { name: 'TENANT' }, { 'x-tenant': 'b' })).toBe('b');
    const pidNone = await statelessCall(proxy.url, 'pid', {});
    expect(new Set([pidA, pidB, pidNone]).size).toBe(3);
    expect(await statelessCall(proxy.url, 'env', { name: 'TENANT' })).toBe('(unset)');
    expect(proxy.modern.children.size).toBe(3);
    // Nothing the children log names a header value.
    expect(proxy.lines.join('')).not.toMatch(/"(a|b)"/);
    await proxy.close();
    running.splice(0);
    expect(await waitFor(() => ![pidA, pidB, pidNone].map(Number).some(alive), 5_000)).toBe(true);
  }, 40_000);

  it('a missing required header is refused the same way (400 naming it)', async () => {
    const proxy = track(await startModernProxy('legacy', { headerToEnv: [spec('X-Tenant=TENANT!')] }, 'legacy'));
    const res = await modernPost(proxy.url, request('tools/call', { name: 'pid', arguments: {} }));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: number; message: string } };
    expect(body.error).toEqual({ code: -32600, message: 'Bad Request: the x-tenant header is required' });
    expect(proxy.modern.children.size).toBe(0);
  }, 30_000);
});

describe('--forward-claims / --forward-token (static bearer tokens)', () => {
  const auth = toEdgeAuthenticator(createAuthGuard({ mode: 'bearer', tokens: ['token-one-secret', 'token-two-secret'] }));
  const bearer = (t: string): Record<string, string> => ({ authorization: `Bearer ${t}` });

  it('2025: the child gets MCP_PROXY_SUB (the token fingerprint), empty MCP_PROXY_ISS/SCOPES, and no MCP_PROXY_TOKEN without --forward-token', async () => {
    const proxy = track(await startTestProxy({ auth, forwardClaims: true }));
    const sid = await openSession(proxy.url, bearer('token-one-secret'));
    const env = async (name: string): Promise<string> => sessionCall(proxy.url, sid, 'env', { name }, bearer('token-one-secret'));
    expect(await env('MCP_PROXY_SUB')).toBe(tokenFingerprint('token-one-secret'));
    expect(await env('MCP_PROXY_ISS')).toBe('');
    expect(await env('MCP_PROXY_SCOPES')).toBe('');
    expect(await env('MCP_PROXY_TOKEN')).toBe('(unset)');
    expect(proxy.lines.join('')).not.toContain('token-one-secret');
  }, 30_000);

  it('2025 with --forward-token: MCP_PROXY_TOKEN is the raw bearer of the first request', async () => {
    const proxy = track(await startTestProxy({ auth, forwardToken: true }));
    const sid = await openSession(proxy.url, bearer('token-two-secret'));
    expect(await sessionCall(proxy.url, sid, 'env', { name: 'MCP_PROXY_TOKEN' }, bearer('token-two-secret'))).toBe('token-two-secret');
    expect(await sessionCall(proxy.url, sid, 'env', { name: 'MCP_PROXY_SUB' }, bearer('token-two-secret'))).toBe('(unset)');
  }, 30_000);

  it('2026-07-28: each principal\'s child gets its own claims', async () => {
    const proxy = track(await startModernProxy('legacy', { auth, forwardClaims: true, forwardToken: true }, 'legacy'));
    expect(await statelessCall(proxy.url, 'env', { name: 'MCP_PROXY_SUB' }, bearer('token-one-secret'))).toBe(tokenFingerprint('token-one-secret'));
    expect(await statelessCall(proxy.url, 'env', { name: 'MCP_PROXY_SUB' }, bearer('token-two-secret'))).toBe(tokenFingerprint('token-two-secret'));
    expect(await statelessCall(proxy.url, 'env', { name: 'MCP_PROXY_TOKEN' }, bearer('token-two-secret'))).toBe('token-two-secret');
    expect(proxy.modern.children.size).toBe(2);
    expect(proxy.lines.join('')).not.toMatch(/token-(one|two)-secret/);
  }, 30_000);
});

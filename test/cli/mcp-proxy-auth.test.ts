import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURE, ROOT, waitFor } from '../helpers/proxy-harness.js';
import { INIT, post } from '../helpers/raw-http.js';

const running: ChildProcessWithoutNullStreams[] = [];
afterEach(() => {
  for (const p of running.splice(0)) if (p.exitCode === null) p.kill('SIGKILL');
});

async function start(extra: string[]): Promise<string> {
  const proc = spawn(process.execPath, [`${ROOT}bin/mcp-proxy.js`, '--port', '0', '--kill-grace', '1', ...extra, '--', process.execPath, FIXTURE], { cwd: ROOT, env: { ...process.env, MCP_PROXY_LOG_FORMAT: 'json' } });
  running.push(proc);
  let err = '';
  proc.stderr.on('data', (c: Buffer) => (err += c.toString()));
  if (!(await waitFor(() => /"msg":"listening"/.test(err), 10_000))) throw new Error(`did not start: ${err}`);
  return /"url":"([^"]+)"/.exec(err)![1]!;
}

describe('mcp-proxy --auth-token', () => {
  it('401 without the token, 401 with a wrong one, a session with the right one; sessions are bound to their principal', async () => {
    const url = await start(['--auth-token', 'tok-alpha', '--auth-token', 'tok-beta']);
    const none = await post(url, INIT);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await post(url, INIT, { authorization: 'Bearer wrong' })).status).toBe(401);
    const ok = await post(url, INIT, { authorization: 'Bearer tok-alpha' });
    expect(ok.status).toBe(200);
    const sid = ok.headers.get('mcp-session-id')!;
    await ok.text();
    const ping = { jsonrpc: '2.0', id: 2, method: 'ping' };
    const same = await post(url, ping, { authorization: 'Bearer tok-alpha', 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' });
    expect(same.status).toBe(200);
    await same.text();
    const other = await post(url, ping, { authorization: 'Bearer tok-beta', 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' });
    expect(other.status).toBe(404);
  });

  it('refuses --oauth-issuer on port 0 without --oauth-audience, with one clear line', async () => {
    const proc = spawn(process.execPath, [`${ROOT}bin/mcp-proxy.js`, '--port', '0', '--oauth-issuer', 'https://issuer.example', '--', 'x'], { cwd: ROOT, env: { ...process.env, MCP_PROXY_LOG_FORMAT: 'json' } });
    running.push(proc as ChildProcessWithoutNullStreams);
    let err = '';
    proc.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
    expect(code).toBe(2);
    expect(err).toMatch(/--oauth-audience is required/);
  });
});

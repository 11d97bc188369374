import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { alive, FIXTURE, ROOT, waitFor } from '../helpers/proxy-harness.js';
import { final as modernFinal, post as modernPost, request as modernRequest } from '../helpers/modern-wire.js';
import { call, INIT, openSession, post } from '../helpers/raw-http.js';

const BIN = `${ROOT}bin/mcp-proxy.js`;
const running: ChildProcessWithoutNullStreams[] = [];

afterEach(() => {
  for (const p of running.splice(0)) if (p.exitCode === null) p.kill('SIGKILL');
});

/** Starts the real binary on port 0 and reads its URL from the `listening` log line. */
async function startBinary(extra: string[] = []): Promise<{ proc: ChildProcessWithoutNullStreams; url: string; stderr: () => string }> {
  const proc = spawn(process.execPath, [BIN, '--port', '0', '--kill-grace', '1', ...extra, '--', process.execPath, FIXTURE], { cwd: ROOT, env: { ...process.env, MCP_PROXY_LOG_FORMAT: 'json' } });
  running.push(proc);
  let err = '';
  proc.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const ok = await waitFor(() => /"msg":"listening"/.test(err), 10_000);
  if (!ok) throw new Error(`proxy did not start: ${err}`);
  const url = /"url":"([^"]+)"/.exec(err)![1]!;
  return { proc, url, stderr: () => err };
}

const childPid = async (url: string, sid: string): Promise<number> => {
  const r = await call(url, sid, 99, 'pid');
  return Number((r.result as { content: Array<{ text: string }> }).content[0]!.text);
};

describe('mcp-proxy binary', () => {
  it('SIGTERM drains: no new sessions (503, /readyz 503), existing ones served; a second SIGTERM ends them, exit 0, no orphan', async () => {
    const { proc, url } = await startBinary();
    const sid = await openSession(url);
    const pids = [await childPid(url, sid), await childPid(url, await openSession(url))];
    proc.kill('SIGTERM');
    const base = url.replace(/\/mcp$/, '');
    expect(await waitFor(async () => (await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(5_000) })).status === 503, 5_000)).toBe(true);
    const refused = await post(url, INIT);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('draining');
    expect(await childPid(url, sid)).toBe(pids[0]);
    expect(((await (await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(5_000) })).json()) as { status: string }).status).toBe('draining');
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(await waitFor(() => pids.every((p) => !alive(p)), 3_000)).toBe(true);
  });

  it('a drain ends by itself when the last session ends, or at --drain-timeout', async () => {
    const first = await startBinary();
    const sid = await openSession(first.url);
    const exitedFirst = new Promise<number | null>((r) => first.proc.once('exit', (code) => r(code)));
    first.proc.kill('SIGTERM');
    await waitFor(() => first.stderr().includes('"msg":"draining'), 5_000);
    const del = await fetch(first.url, { method: 'DELETE', headers: { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' }, signal: AbortSignal.timeout(5_000) });
    expect(del.status).toBeLessThan(300);
    expect(await exitedFirst).toBe(0);
    expect(first.stderr()).toContain('drained: every session ended');

    const second = await startBinary(['--drain-timeout', '1']);
    const pid = await childPid(second.url, await openSession(second.url));
    const exitedSecond = new Promise<number | null>((r) => second.proc.once('exit', (code) => r(code)));
    second.proc.kill('SIGTERM');
    expect(await exitedSecond).toBe(0);
    expect(second.stderr()).toContain('drain timeout reached');
    expect(await waitFor(() => !alive(pid), 3_000)).toBe(true);
  });

  it('a drain does not wait for idle 2026-07-28 principals, but does for one with a call in flight', async () => {
    const idle = await startBinary(['--child-era', 'legacy']);
    const first = await modernFinal(await modernPost(idle.url, modernRequest('tools/call', { name: 'pid', arguments: {} })));
    const idlePid = Number((first.result as { content: Array<{ text: string }> }).content[0]!.text);
    const idleExit = new Promise<number | null>((r) => idle.proc.once('exit', (code) => r(code)));
    const t0 = Date.now();
    idle.proc.kill('SIGTERM');
    expect(await idleExit).toBe(0);
    expect(Date.now() - t0).toBeLessThan(20_000); // the drain timeout is 30 s: it did not wait for it
    expect(await waitFor(() => !alive(idlePid), 5_000)).toBe(true);

    const busy = await startBinary(['--child-era', 'legacy']);
    const slow = modernPost(busy.url, modernRequest('tools/call', { name: 'progress', arguments: { steps: 2, delayMs: 1_500 } }));
    await waitFor(() => busy.stderr().includes('"principalChild"'), 10_000);
    await new Promise((r) => setTimeout(r, 300));
    busy.proc.kill('SIGTERM');
    const answer = await modernFinal(await slow);
    expect(JSON.stringify(answer.result)).toContain('done 2');
    expect(await new Promise<number | null>((r) => busy.proc.once('exit', (code) => r(code)))).toBe(0);
  }, 60_000);

  it('SIGKILL of the proxy: children still exit because their stdin closes', async () => {
    const { proc, url } = await startBinary();
    const pid = await childPid(url, await openSession(url));
    proc.kill('SIGKILL');
    expect(await waitFor(() => !alive(pid), 5_000)).toBe(true);
  });

  it('logs JSON lines to stderr with child stderr tagged by session, and never a bearer token', async () => {
    const { proc, url, stderr } = await startBinary(['--log-level', 'debug', '--drain-timeout', '0']);
    const sid = await openSession(url, { authorization: 'Bearer sk-live-should-not-appear' });
    await call(url, sid, 1, 'echo', { message: 'x' });
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
    const lines = stderr().trim().split('\n');
    expect(lines.every((l) => { try { JSON.parse(l); return true; } catch { return false; } })).toBe(true);
    expect(lines.some((l) => l.includes('"msg":"child stderr"') && l.includes('"session"'))).toBe(true);
    expect(stderr()).not.toContain('sk-live-should-not-appear');
  });

  it('exits 2 with one clear line when no command is given', async () => {
    const proc = spawn(process.execPath, [BIN], { cwd: ROOT });
    running.push(proc as ChildProcessWithoutNullStreams);
    let err = '';
    proc.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
    expect(code).toBe(2);
    expect(err).toMatch(/no server command given/);
  });

  it('--help shows examples on stdout', async () => {
    const proc = spawn(process.execPath, [BIN, '--help'], { cwd: ROOT });
    let out = '';
    proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
    expect(code).toBe(0);
    expect(out).toContain('Examples:');
    expect(out).toContain('MCP_PROXY_');
  });
});

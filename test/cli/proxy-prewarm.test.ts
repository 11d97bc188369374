import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { alive, FIXTURE, textOf, waitFor } from '../helpers/proxy-harness.js';
import { cleanEnv, killProxyBinaries, startProxyBinary, type ProxyBinary } from '../helpers/proxy-binary.js';
import { call, INIT, openSession, post } from '../helpers/raw-http.js';

/** `--prewarm N` on the binary: children wait before sessions exist, each is used once, the limit holds. */

const started: ProxyBinary[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.stop()));
});
afterAll(() => killProxyBinaries());

const prewarmedPids = (stderr: string): number[] =>
  stderr.split('\n').filter((l) => l.includes('"prewarmed":true') && l.includes('ready pid=')).map((l) => Number(/ready pid=(\d+)/.exec(l)![1]));

describe('mcp-proxy --prewarm', () => {
  it('sessions take waiting children, the pool refills with new ones within --max-sessions, and nothing is left at stop', async () => {
    const p = await startProxyBinary(['--port', '0', '--prewarm', '2', '--max-sessions', '3', '--', process.execPath, FIXTURE], { env: cleanEnv({ MCP_PROXY_LOG_FORMAT: 'json' }) });
    started.push(p);
    const health = async (): Promise<{ sessions: number; prewarmed: number }> => (await fetch(p.url.replace(/\/mcp$/, '/healthz'), { signal: AbortSignal.timeout(5_000) })).json() as Promise<{ sessions: number; prewarmed: number }>;
    expect(await waitFor(async () => prewarmedPids(p.stderr()).length === 2, 10_000)).toBe(true);
    expect((await health()).prewarmed).toBe(2);
    const waiting = prewarmedPids(p.stderr());

    const a = await openSession(p.url);
    const pidA = Number(textOf((await call(p.url, a, 1, 'pid')).result));
    expect(waiting).toContain(pidA);
    // The pool warmed it with the one request the lifecycle allows before initialize (up to three pings,
    // fewer when the session took it sooner), whose answers the session never saw.
    const caps = JSON.parse(textOf((await call(p.url, a, 11, 'client_caps')).result)) as { initializeCalls: number; beforeInitialize: string[] };
    expect(caps.initializeCalls).toBe(1);
    expect(caps.beforeInitialize.length).toBeGreaterThanOrEqual(1);
    expect(caps.beforeInitialize.length).toBeLessThanOrEqual(3);
    expect(new Set(caps.beforeInitialize)).toEqual(new Set(['ping']));
    expect(await waitFor(async () => (await health()).prewarmed === 2, 10_000)).toBe(true); // 1 session + 2 waiting = 3

    const b = await openSession(p.url);
    const pidB = Number(textOf((await call(p.url, b, 2, 'pid')).result));
    expect(waiting).toContain(pidB);
    expect(await waitFor(async () => (await health()).prewarmed === 1, 10_000)).toBe(true); // 2 sessions + 1 waiting = 3
    const c = await openSession(p.url);
    expect(await waitFor(async () => (await health()).prewarmed === 0, 10_000)).toBe(true);
    expect((await post(p.url, INIT)).status).toBe(503);

    // A child is never reused: the freed slot is refilled by a new process.
    await fetch(p.url, { method: 'DELETE', headers: { 'mcp-session-id': a, 'mcp-protocol-version': '2025-11-25' }, signal: AbortSignal.timeout(5_000) });
    expect(await waitFor(() => !alive(pidA), 10_000)).toBe(true);
    const known = new Set(prewarmedPids(p.stderr()));
    expect(await waitFor(async () => (await health()).prewarmed === 1, 10_000)).toBe(true);
    // a waiting child logs its start once it is up
    expect(await waitFor(() => prewarmedPids(p.stderr()).some((pid) => !known.has(pid)), 10_000)).toBe(true);
    const fresh = prewarmedPids(p.stderr()).filter((pid) => !known.has(pid));
    expect(fresh).not.toContain(pidA);
    const all = [...known, ...fresh, pidA, pidB];

    await call(p.url, c, 3, 'echo', { message: 'still served' });
    await p.stop();
    expect(await waitFor(() => all.every((pid) => !alive(pid)), 10_000)).toBe(true);
  }, 60_000);
});

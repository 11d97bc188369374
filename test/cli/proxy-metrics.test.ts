import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FIXTURE, waitFor } from '../helpers/proxy-harness.js';
import { cleanEnv, killProxyBinaries, startProxyBinary, type ProxyBinary } from '../helpers/proxy-binary.js';
import { call, INIT, openSession, post } from '../helpers/raw-http.js';

/** `--metrics` on the binary: scrape, run a scripted workload, scrape again; every figure moved by exactly what the workload did. */

const started: ProxyBinary[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.stop()));
});
afterAll(() => killProxyBinaries());

type Samples = Map<string, number>;

async function scrape(base: string): Promise<Samples> {
  const res = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(10_000) });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  const out: Samples = new Map();
  for (const line of (await res.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    out.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return out;
}
const delta = (before: Samples, after: Samples, key: string): number => (after.get(key) ?? 0) - (before.get(key) ?? 0);

describe('mcp-proxy --metrics', () => {
  it('sessions by outcome, live gauges, requests by method and outcome, durations, bytes', async () => {
    const p = await startProxyBinary(['--port', '0', '--metrics', '--max-sessions', '2', '--session-timeout', '2', '--', process.execPath, FIXTURE], { env: cleanEnv({ MCP_PROXY_LOG_FORMAT: 'json' }) });
    started.push(p);
    const base = p.url.replace(/\/mcp$/, '');
    const before = await scrape(base);
    expect(before.get('mcp_proxy_sessions')).toBe(0);

    const a = await openSession(p.url); // initialize + notifications/initialized
    const b = await openSession(p.url);
    expect((await post(p.url, INIT)).status).toBe(503); // refused: the limit is 2
    await call(p.url, a, 1, 'echo', { message: 'x' });
    await call(p.url, a, 2, 'echo', { message: 'y' });
    const live = await scrape(base);
    expect(live.get('mcp_proxy_sessions')).toBe(2);
    expect(live.get('mcp_proxy_children')).toBe(2);
    const del = await fetch(p.url, { method: 'DELETE', headers: { 'mcp-session-id': b, 'mcp-protocol-version': '2025-11-25' }, signal: AbortSignal.timeout(10_000) });
    expect(del.status).toBeLessThan(300);
    await call(p.url, a, 3, 'crash').catch(() => undefined); // the child exits: crashed
    expect(await waitFor(async () => (await scrape(base)).get('mcp_proxy_sessions') === 0, 10_000)).toBe(true);
    await openSession(p.url); // reaped after 2 s idle
    expect(await waitFor(() => p.stderr().includes('idle session reaped'), 15_000)).toBe(true);
    expect(await waitFor(async () => (await scrape(base)).get('mcp_proxy_sessions') === 0, 5_000)).toBe(true);
    const after = await scrape(base);

    expect(delta(before, after, 'mcp_proxy_sessions_total{outcome="created"}')).toBe(3);
    expect(delta(before, after, 'mcp_proxy_sessions_total{outcome="refused"}')).toBe(1);
    expect(delta(before, after, 'mcp_proxy_sessions_total{outcome="deleted"}')).toBe(1);
    expect(delta(before, after, 'mcp_proxy_sessions_total{outcome="crashed"}')).toBe(1);
    expect(delta(before, after, 'mcp_proxy_sessions_total{outcome="reaped"}')).toBe(1);
    expect(delta(before, after, 'mcp_proxy_requests_total{method="initialize",outcome="ok"}')).toBe(3);
    expect(delta(before, after, 'mcp_proxy_requests_total{method="initialize",outcome="unavailable"}')).toBe(1);
    expect(delta(before, after, 'mcp_proxy_requests_total{method="notifications/initialized",outcome="ok"}')).toBe(3);
    expect(delta(before, after, 'mcp_proxy_requests_total{method="tools/call",outcome="ok"}')).toBe(3);
    expect(delta(before, after, 'mcp_proxy_requests_total{method="DELETE",outcome="ok"}')).toBe(1);
    // every request, the refused one included, is in the histogram: 4 initialize, 3 initialized, 3 calls, 1 DELETE
    const counts = [...after.entries()].filter(([k]) => k.startsWith('mcp_proxy_request_duration_seconds_count')).reduce((n, [k, v]) => n + v - (before.get(k) ?? 0), 0);
    expect(counts).toBe(11);
    expect(delta(before, after, 'mcp_proxy_bytes_total{direction="to_child"}')).toBeGreaterThan(0);
    expect(delta(before, after, 'mcp_proxy_bytes_total{direction="to_client"}')).toBeGreaterThan(0);
  }, 60_000);

  it('without --metrics there is no /metrics', async () => {
    const p = await startProxyBinary(['--port', '0', '--', process.execPath, FIXTURE], { env: cleanEnv({ MCP_PROXY_LOG_FORMAT: 'json' }) });
    started.push(p);
    expect((await fetch(p.url.replace(/\/mcp$/, '/metrics'), { signal: AbortSignal.timeout(10_000) })).status).toBe(404);
  });
});

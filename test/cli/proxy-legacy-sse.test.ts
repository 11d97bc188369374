import { Client, SSEClientTransport } from '@modelcontextprotocol/client';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { alive, textOf, waitFor } from '../helpers/proxy-harness.js';
import { killProxyBinaries, runBinary, startFixtureProxy, type ProxyBinary } from '../helpers/proxy-binary.js';
import { openLegacySse, postMessage } from '../helpers/legacy-sse-wire.js';

/** The legacy HTTP+SSE flags on the real binary, with the SDK's SSEClientTransport as the client. */

const started: ProxyBinary[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.stop()));
});
afterAll(() => killProxyBinaries());

async function start(flags: string[]): Promise<{ p: ProxyBinary; base: string }> {
  const p = await startFixtureProxy(flags);
  started.push(p);
  return { p, base: new URL(p.url).origin };
}

const metricValue = (text: string, line: string): number | undefined => {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
};

describe('mcp-proxy legacy SSE flags (the binary)', () => {
  it('--no-sse: /sse and /messages are 404', async () => {
    const { base } = await start(['--no-sse']);
    expect((await openLegacySse(`${base}/sse`)).status).toBe(404);
    expect((await postMessage(`${base}/messages?sessionId=x`, { jsonrpc: '2.0', id: 1, method: 'ping' })).status).toBe(404);
  });

  it('--sse-endpoint and --messages-endpoint: an SDK SSE client round trip with sampling, counted by /healthz and /metrics; closing ends the child', async () => {
    const { p, base } = await start(['--sse-endpoint', '/old/sse', '--messages-endpoint', '/old/messages', '--metrics']);
    expect((await openLegacySse(`${base}/sse`)).status).toBe(404);
    const client = new Client({ name: 'binary-sse', version: '1' }, { capabilities: { sampling: {} } });
    client.setRequestHandler('sampling/createMessage', async () => ({ model: 'm', role: 'assistant', content: { type: 'text', text: 'from the client' } }));
    await client.connect(new SSEClientTransport(new URL(`${base}/old/sse`)));
    try {
      expect(textOf(await client.callTool({ name: 'sample', arguments: {} }))).toBe('sampled: from the client');
      const pid = Number(textOf(await client.callTool({ name: 'pid', arguments: {} })));
      expect(alive(pid)).toBe(true);
      const health = (await (await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(5_000) })).json()) as { sessions: number };
      expect(health.sessions).toBe(1);
      const metrics = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
      expect(metricValue(metrics, 'mcp_proxy_sessions')).toBe(1);
      expect(metricValue(metrics, 'mcp_proxy_sessions_total{outcome="created"}')).toBe(1);
      // Its POSTs are requests like those to the MCP endpoint: by JSON-RPC method, in the duration histogram too.
      expect(metricValue(metrics, 'mcp_proxy_requests_total{method="tools/call",outcome="ok"}')).toBe(2);
      expect(metricValue(metrics, 'mcp_proxy_requests_total{method="initialize",outcome="ok"}')).toBe(1);
      expect(metricValue(metrics, 'mcp_proxy_requests_total{method="response",outcome="ok"}')).toBe(1); // the sampling answer
      expect(metricValue(metrics, 'mcp_proxy_request_duration_seconds_count{method="tools/call"}')).toBe(2);
      await client.close();
      expect(await waitFor(() => !alive(pid), 8_000, 50)).toBe(true);
      expect(await waitFor(async () => metricValue(await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(5_000) })).text(), 'mcp_proxy_sessions_total{outcome="deleted"}') === 1, 5_000)).toBe(true);
      expect(p.stderr()).toContain('"transport":"sse"');
    } finally {
      await client.close().catch(() => undefined);
    }
  });

  it('refuses an SSE path that clashes with the MCP endpoint (exit 2)', async () => {
    const run = await runBinary(['--port', '0', '--sse-endpoint', '/mcp', '--', process.execPath, '-e', '']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('three different paths');
  });
});

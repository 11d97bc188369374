import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MetricsSink, SessionOutcome, TrafficDirection } from './metrics-sink.js';

export interface MetricsSources {
  /** Live 2025-era sessions. */
  sessions: () => number;
  /** Live child processes serving clients (sessions and 2026-07-28 principals). */
  children: () => number;
  /** With --config: the same two counts per server name; the gauges then carry a `server` label. */
  servers?: () => Record<string, { sessions: number; children: number }> | undefined;
}

type GaugeLike = { set(labels: { server: string }, value: number): void; set(value: number): void; reset(): void };

/** Sets a gauge: one series per server when named servers exist, else one unlabelled value. */
function setGauge(gauge: GaugeLike, sources: MetricsSources, pick: (c: { sessions: number; children: number }) => number, total: () => number): void {
  const servers = sources.servers?.();
  if (!servers) return gauge.set(total());
  gauge.reset();
  for (const [server, counts] of Object.entries(servers)) gauge.set({ server }, pick(counts));
}

/**
 * Prometheus metrics (prom-client, on a registry of our own), names prefixed `mcp_proxy_`. Loaded only when
 * `--metrics` is given.
 */
export function createPrometheusMetrics(sources: MetricsSources): MetricsSink {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'mcp_proxy_' });
  new Gauge({ name: 'mcp_proxy_sessions', help: 'Live 2025-era sessions (per server with --config)', labelNames: ['server'], registers: [registry], collect() { setGauge(this, sources, (c) => c.sessions, sources.sessions); } });
  new Gauge({ name: 'mcp_proxy_children', help: 'Live MCP server processes (sessions and 2026-07-28 principals; per server with --config)', labelNames: ['server'], registers: [registry], collect() { setGauge(this, sources, (c) => c.children, sources.children); } });
  const sessions = new Counter({ name: 'mcp_proxy_sessions_total', help: 'Sessions by outcome', labelNames: ['outcome'], registers: [registry] });
  const requests = new Counter({ name: 'mcp_proxy_requests_total', help: 'HTTP requests to the MCP endpoint by JSON-RPC method and outcome', labelNames: ['method', 'outcome'], registers: [registry] });
  const duration = new Histogram({
    name: 'mcp_proxy_request_duration_seconds',
    help: 'Duration of every request to the MCP endpoint, failed ones included (an SSE answer lasts until its stream ends)',
    labelNames: ['method'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const bytes = new Counter({ name: 'mcp_proxy_bytes_total', help: 'JSON-RPC bytes relayed, by direction', labelNames: ['direction'], registers: [registry] });
  const forwarded = new Counter({ name: 'mcp_proxy_forwarded_requests_total', help: 'Requests forwarded to the instance owning their session or principal (--redis-url), by outcome', labelNames: ['outcome'], registers: [registry] });
  forwarded.inc({ outcome: 'ok' }, 0);
  for (const outcome of ['created', 'deleted', 'reaped', 'crashed', 'refused', 'shutdown'] satisfies SessionOutcome[]) sessions.inc({ outcome }, 0);
  for (const direction of ['to_child', 'to_client'] satisfies TrafficDirection[]) bytes.inc({ direction }, 0);
  return {
    session: (outcome) => sessions.inc({ outcome }),
    request: (method, outcome, seconds) => {
      requests.inc({ method, outcome });
      duration.observe({ method }, seconds);
    },
    bytes: (direction, n) => bytes.inc({ direction }, n),
    forwarded: (outcome) => forwarded.inc({ outcome }),
    render: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
  };
}

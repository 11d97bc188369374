/** What the proxy reports to its metrics, whichever backend records it (prom-client, see metrics.ts). */

export type SessionOutcome = 'created' | 'deleted' | 'reaped' | 'crashed' | 'refused' | 'shutdown';
export type TrafficDirection = 'to_child' | 'to_client';

export interface MetricsSink {
  session(outcome: SessionOutcome): void;
  /** One HTTP request: its JSON-RPC method (or HTTP verb), outcome and duration. */
  request(method: string, outcome: string, seconds: number): void;
  bytes(direction: TrafficDirection, bytes: number): void;
  /** A request forwarded to the instance that owns its session or principal (--redis-url), by outcome. */
  forwarded?(outcome: 'ok' | 'connect' | 'timeout' | 'reset'): void;
  /** The exposition for GET /metrics. */
  render(): Promise<{ contentType: string; body: string }>;
}

/** The outcome label of an HTTP request, from its status (and whether the client went away first). */
export function requestOutcome(status: number, finished: boolean): string {
  if (!finished) return 'aborted';
  if (status < 400) return 'ok';
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 404) return 'not_found';
  if (status === 503) return 'unavailable';
  return status < 500 ? 'client_error' : 'server_error';
}

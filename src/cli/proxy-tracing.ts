import type { TraceSink } from '../proxy/telemetry/tracing-sink.js';
import type { EnvMap } from './proxy-environment.js';
import { UsageError } from './proxy-args.js';

export interface OtelSettings {
  url: string;
  protocol: 'http/protobuf' | 'http/json';
  headers: Record<string, string>;
  serviceName: string;
  scheduledDelayMs?: number;
}

/** `k=v,k2=v2` with URL-encoded values, as OTEL_EXPORTER_OTLP_HEADERS is written. */
function parseHeaders(raw: string | undefined, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`${name}: expected key=value pairs separated by commas`);
    out[item.slice(0, eq).trim()] = decodeURIComponent(item.slice(eq + 1).trim());
  }
  return out;
}

/**
 * The standard OpenTelemetry variables (OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT, _PROTOCOL, _HEADERS,
 * OTEL_SERVICE_NAME, OTEL_SDK_DISABLED, OTEL_BSP_SCHEDULE_DELAY). Undefined when no endpoint is set. Pure.
 */
export function otelSettings(env: EnvMap): OtelSettings | undefined {
  if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') return undefined;
  const tracesEndpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const baseEndpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!tracesEndpoint && !baseEndpoint) return undefined;
  // The per-signal variable is used as given; the base one gets the signal path (OTLP exporter spec).
  const url = tracesEndpoint || `${baseEndpoint!.replace(/\/+$/, '')}/v1/traces`;
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf').trim();
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    throw new UsageError(`OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not supported: use http/protobuf (the default) or http/json`);
  }
  const delay = env.OTEL_BSP_SCHEDULE_DELAY !== undefined ? Number(env.OTEL_BSP_SCHEDULE_DELAY) : undefined;
  if (delay !== undefined && (!Number.isFinite(delay) || delay < 0)) throw new UsageError('OTEL_BSP_SCHEDULE_DELAY must be a number of milliseconds');
  return {
    url,
    protocol,
    headers: { ...parseHeaders(env.OTEL_EXPORTER_OTLP_HEADERS, 'OTEL_EXPORTER_OTLP_HEADERS'), ...parseHeaders(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS') },
    serviceName: env.OTEL_SERVICE_NAME?.trim() || 'mcp-proxy',
    ...(delay !== undefined ? { scheduledDelayMs: delay } : {}),
  };
}

/** Loads the OpenTelemetry SDK only when an endpoint is configured. */
export async function loadTracing(settings: OtelSettings | undefined, version: string): Promise<TraceSink | undefined> {
  if (!settings) return undefined;
  const { createOtlpTracing } = await import('../proxy/telemetry/tracing.js');
  return createOtlpTracing({ ...settings, serviceVersion: version });
}

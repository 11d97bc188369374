import { propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, type Attributes, type Context } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace';
import type { RequestTrace, TraceSink } from './tracing-sink.js';

export interface OtlpTracingOptions {
  /** The full traces URL (…/v1/traces). */
  url: string;
  protocol: 'http/protobuf' | 'http/json';
  headers: Record<string, string>;
  serviceName: string;
  serviceVersion: string;
  /** How long spans wait in the batch before export. */
  scheduledDelayMs?: number;
}

async function exporterFor(options: OtlpTracingOptions): Promise<SpanExporter> {
  const config = { url: options.url, headers: options.headers, timeoutMillis: 10_000 };
  if (options.protocol === 'http/json') {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    return new OTLPTraceExporter(config);
  }
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
  return new OTLPTraceExporter(config);
}

const propagator = new W3CTraceContextPropagator();
const getter = { get: (carrier: Record<string, string>, key: string) => carrier[key], keys: (carrier: Record<string, string>) => Object.keys(carrier) };

/** The parent of a request's span: the message's `_meta.traceparent` when it has one, else the HTTP header's. */
function parentOf(t: RequestTrace): Context {
  const carrier: Record<string, string> = {};
  const parent = t.metaTraceparent ?? t.traceparent;
  if (!parent) return ROOT_CONTEXT;
  carrier.traceparent = parent;
  const state = t.metaTraceparent ? t.metaTracestate : t.tracestate;
  if (state) carrier.tracestate = state;
  return propagator.extract(ROOT_CONTEXT, carrier, getter);
}

/**
 * OpenTelemetry traces over OTLP/HTTP (protobuf by default): one SERVER span per request to the MCP
 * endpoint, with the attributes of the MCP semantic conventions. Loaded only when an OTLP endpoint is set.
 */
export async function createOtlpTracing(options: OtlpTracingOptions): Promise<TraceSink> {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName, 'service.version': options.serviceVersion }),
    spanProcessors: [new BatchSpanProcessor({ exporter: await exporterFor(options), scheduledDelayMillis: options.scheduledDelayMs ?? 2_000 })],
  });
  propagation.setGlobalPropagator(propagator);
  const tracer = provider.getTracer('mcp-proxy', options.serviceVersion);
  return {
    record(t) {
      const method = t.rpc ?? t.httpMethod;
      const attributes: Attributes = {
        'mcp.method.name': method,
        'network.transport': 'tcp',
        'network.protocol.name': 'http',
        'http.request.method': t.httpMethod,
        'http.response.status_code': t.status,
        'mcp_proxy.outcome': t.outcome,
      };
      // The first 8 characters, as in the logs: without auth a whole session id is the session's only key.
      if (t.session) attributes['mcp.session.id'] = t.session.slice(0, 8);
      if (t.protocolVersion) attributes['mcp.protocol.version'] = t.protocolVersion;
      if (t.requestId !== undefined) attributes['jsonrpc.request.id'] = String(t.requestId);
      if (t.target && t.rpc === 'tools/call') attributes['gen_ai.tool.name'] = t.target;
      if (t.target && t.rpc === 'prompts/get') attributes['gen_ai.prompt.name'] = t.target;
      if (t.principal) attributes['mcp_proxy.principal'] = t.principal;
      if (t.outcome !== 'ok') attributes['error.type'] = t.outcome;
      const span = tracer.startSpan(t.target ? `${method} ${t.target}` : method, { kind: SpanKind.SERVER, startTime: t.startedAt, attributes }, parentOf(t));
      if (t.outcome !== 'ok') span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${t.status}` });
      span.end(t.endedAt);
    },
    async shutdown() {
      await provider.shutdown();
    },
  };
}

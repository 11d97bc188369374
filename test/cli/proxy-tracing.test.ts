import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { otelSettings } from '../../src/cli/proxy-tracing.js';
import { jsonSpans, startOtlpReceiver } from '../helpers/otlp-receiver.js';
import { FIXTURE, waitFor } from '../helpers/proxy-harness.js';
import { cleanEnv, killProxyBinaries, startProxyBinary, type ProxyBinary } from '../helpers/proxy-binary.js';
import { INIT, messagesOf, post } from '../helpers/raw-http.js';
import { legacySession, postMessage } from '../helpers/legacy-sse-wire.js';

/** OpenTelemetry traces from the binary to an in-process OTLP receiver. */

const started: ProxyBinary[] = [];
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.stop()));
  await Promise.all(closers.splice(0).map((c) => c()));
});
afterAll(() => killProxyBinaries());

const HEADER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const HEADER_SPAN = '00f067aa0ba902b7';
const META_TRACE = '0af7651916cd43dd8448eb211c80319c';
const META_SPAN = 'b7ad6b7169203331';

async function workload(url: string, auth: Record<string, string> = {}): Promise<string> {
  const init = await post(url, INIT, { traceparent: `00-${HEADER_TRACE}-${HEADER_SPAN}-01`, ...auth });
  expect(init.status).toBe(200);
  const sid = init.headers.get('mcp-session-id')!;
  await init.text();
  const headers = { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25', ...auth };
  await (await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, headers)).text();
  const res = await post(url, { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'echo', arguments: { message: 'hi' }, _meta: { traceparent: `00-${META_TRACE}-${META_SPAN}-01` } } }, headers);
  expect((await messagesOf(res))[0]).toMatchObject({ id: 7 });
  expect((await post(url, { jsonrpc: '2.0', id: 8, method: 'ping' }, { ...headers, 'mcp-session-id': 'no-such-session' })).status).toBe(404);
  return sid;
}

describe('mcp-proxy OpenTelemetry traces', () => {
  it('OTLP/JSON: one SERVER span per request with MCP attributes, continuing traceparent and _meta.traceparent', async () => {
    const receiver = await startOtlpReceiver();
    closers.push(receiver.close);
    const p = await startProxyBinary(['--port', '0', '--auth-token', 'tok-123', '--', process.execPath, FIXTURE], {
      env: cleanEnv({ MCP_PROXY_LOG_FORMAT: 'json', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '200', OTEL_SERVICE_NAME: 'proxy-under-test' }),
    });
    started.push(p);
    const sid = await workload(p.url, { authorization: 'Bearer tok-123' });
    expect(await waitFor(() => jsonSpans(receiver.exports).length >= 4, 15_000, 100)).toBe(true);
    expect(receiver.exports.every((e) => e.path === '/v1/traces')).toBe(true);
    const spans = jsonSpans(receiver.exports);
    const init = spans.find((s) => s.attributes['mcp.method.name'] === 'initialize')!;
    expect(init).toMatchObject({ traceId: HEADER_TRACE, parentSpanId: HEADER_SPAN, kind: 2, name: 'initialize' });
    expect(init.attributes['mcp.session.id']).toBe(sid.slice(0, 8));
    const callSpan = spans.find((s) => s.attributes['mcp.method.name'] === 'tools/call')!;
    expect(callSpan).toMatchObject({ traceId: META_TRACE, parentSpanId: META_SPAN, name: 'tools/call echo' });
    expect(callSpan.attributes).toMatchObject({ 'gen_ai.tool.name': 'echo', 'mcp.session.id': sid.slice(0, 8), 'jsonrpc.request.id': '7', 'mcp.protocol.version': '2025-11-25', 'mcp_proxy.outcome': 'ok' });
    expect(callSpan.attributes['mcp_proxy.principal']).toMatch(/^[0-9a-f]{16}$/);
    const failed = spans.find((s) => s.attributes['mcp.method.name'] === 'ping')!;
    expect(failed.attributes['error.type']).toBe('not_found');
    expect(failed.statusCode).toBe(2);
    const everything = receiver.exports.map((e) => e.body.toString('utf8')).join('');
    expect(everything).not.toContain('tok-123');
    expect(everything).not.toContain(sid);
    expect(everything).toContain('proxy-under-test');
  }, 60_000);

  it('legacy SSE (2024-11-05) requests get spans too: the POSTs with their method, tool, request id and session', async () => {
    const receiver = await startOtlpReceiver();
    closers.push(receiver.close);
    const p = await startProxyBinary(['--port', '0', '--', process.execPath, FIXTURE], {
      env: cleanEnv({ MCP_PROXY_LOG_FORMAT: 'json', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '200' }),
    });
    started.push(p);
    const base = p.url.replace(/\/mcp$/, '');
    const { stream, messages } = await legacySession(base);
    const sid = new URL(messages).searchParams.get('sessionId')!;
    expect((await postMessage(messages, { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'echo', arguments: { message: 'sse' } } })).status).toBe(202);
    await stream.next((m) => m.id === 9);
    expect(await waitFor(() => jsonSpans(receiver.exports).some((s) => s.attributes['mcp.method.name'] === 'tools/call'), 15_000, 100)).toBe(true);
    const callSpan = jsonSpans(receiver.exports).find((s) => s.attributes['mcp.method.name'] === 'tools/call')!;
    expect(callSpan.attributes).toMatchObject({ 'gen_ai.tool.name': 'echo', 'jsonrpc.request.id': '9', 'mcp.session.id': sid.slice(0, 8), 'mcp_proxy.outcome': 'ok' });
    expect(jsonSpans(receiver.exports).some((s) => s.attributes['mcp.method.name'] === 'initialize')).toBe(true);
    stream.close();
  }, 60_000);

  it('OTLP/HTTP protobuf by default; spans still buffered are exported when the proxy stops', async () => {
    const receiver = await startOtlpReceiver();
    closers.push(receiver.close);
    const p = await startProxyBinary(['--port', '0', '--', process.execPath, FIXTURE], {
      env: cleanEnv({ MCP_PROXY_LOG_FORMAT: 'json', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/custom/traces`, OTEL_BSP_SCHEDULE_DELAY: '60000' }),
    });
    started.push(p);
    await workload(p.url);
    expect(receiver.exports).toHaveLength(0);
    await p.stop();
    expect(receiver.exports.length).toBeGreaterThan(0);
    const e = receiver.exports[0]!;
    expect(e.path).toBe('/custom/traces');
    expect(e.contentType).toBe('application/x-protobuf');
    const body = Buffer.concat(receiver.exports.map((x) => x.body));
    expect(body.includes(Buffer.from(META_TRACE, 'hex'))).toBe(true);
    expect(body.includes(Buffer.from(HEADER_TRACE, 'hex'))).toBe(true);
    expect(body.includes(Buffer.from('tools/call echo'))).toBe(true);
  }, 60_000);
});

describe('otelSettings', () => {
  it('is off without an endpoint or with OTEL_SDK_DISABLED, and follows the OTLP exporter variables', () => {
    expect(otelSettings({})).toBeUndefined();
    expect(otelSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' })).toBeUndefined();
    expect(otelSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/' })).toMatchObject({ url: 'http://c:4318/v1/traces', protocol: 'http/protobuf', serviceName: 'mcp-proxy' });
    expect(otelSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t/x' })!.url).toBe('http://t/x');
    expect(otelSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c', OTEL_EXPORTER_OTLP_HEADERS: 'api-key=a%20b,x=1' })!.headers).toEqual({ 'api-key': 'a b', x: '1' });
    expect(() => otelSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(/not supported/);
  });
});

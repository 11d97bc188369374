import type { IncomingMessage } from 'node:http';
import { isJSONRPCNotification, isJSONRPCRequest, parseJSONRPCMessage, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { directMessage, directPost, resumptionOf } from '../../../src/proxy/http/direct-post.js';

const CLAIM = 'io.modelcontextprotocol/protocolVersion';
const call = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { message: 'hi' } }, ...extra });

/** Bodies the direct path takes: the SDK accepts each and returns it unchanged. */
const DIRECT: Array<[string, unknown]> = [
  ['a request', call()],
  ['a string id', call({ id: 'abc' })],
  ['id 0 and a negative id', call({ id: -7 })],
  ['no params', { jsonrpc: '2.0', id: 2, method: 'ping' }],
  ['empty params', { jsonrpc: '2.0', id: 2, method: 'ping', params: {} }],
  ['a progress token', call({ params: { name: 'p', _meta: { progressToken: 'tok' } } })],
  ['a numeric progress token and other _meta keys', call({ params: { name: 'p', _meta: { progressToken: 3, 'x.example/k': { a: 1 } } } })],
  ['a notification', { jsonrpc: '2.0', method: 'notifications/initialized' }],
  ['a cancellation', { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1, reason: 'x' } }],
  ['keys in another order', { method: 'ping', id: 3, jsonrpc: '2.0' }],
];

/** Bodies the SDK transport (or the era classifier) must see. */
const SDK: Array<[string, unknown]> = [
  ['a batch', [call()]],
  ['a response', { jsonrpc: '2.0', id: 1, result: {} }],
  ['an error response', { jsonrpc: '2.0', id: 1, error: { code: 1, message: 'x' } }],
  ['an extra top-level key', call({ extra: true })],
  ['jsonrpc 1.0', call({ jsonrpc: '1.0' })],
  ['a null id', call({ id: null })],
  ['a fractional id', call({ id: 1.5 })],
  ['an unsafe integer id', call({ id: 2 ** 53 })],
  ['an object id', call({ id: { a: 1 } })],
  ['a numeric method', call({ method: 5 })],
  ['initialize', call({ method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } } })],
  ['initialize as a notification', { jsonrpc: '2.0', method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } } }],
  ['null params', call({ params: null })],
  ['array params', call({ params: [1] })],
  ['string _meta', call({ params: { _meta: 'x' } })],
  ['a fractional progress token', call({ params: { _meta: { progressToken: 0.5 } } })],
  ['a related-task entry (the schema strips its extra keys)', call({ params: { _meta: { 'io.modelcontextprotocol/related-task': { taskId: 't', x: 1 } } } })],
  ['a 2026-07-28 envelope claim', call({ params: { _meta: { [CLAIM]: '2026-07-28' } } })],
  ['a legacy-version envelope claim', call({ params: { _meta: { [CLAIM]: '2025-11-25' } } })],
  ['a string', 'tools/call'],
  ['null', null],
];

const headers = (h: Record<string, string>): IncomingMessage => ({ headers: h }) as unknown as IncomingMessage;
const ACCEPT = 'application/json, text/event-stream';

describe('direct POST decision', () => {
  it.each(DIRECT)('takes %s, which the SDK schema accepts and returns unchanged', (_name, body) => {
    const direct = directMessage(body);
    expect(direct).toBeDefined();
    expect(direct!.message).toBe(body);
    expect(direct!.kind).toBe('id' in (body as object) ? 'request' : 'notification');
    expect(direct!.kind === 'request' ? isJSONRPCRequest(body) : isJSONRPCNotification(body)).toBe(true);
    expect(parseJSONRPCMessage(body)).toEqual(body);
  });

  it.each(SDK)('leaves %s to the SDK', (_name, body) => {
    expect(directMessage(body)).toBeUndefined();
  });

  it('requires the Accept and Mcp-Protocol-Version headers the transport accepts', () => {
    expect(directPost(headers({ accept: ACCEPT }), call())).toBeDefined();
    expect(directPost(headers({ accept: 'text/event-stream;q=0.9, application/json' }), call())).toBeDefined();
    for (const version of SUPPORTED_PROTOCOL_VERSIONS) expect(directPost(headers({ accept: ACCEPT, 'mcp-protocol-version': version }), call())).toBeDefined();
    expect(directPost(headers({}), call())).toBeUndefined();
    expect(directPost(headers({ accept: 'application/json' }), call())).toBeUndefined();
    expect(directPost(headers({ accept: 'text/event-stream' }), call())).toBeUndefined();
    expect(directPost(headers({ accept: '*/*' }), call())).toBeUndefined();
    expect(directPost(headers({ accept: ACCEPT, 'mcp-protocol-version': '2024-01-01' }), call())).toBeUndefined();
    expect(directPost(headers({ accept: ACCEPT, 'mcp-protocol-version': '2026-07-28' }), call())).toBeUndefined();
    expect(directPost(headers({ accept: ACCEPT, 'mcp-protocol-version': '2025-11-25, 2025-06-18' }), call())).toBeUndefined();
  });
});

describe('resumptionOf: which GETs the session may resume itself', () => {
  const get = (headers: Record<string, string>): IncomingMessage => ({ headers } as unknown as IncomingMessage);
  it('takes a Last-Event-ID only where the SDK transport would accept the GET', () => {
    expect(resumptionOf(get({ accept: 'text/event-stream', 'last-event-id': 's_2' }))).toBe('s_2');
    expect(resumptionOf(get({ accept: 'text/event-stream', 'last-event-id': 's_2', 'mcp-protocol-version': '2025-11-25' }))).toBe('s_2');
    expect(resumptionOf(get({ accept: 'text/event-stream', 'last-event-id': 's_2', 'mcp-protocol-version': '2024-01-01' }))).toBeUndefined();
    expect(resumptionOf(get({ accept: 'application/json', 'last-event-id': 's_2' }))).toBeUndefined();
    expect(resumptionOf(get({ accept: 'text/event-stream' }))).toBeUndefined();
  });
});

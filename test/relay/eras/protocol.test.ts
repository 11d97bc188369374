import { describe, expect, it } from 'vitest';
import { readEnvelope, withEnvelope, withoutEnvelope } from '../../../src/relay/eras/protocol.js';
import {
  acknowledgement, completeResult, discoverFromInitialize, filterMatches, honouredFilter, initializeFromDiscover, inputRequestOf,
  logLevelPasses, readFilter, stampSubscription, withCacheHints,
} from '../../../src/relay/eras/results.js';

describe('era adapter: pure translations', () => {
  it('adds resultType, and conservative cache hints on cacheable results only', () => {
    expect(completeResult({ content: [] }, 'tools/call')).toEqual({ content: [], resultType: 'complete' });
    expect(completeResult({ tools: [] }, 'tools/list')).toEqual({ tools: [], resultType: 'complete', ttlMs: 0, cacheScope: 'private' });
    expect(completeResult({ resultType: 'input_required', ttlMs: 5, cacheScope: 'public' }, 'resources/read')).toEqual({ resultType: 'input_required', ttlMs: 5, cacheScope: 'public' });
    expect(completeResult({ resultType: 'input_required', inputRequests: {} }, 'resources/read')).toEqual({ resultType: 'input_required', inputRequests: {} });
    expect(completeResult({ contents: [], ttlMs: 60_000, cacheScope: 'public' }, 'resources/read')).toMatchObject({ ttlMs: 60_000, cacheScope: 'public' });
    expect(withCacheHints({ ttlMs: -1, cacheScope: 'shared' })).toEqual({ ttlMs: 0, cacheScope: 'private' });
    expect(withCacheHints({ ttlMs: 1.5 })).toEqual({ ttlMs: 0, cacheScope: 'private' });
  });

  it('synthesises server/discover from an initialize result and back', () => {
    const init = { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 's', version: '1' }, instructions: 'hi' };
    const discover = discoverFromInitialize(init);
    expect(discoverFromInitialize(init, ['2026-07-28', '2025-11-25']).supportedVersions).toEqual(['2026-07-28', '2025-11-25']);
    expect(discover).toEqual({
      supportedVersions: ['2026-07-28'], capabilities: { tools: {} }, instructions: 'hi', resultType: 'complete', ttlMs: 0, cacheScope: 'private',
      _meta: { 'io.modelcontextprotocol/serverInfo': { name: 's', version: '1' } },
    });
    expect(initializeFromDiscover(discover, '2025-06-18', ['2025-11-25', '2025-06-18'])).toEqual({ protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 's', version: '1' }, instructions: 'hi' });
    expect(initializeFromDiscover({ capabilities: {} }, '1999-01-01', ['2025-11-25']).protocolVersion).toBe('2025-11-25');
  });

  it('reads and adds the per-request envelope; the request\'s own _meta keys win', () => {
    const env = { protocolVersion: '2026-07-28', clientCapabilities: { sampling: {} }, clientInfo: { name: 'c', version: '1' }, logLevel: 'info' };
    const req = withEnvelope({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: { progressToken: 7 } } }, env);
    expect(readEnvelope(req.params)).toEqual(env);
    expect(req.params?._meta?.progressToken).toBe(7);
    expect(readEnvelope({ _meta: {} })).toBeUndefined();
  });

  it('embeds a child\'s server→client request without framing or _meta', () => {
    expect(inputRequestOf('sampling/createMessage', { messages: [], maxTokens: 5, _meta: { progressToken: 1 } })).toEqual({ method: 'sampling/createMessage', params: { messages: [], maxTokens: 5 } });
    expect(inputRequestOf('roots/list', {})).toEqual({ method: 'roots/list' });
  });

  it('honours only what the child can deliver, and filters and stamps its notifications', () => {
    const filter = readFilter({ notifications: { toolsListChanged: true, promptsListChanged: true, resourceSubscriptions: ['a://1', 3] } });
    expect(filter).toEqual({ toolsListChanged: true, promptsListChanged: true, resourceSubscriptions: ['a://1'] });
    const honoured = honouredFilter(filter, { tools: { listChanged: true }, prompts: {}, resources: { subscribe: true } });
    expect(honoured).toEqual({ toolsListChanged: true, resourceSubscriptions: ['a://1'] });
    expect(filterMatches(honoured, { jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri: 'a://1' } })).toBe(true);
    expect(filterMatches(honoured, { jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri: 'a://2' } })).toBe(false);
    expect(filterMatches(honoured, { jsonrpc: '2.0', method: 'notifications/prompts/list_changed' })).toBe(false);
    expect(stampSubscription({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' }, 'L1').params?._meta).toEqual({ 'io.modelcontextprotocol/subscriptionId': 'L1' });
    expect(acknowledgement(honoured, 9).params).toEqual({ notifications: honoured, _meta: { 'io.modelcontextprotocol/subscriptionId': 9 } });
  });

  it('filters log notifications by the requested level', () => {
    expect(logLevelPasses('error', 'warning')).toBe(true);
    expect(logLevelPasses('debug', 'info')).toBe(false);
    expect(logLevelPasses('odd', 'info')).toBe(true);
  });
});

describe('withoutEnvelope', () => {
  it('takes the envelope keys out of params._meta and keeps everything else', () => {
    const m = { jsonrpc: '2.0' as const, id: 1, method: 'tools/call', params: { name: 'x', _meta: { progressToken: 3, 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {}, 'io.modelcontextprotocol/clientInfo': { name: 'c' }, 'io.modelcontextprotocol/logLevel': 'info', other: 1 } } };
    expect(withoutEnvelope(m)).toEqual({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x', _meta: { progressToken: 3, other: 1 } } });
    expect(withoutEnvelope({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } } })).toEqual({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} });
  });

  it('returns messages without an envelope unchanged (same object)', () => {
    const plain = { jsonrpc: '2.0' as const, id: 1, method: 'ping' };
    expect(withoutEnvelope(plain)).toBe(plain);
    const response = { jsonrpc: '2.0' as const, id: 1, result: { _meta: { 'io.modelcontextprotocol/protocolVersion': 'x' } } };
    expect(withoutEnvelope(response)).toBe(response);
  });
});

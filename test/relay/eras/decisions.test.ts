import { describe, expect, it } from 'vitest';
import { ADAPTER_CLIENT_CAPABILITIES, capabilityNames, missingCapabilities, requiredCapabilities } from '../../../src/relay/eras/client-capabilities.js';
import { isRemovedMethod } from '../../../src/relay/eras/removed-methods.js';
import { supportedVersions } from '../../../src/relay/eras/supported-versions.js';
import { unknownResourceError } from '../../../src/relay/eras/unknown-resource.js';
import { modernErrorStatus } from '../../../src/proxy/http/modern-error-status.js';

describe('era adapter: per-request client capabilities', () => {
  it('initialises a 2025-era child with everything the adapter can serve', () => {
    expect(ADAPTER_CLIENT_CAPABILITIES).toEqual({ sampling: { context: {}, tools: {} }, elicitation: { form: {}, url: {} }, roots: {} });
    for (const [method, params] of [['sampling/createMessage', { tools: [], includeContext: 'thisServer' }], ['elicitation/create', { mode: 'url' }], ['elicitation/create', {}], ['roots/list', {}]] as const) {
      expect(missingCapabilities(requiredCapabilities(method, params)!, { ...ADAPTER_CLIENT_CAPABILITIES })).toBeUndefined();
    }
  });

  it('names what each server→client request needs (modes, tools, context)', () => {
    expect(requiredCapabilities('elicitation/create', { message: 'x' })).toEqual({ elicitation: { form: {} } });
    expect(requiredCapabilities('elicitation/create', { mode: 'url', url: 'https://x' })).toEqual({ elicitation: { url: {} } });
    expect(requiredCapabilities('sampling/createMessage', { messages: [] })).toEqual({ sampling: {} });
    expect(requiredCapabilities('sampling/createMessage', { toolChoice: { mode: 'auto' }, includeContext: 'allServers' })).toEqual({ sampling: { tools: {}, context: {} } });
    expect(requiredCapabilities('sampling/createMessage', { includeContext: 'none' })).toEqual({ sampling: {} });
    expect(requiredCapabilities('roots/list', undefined)).toEqual({ roots: {} });
    expect(requiredCapabilities('tools/list', undefined)).toBeUndefined();
  });

  it('finds what a request did not declare; a bare elicitation declaration means form mode', () => {
    expect(missingCapabilities({ sampling: {} }, {})).toEqual({ sampling: {} });
    expect(missingCapabilities({ sampling: {} }, { sampling: {} })).toBeUndefined();
    expect(missingCapabilities({ sampling: { tools: {} } }, { sampling: {} })).toEqual({ sampling: { tools: {} } });
    expect(missingCapabilities({ elicitation: { form: {} } }, { elicitation: {} })).toBeUndefined();
    expect(missingCapabilities({ elicitation: { form: {} } }, { elicitation: { url: {} } })).toEqual({ elicitation: { form: {} } });
    expect(missingCapabilities({ elicitation: { url: {} } }, { elicitation: {} })).toEqual({ elicitation: { url: {} } });
    expect(missingCapabilities({ roots: {} }, { roots: 'yes' })).toEqual({ roots: {} });
    expect(capabilityNames({ sampling: {}, elicitation: { url: {} } })).toEqual(['sampling', 'elicitation.url']);
  });
});

describe('era adapter: the revision\'s other rules', () => {
  it('knows the methods 2026-07-28 removed and passes every other method on', () => {
    for (const m of ['ping', 'logging/setLevel', 'resources/subscribe', 'resources/unsubscribe', 'initialize']) expect(isRemovedMethod(m)).toBe(true);
    for (const m of ['tools/call', 'server/discover', 'subscriptions/listen', 'completion/complete', 'vendor/custom']) expect(isRemovedMethod(m)).toBe(false);
  });

  it('advertises the same versions in server/discover and -32022; without 2026-07-28 only the 2025 ones', () => {
    expect(supportedVersions(true)[0]).toBe('2026-07-28');
    expect(supportedVersions(true)).toEqual(expect.arrayContaining(['2025-11-25', '2025-06-18', '2025-03-26']));
    expect(supportedVersions(false)).toEqual(supportedVersions(true).slice(1));
  });

  it('answers an unknown resource with -32602 and data.uri, whichever code the 2025 child used', () => {
    expect(unknownResourceError({ code: -32002, message: 'Resource not found' }, 'a://x')).toEqual({ code: -32602, message: 'Resource not found', data: { uri: 'a://x' } });
    expect(unknownResourceError({ code: -32602, message: 'no', data: { uri: 'a://y' } }, 'a://x')).toEqual({ code: -32602, message: 'no', data: { uri: 'a://x' } });
    expect(unknownResourceError({ code: -32603, message: 'boom' }, 'a://x')).toEqual({ code: -32603, message: 'boom' });
  });

  it('maps -32601 to HTTP 404 and -32021 to 400; other answers keep the transport\'s status', () => {
    expect(modernErrorStatus({ jsonrpc: '2.0', id: 1, error: { code: -32601, message: 'x' } })).toBe(404);
    expect(modernErrorStatus({ jsonrpc: '2.0', id: 1, error: { code: -32021, message: 'x' } })).toBe(400);
    expect(modernErrorStatus({ jsonrpc: '2.0', id: 1, error: { code: -32602, message: 'x' } })).toBeUndefined();
    expect(modernErrorStatus({ jsonrpc: '2.0', id: 1, result: {} })).toBeUndefined();
  });
});

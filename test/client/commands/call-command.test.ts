import { describe, expect, it } from 'vitest';
import { prepareCall } from '../../../src/client/commands/call-command.js';
import { formatCallResult } from '../../../src/client/commands/call-output.js';
import { isClientError } from '../../../src/shared/errors.js';

const tools = [
  { name: 'echo', inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] } },
  { name: 'add', inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] } },
];

describe('prepareCall', () => {
  it('finds the tool and parses its arguments', () => {
    expect(prepareCall("echo message='hello world'", tools)).toEqual({ toolName: 'echo', arguments: { message: 'hello world' } });
    expect(prepareCall('add {"a":1,"b":2}', tools)).toEqual({ toolName: 'add', arguments: { a: 1, b: 2 } });
  });
  it('an unknown tool is UNKNOWN_TOOL listing what exists', () => {
    try {
      prepareCall('nope x=1', tools);
      expect.unreachable();
    } catch (error) {
      expect(isClientError(error, 'UNKNOWN_TOOL')).toBe(true);
      expect((error as Error).message).toBe("unknown tool 'nope'. Available tools: add, echo");
    }
  });
});

describe('formatCallResult', () => {
  it('prints text as-is and summarises other content', () => {
    const out = formatCallResult({
      content: [
        { type: 'text', text: 'line one' },
        { type: 'image', mimeType: 'image/png', data: 'AAAA' },
        { type: 'audio', mimeType: 'audio/wav', data: 'AAAAAAAA' },
        { type: 'resource_link', uri: 'file:///x', name: 'x' },
        { type: 'resource', resource: { uri: 'test://t', mimeType: 'text/plain', text: 'embedded' } },
        { type: 'resource', resource: { uri: 'test://b', blob: 'AAAA' } },
        { type: 'mystery' },
      ],
    });
    expect(out.split('\n')).toEqual([
      'line one',
      '[image: image/png, 3 bytes]',
      '[audio: audio/wav, 6 bytes]',
      '[resource link: file:///x (x)]',
      '[resource: test://t, text/plain]',
      'embedded',
      '[resource: test://b, 3 bytes]',
      '[mystery content]',
    ]);
  });
  it('falls back to structured content when there is no content', () => {
    expect(formatCallResult({ content: [], structuredContent: { ok: true } })).toBe('{\n  "ok": true\n}');
  });
});

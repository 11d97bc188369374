import { describe, expect, it } from 'vitest';
import { filterToolsListAnswer, globToRegExp, hiddenToolCallAnswer, ToolFilterStage, toolVisibility } from '../../src/relay/tool-filter.js';
import type { JsonRpcMessage } from '../../src/shared/jsonrpc.js';

const list = (id: number, names: string[], extra: Record<string, unknown> = {}): JsonRpcMessage => ({ jsonrpc: '2.0', id, result: { tools: names.map((name) => ({ name, inputSchema: { type: 'object' } })), ...extra } });
const namesOf = (m: JsonRpcMessage): string[] => ((m as unknown as { result: { tools: Array<{ name: string }> } }).result.tools).map((t) => t.name);

describe('tool filter: globs', () => {
  it('* is any run (none included), ? exactly one character, anchored at both ends', () => {
    expect(globToRegExp('read_*').test('read_file')).toBe(true);
    expect(globToRegExp('read_*').test('read_')).toBe(true);
    expect(globToRegExp('read_*').test('xread_file')).toBe(false);
    expect(globToRegExp('?dd').test('add')).toBe(true);
    expect(globToRegExp('?dd').test('dd')).toBe(false);
    expect(globToRegExp('?dd').test('adds')).toBe(false);
    expect(globToRegExp('*').test('')).toBe(true);
  });

  it('is case-sensitive and treats every other character literally (regex syntax included)', () => {
    expect(globToRegExp('Echo').test('echo')).toBe(false);
    expect(globToRegExp('a.b').test('axb')).toBe(false);
    expect(globToRegExp('a.b').test('a.b')).toBe(true);
    expect(globToRegExp('fs/(read)+[x]{2}|$^\\').test('fs/(read)+[x]{2}|$^\\')).toBe(true);
    expect(globToRegExp('tool-name').test('tool-name')).toBe(true);
    expect(globToRegExp('?').test('é')).toBe(true);
    expect(globToRegExp('?').test('😀')).toBe(true); // one code point, not one UTF-16 unit
  });

  it('deny wins over allow; an empty allow list allows every tool', () => {
    const visible = toolVisibility({ allow: ['read_*', 'echo'], deny: ['read_secret*'] });
    expect(visible('read_file')).toBe(true);
    expect(visible('echo')).toBe(true);
    expect(visible('read_secrets')).toBe(false);
    expect(visible('write_file')).toBe(false);
    const denyOnly = toolVisibility({ allow: [], deny: ['crash', 'h?ng'] });
    expect(denyOnly('echo')).toBe(true);
    expect(denyOnly('hang')).toBe(false);
    expect(denyOnly('crash')).toBe(false);
    expect(toolVisibility({ allow: [], deny: [] })('anything')).toBe(true);
  });
});

describe('tool filter: messages', () => {
  const visible = toolVisibility({ allow: [], deny: ['secret*'] });

  it('a tools/list answer loses hidden tools and keeps everything else (cursor, _meta, unknown keys)', () => {
    const answer = list(1, ['echo', 'secret_a', 'add'], { nextCursor: 'c2', _meta: { m: 1 }, extra: true });
    const out = filterToolsListAnswer(visible, answer) as { result: Record<string, unknown> };
    expect(namesOf(out as JsonRpcMessage)).toEqual(['echo', 'add']);
    expect(out.result.nextCursor).toBe('c2');
    expect(out.result._meta).toEqual({ m: 1 });
    expect(out.result.extra).toBe(true);
    expect(namesOf(answer)).toEqual(['echo', 'secret_a', 'add']); // the input is not changed
  });

  it('a page of hidden tools only becomes empty and still carries its cursor', () => {
    const out = filterToolsListAnswer(visible, list(2, ['secret_a', 'secret_b'], { nextCursor: 'next' })) as { result: Record<string, unknown> };
    expect(out.result.tools).toEqual([]);
    expect(out.result.nextCursor).toBe('next');
  });

  it('errors, results without tools and unchanged pages pass as the same object', () => {
    const error: JsonRpcMessage = { jsonrpc: '2.0', id: 3, error: { code: -32603, message: 'x' } };
    expect(filterToolsListAnswer(visible, error)).toBe(error);
    const other: JsonRpcMessage = { jsonrpc: '2.0', id: 4, result: { resources: [] } };
    expect(filterToolsListAnswer(visible, other)).toBe(other);
    const clean = list(5, ['echo']);
    expect(filterToolsListAnswer(visible, clean)).toBe(clean);
  });

  it('a call of a hidden tool is answered -32602 "Unknown tool: <name>"; a visible one is not', () => {
    expect(hiddenToolCallAnswer(visible, { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'secret_a', arguments: {} } }))
      .toEqual({ jsonrpc: '2.0', id: 9, error: { code: -32602, message: 'Unknown tool: secret_a' } });
    expect(hiddenToolCallAnswer(visible, { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'echo' } })).toBeUndefined();
    expect(hiddenToolCallAnswer(visible, { jsonrpc: '2.0', id: 9, method: 'prompts/get', params: { name: 'secret_a' } })).toBeUndefined();
  });
});

describe('tool filter: the stage of a 2025 session (answers matched by id)', () => {
  it('filters only the answers to the client\'s tools/list requests, once each', () => {
    const stage = new ToolFilterStage({ allow: [], deny: ['secret*'] });
    expect(stage.fromClient({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} })).toBeUndefined();
    expect(namesOf(stage.toClient(list(1, ['echo', 'secret_a'])))).toEqual(['echo']);
    // The same id again, now not a listing (answered already): passes unchanged.
    const again = list(1, ['echo', 'secret_a']);
    expect(stage.toClient(again)).toBe(again);
    // A response to another request with a tools array (not a tools/list) is not touched.
    stage.fromClient({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo' } });
    const result = list(2, ['secret_a']);
    expect(stage.toClient(result)).toBe(result);
  });

  it('an id reused for another method after an unanswered tools/list is no longer a listing', () => {
    const stage = new ToolFilterStage({ allow: [], deny: ['secret*'] });
    stage.fromClient({ jsonrpc: '2.0', id: 'a', method: 'tools/list' });
    stage.fromClient({ jsonrpc: '2.0', id: 'a', method: 'prompts/list' });
    const answer = list(0, ['secret_a']);
    const reused = { ...answer, id: 'a' } as JsonRpcMessage;
    expect(stage.toClient(reused)).toBe(reused);
  });

  it('answers a hidden tool call in place of the server; notifications and other requests pass', () => {
    const stage = new ToolFilterStage({ allow: ['echo'], deny: [] });
    expect(stage.fromClient({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'add' } })).toEqual({ jsonrpc: '2.0', id: 3, error: { code: -32602, message: 'Unknown tool: add' } });
    expect(stage.fromClient({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'echo' } })).toBeUndefined();
    expect(stage.fromClient({ jsonrpc: '2.0', method: 'notifications/initialized' })).toBeUndefined();
    const note: JsonRpcMessage = { jsonrpc: '2.0', method: 'notifications/tools/list_changed' };
    expect(stage.toClient(note)).toBe(note);
  });
});

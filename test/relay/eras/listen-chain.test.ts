import { describe, expect, it } from 'vitest';
import { ListenChain } from '../../../src/relay/eras/listen-chain.js';
import type { JsonRpcMessage } from '../../../src/shared/jsonrpc.js';

const SUB = 'io.modelcontextprotocol/subscriptionId';
const ack = (id: string): JsonRpcMessage => ({ jsonrpc: '2.0', method: 'notifications/subscriptions/acknowledged', params: { _meta: { [SUB]: id } } });
const update = (id: string) => ({ jsonrpc: '2.0' as const, method: 'notifications/resources/updated', params: { uri: 'u', _meta: { [SUB]: id } } });

function chain(openOk = true) {
  const log: string[] = [];
  const answers: JsonRpcMessage[] = [];
  const c = new ListenChain({
    open: (id, uris) => (log.push(`open ${id} ${uris.join(',')}`), openOk),
    cancel: (id) => void log.push(`cancel ${id}`),
    answer: (m) => void answers.push(m),
  });
  return { c, log, answers };
}

describe('ListenChain (make-before-break subscriptions for a 2025 client on a modern peer)', () => {
  it('opens the new listen first, answers the subscribe on its acknowledgement, then cancels the old one', () => {
    const { c, log, answers } = chain();
    c.reopen('L1', []);
    expect(c.consume(ack('L1'))).toBe(true);
    c.reopen('L2', ['u'], 7);
    expect(log).toEqual(['open L1 ', 'open L2 u']);
    expect(answers).toEqual([]);
    expect(c.isCurrent(update('L1'))).toBe(true);
    expect(c.isCurrent(update('L2'))).toBe(false); // overlap: the old listen still delivers
    c.consume(ack('L2'));
    expect(log).toEqual(['open L1 ', 'open L2 u', 'cancel L1']);
    expect(answers).toEqual([{ jsonrpc: '2.0', id: 7, result: {} }]);
    expect(c.isCurrent(update('L2'))).toBe(true);
    expect(c.isCurrent(update('L1'))).toBe(false);
  });

  it('a listen superseded before its acknowledgement is cancelled and its waiters move on', () => {
    const { c, log, answers } = chain();
    c.reopen('L1', ['a'], 1);
    c.reopen('L2', ['a', 'b'], 2);
    expect(log).toEqual(['open L1 a', 'cancel L1', 'open L2 a,b']);
    c.consume(ack('L1')); // late ack of the superseded listen: ignored
    expect(answers).toEqual([]);
    c.consume(ack('L2'));
    expect(answers.map((m) => (m as { id: number }).id)).toEqual([1, 2]);
  });

  it('a refused listen fails the waiting subscribes; a gone peer fails them too', () => {
    const { c, answers } = chain();
    c.reopen('L1', ['a'], 1);
    expect(c.consume({ jsonrpc: '2.0', id: 'L1', error: { code: -32602, message: 'bad filter' } })).toBe(true);
    expect(answers).toEqual([{ jsonrpc: '2.0', id: 1, error: { code: -32602, message: 'bad filter' } }]);
    const dead = chain(false);
    dead.c.reopen('L1', ['a'], 9);
    expect(dead.answers).toEqual([{ jsonrpc: '2.0', id: 9, error: { code: -32603, message: 'the MCP server is not running' } }]);
  });

  it('leaves other messages alone', () => {
    const { c } = chain();
    c.reopen('L1', []);
    expect(c.consume({ jsonrpc: '2.0', id: 'r1', result: {} })).toBe(false);
    expect(c.consume({ jsonrpc: '2.0', method: 'notifications/progress', params: {} })).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { LineFramer } from '../../src/shared/line-framer.js';

function framer(max = 100) {
  const lines: string[] = [];
  const oversize: number[] = [];
  const f = new LineFramer({ maxLineBytes: max, onLine: (l) => lines.push(l), onOversize: (n) => oversize.push(n) });
  return { f, lines, oversize };
}

describe('LineFramer', () => {
  it('reassembles a line split across reads and splits several lines in one read', () => {
    const { f, lines } = framer();
    f.push(Buffer.from('{"a":'));
    f.push(Buffer.from('1}\n{"b":2}\n{"c"'));
    f.push(Buffer.from(':3}\r\n'));
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it('keeps multi-byte characters split across reads intact', () => {
    const { f, lines } = framer();
    const bytes = Buffer.from('"héllo ✓"\n');
    f.push(bytes.subarray(0, 3));
    f.push(bytes.subarray(3));
    expect(lines).toEqual(['"héllo ✓"']);
  });

  it('drops only the oversized line and goes on with the next', () => {
    const { f, lines, oversize } = framer(10);
    f.push(Buffer.from('short\n'));
    f.push(Buffer.from('x'.repeat(8)));
    f.push(Buffer.from('y'.repeat(8)));
    f.push(Buffer.from('z\nafter\n'));
    expect(lines).toEqual(['short', 'after']);
    expect(oversize).toEqual([17]);
  });

  it('skips blank lines and flushes an unterminated last line at end', () => {
    const { f, lines } = framer();
    f.push(Buffer.from('\n\n  \nlast'));
    f.end();
    expect(lines).toEqual(['last']);
  });
});

describe('LineFramer with jsonOnly (child stdout)', () => {
  function jsonFramer(max = 1_000_000) {
    const lines: string[] = [];
    const skipped: Array<[string, number]> = [];
    const f = new LineFramer({ maxLineBytes: max, jsonOnly: true, onLine: (l) => lines.push(l), onOversize: () => undefined, onNonJson: (p, n) => skipped.push([p, n]) });
    return { f, lines, skipped };
  }

  it('decides at the first byte: a 10 MB line without a JSON start is never held', () => {
    const { f, lines, skipped } = jsonFramer(16 * 1024 * 1024);
    f.push(Buffer.from('Server starting... '));
    let maxHeld = 0;
    const chunk = Buffer.alloc(64 * 1024, 'a');
    for (let i = 0; i < 160; i += 1) {
      f.push(chunk);
      maxHeld = Math.max(maxHeld, f.bufferedBytes);
    }
    f.push(Buffer.from('\n{"jsonrpc":"2.0","id":1,"result":{}}\n'));
    expect(maxHeld).toBeLessThanOrEqual(200);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]![0].startsWith('Server starting... aaa')).toBe(true);
    expect(skipped[0]![1]).toBe(19 + 160 * 64 * 1024);
    expect(lines).toEqual(['{"jsonrpc":"2.0","id":1,"result":{}}']);
    expect(f.bufferedBytes).toBe(0);
  });

  it('keeps lines that start with { or [ after leading blanks, split across reads', () => {
    const { f, lines, skipped } = jsonFramer();
    f.push(Buffer.from('   '));
    f.push(Buffer.from(' {"a":1}\n\t[1,2]\r\n'));
    f.push(Buffer.from('banner line\r\n'));
    expect(lines).toEqual(['{"a":1}', '[1,2]']);
    expect(skipped).toEqual([['banner line', 11 + 1]]);
  });

  it('still drops an oversized JSON line and goes on', () => {
    const lines: string[] = [];
    const oversize: number[] = [];
    const f = new LineFramer({ maxLineBytes: 10, jsonOnly: true, onLine: (l) => lines.push(l), onOversize: (n) => oversize.push(n) });
    f.push(Buffer.from('{"x":"' + 'y'.repeat(20) + '"}\n{"b":2}\n'));
    expect(oversize).toEqual([28]);
    expect(lines).toEqual(['{"b":2}']);
  });
});

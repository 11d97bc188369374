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

import { describe, expect, it } from 'vitest';
import { splitCallSpec, splitShellWords } from '../../../src/client/commands/shell-words.js';
import { isClientError } from '../../../src/shared/errors.js';

describe('splitShellWords', () => {
  it('splits on whitespace', () => {
    expect(splitShellWords('  a b\tc\n d ')).toEqual(['a', 'b', 'c', 'd']);
  });
  it('keeps single-quoted text literal, also mid-word', () => {
    expect(splitShellWords("message='hello world' x='a\\b'")).toEqual(['message=hello world', 'x=a\\b']);
  });
  it('handles double quotes with escapes', () => {
    expect(splitShellWords('say "a \\"quoted\\" \\\\ word" "\\n"')).toEqual(['say', 'a "quoted" \\ word', '\\n']);
  });
  it('handles backslash escapes outside quotes and empty quoted words', () => {
    expect(splitShellWords("a\\ b '' \"\"")).toEqual(['a b', '', '']);
  });
  it('rejects unterminated quotes with a typed error', () => {
    for (const text of ["'abc", '"abc', 'abc\\']) {
      let caught: unknown;
      try {
        splitShellWords(text);
      } catch (error) {
        caught = error;
      }
      expect(isClientError(caught, 'BAD_ARGUMENTS')).toBe(true);
    }
  });
});

describe('splitCallSpec', () => {
  it('separates the tool name from the untouched rest', () => {
    expect(splitCallSpec('  add {"a":1, "b":2}')).toEqual({ toolName: 'add', rest: '{"a":1, "b":2}' });
    expect(splitCallSpec('echo')).toEqual({ toolName: 'echo', rest: '' });
    expect(splitCallSpec("'my tool' x=1")).toEqual({ toolName: 'my tool', rest: 'x=1' });
  });
  it('rejects an empty spec', () => {
    expect(() => splitCallSpec('   ')).toThrow(/no tool name/);
  });
});

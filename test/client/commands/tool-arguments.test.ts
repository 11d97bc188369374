import { describe, expect, it } from 'vitest';
import { parseToolArguments } from '../../../src/client/commands/tool-arguments.js';
import { isClientError } from '../../../src/shared/errors.js';
import type { ToolInputSchema } from '../../../src/client/commands/tool-schema.js';

const echo: ToolInputSchema = { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] };
const add: ToolInputSchema = { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] };
const rich: ToolInputSchema = {
  type: 'object',
  properties: {
    code: { type: 'string' },
    count: { type: 'integer' },
    ratio: { type: 'number' },
    on: { type: 'boolean' },
    tags: { type: 'array', items: { type: 'string' } },
    opts: { type: 'object' },
    mode: { type: 'string', enum: ['fast', 'slow'] },
    maybe: { type: ['integer', 'null'] },
    any: {},
  },
  required: [],
};

function errorOf(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a throw');
}

describe('parseToolArguments', () => {
  it('shell-like quoting: echo message=\'hello world\'', () => {
    expect(parseToolArguments('echo', "message='hello world'", echo)).toEqual({ message: 'hello world' });
  });

  it('coerces key=value by the schema type; strings keep leading zeros', () => {
    expect(parseToolArguments('t', 'code=007 count=7 ratio=0.5 on=true tags=\'["x","y"]\' opts=\'{"k":1}\' mode=fast maybe=null', rich)).toEqual({
      code: '007',
      count: 7,
      ratio: 0.5,
      on: true,
      tags: ['x', 'y'],
      opts: { k: 1 },
      mode: 'fast',
      maybe: null,
    });
    expect(parseToolArguments('t', 'maybe=3 any=007 on=no', rich)).toEqual({ maybe: 3, any: '007', on: false });
  });

  it('key:=JSON passes a raw JSON value', () => {
    expect(parseToolArguments('t', 'count:=5 opts:=\'{"deep":[1,2]}\' any:=\'"s"\'', rich)).toEqual({ count: 5, opts: { deep: [1, 2] }, any: 's' });
  });

  it('accepts a single JSON object, raw or quoted', () => {
    expect(parseToolArguments('add', '{"a":1,"b":2}', add)).toEqual({ a: 1, b: 2 });
    expect(parseToolArguments('add', '\'{"a": 1, "b": 2}\'', add)).toEqual({ a: 1, b: 2 });
  });

  it('bare words fill the one required parameter', () => {
    expect(parseToolArguments('echo', 'hi', echo)).toEqual({ message: 'hi' });
    expect(parseToolArguments('echo', 'hello   there world', echo)).toEqual({ message: 'hello there world' });
    expect(parseToolArguments('echo', '"hello   there"', echo)).toEqual({ message: 'hello   there' });
  });

  it('a tool without parameters takes no arguments', () => {
    expect(parseToolArguments('ping', '', { type: 'object', properties: {} })).toEqual({});
    expect(parseToolArguments('ping', '', { type: 'object' })).toEqual({});
  });

  it('an open schema (no properties) accepts any key as a string', () => {
    expect(parseToolArguments('free', 'x=1 y:=2', { type: 'object' })).toEqual({ x: '1', y: 2 });
  });

  it('unknown parameter → BAD_ARGUMENTS naming the parameters', () => {
    const error = errorOf(() => parseToolArguments('add', 'a=1 b=2 c=3', add));
    expect(isClientError(error, 'BAD_ARGUMENTS')).toBe(true);
    expect(error.message).toContain("unknown parameter 'c'");
    expect(error.message).toContain('a (number, required), b (number, required)');
  });

  it('unknown key in a JSON object is rejected too', () => {
    expect(errorOf(() => parseToolArguments('add', '{"a":1,"b":2,"z":0}', add)).message).toContain("unknown parameter 'z'");
  });

  it('missing required parameter', () => {
    const error = errorOf(() => parseToolArguments('add', 'a=1', add));
    expect(error.code).toBe('BAD_ARGUMENTS');
    expect(error.message).toContain("missing required parameter 'b'");
    expect(errorOf(() => parseToolArguments('add', '', add)).message).toContain("parameters 'a', 'b'");
  });

  it('uncoercible values', () => {
    expect(errorOf(() => parseToolArguments('add', 'a=one b=2', add)).message).toContain("parameter 'a' must be number, got \"one\"");
    expect(errorOf(() => parseToolArguments('t', 'count=1.5', rich)).message).toContain("'count' must be integer");
    expect(errorOf(() => parseToolArguments('t', 'on=maybe', rich)).message).toContain("'on' must be boolean");
    expect(errorOf(() => parseToolArguments('t', 'tags=x,y', rich)).message).toContain("'tags' must be array");
    expect(errorOf(() => parseToolArguments('t', 'mode=medium', rich)).message).toContain('one of "fast", "slow"');
    expect(errorOf(() => parseToolArguments('t', 'count:=\'"7"\'', rich)).message).toContain("'count' must be integer, got string");
    expect(errorOf(() => parseToolArguments('t', 'opts:={bad', rich)).message).toContain("'opts:=' needs a JSON value");
  });

  it('bare words are refused when the tool does not have exactly one required parameter', () => {
    expect(errorOf(() => parseToolArguments('add', '1 2', add)).message).toContain('bare words are accepted only');
    expect(errorOf(() => parseToolArguments('echo', 'message=a b', echo)).message).toContain("'message' given both");
  });

  it('duplicate keys and bad JSON objects are rejected', () => {
    expect(errorOf(() => parseToolArguments('add', 'a=1 a=2 b=3', add)).message).toContain('more than once');
    expect(errorOf(() => parseToolArguments('add', '{"a":1', add)).message).toContain('one JSON object');
    expect(errorOf(() => parseToolArguments('add', "a='1", add)).message).toContain('unterminated');
  });
});

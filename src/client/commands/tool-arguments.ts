/**
 * Turns the ARGS part of `-c "TOOL ARGS"` into a `tools/call` arguments object, guided by the tool's
 * input schema. Accepted forms:
 *   - a single JSON object:            add {"a":1,"b":2}
 *   - key=value, coerced by the schema: echo message='hello world' count=3
 *   - key:=JSON, a raw JSON value:      set tags:='["a","b"]'
 *   - bare words, when the tool has exactly one required parameter: echo hello world
 * Every failure is a ClientError('BAD_ARGUMENTS') whose message names the tool's parameters. Pure.
 */

import { ClientError } from '../../shared/errors.js';
import { splitShellWords } from './shell-words.js';
import {
  declaredTypes,
  describeParameters,
  propertyNames,
  requiredNames,
  type PropertySchema,
  type ToolInputSchema,
} from './tool-schema.js';
import { isObject } from '../../shared/is-object.js';

export type ToolArguments = Record<string, unknown>;

const KEY_VALUE = /^([A-Za-z_$][\w.$-]*)(:=|=)([\s\S]*)$/;

function fail(toolName: string, schema: ToolInputSchema, problem: string): never {
  throw new ClientError('BAD_ARGUMENTS', `${toolName}: ${problem}. Parameters: ${describeParameters(schema)}`);
}

function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function matchesType(value: unknown, type: string): boolean {
  const actual = jsonTypeOf(value);
  if (type === 'number') return actual === 'number' || actual === 'integer';
  return actual === type;
}

function tryJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** Converts `raw` to one JSON type, or reports that it cannot. */
function coerceTo(raw: string, type: string): { ok: true; value: unknown } | { ok: false } {
  switch (type) {
    case 'string':
      return { ok: true, value: raw };
    case 'integer': {
      if (!/^[+-]?\d+$/.test(raw.trim())) return { ok: false };
      const n = Number(raw);
      return Number.isSafeInteger(n) ? { ok: true, value: n } : { ok: false };
    }
    case 'number': {
      if (raw.trim() === '') return { ok: false };
      const n = Number(raw);
      return Number.isFinite(n) ? { ok: true, value: n } : { ok: false };
    }
    case 'boolean': {
      const v = raw.trim().toLowerCase();
      if (['true', 'yes', 'on', '1'].includes(v)) return { ok: true, value: true };
      if (['false', 'no', 'off', '0'].includes(v)) return { ok: true, value: false };
      return { ok: false };
    }
    case 'null':
      return raw.trim() === 'null' ? { ok: true, value: null } : { ok: false };
    case 'array':
    case 'object': {
      const parsed = tryJson(raw);
      return parsed.ok && matchesType(parsed.value, type) ? parsed : { ok: false };
    }
    default:
      return { ok: false };
  }
}

/** Coerces a `key=value` string by the property's declared type(s); strings are tried last. */
export function coerceValue(raw: string, prop: PropertySchema | undefined): { ok: true; value: unknown } | { ok: false; expected: string } {
  const types = declaredTypes(prop);
  if (types.length === 0) {
    const options = Array.isArray(prop?.enum) ? prop.enum : undefined;
    if (options) {
      const hit = options.find((o) => (typeof o === 'string' ? o : JSON.stringify(o)) === raw);
      return hit === undefined ? { ok: false, expected: `one of ${options.map((o) => JSON.stringify(o)).join(', ')}` } : { ok: true, value: hit };
    }
    return { ok: true, value: raw };
  }
  const ordered = [...types.filter((t) => t !== 'string'), ...types.filter((t) => t === 'string')];
  for (const type of ordered) {
    const result = coerceTo(raw, type);
    if (result.ok) {
      if (Array.isArray(prop?.enum) && !prop.enum.some((o) => JSON.stringify(o) === JSON.stringify(result.value))) continue;
      return result;
    }
  }
  const expected = Array.isArray(prop?.enum) ? `one of ${prop.enum.map((o) => JSON.stringify(o)).join(', ')}` : types.join(' or ');
  return { ok: false, expected };
}

function checkKnownAndRequired(toolName: string, schema: ToolInputSchema, args: ToolArguments): void {
  const known = new Set(propertyNames(schema));
  const closed = known.size > 0 || schema.additionalProperties === false;
  if (closed) {
    const unknown = Object.keys(args).filter((k) => !known.has(k));
    if (unknown.length > 0) fail(toolName, schema, `unknown parameter${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}`);
  }
  const missing = requiredNames(schema).filter((k) => !(k in args));
  if (missing.length > 0) fail(toolName, schema, `missing required parameter${missing.length > 1 ? 's' : ''} ${missing.map((k) => `'${k}'`).join(', ')}`);
}

function fromJsonObject(toolName: string, schema: ToolInputSchema, text: string): ToolArguments {
  const parsed = tryJson(text);
  if (!parsed.ok || !isObject(parsed.value)) fail(toolName, schema, 'arguments that start with "{" must be one JSON object');
  checkKnownAndRequired(toolName, schema, parsed.value);
  return parsed.value;
}

export function parseToolArguments(toolName: string, rest: string, schema: ToolInputSchema): ToolArguments {
  const trimmed = rest.trim();
  if (trimmed.startsWith('{')) return fromJsonObject(toolName, schema, trimmed);

  let words: string[];
  try {
    words = splitShellWords(trimmed);
  } catch (error) {
    fail(toolName, schema, error instanceof ClientError ? error.message : 'cannot split arguments');
  }
  if (words.length === 1 && (words[0] as string).trimStart().startsWith('{')) return fromJsonObject(toolName, schema, words[0] as string);

  const props = schema.properties ?? {};
  const knownNames = new Set(propertyNames(schema));
  const openSchema = knownNames.size === 0 && schema.additionalProperties !== false;
  const args: ToolArguments = {};
  const bare: string[] = [];
  for (const word of words) {
    const match = KEY_VALUE.exec(word);
    if (!match) {
      bare.push(word);
      continue;
    }
    const [, key, op, raw] = match as unknown as [string, string, string, string];
    if (!knownNames.has(key) && !openSchema) fail(toolName, schema, `unknown parameter '${key}'`);
    if (key in args) fail(toolName, schema, `parameter '${key}' given more than once`);
    if (op === ':=') {
      const parsed = tryJson(raw);
      if (!parsed.ok) fail(toolName, schema, `'${key}:=' needs a JSON value, got ${JSON.stringify(raw)}`);
      const types = declaredTypes(props[key]);
      if (types.length > 0 && !types.some((t) => matchesType(parsed.value, t))) {
        fail(toolName, schema, `parameter '${key}' must be ${types.join(' or ')}, got ${jsonTypeOf(parsed.value)}`);
      }
      args[key] = parsed.value;
      continue;
    }
    const coerced = coerceValue(raw, props[key]);
    if (!coerced.ok) fail(toolName, schema, `parameter '${key}' must be ${coerced.expected}, got ${JSON.stringify(raw)}`);
    args[key] = coerced.value;
  }

  if (bare.length > 0) {
    const required = requiredNames(schema);
    const target = required.length === 1 ? (required[0] as string) : undefined;
    if (target === undefined) {
      fail(toolName, schema, `unexpected argument ${JSON.stringify(bare[0])}: bare words are accepted only for a tool with exactly one required parameter; use name=value`);
    }
    if (target in args) fail(toolName, schema, `parameter '${target}' given both by name and as bare words`);
    const raw = bare.join(' ');
    const coerced = coerceValue(raw, props[target]);
    if (!coerced.ok) fail(toolName, schema, `parameter '${target}' must be ${coerced.expected}, got ${JSON.stringify(raw)}`);
    args[target] = coerced.value;
  }

  checkKnownAndRequired(toolName, schema, args);
  return args;
}

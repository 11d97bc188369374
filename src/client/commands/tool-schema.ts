import { isObject } from '../../shared/is-object.js';
/**
 * The slice of JSON Schema the argument parser reads from a tool's `inputSchema`, plus the one-line
 * parameter summary used in error messages and listings. Pure.
 */

export interface PropertySchema {
  type?: string | string[];
  enum?: unknown[];
  anyOf?: PropertySchema[];
  oneOf?: PropertySchema[];
  description?: string;
  [key: string]: unknown;
}

export interface ToolInputSchema {
  type?: string;
  properties?: Record<string, PropertySchema>;
  required?: string[];
  additionalProperties?: unknown;
  [key: string]: unknown;
}

/** Reads an untrusted `inputSchema` value into the typed slice; anything malformed becomes absent. */
export function toToolInputSchema(value: unknown): ToolInputSchema {
  if (!isObject(value)) return {};
  const out: ToolInputSchema = { ...value };
  out.properties = isObject(value.properties) ? (value.properties as Record<string, PropertySchema>) : undefined;
  out.required = Array.isArray(value.required) ? value.required.filter((r): r is string => typeof r === 'string') : undefined;
  return out;
}

/** The JSON types a property accepts, in declared order; empty when the schema does not say. */
export function declaredTypes(schema: PropertySchema | undefined): string[] {
  if (!schema) return [];
  if (typeof schema.type === 'string') return [schema.type];
  if (Array.isArray(schema.type)) return schema.type.filter((t): t is string => typeof t === 'string');
  const branches = [...(Array.isArray(schema.anyOf) ? schema.anyOf : []), ...(Array.isArray(schema.oneOf) ? schema.oneOf : [])];
  const types = branches.flatMap((b) => declaredTypes(b));
  return [...new Set(types)];
}

export function propertyNames(schema: ToolInputSchema): string[] {
  return Object.keys(schema.properties ?? {});
}

export function requiredNames(schema: ToolInputSchema): string[] {
  return schema.required ?? [];
}

/** `message (string, required), count (integer)` — or `(none)` for a tool without parameters. */
export function describeParameters(schema: ToolInputSchema): string {
  const required = new Set(requiredNames(schema));
  const names = propertyNames(schema);
  if (names.length === 0) return '(none)';
  return names
    .map((name) => {
      const prop = schema.properties?.[name];
      const types = declaredTypes(prop);
      const parts = [types.length > 0 ? types.join('|') : 'any'];
      if (required.has(name)) parts.push('required');
      return `${name} (${parts.join(', ')})`;
    })
    .join(', ');
}

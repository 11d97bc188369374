/** A non-null, non-array object: the one structural guard for parsed JSON and loose values. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

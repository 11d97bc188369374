import { INVALID_PARAMS } from '../../shared/jsonrpc.js';
import { isObject } from '../../shared/is-object.js';


/** The 2025 revisions' "Resource not found" code; 2026-07-28 answers an unknown resource with -32602. */
export const RESOURCE_NOT_FOUND_2025 = -32002;

export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

/**
 * A 2025-era child's error for `resources/read` of `uri`, as 2026-07-28 servers give it: an unknown
 * resource is `-32602` with `data.uri` (the URI that was asked for), whether the child said `-32002`
 * (the 2025 spec) or `-32602` (what 2025 SDK servers throw). Other errors are returned unchanged.
 */
export function unknownResourceError(error: JsonRpcErrorObject, uri: string): JsonRpcErrorObject {
  if (error.code !== RESOURCE_NOT_FOUND_2025 && error.code !== INVALID_PARAMS) return error;
  const data = isObject(error.data) ? error.data : {};
  return { code: INVALID_PARAMS, message: error.message, data: { ...data, uri } };
}

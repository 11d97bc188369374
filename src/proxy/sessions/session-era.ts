import { MODERN_PROTOCOL_VERSION } from '../../relay/eras/protocol.js';
import { isErrorResponse, type JsonRpcMessage } from '../../shared/jsonrpc.js';
import { LEGACY_PROTOCOL_VERSIONS, UNSUPPORTED_PROTOCOL_VERSION } from '../../relay/eras/protocol.js';

/**
 * Whether a child's answer to a session's 2025 `initialize` says the child is **modern-only**, so the
 * session must go through the era adapter: a `-32022` (unsupported protocol version) error whose
 * `data.supported` offers 2026-07-28 (the revision the adapter speaks) and none of the 2025-era
 * revisions. Any other answer — a result, another error, a `-32022` that offers a 2025 revision (the
 * client may retry with it) or only revisions the adapter cannot speak — is relayed unchanged.
 */
export function isModernOnlyRejection(answer: JsonRpcMessage, legacyVersions: readonly string[] = LEGACY_PROTOCOL_VERSIONS): boolean {
  if (!isErrorResponse(answer) || answer.error.code !== UNSUPPORTED_PROTOCOL_VERSION) return false;
  const data: unknown = answer.error.data;
  const supported = typeof data === 'object' && data !== null ? (data as { supported?: unknown }).supported : undefined;
  if (!Array.isArray(supported)) return false;
  return supported.includes(MODERN_PROTOCOL_VERSION) && !supported.some((v) => typeof v === 'string' && legacyVersions.includes(v));
}

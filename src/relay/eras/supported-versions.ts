import { LEGACY_PROTOCOL_VERSIONS, MODERN_PROTOCOL_VERSION } from './protocol.js';

/**
 * The protocol versions an endpoint advertises, in `server/discover` and in the data of its `-32022`
 * error alike (the two must agree). An endpoint that serves 2026-07-28 (the proxy with its modern
 * handler) lists it first, then the 2025 revisions it also serves through sessions; one that does not
 * (`startProxy` without a modern handler) lists only the 2025 revisions, which is what makes SDK
 * clients negotiating with `versionNegotiation: {mode: 'auto'}` fall back to `initialize`.
 */
export function supportedVersions(servesModern: boolean): string[] {
  return servesModern ? [MODERN_PROTOCOL_VERSION, ...LEGACY_PROTOCOL_VERSIONS] : [...LEGACY_PROTOCOL_VERSIONS];
}

/**
 * `--isolation principal`: the key of the child that the 2025-era sessions of one principal share.
 * The one place that decides which sessions share a child: anything that must keep two callers'
 * children apart becomes part of this key. `childKey` (identity/child-key.ts) is the principal with its
 * --header-to-env values, so callers with different header values never share a child; without it
 * the key is the principal alone. Anonymous callers are one principal. Pure.
 */
export function sharedChildKey(principal: string | undefined, childKey?: string): string {
  if (childKey !== undefined) return `caller:${childKey}`;
  // A prefix per kind, so that no authenticated subject can spell the anonymous key.
  return principal === undefined ? 'anonymous' : `principal:${principal}`;
}

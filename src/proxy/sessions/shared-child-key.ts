/**
 * `--isolation principal`: the key of the child that the 2025-era sessions of one principal share.
 * The one place that decides which sessions share a child: anything that must keep two callers'
 * children apart (values a child gets from the caller's request, such as header-to-env variables)
 * becomes part of this key. Anonymous callers are one principal. Pure.
 */
export function sharedChildKey(principal: string | undefined): string {
  // A prefix per kind, so that no authenticated subject can spell the anonymous key.
  return principal === undefined ? 'anonymous' : `principal:${principal}`;
}

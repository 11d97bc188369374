import { logLevelPasses } from '../../relay/eras/results.js';

/**
 * The level a shared child must log at so that every session gets what it asked for with
 * `logging/setLevel`: the most verbose of the levels set (sessions that set none are not counted:
 * they take whatever the child sends). Undefined when no session set one. Pure.
 */
export function sharedLogLevel(levels: Iterable<string | undefined>): string | undefined {
  let lowest: string | undefined;
  for (const level of levels) {
    if (level === undefined) continue;
    // `level` is more verbose than `lowest` when a message at `level` would not pass `lowest`.
    if (lowest === undefined || !logLevelPasses(level, lowest)) lowest = level;
  }
  return lowest;
}

/** Whether a session that set `threshold` (or none) gets a log message at `level`. */
export function sessionWantsLog(level: unknown, threshold: string | undefined): boolean {
  return threshold === undefined || logLevelPasses(level, threshold);
}

import { missingCapabilities, requiredCapabilities } from '../../relay/eras/client-capabilities.js';
import type { JsonObject } from '../../relay/eras/protocol.js';

/** A session sharing a child, as the routing of the child's server→client requests sees it. */
export interface AskCandidate {
  /** The client capabilities the session declared in its `initialize`. */
  capabilities: JsonObject;
  /** The order of its newest client request still in flight on the child (higher = newer), if any. */
  newestInflight: number | undefined;
  /** The order of its last client message (higher = more recent). */
  lastActive: number;
}

export type AskVerdict<T> =
  | { kind: 'deliver'; to: T }
  | { kind: 'refuse'; missing: JsonObject | undefined };

/**
 * Which session of a shared child gets a server→client request (sampling, elicitation, roots/list,
 * ping). The rule a session uses for its own streams, across sessions: the session whose client
 * request in flight is the newest (a server asks while serving a request, and the newest one is the
 * best guess of which). When no session has a request in flight, the most recently active session
 * that declared the capability (on its GET stream). The chosen session must have declared what the
 * request needs (`requiredCapabilities`); if not, the request is refused (answered with an error to
 * the child), never handed to another session. Pure.
 */
export function askTarget<T>(candidates: readonly T[], view: (candidate: T) => AskCandidate, method: string, params: JsonObject | undefined): AskVerdict<T> {
  const needs = requiredCapabilities(method, params);
  const lacks = (c: T): JsonObject | undefined => (needs ? missingCapabilities(needs, view(c).capabilities) : undefined);
  let busiest: T | undefined;
  for (const c of candidates) {
    const order = view(c).newestInflight;
    if (order !== undefined && (busiest === undefined || order > view(busiest).newestInflight!)) busiest = c;
  }
  if (busiest !== undefined) {
    const missing = lacks(busiest);
    return missing ? { kind: 'refuse', missing } : { kind: 'deliver', to: busiest };
  }
  let recent: T | undefined;
  for (const c of candidates) if (!lacks(c) && (recent === undefined || view(c).lastActive > view(recent).lastActive)) recent = c;
  if (recent !== undefined) return { kind: 'deliver', to: recent };
  const first = candidates[0];
  return { kind: 'refuse', missing: first === undefined ? undefined : lacks(first) };
}

import type { Link } from '../../relay/link.js';
import type { JsonRpcMessage } from '../../shared/jsonrpc.js';
import type { Logger } from '../../shared/logger.js';
import type { ChildExit } from '../child/child-process.js';

/**
 * What a 2025-era session relays to: its peer link. With `--isolation session` the session's own
 * child (`ChildPeer`); with `--isolation principal` its share of the child of its principal
 * (`SharedChildLink`). Either way the session sends the client's messages with `send` and takes the
 * child's (already meant for this session, under the session's own ids) from `onmessage`.
 */
export interface SessionPeer extends Link<never> {
  /** `line`: the child's stdout line the message was parsed from, when it passes unchanged (perf: written as it is). */
  onmessage?: (message: JsonRpcMessage, line?: string) => void;
  /**
   * Sends a client message with `line`, its JSON text exactly as the client sent it: a peer that writes
   * the message unchanged to its child may write that text instead of serializing the message again.
   * Optional: without it (or for a peer that rewrites messages, such as a shared child's ids) `send`.
   */
  sendLine?(message: JsonRpcMessage, line: string): boolean;
  /** The child's process id (a shared child: the same for every session of the principal). */
  readonly pid: number | undefined;
  /** Resolves when the child ended, whoever ended it (a session that closed first ignores it). */
  readonly ended: Promise<ChildExit>;
  /** The session is ending or its child died: fail what the peer side keeps in flight for it. */
  fail(code: number, message: string): void;
  /**
   * The session is done with its peer: its own child is ended, a shared child only when this was the
   * last session on it. Resolves with the child's exit when the child ended, else undefined.
   */
  close(): Promise<ChildExit | undefined>;
}

/** Who asks for a peer: a session about to start. */
export interface PeerContext {
  sessionId: string;
  /** The authenticated subject, undefined for anonymous callers (all of them one principal). */
  principal: string | undefined;
  /** The session's logger: the child's stderr lines are logged with the session id. */
  logger: Logger;
  /** Extra variables for a child spawned for this session (applied over the configured `--env`). */
  childEnv?: Record<string, string>;
  /**
   * identity/child-key.ts: the principal and its header-to-env values. With --isolation principal, sessions
   * share a child only when their keys are equal.
   */
  childKey?: string;
}

/**
 * The one seam through which a session obtains its peer link (acquire-peer.ts): an isolation mode is
 * one implementation of it, and any other edge that runs a child "the way sessions do" takes it too.
 */
export type AcquirePeer = (context: PeerContext) => SessionPeer;

/** mcp-client's one cancellation per run: stdin EOF (bridge mode) and SIGINT/SIGTERM abort it. */

import { isOAuthFlowError, OAuthFlowError, typedCause } from '../shared/errors.js';

/**
 * A stop requested from outside (stdin EOF, SIGTERM/SIGINT): aborts whatever is waiting on it — a browser
 * sign-in (its callback server) and the credentials lock — so the process ends promptly.
 */
export interface Shutdown {
  readonly signal: AbortSignal;
  readonly reason: string | undefined;
  stop(reason: string): void;
  /** Whether `error` is the stop itself (a cancelled sign-in), not a failure that merely happened meanwhile. */
  interrupted(error: unknown): boolean;
}

export function createShutdown(): Shutdown {
  const controller = new AbortController();
  let reason: string | undefined;
  return {
    signal: controller.signal,
    get reason() {
      return reason;
    },
    stop(why) {
      if (reason !== undefined) return;
      reason = why;
      controller.abort(new OAuthFlowError('ABORTED', `cancelled: ${why}`));
    },
    interrupted(error) {
      if (reason === undefined) return false;
      if (isOAuthFlowError(typedCause(error), 'ABORTED')) return true;
      for (let e: unknown = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth += 1) if (e === controller.signal.reason) return true;
      return false;
    },
  };
}

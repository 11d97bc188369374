import type { Logger } from '../../shared/logger.js';
import type { Directory } from './directory.js';

/** How often an instance says it is alive, and how long that lasts: a dead owner is known within 5 s. */
export const HEARTBEAT_EVERY_MS = 1_000;
export const HEARTBEAT_TTL_MS = 5_000;

/** Registers the instance now and every second; `stop` removes it so its sessions are known gone at once. */
export function startHeartbeat(directory: Directory, logger: Logger): { beat(): void; stop(): Promise<void> } {
  let failing = false;
  const beat = (): void => {
    directory.beat(HEARTBEAT_TTL_MS).then(
      () => (failing = false),
      (error: unknown) => {
        if (!failing) logger.warn('cluster heartbeat failed; other instances will take this one for gone if it goes on', { error });
        failing = true;
      },
    );
  };
  beat();
  const timer = setInterval(beat, HEARTBEAT_EVERY_MS);
  timer.unref();
  return {
    beat,
    async stop() {
      clearInterval(timer);
      await directory.leave().catch(() => undefined);
    },
  };
}

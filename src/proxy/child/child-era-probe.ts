import { isResponse } from '../../shared/jsonrpc.js';
import type { Logger } from '../../shared/logger.js';
import { CLIENT_CAPABILITIES_KEY, CLIENT_INFO_KEY, MODERN_PROTOCOL_VERSION, PROTOCOL_VERSION_KEY } from '../../relay/eras/protocol.js';
import { ChildProcess, type ChildOptions } from './child-process.js';
import { isObject } from '../../shared/is-object.js';

export type ChildEra = 'legacy' | 'modern';

/**
 * Asks a short-lived sibling of the child `server/discover`, as the SDK client does on stdio: an answer
 * offering 2026-07-28 means modern; an error, an exit or silence within `timeoutMs` means 2025-era.
 * The sibling is always ended; the child that serves traffic never sees the probe, so a legacy server
 * that dies on a request before `initialize` is not harmed.
 */
export async function probeChildEra(child: Omit<ChildOptions, 'logger'>, timeoutMs: number, logger: Logger): Promise<ChildEra> {
  const sibling = new ChildProcess({ ...child, logger: logger.child({ probe: true }) });
  let timer: NodeJS.Timeout | undefined;
  try {
    const answer = new Promise<ChildEra>((resolve) => {
      sibling.onmessage = (m) => {
        if (!isResponse(m) || m.id !== 'era-probe') return;
        const versions = 'result' in m && isObject(m.result) ? m.result.supportedVersions : undefined;
        resolve(Array.isArray(versions) && versions.includes(MODERN_PROTOCOL_VERSION) ? 'modern' : 'legacy');
      };
      void sibling.exited.then(() => resolve('legacy'));
      timer = setTimeout(() => resolve('legacy'), timeoutMs);
    });
    sibling.send({
      jsonrpc: '2.0', id: 'era-probe', method: 'server/discover',
      params: { _meta: { [PROTOCOL_VERSION_KEY]: MODERN_PROTOCOL_VERSION, [CLIENT_INFO_KEY]: { name: 'mcp-proxy-era-probe', version: '1.0.0' }, [CLIENT_CAPABILITIES_KEY]: {} } },
    });
    return await answer;
  } finally {
    clearTimeout(timer);
    await sibling.stop();
  }
}

/** Era verdicts cached per command line, so each command is probed once per process. */
export class ChildEraCache {
  readonly #verdicts = new Map<string, Promise<ChildEra>>();

  verdict(child: Omit<ChildOptions, 'logger'>, timeoutMs: number, logger: Logger): Promise<ChildEra> {
    const key = JSON.stringify([child.command, child.args, child.cwd ?? '', child.shell]);
    let verdict = this.#verdicts.get(key);
    if (!verdict) {
      verdict = probeChildEra(child, timeoutMs, logger).then((era) => {
        logger.info('child protocol era detected', { era });
        return era;
      });
      this.#verdicts.set(key, verdict);
    }
    return verdict;
  }
}

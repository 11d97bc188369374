import { parseNpxInvocation } from '../proxy/child/npx-command.js';
import { resolveNpx } from '../proxy/child/npx-resolve.js';
import type { ProxyOptions } from '../proxy/proxy-options.js';
import type { Logger } from '../shared/logger.js';
import type { ProxyCliOptions } from './proxy-args.js';

const NPX_RESOLVE_TIMEOUT_MS = 120_000;

/**
 * The npx fast path: `npx [-y] pkg …` costs an npm process per session (memory and start time). Resolve it
 * once, through npm, to the installed bin and spawn that for every session; on any failure keep npx.
 */
export async function withResolvedNpx(options: ProxyOptions, cli: Pick<ProxyCliOptions, 'npxResolve' | 'shell'>, nodePath: string, logger: Logger): Promise<ProxyOptions> {
  if (!cli.npxResolve || cli.shell) return options;
  const inv = parseNpxInvocation(options.child.command, options.child.args);
  if (!inv) return options;
  const started = performance.now();
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.child.baseEnv)) if (v !== undefined) env[k] = v;
  const resolution = await resolveNpx(inv, { env: { ...env, ...options.child.env }, ...(options.child.cwd ? { cwd: options.child.cwd } : {}), timeoutMs: NPX_RESOLVE_TIMEOUT_MS, nodePath });
  if (!resolution.ok) {
    logger.warn('npx command not resolved; every session runs npx (use --no-npx-resolve to skip this step)', { packages: inv.packages, reason: resolution.reason });
    return options;
  }
  logger.info('npx command resolved once; sessions run the installed bin directly', { packages: inv.packages, bin: resolution.bin, ms: Math.round(performance.now() - started) });
  return { ...options, child: { ...options.child, command: resolution.bin, args: inv.args } };
}

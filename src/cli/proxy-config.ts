import { checkChildStarts } from '../proxy/child/start-check.js';
import { loadServersConfig } from '../proxy/config/config-load.js';
import { serverOptions } from '../proxy/config/config-options.js';
import type { ServerEntry } from '../proxy/config/config-file.js';
import type { ProxyOptions } from '../proxy/proxy-options.js';
import type { RunningProxy } from '../proxy/server.js';
import type { NamedServerSpec } from '../proxy/server-router.js';
import { isProxyError, ProxyError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { ProxyCliOptions } from './proxy-args.js';
import { withResolvedNpx } from './proxy-npx.js';

export type ServerSpec = NamedServerSpec<ProxyOptions>;

/** What the CLI needs to turn the --config file into servers, at start and on every SIGHUP. */
export interface ConfigSource {
  cli: Pick<ProxyCliOptions, 'config' | 'npxResolve' | 'startCheck'>;
  cwd: string;
  /** What `${VAR}` reads: the proxy's environment without its MCP_PROXY_* variables. */
  env: Record<string, string>;
  execPath: string;
  /** The command line's options: listener, limits and child defaults for every server. */
  base: ProxyOptions;
  logger: Logger;
}

/** One server ready to serve: npx resolved once, and start-checked like a command on the command line. */
async function prepare(source: ConfigSource, entry: ServerEntry): Promise<ServerSpec> {
  const log = source.logger.child({ server: entry.name });
  const mapped = serverOptions(source.base, entry);
  const options = await withResolvedNpx(mapped, { npxResolve: source.cli.npxResolve, shell: mapped.child.shell }, source.execPath, log);
  try {
    await checkChildStarts({ ...options.child, maxLineBytes: options.maxLineBytes, killGraceMs: options.killGraceMs }, Math.round(source.cli.startCheck * 1000), log);
  } catch (error) {
    if (isProxyError(error)) throw new ProxyError(error.code, `server "${entry.name}" of ${source.cli.config}: ${error.message}`, { cause: error.cause });
    throw error;
  }
  return { name: entry.name, options, key: JSON.stringify(entry) };
}

/**
 * Reads the file and prepares its servers (all at once); `kept` holds the specs of the running
 * configuration, reused as they are for entries that did not change (no second npx resolution or check).
 * Throws CONFIG_INVALID naming the entry and key, or CHILD_START_FAILED naming the server.
 */
export async function loadServerSpecs(source: ConfigSource, kept: ReadonlyMap<string, ServerSpec> = new Map()): Promise<ServerSpec[]> {
  const entries = await loadServersConfig(source.cli.config!, source.cwd, source.env);
  return Promise.all(entries.map((entry) => {
    const previous = kept.get(entry.name);
    return previous && previous.key === JSON.stringify(entry) ? previous : prepare(source, entry);
  }));
}

/**
 * SIGHUP with --config: re-reads the file and applies it; an invalid file (or a server that does not
 * start) is rejected with one log line and the running configuration keeps serving. Reloads run one at a
 * time; a SIGHUP during one runs another after it.
 */
export function configReloader(source: ConfigSource, proxy: RunningProxy, initial: readonly ServerSpec[]): () => void {
  let applied = new Map(initial.map((s) => [s.name, s] as const));
  let running: Promise<void> | undefined;
  let again = false;
  const once = async (): Promise<void> => {
    let specs: ServerSpec[];
    try {
      specs = await loadServerSpecs(source, applied);
    } catch (error) {
      source.logger.error('configuration reload rejected; the previous configuration keeps serving', { file: source.cli.config, error: error instanceof Error ? error.message : String(error) });
      return;
    }
    const summary = proxy.reload(specs);
    applied = new Map(specs.map((s) => [s.name, s] as const));
    source.logger.info('configuration reloaded', { file: source.cli.config, ...summary });
  };
  const run = (): void => {
    if (running) {
      again = true;
      return;
    }
    running = once().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        run();
      }
    });
  };
  return run;
}

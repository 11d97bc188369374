import type { ProxyOptions } from '../proxy-options.js';
import type { ServerEntry } from './config-file.js';

/** Where a named server is served, under `/servers/<name>`: these paths follow the prefix. */
export const SERVER_PATHS = { mcp: '/mcp', sse: '/sse', messages: '/messages' } as const;

/** The URL prefix of a named server. */
export function serverPrefix(name: string): string {
  return `/servers/${name}`;
}

/**
 * One server's options: the command line's (`base`: listener, limits, child defaults such as --env and
 * --pass-env, the #12 defaults) with the entry's keys over them, key by key. The entry's `env` is added
 * over --env; `allowTools`/`denyTools` replace the matching flag's list only. Pure.
 */
export function serverOptions(base: ProxyOptions, entry: ServerEntry): ProxyOptions {
  const cwd = entry.cwd ?? base.child.cwd;
  const { cwd: _unused, ...childBase } = base.child;
  const child = {
    ...childBase,
    command: entry.command,
    args: entry.args,
    env: { ...base.child.env, ...entry.env },
    shell: entry.shell ?? base.child.shell,
    passEnv: entry.passEnv ?? base.child.passEnv,
    ...(cwd !== undefined ? { cwd } : {}),
  };
  const options: ProxyOptions = {
    ...base,
    endpoint: SERVER_PATHS.mcp,
    child,
    maxSessions: entry.maxSessions ?? base.maxSessions,
    sessionTimeoutMs: entry.sessionTimeout !== undefined ? Math.round(entry.sessionTimeout * 1000) : base.sessionTimeoutMs,
    requestTimeoutMs: entry.requestTimeout !== undefined ? Math.round(entry.requestTimeout * 1000) : base.requestTimeoutMs,
  };
  if (entry.allowTools !== undefined || entry.denyTools !== undefined) {
    options.toolFilter = { allow: entry.allowTools ?? base.toolFilter?.allow ?? [], deny: entry.denyTools ?? base.toolFilter?.deny ?? [] };
  }
  if (entry.headerToEnv !== undefined) options.headerToEnv = entry.headerToEnv;
  if (entry.isolation !== undefined) options.isolation = entry.isolation;
  if (base.legacySse) options.legacySse = { endpoint: SERVER_PATHS.sse, messagesEndpoint: SERVER_PATHS.messages };
  return options;
}

/** Whether a reload changed a server: its validated, expanded entry differs (new sessions then get the new one). */
export function sameEntry(a: ServerEntry, b: ServerEntry): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

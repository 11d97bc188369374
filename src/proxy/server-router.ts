import type { ServedServer } from './served-server.js';

/** A named server as the configuration gives it: its options, and the key that says whether it changed. */
export interface NamedServerSpec<O> {
  name: string;
  options: O;
  /** Equal keys on a reload: the running server is kept; otherwise new sessions get a new one. */
  key: string;
}

export interface ReloadSummary {
  added: string[];
  removed: string[];
  changed: string[];
  unchanged: string[];
}

/** Where a request path goes: the server (current, and any retired ones of that name) and the rest of the path. */
export interface Route {
  name: string | undefined;
  /** The path after the server's prefix (`/mcp`, `/sse`, `/messages`), or the whole path for the single server. */
  sub: string;
  current: ServedServer | undefined;
  /** Servers of this name that were removed or replaced and still have sessions. */
  retired: readonly ServedServer[];
}

const NAMED = /^\/servers\/([^/]+)(\/.*)?$/;

/** What a reload does, by name: pure, unit-tested. */
export function planReload(current: ReadonlyMap<string, string>, next: readonly { name: string; key: string }[]): ReloadSummary {
  const summary: ReloadSummary = { added: [], removed: [], changed: [], unchanged: [] };
  const names = new Set<string>();
  for (const { name, key } of next) {
    names.add(name);
    const had = current.get(name);
    if (had === undefined) summary.added.push(name);
    else (had === key ? summary.unchanged : summary.changed).push(name);
  }
  for (const name of current.keys()) if (!names.has(name)) summary.removed.push(name);
  return summary;
}

/**
 * The servers behind one listener and which one a request goes to: without --config the single server
 * takes every path (the listener checks it against --endpoint, as before); with --config a request to
 * `/servers/<name>/<rest>` goes to that server. A reload swaps servers by name: a retired server keeps
 * serving its sessions (found by session id) and is closed once nothing is left in it.
 */
export class ServerRouter {
  readonly #single: ServedServer | undefined;
  readonly #current = new Map<string, { server: ServedServer; key: string }>();
  #retired: ServedServer[] = [];
  readonly #sweep: NodeJS.Timeout | undefined;

  constructor(single: ServedServer | undefined, named: readonly NamedServerSpec<ServedServer>[] = []) {
    this.#single = single;
    for (const s of named) this.#current.set(s.name, { server: s.options, key: s.key });
    this.#sweep = single ? undefined : setInterval(() => this.sweep(), 1_000);
    this.#sweep?.unref();
  }

  get named(): boolean {
    return this.#single === undefined;
  }

  /** Every running server, current and retired. */
  all(): ServedServer[] {
    return this.#single ? [this.#single] : [...[...this.#current.values()].map((c) => c.server), ...this.#retired];
  }

  names(): string[] {
    return [...this.#current.keys()];
  }

  route(path: string): Route | undefined {
    if (this.#single) return { name: undefined, sub: path, current: this.#single, retired: [] };
    const m = NAMED.exec(path);
    if (!m) return undefined;
    let name: string;
    try {
      name = decodeURIComponent(m[1]!);
    } catch {
      return undefined;
    }
    const current = this.#current.get(name)?.server;
    const retired = this.#retired.filter((s) => s.name === name);
    if (!current && retired.length === 0) return undefined;
    return { name, sub: m[2] ?? '/', current, retired };
  }

  /**
   * The server for a request of `route`: the one holding the session it names (current first), else the
   * current one (which answers 404 for an unknown session or a new one); undefined when the name is gone
   * and the request is not for one of its sessions.
   */
  pick(route: Route, sessionId: string | undefined, principal: string | undefined): ServedServer | undefined {
    if (sessionId !== undefined && route.retired.length > 0) {
      if (route.current?.owns(sessionId, principal)) return route.current;
      const holder = route.retired.find((s) => s.owns(sessionId, principal));
      if (holder) return holder;
      return route.current ?? route.retired[0];
    }
    return route.current;
  }

  /** By name (retired servers of a name counted with it): 2025-era sessions, and every child (sessions + principals). */
  counts(): Record<string, { sessions: number; children: number }> {
    const out: Record<string, { sessions: number; children: number }> = {};
    for (const s of this.all()) {
      if (s.name === undefined) continue;
      const entry = (out[s.name] ??= { sessions: 0, children: 0 });
      entry.sessions += s.sessionCount;
      entry.children += s.live;
    }
    return out;
  }

  /** Applies a new configuration: `make` builds the added and changed servers; removed and replaced ones retire. */
  reload<O>(next: readonly NamedServerSpec<O>[], make: (spec: NamedServerSpec<O>) => ServedServer): ReloadSummary {
    const keys = new Map([...this.#current].map(([name, c]) => [name, c.key] as const));
    const summary = planReload(keys, next);
    const retire = [...summary.removed, ...summary.changed];
    for (const name of retire) {
      const old = this.#current.get(name)!.server;
      this.#current.delete(name);
      old.retire();
      this.#retired.push(old);
    }
    for (const spec of next) if (!this.#current.has(spec.name)) this.#current.set(spec.name, { server: make(spec), key: spec.key });
    this.sweep();
    return summary;
  }

  /** Closes the retired servers that have nothing left to serve. */
  sweep(): void {
    const done = this.#retired.filter((s) => s.working === 0);
    if (done.length === 0) return;
    this.#retired = this.#retired.filter((s) => !done.includes(s));
    for (const s of done) {
      s.options.logger.info('removed server closed: its last session ended', { server: s.name });
      void s.close('server removed from the configuration');
    }
  }

  stop(): void {
    clearInterval(this.#sweep);
  }
}

/**
 * The server whose legacy SSE edge serves `path` on `route`: a new stream only on a current server; a
 * POST to the server holding its session (a removed server's SSE sessions are served until they end).
 */
export function legacySseServer(route: Route, path: string, url: string | undefined): ServedServer | undefined {
  const current = route.current?.legacySse?.serves(path) ? route.current : undefined;
  // Every request asks: without retired servers (always without --config) nothing is parsed or allocated.
  if (route.retired.length === 0) return current;
  const id = new URL(url ?? '/', 'http://localhost').searchParams.get('sessionId') ?? '';
  // A removed server (no current one of its name) opens no new stream: 404 like a new session.
  if (!route.current && id === '') return undefined;
  const retired = route.retired.filter((s) => s.legacySse?.serves(path));
  return retired.find((s) => s.legacySseSessions?.has(id)) ?? current ?? retired[0];
}

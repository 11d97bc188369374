import { execa } from 'execa';
import type { NpxInvocation } from './npx-command.js';

/**
 * Run inside `npm exec`, where npm has put the installed packages' `.bin` folders first on PATH: find the
 * bin npx would run (the one named, else the package's only bin, else the bin named after the package)
 * and print its path as JSON. CommonJS source for `node -e`: it runs in that separate process, so the
 * process.env and process.exit in it are the finder's own, not the proxy's.
 */
const FIND_BIN = `
const fs = require('node:fs'), path = require('node:path');
const { bin, specs } = JSON.parse(process.argv[1]);
const dirs = (process.env.PATH || '').split(path.delimiter).filter((d) => d.endsWith(path.join('node_modules', '.bin')));
const registryName = (s) => (/^[.~/]|:|\\.tgz$/.test(s) ? undefined : (/^(@[^/@]+\\/[^@]+|[^@]+)/.exec(s) || [])[1]);
const namesFor = (dir) => {
  const out = specs.map(registryName).filter(Boolean);
  try { out.push(...Object.keys(JSON.parse(fs.readFileSync(path.join(dir, '..', '..', 'package.json'), 'utf8')).dependencies || {})); } catch {}
  return [...new Set(out)];
};
const binOf = (dir, name) => {
  try {
    const pj = JSON.parse(fs.readFileSync(path.join(dir, '..', name, 'package.json'), 'utf8'));
    const short = String(pj.name || name).split('/').pop();
    const bins = typeof pj.bin === 'string' ? { [short]: pj.bin } : (pj.bin || {});
    const keys = Object.keys(bins);
    return keys.length === 1 ? keys[0] : keys.find((k) => k === short);
  } catch { return undefined; }
};
for (const dir of dirs) {
  const names = bin ? [bin] : namesFor(dir).map((n) => binOf(dir, n)).filter(Boolean);
  for (const name of names) {
    const candidate = path.join(dir, name);
    if (fs.existsSync(candidate)) { process.stdout.write(JSON.stringify({ bin: candidate })); process.exit(0); }
  }
}
process.stdout.write('{}');
`;

export interface NpxResolveOptions {
  env: Record<string, string>;
  cwd?: string;
  timeoutMs: number;
  /** The Node that runs the finder inside `npm exec`. */
  nodePath: string;
  signal?: AbortSignal;
}

export type NpxResolution = { ok: true; bin: string } | { ok: false; reason: string };

/**
 * Resolves `npx [-y] pkg …` to the installed bin through npm itself (`npm exec --yes`), so the user's npm
 * configuration, registry and cache apply, and a cached package resolves offline. Runs once per start.
 */
export async function resolveNpx(inv: NpxInvocation, opts: NpxResolveOptions): Promise<NpxResolution> {
  const result = await execa('npm', ['exec', '--yes', ...inv.packages.map((p) => `--package=${p}`), '--', opts.nodePath, '-e', FIND_BIN, JSON.stringify({ bin: inv.bin, specs: inv.packages })], {
    env: opts.env,
    extendEnv: false,
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    timeout: opts.timeoutMs,
    reject: false,
    stdin: 'ignore',
    ...(opts.signal ? { cancelSignal: opts.signal } : {}),
  });
  if (result.failed) return { ok: false, reason: result.timedOut ? `npm exec timed out after ${opts.timeoutMs / 1000}s` : `npm exec failed: ${result.shortMessage}` };
  try {
    const found = JSON.parse(String(result.stdout).trim().split('\n').pop() ?? '{}') as { bin?: unknown };
    if (typeof found.bin === 'string') return { ok: true, bin: found.bin };
  } catch {
    // fall through
  }
  return { ok: false, reason: 'npm installed the package but no bin to run was found' };
}

// Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time by function and by package, optionally
// restricted to a window given in the profile's clock (microseconds of the monotonic clock, the same
// clock as process.hrtime.bigint() / 1000n in another process on the same machine).
import { readFileSync } from 'node:fs';

/**
 * Which package or layer a script URL belongs to.
 * @param {string} url
 * @param {string} functionName
 * @returns {string}
 */
export function packageOf(url, functionName) {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node (internals)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm !== -1) {
    const parts = url.slice(nm + 14).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (url.includes('/dist/')) return 'mcp-bridge (dist)';
  return url;
}

/**
 * @typedef {{ function: string, where: string, package: string, selfMs: number, pct: number }} HotFunction
 * @typedef {{ package: string, selfMs: number, pct: number }} HotPackage
 */

/**
 * @param {string} file
 * @param {{ startUs?: number, endUs?: number, top?: number }} [opts]
 * @returns {{ sampledMs: number, busyMs: number, functions: HotFunction[], packages: HotPackage[], inclusive: HotFunction[] }}
 */
export function summarizeProfile(file, opts = {}) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  /** @type {Map<number, any>} */
  const nodes = new Map(profile.nodes.map((/** @type {any} */ n) => [n.id, n]));
  /** @type {Map<number, number>} */
  const parents = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parents.set(c, n.id);
  /** @type {Map<number, number>} */
  const selfUs = new Map();
  let t = profile.startTime;
  let sampledUs = 0;
  for (let i = 0; i < profile.samples.length; i += 1) {
    t += profile.timeDeltas[i];
    const dt = profile.timeDeltas[i + 1] ?? 0;
    if ((opts.startUs !== undefined && t < opts.startUs) || (opts.endUs !== undefined && t > opts.endUs)) continue;
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + dt);
    sampledUs += dt;
  }
  /** @type {Map<string, { function: string, where: string, package: string, us: number }>} */
  const byFunction = new Map();
  /** @type {Map<string, number>} */
  const byPackage = new Map();
  /** @type {Map<string, { function: string, where: string, package: string, us: number }>} */
  const inclusive = new Map();
  /** @param {any} frame */
  const describe = (frame) => {
    const name = frame.functionName || '(anonymous)';
    const file = frame.url ? frame.url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*\/(dist|bench)\//, '$1/') : '';
    const where = file ? `${file}:${frame.lineNumber + 1}` : '';
    return { function: name, where, package: packageOf(frame.url, name), key: `${name}@${where}` };
  };
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const frame = nodes.get(id).callFrame;
    if (frame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const d = describe(frame);
    const entry = byFunction.get(d.key) ?? { function: d.function, where: d.where, package: d.package, us: 0 };
    entry.us += us;
    byFunction.set(d.key, entry);
    byPackage.set(d.package, (byPackage.get(d.package) ?? 0) + us);
    // Inclusive time: credited once to every distinct non-internal function on the stack.
    const seen = new Set();
    for (let cur = /** @type {number | undefined} */ (id); cur !== undefined; cur = parents.get(cur)) {
      const f = describe(nodes.get(cur).callFrame);
      if (f.package === 'node (internals)' || f.package === '(native)' || f.function.startsWith('(') || seen.has(f.key)) continue;
      seen.add(f.key);
      const e = inclusive.get(f.key) ?? { function: f.function, where: f.where, package: f.package, us: 0 };
      e.us += us;
      inclusive.set(f.key, e);
    }
  }
  const busyUs = sampledUs - idleUs;
  const pct = (/** @type {number} */ us) => (busyUs > 0 ? (us / busyUs) * 100 : 0);
  const top = opts.top ?? 25;
  return {
    sampledMs: sampledUs / 1000,
    busyMs: busyUs / 1000,
    functions: [...byFunction.values()].sort((a, b) => b.us - a.us).slice(0, top)
      .map((e) => ({ function: e.function, where: e.where, package: e.package, selfMs: e.us / 1000, pct: pct(e.us) })),
    packages: [...byPackage.entries()].sort((a, b) => b[1] - a[1])
      .map(([p, us]) => ({ package: p, selfMs: us / 1000, pct: pct(us) })),
    inclusive: [...inclusive.values()].sort((a, b) => b.us - a.us).slice(0, top)
      .map((e) => ({ function: e.function, where: e.where, package: e.package, selfMs: e.us / 1000, pct: pct(e.us) })),
  };
}

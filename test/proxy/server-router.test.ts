import { describe, expect, it } from 'vitest';
import { planReload } from '../../src/proxy/server-router.js';

describe('planReload: what a SIGHUP does, by server name', () => {
  it('sorts the new file\'s servers into added, removed, changed and unchanged', () => {
    const current = new Map([['fs', 'k1'], ['fetch', 'k2'], ['git', 'k3']]);
    expect(planReload(current, [{ name: 'fs', key: 'k1' }, { name: 'git', key: 'k3-new' }, { name: 'time', key: 'k4' }])).toEqual({
      added: ['time'], removed: ['fetch'], changed: ['git'], unchanged: ['fs'],
    });
  });

  it('the same file changes nothing', () => {
    const current = new Map([['fs', 'k1']]);
    expect(planReload(current, [{ name: 'fs', key: 'k1' }])).toEqual({ added: [], removed: [], changed: [], unchanged: ['fs'] });
  });
});

import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FIXTURE } from './proxy-harness.js';

/** A folder npm can install for `npx -y <folder>` without the network: a bin that runs the legacy fixture. */
export function localNpxPackage(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-proxy-npx-pkg-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'npx-fixture-server', version: '1.0.0', bin: { 'npx-fixture-server': 'server.mjs' } }));
  writeFileSync(join(dir, 'server.mjs'), `#!/usr/bin/env node\nawait import(${JSON.stringify(pathToFileURL(FIXTURE).href)});\n`);
  chmodSync(join(dir, 'server.mjs'), 0o755);
  return dir;
}

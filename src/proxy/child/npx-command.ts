/**
 * Recognises a wrapped `npx` command line so the proxy can resolve it once instead of paying for an npm
 * process per session. Pure: unit-tested. Anything it does not fully understand is left to npx itself.
 */

export interface NpxInvocation {
  /** Package specs to install (`pkg`, `pkg@1.2.3`, `@scope/pkg@latest`, a folder or tarball). */
  packages: string[];
  /** The bin to run, when given (`npx -p pkg bin …`); otherwise npx's rule picks the package's bin. */
  bin?: string;
  /** The server's own arguments. */
  args: string[];
}

const NO_VALUE_FLAGS = new Set(['-y', '--yes', '-q', '--quiet']);

export function isNpxCommand(command: string): boolean {
  const base = command.split(/[\\/]/).pop() ?? command;
  return base === 'npx' || base === 'npx.cmd';
}

export function parseNpxInvocation(command: string, args: readonly string[]): NpxInvocation | undefined {
  if (!isNpxCommand(command)) return undefined;
  const packages: string[] = [];
  let i = 0;
  for (; i < args.length; i += 1) {
    const a = args[i]!;
    if (a === '--') {
      i += 1;
      break;
    }
    if (!a.startsWith('-')) break;
    if (NO_VALUE_FLAGS.has(a)) continue;
    if (a === '-p' || a === '--package') {
      const value = args[i + 1];
      if (value === undefined || value.startsWith('-')) return undefined;
      packages.push(value);
      i += 1;
      continue;
    }
    if (a.startsWith('--package=')) {
      packages.push(a.slice('--package='.length));
      continue;
    }
    // --no (never install), -c/--call, workspaces and the rest: npx's own business.
    return undefined;
  }
  const first = args[i];
  if (first === undefined || first === '') return undefined;
  const rest = args.slice(i + 1);
  if (packages.length > 0) return { packages, bin: first, args: rest };
  return { packages: [first], args: rest };
}

import { describe, expect, it } from 'vitest';
import { parseProxyArgs, UsageError } from '../../src/cli/proxy-args.js';

const CMD = ['--', 'node', 'server.js'];
const parse = (argv: string[], env: Record<string, string> = {}): ReturnType<typeof parseProxyArgs> => parseProxyArgs([...argv, ...CMD], env);
const usage = (argv: string[], env: Record<string, string> = {}): string => {
  try {
    parse(argv, env);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  return '(accepted)';
};

describe('mcp-proxy identity and tool-filter options (parser)', () => {
  it('defaults: nothing forwarded, no filter', () => {
    const o = parse([]);
    expect(o.headerToEnv).toEqual([]);
    expect(o.forwardClaims).toBe(false);
    expect(o.forwardToken).toBe(false);
    expect(o.allowTools).toEqual([]);
    expect(o.denyTools).toEqual([]);
  });

  it('--header-to-env is repeatable; the variable takes commas or one item per line', () => {
    expect(parse(['--header-to-env', 'X-Tenant=TENANT!', '--header-to-env', 'X-Region=REGION']).headerToEnv).toEqual([
      { header: 'x-tenant', variable: 'TENANT', required: true },
      { header: 'x-region', variable: 'REGION', required: false },
    ]);
    const fromEnv = parse([], { MCP_PROXY_HEADER_TO_ENV: 'X-Tenant=TENANT!\nX-Region=REGION,X-User=USER_NAME' }).headerToEnv;
    expect(fromEnv.map((s) => s.variable)).toEqual(['TENANT', 'REGION', 'USER_NAME']);
  });

  it('--header-to-env refuses proxy variables, bad names and duplicates (flag and variable alike)', () => {
    expect(usage(['--header-to-env', 'X-Sub=MCP_PROXY_SUB'])).toContain('MCP_PROXY_SUB is refused');
    expect(usage([], { MCP_PROXY_HEADER_TO_ENV: 'X-Sub=MCP_PROXY_SCOPES!' })).toMatch(/^MCP_PROXY_HEADER_TO_ENV: .*MCP_PROXY_SCOPES is refused/);
    expect(usage(['--header-to-env', 'X(y)=V'])).toContain('not a valid header name');
    expect(usage(['--header-to-env', 'X-A=V,X-B=V'])).toContain('V is given twice');
  });

  it('forwarding needs auth: a usage error without --auth-token or --oauth-issuer', () => {
    expect(usage(['--forward-claims'])).toContain('need --auth-token or --oauth-issuer');
    expect(usage([], { MCP_PROXY_FORWARD_TOKEN: 'true' })).toContain('need --auth-token or --oauth-issuer');
    expect(parse(['--forward-claims', '--forward-token', '--auth-token', 't']).forwardToken).toBe(true);
    expect(parse(['--forward-claims', '--oauth-issuer', 'https://as.example']).forwardClaims).toBe(true);
  });

  it('--allow-tools / --deny-tools: repeatable and comma-separated', () => {
    const o = parse(['--allow-tools', 'read_*,list_?', '--allow-tools', 'echo', '--deny-tools', 'read_secret*']);
    expect(o.allowTools).toEqual(['read_*', 'list_?', 'echo']);
    expect(o.denyTools).toEqual(['read_secret*']);
    expect(parse([], { MCP_PROXY_DENY_TOOLS: 'a, b' }).denyTools).toEqual(['a', 'b']);
  });
});

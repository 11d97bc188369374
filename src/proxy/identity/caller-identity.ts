import type { IncomingHttpHeaders } from 'node:http';
import type { ForwardedClaims, ProxyOptions } from '../proxy-options.js';
import type { JsonRpcId } from '../../shared/jsonrpc.js';
import { refusal } from '../http/refusals.js';
import { principalChildKey } from './child-key.js';
import { claimsEnv } from './forwarded-claims.js';
import { describeHeaderProblem, readHeaderEnv } from './header-to-env.js';

export type IdentityOptions = Pick<ProxyOptions, 'headerToEnv' | 'forwardClaims' | 'forwardToken'>;

/** What a caller gives the child it gets: variables for its environment, and (2026-07-28) which child that is. */
export interface CallerIdentity {
  /** Extra variables for the child's environment at spawn (header values, forwarded claims). */
  env: Record<string, string>;
  /** principalChildKey: the principal and the header variables (not the claims). */
  key: string;
}

/** True when a child's environment depends on its caller: such children cannot be spawned ahead (prewarmed). */
export function identityConfigured(opts: IdentityOptions): boolean {
  return (opts.headerToEnv?.length ?? 0) > 0 || opts.forwardClaims === true || opts.forwardToken === true;
}

/**
 * The caller's identity as the child will see it. Throws the IDENTITY_HEADER refusal (400, naming the
 * header) when a configured header is missing though required, too long, or carries control characters.
 */
export function callerIdentity(opts: IdentityOptions, principal: string | undefined, claims: ForwardedClaims | undefined, headers: IncomingHttpHeaders, id: JsonRpcId | null): CallerIdentity {
  const read = readHeaderEnv(opts.headerToEnv ?? [], headers);
  if (!read.ok) throw refusal('IDENTITY_HEADER', { detail: describeHeaderProblem(read.header, read.problem), id });
  const forwarded = claimsEnv(claims, { claims: opts.forwardClaims === true, token: opts.forwardToken === true });
  return { env: { ...read.env, ...forwarded }, key: principalChildKey(principal, read.env) };
}

/**
 * The child command with the caller's variables over the operator's --env: what a session's or a
 * principal's child is spawned with. The inherited environment was stripped of MCP_PROXY_* before
 * (src/cli/proxy-environment.ts), so the forwarded claims are the only MCP_PROXY_* a child sees.
 */
export function withCallerEnv<C extends { env: Record<string, string> }>(child: C, callerEnv: Readonly<Record<string, string>> | undefined): C {
  if (!callerEnv) return child;
  let any = false;
  for (const _ in callerEnv) {
    any = true;
    break;
  }
  return any ? { ...child, env: { ...child.env, ...callerEnv } } : child;
}

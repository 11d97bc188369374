/**
 * Parser for the `WWW-Authenticate` header (RFC 9110 §11.6.1) — only the Bearer challenge matters here
 * (RFC 6750 §3, RFC 9728 §5.1). Pure; unit-tested.
 */

export interface BearerChallenge {
  error?: string;
  errorDescription?: string;
  scope?: string;
  resourceMetadata?: string;
}

interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;

/** Splits a header value into challenges with their auth-params (token68 forms are skipped). */
export function parseChallenges(header: string): Challenge[] {
  const out: Challenge[] = [];
  let rest = header.trim();
  let current: Challenge | undefined;
  while (rest.length > 0) {
    rest = rest.replace(/^[\s,]+/, '');
    const name = TOKEN.exec(rest)?.[0];
    if (!name) break;
    const after = rest.slice(name.length).replace(/^\s+/, '');
    if (after.startsWith('=') && !after.startsWith('==') && current) {
      const [value, remainder] = readValue(after.slice(1).replace(/^\s+/, ''));
      current.params[name.toLowerCase()] = value;
      rest = remainder;
      continue;
    }
    current = { scheme: name.toLowerCase(), params: {} };
    out.push(current);
    rest = after;
    // A token68 credential directly after the scheme (e.g. `Basic abc==`): skip it.
    const token68 = /^[A-Za-z0-9\-._~+/]+=*(?=\s*(,|$))/.exec(rest);
    if (token68 && !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+\s*=[^=]/.test(rest)) rest = rest.slice(token68[0].length);
  }
  return out;
}

function readValue(input: string): [string, string] {
  if (!input.startsWith('"')) {
    const token = TOKEN.exec(input)?.[0] ?? '';
    return [token, input.slice(token.length)];
  }
  let value = '';
  for (let i = 1; i < input.length; i++) {
    const ch = input[i];
    if (ch === '\\' && i + 1 < input.length) {
      value += input[i + 1];
      i++;
    } else if (ch === '"') {
      return [value, input.slice(i + 1)];
    } else {
      value += ch;
    }
  }
  return [value, ''];
}

/** The Bearer challenge of a `WWW-Authenticate` header, or undefined when there is none. */
export function parseBearerChallenge(header: string | null | undefined): BearerChallenge | undefined {
  if (!header) return undefined;
  const bearer = parseChallenges(header).find((c) => c.scheme === 'bearer');
  if (!bearer) return undefined;
  const p = bearer.params;
  const result: BearerChallenge = {};
  if (p.error) result.error = p.error;
  if (p.error_description) result.errorDescription = p.error_description;
  if (p.scope) result.scope = p.scope;
  if (p.resource_metadata) result.resourceMetadata = p.resource_metadata;
  return result;
}

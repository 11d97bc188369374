/** The page the browser lands on after authorizing. Everything interpolated is HTML-escaped. Pure. */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;', '/': '&#47;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`/]/g, (ch) => ESCAPES[ch] ?? ch);
}

export function callbackPage(outcome: { ok: true } | { ok: false; reason: string }): string {
  const title = outcome.ok ? 'mcp-client: signed in' : 'mcp-client: sign-in failed';
  const message = outcome.ok
    ? 'You are signed in. You can close this tab and return to your MCP client.'
    : `Sign-in did not complete: ${escapeHtml(outcome.reason)}. You can close this tab; the terminal says what to do next.`;
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">',
    `<title>${escapeHtml(title)}</title>`,
    '<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem}</style>',
    `</head><body><h1>${escapeHtml(title)}</h1><p>${message}</p></body></html>`,
  ].join('\n');
}

/** How mcp-client's OAuth layer talks to a person: login progress (ink on a TTY, log lines otherwise) and command output. */
import { devicePromptLine } from '../oauth/flow/device-flow.js';
import type { LoginProgressEvent, ProgressListener } from '../oauth/flow/progress.js';
import type { TokenStatus } from '../oauth/oauth-client.js';
import type { Logger } from '../shared/logger.js';
import { REDACTED } from '../shared/redact.js';
import { renderLoginProgress } from '../ui/login-render.js';

export type ErrStream = NodeJS.WritableStream & { isTTY?: boolean };

/** TTY: the ink view on stderr. Otherwise one log line per step (JSON when piped), the sign-in URL included. */
export function createProgressReporter(stderr: ErrStream, logger: Logger): ProgressListener {
  if (stderr.isTTY) {
    let view: ReturnType<typeof renderLoginProgress> | undefined;
    return (event: LoginProgressEvent) => {
      view ??= renderLoginProgress(stderr as NodeJS.WriteStream);
      view.update(event);
      if (event.step === 'done' || event.step === 'failed') {
        view.stop();
        view = undefined;
      }
    };
  }
  return (event: LoginProgressEvent) => {
    if (event.step === 'waiting-for-device' && event.device) {
      stderr.write(`${devicePromptLine(event.device, Date.now())}\n`); // one plain line, for a person reading a log
    } else if (event.step === 'waiting-for-browser') {
      const how = event.browserOpened ? 'a browser was opened; if it did not appear, open' : 'open';
      logger.warn(`sign-in needed: ${how} this URL in a browser`, { url: event.url });
    } else if (event.step === 'failed') {
      logger.error('sign-in failed', { detail: event.detail });
    } else {
      logger.info(`oauth: ${event.step}`, event.detail ? { detail: event.detail } : undefined);
    }
  };
}

const SECRET_FIELDS = new Set(['client_secret', 'registration_access_token', 'accessToken', 'refreshToken', 'clientSecret']);

/** Masks secret values unless the user asked for them (--show-secrets). */
export function maskSecrets(value: Record<string, unknown>, show: boolean): Record<string, unknown> {
  if (show) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_FIELDS.has(k) && v !== undefined ? REDACTED : v;
  return out;
}

export function formatStatus(status: TokenStatus, now: number): string {
  const lines = [`server:        ${status.serverUrl}`, `credentials:   ${status.store}`, `logged in:     ${status.loggedIn ? 'yes' : 'no'}`];
  if (status.issuer) lines.push(`issuer:        ${status.issuer}`);
  if (status.clientId) lines.push(`client id:     ${status.clientId}`);
  if (status.scope) lines.push(`scope:         ${status.scope}`);
  if (status.expiresAt !== undefined) {
    const minutes = Math.round((status.expiresAt - now) / 60_000);
    lines.push(`expires:       ${new Date(status.expiresAt).toISOString()} (${status.expired ? 'expired' : `in ${minutes} min`})`);
  }
  lines.push(`refresh token: ${status.hasRefreshToken ? 'yes' : 'no'}`);
  if (status.accessToken) lines.push(`access token:  ${status.accessToken}`);
  if (status.refreshToken) lines.push(`refresh token: ${status.refreshToken}`);
  if (status.clientSecret) lines.push(`client secret: ${status.clientSecret}`);
  return `${lines.join('\n')}\n`;
}

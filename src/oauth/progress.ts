/** Login progress events, for the ink view on a TTY or plain stderr lines otherwise (chosen in src/cli). */

export type LoginStep = 'discovering' | 'registering' | 'waiting-for-lock' | 'waiting-for-browser' | 'exchanging' | 'done' | 'failed';

export interface LoginProgressEvent {
  step: LoginStep;
  /** The authorization URL (waiting-for-browser only). Contains no secret: PKCE sends only the challenge. */
  url?: string;
  /** Whether a browser was launched for `url`. */
  browserOpened?: boolean;
  /** A short human-readable detail (issuer, client id, error line). */
  detail?: string;
}

export type ProgressListener = (event: LoginProgressEvent) => void;

/** Login progress events, for the ink view on a TTY or plain stderr lines otherwise (chosen in src/cli). */

export type LoginStep = 'discovering' | 'registering' | 'waiting-for-lock' | 'waiting-for-browser' | 'waiting-for-device' | 'exchanging' | 'done' | 'failed';

export interface LoginProgressEvent {
  step: LoginStep;
  /** The authorization URL (waiting-for-browser only). Contains no secret: PKCE sends only the challenge. */
  url?: string;
  /** Whether a browser was launched for `url`. */
  browserOpened?: boolean;
  /** A short human-readable detail (issuer, client id, error line). */
  detail?: string;
  /** The verification URI and user code to show (waiting-for-device only). */
  device?: DevicePrompt;
}

/** What a person needs to finish a device sign-in (RFC 8628) on another device. */
export interface DevicePrompt {
  verificationUri: string;
  /** verification_uri_complete when the server gave one: the code is already filled in. */
  verificationUriComplete?: string;
  userCode: string;
  /** Epoch ms. */
  expiresAt: number;
}

export type ProgressListener = (event: LoginProgressEvent) => void;

/**
 * Opens the system browser for the authorization URL — without a shell, and only for a URL that passes
 * isBrowserSafeUrl (the lesson of CVE-2025-6514, where a hostile authorization_endpoint reached a shell).
 */
import { spawn as nodeSpawn, type SpawnOptions } from 'node:child_process';
import { OAuthFlowError } from '../../shared/errors.js';
import { isBrowserSafeUrl, safeForMessage } from '../discovery/url-safety.js';

export type OpenBrowser = (url: string) => Promise<void>;

interface Spawned {
  once(event: 'spawn' | 'error', listener: (error?: Error) => void): unknown;
  unref(): void;
}

export type SpawnLike = (command: string, args: readonly string[], options: SpawnOptions) => Spawned;

/** Pure: the launcher argv for a platform. The URL is one argv element; no shell ever parses it. */
export function browserCommand(platform: NodeJS.Platform, url: string): { command: string; args: string[] } {
  if (platform === 'darwin') return { command: 'open', args: [url] };
  // rundll32 hands the string straight to the URL protocol handler; `cmd /c start` would parse it.
  if (platform === 'win32') return { command: 'rundll32', args: ['url.dll,FileProtocolHandler', url] };
  return { command: 'xdg-open', args: [url] };
}

export function createSystemBrowserOpener(deps: { spawn?: SpawnLike; platform?: NodeJS.Platform } = {}): OpenBrowser {
  const spawn = deps.spawn ?? (nodeSpawn as unknown as SpawnLike);
  const platform = deps.platform ?? process.platform;
  return (url) => {
    if (!isBrowserSafeUrl(url)) {
      return Promise.reject(new OAuthFlowError('UNSAFE_BROWSER_URL', `refusing to open a non-http(s) or unsafe URL: ${safeForMessage(url)}`));
    }
    const { command, args } = browserCommand(platform, new URL(url).href);
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, { shell: false, stdio: 'ignore', detached: true, windowsHide: true });
      child.once('error', (error) => reject(new OAuthFlowError('UNSAFE_BROWSER_URL', `could not start ${command}; open the URL yourself`, { cause: error })));
      child.once('spawn', () => {
        child.unref();
        resolve();
      });
    });
  };
}

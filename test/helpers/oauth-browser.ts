/**
 * A headless "browser" for tests: follows the authorization URL with a cookie jar, submits each login/consent
 * form, and finally requests the loopback callback. Only ever talks to 127.0.0.1.
 */
import { fetch } from 'undici';

export interface HeadlessBrowserOptions {
  login?: string;
  /** Rewrites the final callback URL (to test state / iss checks). */
  tamperCallback?: (url: URL) => URL;
}

export interface HeadlessBrowser {
  open(url: string): Promise<void>;
  /** URLs handed to open(). */
  opened: string[];
  /** Status of the callback page, once reached. */
  callbackStatus?: number;
}

export function createHeadlessBrowser(options: HeadlessBrowserOptions = {}): HeadlessBrowser {
  const jar = new Map<string, string>();
  const browser: HeadlessBrowser = {
    opened: [],
    async open(start) {
      browser.opened.push(start);
      let url = new URL(start);
      let method = 'GET';
      let body: string | undefined;
      for (let step = 0; step < 20; step++) {
        if (url.hostname !== '127.0.0.1') throw new Error(`test browser refuses non-loopback ${url.href}`);
        const isCallback = url.pathname === '/callback';
        if (isCallback && options.tamperCallback) url = options.tamperCallback(url);
        const headers: Record<string, string> = { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') };
        if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
        const response = await fetch(url, { method, headers, redirect: 'manual', signal: AbortSignal.timeout(10_000), ...(body !== undefined ? { body } : {}) });
        for (const cookie of response.headers.getSetCookie()) {
          const [pair] = cookie.split(';');
          const eq = pair?.indexOf('=') ?? -1;
          if (pair && eq > 0) jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
        }
        method = 'GET';
        body = undefined;
        if (isCallback) {
          browser.callbackStatus = response.status;
          await response.text();
          return;
        }
        const location = response.headers.get('location');
        if (response.status >= 300 && response.status < 400 && location) {
          await response.text();
          url = new URL(location, url);
          continue;
        }
        const html = await response.text();
        const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
        if (response.status !== 200 || !action) throw new Error(`test browser stuck at ${url.pathname} (HTTP ${response.status}): ${html.slice(0, 300)}`);
        url = new URL(action, url);
        method = 'POST';
        body = new URLSearchParams({ login: options.login ?? 'alice' }).toString();
      }
      throw new Error('test browser: too many steps');
    },
  };
  return browser;
}

/**
 * The window's security settings and the checks the main process applies, as plain functions (unit-tested without
 * Electron): which page may call the api, which URLs may open in the user's browser, and the CSP.
 */

/** Scripts only from the app bundle; no network except the dev server's WebSocket in development. */
export const APP_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export interface SecureWebPreferences {
  readonly preload: string;
  readonly contextIsolation: true;
  readonly sandbox: true;
  readonly nodeIntegration: false;
  readonly nodeIntegrationInWorker: false;
  readonly nodeIntegrationInSubFrames: false;
  readonly webSecurity: true;
  readonly allowRunningInsecureContent: false;
  readonly webviewTag: false;
  readonly spellcheck: false;
}

export function secureWebPreferences(preload: string): SecureWebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
  };
}

/**
 * The page allowed to call the api: exactly the app's own index.html (query and hash aside), or in development
 * the dev server's origin. Anything else (a navigated-away frame, an iframe, a data: URL) is refused.
 */
export function trustedPage(appIndexUrl: string, devServerUrl?: string): (url: string) => boolean {
  const app = new URL(appIndexUrl);
  const dev = devServerUrl ? new URL(devServerUrl) : null;
  return (url: string) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return false;
    }
    if (u.protocol === 'file:' && app.protocol === 'file:') return u.pathname === app.pathname && u.host === app.host;
    if (dev) return u.origin === dev.origin;
    return false;
  };
}

/** Links the app may hand to the system browser: well-formed http(s) URLs with a host, nothing else. */
export function isSafeExternalUrl(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return (
    (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname !== '' && u.username === '' && u.password === ''
  );
}

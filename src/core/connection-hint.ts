/*
 * Why a request may fail in the browser before it reaches the server, told to the developer in the
 * console with the fix. Loaded on demand, when a request failed (network_error): no page pays for it
 * before that.
 */

const warned = new Set<string>();

/**
 * Why a request to `url` from the page at `page` may fail in the browser before reaching the
 * server, with the fix: mixed content (an http: API from an https: page) or CORS (another origin);
 * null for a same-origin URL.
 */
export function connectionHint(url: string, page: string): string | null {
  const target = new URL(url, page);
  const here = new URL(page);
  // Loopback http: is allowed from https: pages (a potentially trustworthy origin): not mixed content.
  const loopback = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/.test(target.hostname);
  if (target.protocol === 'http:' && here.protocol === 'https:' && !loopback) {
    return `${target.origin} is http: and this page is https:: the browser blocks it as mixed content. Serve the API over https:.`;
  }
  if (target.origin === here.origin) return null;
  return `${target.origin} is another origin than this page (${here.origin}): if its answers lack CORS headers (Access-Control-Allow-Origin: ${here.origin} and Access-Control-Allow-Credentials: true), the browser hides them. Allow this origin on the server (the reference server: AUTH_CORS_ORIGINS=${here.origin}).`;
}

/** A failed request (network_error) from the page at `page`: warn once per cause if CORS or mixed content may be why. */
export function warnConnection(url: string, page: string): void {
  const hint = connectionHint(url, page);
  if (hint && !warned.has(hint)) {
    warned.add(hint);
    console.warn(`[auth-elements] The server could not be reached. ${hint}`);
  }
}


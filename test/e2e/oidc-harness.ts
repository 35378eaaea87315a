// What the Chromium tests against the real OpenID provider (test/oidc/provider.ts) share: the app's
// server, waiting for the provider element's status, and going through the provider's own pages
// (password, consent).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import type { Page } from 'playwright-core';
import type { TestAccount, TestProvider } from '../oidc/provider.js';

/** Generous: the machine may be slow (2 cores); nothing waits this long when it works. */
export const WAIT = { timeout: 30_000 };

export async function waitStatus(page: Page, wanted: string): Promise<void> {
  await page.waitForFunction((s) => (document.querySelector('auth-provider') as unknown as { state: { status: string } }).state.status === s, wanted, WAIT);
}

/** On the provider's pages: the password (when asked) of `account` (default alice), then consent (when asked), until it leaves. */
export async function signInAt(op: TestProvider, page: Page, options: { expectPassword?: boolean; account?: TestAccount } = {}): Promise<void> {
  const account = options.account ?? op.account;
  await page.waitForURL((url) => url.origin === op.issuer, WAIT);
  let askedPassword = false;
  for (let step = 0; step < 4; step++) {
    const next = await Promise.race([
      page.locator('#username').waitFor(WAIT).then(() => 'password' as const),
      page.locator('#allow').waitFor(WAIT).then(() => 'consent' as const),
      page.waitForURL((url) => url.origin !== op.issuer, WAIT).then(() => 'done' as const),
    ].map((p) => p.catch(() => 'gone' as const)));
    if (next === 'done' || next === 'gone') break;
    if (next === 'password') {
      askedPassword = true;
      await page.fill('#username', account.username);
      await page.fill('#password', account.password);
      await Promise.all([page.waitForNavigation(WAIT).catch(() => {}), page.click('#sign-in')]);
    } else {
      await Promise.all([page.waitForNavigation(WAIT).catch(() => {}), page.click('#allow')]);
    }
    if (page.isClosed()) break;
  }
  if (options.expectPassword !== undefined) assert.equal(askedPassword, options.expectPassword, 'whether the provider asked for the password');
}

const root = new URL('../../', import.meta.url).pathname;
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.map': 'application/json', '.css': 'text/css', '.json': 'application/json' };

/**
 * The app's origin on 127.0.0.1 (same site as the provider, so its Lax session cookie reaches the
 * silent re-authorization iframe): `page(path)`'s HTML, else the built files under dist/, else 404.
 */
export async function startAppServer(page: (path: string) => string | undefined): Promise<{ server: Server; origin: string }> {
  if (!existsSync(join(root, 'dist/auth-elements.js'))) throw new Error('run `npm run build` before the e2e tests');
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname.slice(1);
    const html = page(path);
    if (html !== undefined) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      return res.end(html);
    }
    const file = normalize(join(root, path));
    if (path.startsWith('dist/') && file.startsWith(join(root, 'dist')) && existsSync(file)) {
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      return res.end(readFileSync(file));
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

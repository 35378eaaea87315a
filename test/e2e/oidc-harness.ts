// What the Chromium tests against the real OpenID provider (test/oidc/provider.ts) share: waiting for
// the provider element's status, and going through the provider's own pages (password, consent).
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { TestProvider } from '../oidc/provider.js';

/** Generous: the machine may be slow (2 cores); nothing waits this long when it works. */
export const WAIT = { timeout: 30_000 };

export async function waitStatus(page: Page, wanted: string): Promise<void> {
  await page.waitForFunction((s) => (document.querySelector('auth-provider') as unknown as { state: { status: string } }).state.status === s, wanted, WAIT);
}

/** On the provider's pages: the password (when asked), then consent (when asked), until it leaves. */
export async function signInAt(op: TestProvider, page: Page, options: { expectPassword?: boolean } = {}): Promise<void> {
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
      await page.fill('#username', op.account.username);
      await page.fill('#password', op.account.password);
      await Promise.all([page.waitForNavigation(WAIT).catch(() => {}), page.click('#sign-in')]);
    } else {
      await Promise.all([page.waitForNavigation(WAIT).catch(() => {}), page.click('#allow')]);
    }
    if (page.isClosed()) break;
  }
  if (options.expectPassword !== undefined) assert.equal(askedPassword, options.expectPassword, 'whether the provider asked for the password');
}

// End to end: the demo's OIDC page (demo/oidc.html) against the OpenID provider that `npm run demo`
// starts next to the reference server (server/demo-oidc.ts, a real oidc-provider on loopback), in
// Debian's Chromium. The page, the provider and the backend are the real ones; nothing is simulated.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { startDemo, type Demo } from './harness.js';
import { axe, geometryProblems, openContext, settle, type Scheme } from './visual.js';

/** The OIDC provider's demo user (test/oidc/provider.ts), as the console prints it. */
const OIDC_USER = { username: 'alice', password: 'correct horse battery staple', name: 'Alice Example', sub: 'a1b2c3d4-alice' };
const JWT_ALICE = { username: 'alice', password: 'alice-demo-password' };
const OIDC = 'auth-provider[name="oidc"]';
const JWT = 'auth-provider#jwt';
const LONG = { timeout: 30_000 };

let demo: Demo;
let issuer: string;

before(async () => {
  demo = await startDemo();
  const printed = /OIDC provider: +(http:\/\/localhost:\d+)/.exec(demo.output())?.[1];
  assert.ok(printed, `no OIDC provider line in the demo's output:\n${demo.output()}`);
  issuer = printed;
});

after(async () => {
  await demo?.close();
});

/** On the provider's pages: sign in as the demo user, and allow access when the consent page asks. */
async function signInAtProvider(page: Page): Promise<void> {
  await page.waitForURL((url) => url.origin === issuer, LONG);
  await page.locator('#username').fill(OIDC_USER.username);
  await page.locator('#password').fill(OIDC_USER.password);
  await page.locator('#sign-in').click();
  const consent = page.locator('#allow');
  // 'commit': a popup closes itself as soon as its callback page runs, possibly before its load event.
  const back = page.waitForURL((url) => url.origin === demo.origin, { ...LONG, waitUntil: 'commit' });
  // The first login of a session asks for consent; a later one may not (then this branch just ends).
  const allow = consent.waitFor(LONG).then(() => consent.click()).catch(() => undefined);
  await Promise.race([back, allow]);
  await back;
}

/** A new browser context on /oidc.html, and the popup its "Log in with a popup" button opened. */
async function popupFromFreshPage(): Promise<{ context: BrowserContext; page: Page; popup: Page }> {
  const context = await demo.browser.newContext();
  const page = await context.newPage();
  await page.goto(demo.origin + '/oidc.html');
  await page.locator('#oidc-popup').waitFor(LONG);
  const [popup] = await Promise.all([page.waitForEvent('popup', LONG), page.locator('#oidc-popup').click()]);
  return { context, page, popup };
}

/** The JWT side: the reference server's demo account, through its password form. */
async function logInJwt(page: Page): Promise<void> {
  await page.locator(`${JWT} auth-login input[name="username"]`).fill(JWT_ALICE.username);
  await page.locator(`${JWT} auth-login input[name="password"]`).fill(JWT_ALICE.password);
  await page.locator(`${JWT} auth-login [part~="submit-button"]`).click();
  await page.locator(`${JWT} auth-status`).getByText('Alice Example').waitFor(LONG);
}

/** The claims the page shows for the OIDC session, parsed. */
async function shownClaims(page: Page): Promise<Record<string, unknown>> {
  const text = (await page.locator('#oidc-user').textContent()) ?? '';
  return JSON.parse(text) as Record<string, unknown>;
}

describe('the demo\'s OpenID provider', () => {
  test('the console prints the provider, the OIDC page and the demo user next to the demo accounts', () => {
    const out = demo.output();
    const port = Number(new URL(demo.origin).port);
    assert.equal(issuer, `http://localhost:${port + 1}`, 'the port next to the demo\'s, on the demo\'s host name');
    assert.match(out, new RegExp(`${demo.origin}/oidc\\.html`));
    assert.match(out, /alice\s+password: correct horse battery staple/);
    assert.match(out, /alice\s+password: alice-demo-password/, 'the JWT demo accounts are still listed');
  });

  test('it is up on loopback: discovery names the issuer, S256 PKCE and an end-session endpoint', async () => {
    const res = await fetch(`${issuer}/.well-known/openid-configuration`);
    assert.equal(res.status, 200);
    const meta = (await res.json()) as Record<string, unknown>;
    assert.equal(meta.issuer, issuer);
    assert.deepEqual(meta.code_challenge_methods_supported, ['S256']);
    assert.equal(meta.end_session_endpoint, `${issuer}/session/end`);
  });

  test('only /oidc.html may reach the provider and be framed by its own origin; other pages keep the strict policy', async () => {
    const oidcPage = (await fetch(`${demo.origin}/oidc.html`)).headers.get('content-security-policy') ?? '';
    assert.match(oidcPage, new RegExp(`connect-src 'self' ${issuer}(;|$)`));
    assert.match(oidcPage, new RegExp(`frame-src 'self' ${issuer}(;|$)`));
    assert.match(oidcPage, /frame-ancestors 'self'/);
    assert.match(oidcPage, /script-src 'self'(;|$)/);
    for (const path of ['/', '/account.html']) {
      const csp = (await fetch(demo.origin + path)).headers.get('content-security-policy') ?? '';
      assert.match(csp, /connect-src 'self';/, path);
      assert.match(csp, /frame-ancestors 'none'/, path);
      assert.ok(!csp.includes(issuer), path);
    }
  });

  test('the page\'s configuration endpoint answers local requests only, and never with a secret', async () => {
    const local = await fetch(`${demo.origin}/api/dev/oidc`);
    assert.equal(local.status, 200);
    const body = (await local.json()) as Record<string, unknown>;
    assert.equal(body.issuer, issuer);
    assert.equal(body.clientId, 'auth-elements-demo');
    assert.deepEqual(Object.keys(body).sort(), ['clientId', 'issuer', 'password', 'username']);
    const port = new URL(demo.origin).port;
    // DNS rebinding: a foreign Host header is a 404, as for the development outbox.
    const rebound = await new Promise<number | undefined>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/api/dev/oidc', headers: { host: 'evil.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      }).on('error', reject);
    });
    assert.equal(rebound, 404);
  });
});

describe('demo/oidc.html', () => {
  test('the index links to it', async () => {
    const context = await demo.browser.newContext();
    const page = await context.newPage();
    await page.goto(demo.origin + '/');
    await page.getByRole('link', { name: /OIDC/ }).click();
    await page.waitForURL(`${demo.origin}/oidc.html`);
    await page.getByRole('heading', { level: 1 }).getByText(/OpenID Connect/).waitFor();
    await context.close();
  });

  test('redirect login as the demo OIDC user shows the claims; a reload keeps them; logout ends the provider session', async () => {
    const context = await demo.browser.newContext();
    const page = await context.newPage();
    await page.goto(demo.origin + '/oidc.html');
    await page.locator('#oidc-credentials').getByText(OIDC_USER.password).waitFor(LONG);
    await page.locator(`${OIDC} auth-status`).getByText(/Not logged in/).waitFor(LONG);

    await page.locator('#oidc-redirect').click();
    await signInAtProvider(page);
    await page.locator(`${OIDC} auth-status`).getByText(OIDC_USER.name).waitFor(LONG);
    const claims = await shownClaims(page);
    assert.equal(claims.id, OIDC_USER.sub);
    assert.equal(claims.name, OIDC_USER.name);
    // The provider's answer: the ID token's claims (issuer, audience = our client), never a token.
    const answer = JSON.parse((await page.locator('#oidc-response').textContent()) ?? 'null') as Record<string, unknown>;
    assert.equal(answer.sub, OIDC_USER.sub);
    assert.equal(answer.iss, issuer);
    assert.equal(answer.aud, 'auth-elements-demo');
    assert.doesNotMatch(await page.locator('main').innerText(), /eyJ[\w-]+\.[\w-]+/, 'no JWT on the page');
    const url = new URL(page.url());
    assert.equal(url.pathname, '/oidc.html');
    assert.equal(url.searchParams.get('code'), null, 'the code is removed from the address bar');
    assert.equal(url.searchParams.get('state'), null, 'the state is removed from the address bar');
    // The JWT side of the page is a separate client: still signed out.
    assert.equal(await page.locator(`${JWT} auth-login input[name="username"]`).isVisible(), true);

    // A reload restores the session without a login (the provider's session cookie reaches the
    // hidden iframe: the provider and the page share the host name `localhost`, so are same-site).
    await page.reload();
    await page.locator(`${OIDC} auth-status`).getByText(OIDC_USER.name).waitFor(LONG);
    assert.equal((await shownClaims(page)).id, OIDC_USER.sub);

    // Logout: end session at the provider (it asks to confirm), back to the page, signed out.
    await page.locator(`${OIDC} auth-logout [part~="button"]`).click();
    const confirm = page.locator('#logout-confirm');
    const home = page.waitForURL((u) => u.origin === demo.origin && u.pathname === '/oidc.html', LONG);
    await Promise.race([home, confirm.waitFor(LONG).then(() => confirm.click()).catch(() => undefined)]);
    await home;
    await page.locator('#oidc-redirect').waitFor(LONG);
    await page.locator('#oidc-user').getByText('null').waitFor(LONG);

    // The provider session ended: the next login asks for the password again.
    await page.locator('#oidc-redirect').click();
    await page.waitForURL((u) => u.origin === issuer, LONG);
    await page.locator('#password').waitFor(LONG);
    await context.close();
  });

  test('why the issuer says localhost: the page opened as 127.0.0.1 (another site) logs in, but a reload cannot restore it', async () => {
    const crossSite = demo.origin.replace('//localhost:', '//127.0.0.1:');
    const context = await demo.browser.newContext();
    const page = await context.newPage();
    await page.goto(crossSite + '/oidc.html');
    await page.locator('#oidc-redirect').click();
    await page.waitForURL((url) => url.origin === issuer, LONG);
    await page.locator('#username').fill(OIDC_USER.username);
    await page.locator('#password').fill(OIDC_USER.password);
    await page.locator('#sign-in').click();
    await page.locator('#allow').click();
    await page.waitForURL((url) => url.origin === crossSite, LONG);
    await page.locator(`${OIDC} auth-status`).getByText(OIDC_USER.name).waitFor(LONG);
    await page.reload();
    // The provider's SameSite=Lax session cookie is not sent to a cross-site iframe: no silent login.
    await page.locator(`${OIDC} auth-status`).getByText(/Not logged in/).waitFor(LONG);
    await context.close();
  });

  test('popup login shows the claims in the opener; the JWT login beside it is a separate session', async () => {
    const { context, page, popup } = await popupFromFreshPage();
    await signInAtProvider(popup);
    await popup.waitForEvent('close', LONG);
    await page.locator(`${OIDC} auth-status`).getByText(OIDC_USER.name).waitFor(LONG);
    assert.equal((await shownClaims(page)).id, OIDC_USER.sub);
    assert.equal(new URL(page.url()).pathname, '/oidc.html', 'the page itself never left');

    await logInJwt(page);
    assert.equal((await shownClaims(page)).id, OIDC_USER.sub, 'the OIDC session is untouched');

    // Nothing that can renew either session is readable by scripts (persist: none, SECURITY 31).
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }) + document.cookie);
    assert.doesNotMatch(stored, /refresh|eyJ/i);
    await context.close();
  });

  test('a popup the user closes ends signed out with popup_closed said on the page', async () => {
    const { context, page, popup } = await popupFromFreshPage();
    await popup.waitForURL((url) => url.origin === issuer, LONG);
    await popup.close();
    await page.locator('#oidc-problem [role="alert"]').getByText(/^popup_closed: /).waitFor(LONG);
    await page.locator(`${OIDC} auth-status`).getByText(/Not logged in/).waitFor(LONG);
    assert.equal(await page.locator('#oidc-user').textContent(), 'null');
    await context.close();
  });

  for (const scheme of ['light', 'dark'] as Scheme[]) {
    test(`${scheme}: signed out, then signed in on both sides, no accessibility violation and no geometry problem`, async () => {
      const context = await openContext(demo.browser, { scheme });
      const page = await context.newPage();
      const problems: string[] = [];
      const check = async (when: string) => {
        await settle(page);
        for (const p of await geometryProblems(page)) problems.push(`${when}: ${p}`);
        for (const v of await axe(page)) problems.push(`${when}: ${v.id} (${v.impact}) ${v.nodes.join('; ')}`);
      };
      await page.goto(demo.origin + '/oidc.html');
      await page.locator('#oidc-redirect').waitFor(LONG);
      await check('signed out');
      await page.locator('#oidc-redirect').click();
      await signInAtProvider(page);
      await page.locator(`${OIDC} auth-status`).getByText(OIDC_USER.name).waitFor(LONG);
      await logInJwt(page);
      await check('signed in');
      assert.deepEqual(problems, [], problems.join('\n'));
      await context.close();
    });
  }
});

// End to end, organizations with the OIDC backend in Chromium against a real OpenID provider (panva's
// oidc-provider, test/oidc/provider.ts with `orgClaims`: alice is Acme's owner and Globex's member).
// Each preset: PropelAuth (org_id_to_org_member_info; the client selects, the backend has no
// selectOrg), Auth0 (org_id + namespaced roles; selecting re-authorizes with organization=<id>, popup and
// redirect) and Keycloak (organization claim, array and object forms; realm and client roles;
// selecting re-authorizes with the scope organization:<alias>). An org alice is not in is refused by the
// provider and the session stays as it was. A silent re-authorization for another tab's org that comes back
// as another user (bob) ends the session instead of switching users.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { chromiumArgs, chromiumPath } from '../chromium.mjs';
import { AUTH0_ORGS_CLAIM, AUTH0_ROLES_CLAIM, startTestProvider, type TestAccount, type TestProvider } from '../oidc/provider.js';
import { signInAt, startAppServer, WAIT, waitStatus } from './oidc-harness.js';


let op: TestProvider; // Keycloak's organization claim as an array of aliases
let opObject: TestProvider; // … as an object, alias -> { id }
let server: Server;
let origin: string;
let browser: Browser;
/** A redirect URI whose page has no kit: for authorizations made behind the kit's back. */
const NOT_THE_APP = 'not-the-app';

/** The app pages: attributes of <auth-provider backend="oidc">, or (`json`) its JSON child. */
const PAGES: Record<string, () => { provider: TestProvider; attrs?: Record<string, string>; json?: Record<string, unknown> }> = {
  'propelauth.html': () => ({ provider: op, attrs: { display: 'popup', 'org-claims': 'propelauth' } }),
  'auth0.html': () => ({
    provider: op,
    json: { display: 'popup', org_claims: { preset: 'auth0', orgs: AUTH0_ORGS_CLAIM }, org_roles_claim: AUTH0_ROLES_CLAIM },
  }),
  'auth0-redirect.html': () => ({ provider: op, attrs: { display: 'redirect', 'org-claims': 'auth0', 'org-roles-claim': AUTH0_ROLES_CLAIM } }),
  'keycloak.html': () => ({ provider: op, attrs: { display: 'popup', 'org-claims': 'keycloak', scope: 'openid profile organization' } }),
  'keycloak-object.html': () => ({ provider: opObject, attrs: { display: 'popup', 'org-claims': 'keycloak', scope: 'openid organization:*' } }),
  'misconfigured.html': () => ({ provider: op, attrs: { display: 'popup', 'org-claims': 'okta' } }),
};

function appPage(name: string): string {
  const { provider, attrs = {}, json } = PAGES[name]!();
  const base = { backend: 'oidc', issuer: provider.issuer, 'client-id': provider.clientId };
  const config = json
    ? `<script type="application/json">${JSON.stringify({ ...base, ...json })}</script>`
    : '';
  const attributes = Object.entries(json ? { backend: 'oidc' } : { ...base, ...attrs }).map(([k, v]) => `${k}="${v}"`).join(' ');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${name}</title>
<script type="module" src="/dist/auth-elements.js"></script></head><body>
<auth-provider ${attributes}>${config}<button id="login" type="button">Continue</button></auth-provider>
<script type="module">
  const provider = document.querySelector('auth-provider');
  document.getElementById('login').addEventListener('click', () => provider.client.login().catch(() => {}));
  // The page's own button for selecting an org: the click's task opens the popup.
  window.select = (id) => {
    window.selected = undefined;
    provider.client.selectOrg(id).then(() => (window.selected = 'ok'), (e) => (window.selected = e.code));
  };
</script></body></html>`;
}

before(async () => {
  ({ server, origin } = await startAppServer((path) =>
    (PAGES[path] ? appPage(path) : path === NOT_THE_APP ? '<!doctype html><title>Not the app</title>' : undefined)));
  const redirectUris = [...Object.keys(PAGES), NOT_THE_APP].map((name) => `${origin}/${name}`);
  op = await startTestProvider({ redirectUris, orgClaims: {} });
  opObject = await startTestProvider({ redirectUris, orgClaims: { keycloak: 'object' } });
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
});

after(async () => {
  await browser?.close().catch(() => {});
  await op?.close();
  await opObject?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(null)));
});

interface Org {
  id: string;
  name: string;
  role?: string;
  permissions?: string[];
}

/** What the page's client says: the state's org, listOrgs(), and whether the backend can select. */
function orgState(page: Page): Promise<{ org: Org | null; orgs: Org[]; canSelect: boolean; claims: Record<string, unknown> }> {
  return page.evaluate(async () => {
    const { client } = document.querySelector('auth-provider') as unknown as {
      client: { state: { org: Org | null }; listOrgs(): Promise<Org[]>; backend: object; getResponse(): Record<string, unknown> };
    };
    return { org: client.state.org, orgs: await client.listOrgs(), canSelect: 'selectOrg' in client.backend, claims: client.getResponse() };
  });
}

/** `client.hasRole` / `hasPermission` for each [kind, value, orgId?] (after listOrgs, for other orgs). */
function checks(page: Page, list: [kind: 'role' | 'permission', value: string, orgId?: string][]): Promise<boolean[]> {
  return page.evaluate((items) => {
    const { client } = document.querySelector('auth-provider') as unknown as {
      client: { hasRole(r: string, o?: string): boolean; hasPermission(p: string, o?: string): boolean };
    };
    return items.map(([kind, value, orgId]) => (kind === 'role' ? client.hasRole(value, orgId) : client.hasPermission(value, orgId)));
  }, list);
}

async function fresh(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  return { context, page: await context.newPage() };
}

/** Open `name` and sign in through its popup (or the page itself, redirect display). */
async function login(context: BrowserContext, page: Page, name: string): Promise<void> {
  const provider = PAGES[name]!().provider;
  await page.goto(`${origin}/${name}`);
  await waitStatus(page, 'anonymous');
  if (name.includes('redirect')) {
    await page.click('#login');
    await signInAt(provider, page);
    await page.waitForURL((url) => url.origin === origin, WAIT);
  } else {
    const [popup] = await Promise.all([context.waitForEvent('page'), page.click('#login')]);
    await signInAt(provider, popup);
  }
  await waitStatus(page, 'authenticated');
}

/** selectOrg through a popup: the provider's pages in it (consent for a new scope), then the result. */
async function selectInPopup(context: BrowserContext, page: Page, provider: TestProvider, id: string): Promise<string> {
  const [popup] = await Promise.all([context.waitForEvent('page'), page.evaluate((org) => (window as unknown as { select(id: string): void }).select(org), id)]);
  if (!popup.isClosed()) await signInAt(provider, popup, { expectPassword: false }).catch(() => {});
  await page.waitForFunction(() => (window as unknown as { selected?: string }).selected !== undefined, undefined, WAIT);
  return page.evaluate(() => (window as unknown as { selected: string }).selected);
}

const lastAuthorization = (provider: TestProvider) => provider.authorizations.at(-1)!;

test('PropelAuth: both orgs with their roles and permissions from org_id_to_org_member_info; the backend has no selectOrg (the client selects)', async () => {
  const { context, page } = await fresh();
  await login(context, page, 'propelauth.html');
  const { orgs, canSelect, org } = await orgState(page);
  assert.deepEqual(orgs, [
    { id: 'org_acme', name: 'Acme Corp', role: 'owner', permissions: ['reports:read', 'members:write', 'reports:write', 'billing:write'] },
    { id: 'org_globex', name: 'Globex', role: 'member', permissions: ['reports:read'] },
  ]);
  assert.equal(canSelect, false, 'no organization parameter at PropelAuth: no backend.selectOrg');
  assert.ok(org === null || org.id === 'org_acme', `the session names no org (the client picks): ${JSON.stringify(org)}`);
  assert.deepEqual(await checks(page, [
    ['role', 'owner', 'org_acme'], ['role', 'admin', 'org_acme'], ['role', 'member', 'org_globex'], ['role', 'admin', 'org_globex'],
    ['permission', 'billing:write', 'org_acme'], ['permission', 'billing:write', 'org_globex'], ['permission', 'reports:read', 'org_globex'],
  ]), [true, true, true, false, true, false, true]);
  await context.close();
});

test('Auth0 (popup): the token\'s org is active with its role; selectOrg re-authorizes with organization=<id>, the new ID token names Globex, a reload keeps it', async () => {
  const { context, page } = await fresh();
  await login(context, page, 'auth0.html');
  let s = await orgState(page);
  assert.deepEqual(s.org, { id: 'org_acme', name: 'Acme Corp', role: 'owner' });
  assert.deepEqual(s.orgs, [{ id: 'org_acme', name: 'Acme Corp', role: 'owner' }, { id: 'org_globex', name: 'Globex' }], 'every org from the Action\'s claim; the role of the active one');
  assert.equal(s.canSelect, true);
  assert.equal(lastAuthorization(op).has('organization'), false, 'the first login names no org: the provider\'s default');
  assert.deepEqual(await checks(page, [['role', 'owner'], ['role', 'admin'], ['role', 'owner', 'org_globex']]), [true, true, false]);

  assert.equal(await selectInPopup(context, page, op, 'org_globex'), 'ok');
  assert.equal(lastAuthorization(op).get('organization'), 'org_globex');
  s = await orgState(page);
  assert.deepEqual(s.org, { id: 'org_globex', name: 'Globex', role: 'member' });
  assert.equal(s.claims.org_id, 'org_globex', 'the new ID token names the org');
  assert.deepEqual(s.orgs, [{ id: 'org_acme', name: 'Acme Corp', role: 'owner' }, { id: 'org_globex', name: 'Globex', role: 'member' }]);
  assert.deepEqual(await checks(page, [['role', 'member'], ['role', 'admin'], ['role', 'owner', 'org_acme']]), [true, false, true]);

  // A reload: the silent re-authorization asks for the selected org again (this tab remembers its id).
  await page.reload();
  await waitStatus(page, 'authenticated');
  assert.equal(lastAuthorization(op).get('prompt'), 'none');
  assert.equal(lastAuthorization(op).get('organization'), 'org_globex');
  assert.deepEqual((await orgState(page)).org, { id: 'org_globex', name: 'Globex', role: 'member' });
  assert.deepEqual(await page.evaluate(() => localStorage.getItem('auth-elements:oidc:org')), '"org_globex"', 'an org id, nothing secret');

  // An org alice is not in: the provider refuses (access_denied); the session stays on Globex.
  assert.equal(await selectInPopup(context, page, op, 'org_initech'), 'provider_error');
  assert.equal(lastAuthorization(op).get('organization'), 'org_initech');
  s = await orgState(page);
  assert.equal(s.org?.id, 'org_globex');
  assert.equal(await page.evaluate(() => (document.querySelector('auth-provider') as unknown as { state: { status: string } }).state.status), 'authenticated');
  await context.close();
});

test('Auth0 (redirect, attributes org-claims and org-roles-claim): selectOrg leaves for the provider and comes back in Globex', async () => {
  const { context, page } = await fresh();
  await login(context, page, 'auth0-redirect.html');
  let s = await orgState(page);
  assert.deepEqual(s.org, { id: 'org_acme', name: 'Acme Corp', role: 'owner' });
  assert.deepEqual(s.orgs, [s.org], 'plain Auth0 names the active org only');
  const left = page.waitForRequest((r) => r.isNavigationRequest() && r.url().startsWith(`${op.issuer}/auth?`), WAIT);
  await page.evaluate(() => (window as unknown as { select(id: string): void }).select('org_globex'));
  assert.equal(new URL((await left).url()).searchParams.get('organization'), 'org_globex', 'the page left for the provider');
  // The provider session answers at once (no password), back to the callback: the page restores.
  await page.waitForFunction(() => (document.querySelector('auth-provider') as unknown as { state: { org: { id: string } | null } }).state.org?.id === 'org_globex', undefined, WAIT);
  s = await orgState(page);
  assert.deepEqual(s.org, { id: 'org_globex', name: 'Globex', role: 'member' });
  assert.equal(s.claims.org_id, 'org_globex');
  assert.equal(new URL(page.url()).pathname, '/auth0-redirect.html');
  assert.equal(new URL(page.url()).search, '', 'the callback left the address bar');
  await context.close();
});

/**
 * Two tabs of one browser signed in on the provider's default org; `select` in the first: the second
 * follows (its silent re-authorization asks for the org), and a third tab opened afterwards starts on it.
 */
async function acrossTabs(name: string, id: string): Promise<{ context: BrowserContext; second: Page; third: Page }> {
  const context = await browser.newContext();
  const [first, second] = [await context.newPage(), await context.newPage()];
  await login(context, first, name);
  await second.goto(`${origin}/${name}`);
  await waitStatus(second, 'anonymous');
  const [popup] = await Promise.all([context.waitForEvent('page'), second.click('#login')]);
  if (!popup.isClosed()) await signInAt(op, popup).catch(() => {}); // the provider's session answers at once
  await waitStatus(second, 'authenticated');
  assert.notEqual((await orgState(second)).claims.org_id ?? (await orgState(second)).claims.organization?.toString(), id, 'the second tab starts elsewhere');
  assert.equal(await selectInPopup(context, first, op, id), 'ok');
  await second.waitForFunction((org) => (document.querySelector('auth-provider') as unknown as { state: { org: { id: string } | null } }).state.org?.id === org, id, WAIT);
  assert.equal(lastAuthorization(op).get('prompt'), 'none', 'the second tab re-authorized silently');
  const third = await context.newPage();
  await third.goto(`${origin}/${name}`);
  await third.waitForFunction((org) => (document.querySelector('auth-provider') as unknown as { state: { org: { id: string } | null } }).state.org?.id === org, id, WAIT);
  return { context, second, third };
}

test('Auth0, two tabs: selecting Globex in one moves the other to Globex (a new ID token), a new tab starts on it; a silent refusal keeps the session; logout forgets it', async () => {
  const { context, second, third } = await acrossTabs('auth0.html', 'org_globex');
  assert.equal(lastAuthorization(op).get('organization'), 'org_globex');
  for (const page of [second, third]) {
    const s = await orgState(page);
    assert.deepEqual(s.org, { id: 'org_globex', name: 'Globex', role: 'member' });
    assert.equal(s.claims.org_id, 'org_globex', 'the ID token names Globex');
  }
  assert.equal(await third.evaluate(() => localStorage.getItem('auth-elements:oidc:org')), '"org_globex"', 'an org id, nothing secret');

  // Another tab's choice the provider refuses silently (alice is not in Initech): the session stays on Globex, no error.
  const after = await second.evaluate(async () => {
    localStorage.setItem('auth-elements:oidc:org', '"org_initech"');
    const { client } = document.querySelector('auth-provider') as unknown as { client: { refresh(): Promise<{ status: string; org: { id: string } | null; error: unknown }> } };
    const { status, org, error } = await client.refresh();
    return { status, org: org?.id, error };
  });
  assert.equal(lastAuthorization(op).get('organization'), 'org_initech');
  assert.deepEqual(after, { status: 'authenticated', org: 'org_globex', error: null });
  assert.equal((await orgState(second)).claims.org_id, 'org_globex');

  // Logout forgets the remembered org in every tab: a tab opened afterwards is signed out.
  await second.evaluate(() => (document.querySelector('auth-provider') as unknown as { client: { logout(): Promise<unknown> } }).client.logout().catch(() => {}));
  await waitStatus(third, 'anonymous');
  assert.equal(await third.evaluate(() => localStorage.getItem('auth-elements:oidc:org')), null);
  const fourth = await context.newPage();
  await fourth.goto(`${origin}/auth0.html`);
  await waitStatus(fourth, 'anonymous');
  await context.close();
});

/**
 * Signs the provider's session in as `account` in `page`, behind the kit's back: a raw authorization
 * request (`prompt=login`) through the provider's pages, back to a page without the kit (no code is redeemed).
 */
async function providerSessionAs(provider: TestProvider, page: Page, account: TestAccount): Promise<void> {
  const url = new URL(`${provider.issuer}/auth`);
  const challenge = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');
  for (const [key, value] of Object.entries({
    response_type: 'code', client_id: provider.clientId, redirect_uri: `${origin}/${NOT_THE_APP}`, scope: 'openid profile email',
    prompt: 'login', code_challenge: challenge, code_challenge_method: 'S256',
  })) url.searchParams.set(key, value);
  await page.goto(url.href);
  await signInAt(provider, page, { account, expectPassword: true });
  await page.waitForURL((u) => u.origin === origin && u.searchParams.has('code'), WAIT);
}

test('Auth0: a refresh re-authorizing silently for another tab\'s org while the provider is signed in as bob ends the session (session_expired); bob is never the user', async () => {
  const bob = op.otherAccount.claims.sub;
  const { context, page } = await fresh();
  await login(context, page, 'auth0.html');
  assert.equal((await orgState(page)).org?.id, 'org_acme');
  assert.equal(await page.evaluate(() => (document.querySelector('auth-provider') as unknown as { state: { user: { id: string } } }).state.user.id), op.account.claims.sub);
  // Every state the client publishes from now on.
  await page.evaluate(() => {
    const w = window as unknown as { published: string[] };
    w.published = [];
    (document.querySelector('auth-provider') as unknown as { client: { subscribe(fn: (s: unknown) => void): void } })
      .client.subscribe((s) => w.published.push(JSON.stringify(s)));
  });

  // Another page of the browser signs the provider in as bob; the kit knows nothing of it.
  const other = await context.newPage();
  await providerSessionAs(op, other, op.otherAccount);
  await other.close();

  // Another tab chose Globex (remembered in localStorage): this tab's refresh re-authorizes silently for it.
  const refreshed = await page.evaluate(async () => {
    localStorage.setItem('auth-elements:oidc:org', '"org_globex"');
    const { client } = document.querySelector('auth-provider') as unknown as { client: { refresh(): Promise<unknown> } };
    try {
      await client.refresh();
      return { code: null, cause: null };
    } catch (e) {
      const error = e as { code?: string; cause?: { code?: string } };
      return { code: error.code ?? null, cause: error.cause?.code ?? null };
    }
  });
  assert.equal(lastAuthorization(op).get('prompt'), 'none', 'the refresh re-authorized silently');
  assert.equal(lastAuthorization(op).get('organization'), 'org_globex');
  const end = await page.evaluate(() => {
    const { client } = document.querySelector('auth-provider') as unknown as {
      client: { state: { status: string; user: unknown; error: { code: string } | null }; getResponse(): unknown };
    };
    const w = window as unknown as { published: string[] };
    return { status: client.state.status, user: client.state.user, error: client.state.error?.code, response: JSON.stringify(client.getResponse()), published: w.published };
  });
  assert.ok(!end.published.some((s) => s.includes(bob)), `no state with bob's sub was published: ${end.published.join('\n')}`);
  assert.ok(!end.response.includes(bob), `no bob claims in getResponse(): ${end.response}`);
  assert.deepEqual(refreshed, { code: 'session_expired', cause: 'session_expired' }, 'the backend ended the session');
  assert.deepEqual({ status: end.status, user: end.user, error: end.error }, { status: 'anonymous', user: null, error: 'session_expired' });
  assert.ok(end.published.length > 0, 'the recorder saw the change');
  await context.close();
});

test('Keycloak, two tabs: selecting globex in one moves the other to globex (organization:globex), a new tab starts on it', async () => {
  const { context, second, third } = await acrossTabs('keycloak.html', 'globex');
  assert.equal(lastAuthorization(op).get('scope'), 'openid profile organization:globex');
  for (const page of [second, third]) assert.deepEqual((await orgState(page)).claims.organization, ['globex']);
  await context.close();
});

test('Keycloak (array form): both orgs, the highest of realm and client roles in each; selectOrg asks for the scope organization:<alias>', async () => {
  const { context, page } = await fresh();
  await login(context, page, 'keycloak.html');
  let s = await orgState(page);
  assert.deepEqual(s.orgs, [{ id: 'acme', name: 'acme', role: 'admin' }, { id: 'globex', name: 'globex', role: 'admin' }]);
  assert.equal(s.org, null, 'two orgs in the token, none named');
  assert.equal(s.canSelect, true);
  assert.deepEqual(await checks(page, [['role', 'admin', 'globex'], ['role', 'owner', 'globex'], ['role', 'member', 'acme']]), [true, false, true]);

  assert.equal(await selectInPopup(context, page, op, 'globex'), 'ok');
  assert.equal(lastAuthorization(op).get('scope'), 'openid profile organization:globex');
  s = await orgState(page);
  assert.deepEqual(s.claims.organization, ['globex'], 'the new ID token names Globex only');
  assert.deepEqual(s.org, { id: 'globex', name: 'globex', role: 'admin' });
  assert.deepEqual(s.orgs.map((o) => o.id), ['acme', 'globex'], 'Acme stays listed: it can be selected back');

  assert.equal(await selectInPopup(context, page, op, 'acme'), 'ok');
  assert.equal(lastAuthorization(op).get('scope'), 'openid profile organization:acme');
  assert.equal((await orgState(page)).org?.id, 'acme');
  await context.close();
});

test('Keycloak (object form, scope organization:*): the alias is the id; an org alice is not in is refused', async () => {
  const { context, page } = await fresh();
  await login(context, page, 'keycloak-object.html');
  const s = await orgState(page);
  assert.deepEqual(s.claims.organization, { acme: { id: 'org_acme' }, globex: { id: 'org_globex' } });
  assert.deepEqual(s.orgs, [{ id: 'acme', name: 'acme', role: 'admin' }, { id: 'globex', name: 'globex', role: 'admin' }]);
  assert.equal(await selectInPopup(context, page, opObject, 'initech'), 'provider_error');
  assert.equal(lastAuthorization(opObject).get('scope'), 'openid organization:initech');
  assert.equal((await orgState(page)).org, null, 'nothing changed');
  assert.equal(await selectInPopup(context, page, opObject, 'globex'), 'ok');
  assert.deepEqual((await orgState(page)).claims.organization, { globex: { id: 'org_globex' } });
  await context.close();
});

test('a malformed org-claims: an error in the state and a clear console warning', async () => {
  const { context, page } = await fresh();
  const warnings: string[] = [];
  page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
  await page.goto(`${origin}/misconfigured.html`);
  await page.waitForFunction(() => (document.querySelector('auth-provider') as unknown as { state: { error: unknown } }).state.error !== null, undefined, WAIT);
  assert.equal(await page.evaluate(() => (document.querySelector('auth-provider') as unknown as { state: { error: { code: string } } }).state.error.code), 'unsupported');
  assert.ok(warnings.some((w) => /orgClaims.*propelauth, auth0, keycloak/.test(w)), warnings.join('\n'));
  await context.close();
});

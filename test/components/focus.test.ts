import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../src/components/index.js';
import { loadTranslation, type AuthLogin, type AuthProvider, type AuthRegister } from '../../src/components/index.js';
import type { AuthErrorCode } from '../../src/core/errors.js';
import { ada, fakeClient, session, type FakeBackendOptions } from './fake-backend.js';
import { field, part, type, untilStatus } from './helpers.js';

/*
 * Issue 8 item 2: focus is never lost to <body> after an outcome that arrives later (the inputs are
 * disabled while pending), and the provider announces logging in and out in one polite live region.
 * Every submit and click here is a real key press (Enter) on the focused control.
 */

/** The focused element, through shadow roots. */
function deepActive(): Element | null {
  let active = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active;
}

/** Every element of the page, through shadow roots. */
function deepAll(root: Document | ShadowRoot | Element = document): Element[] {
  const out: Element[] = [];
  for (const el of root.querySelectorAll('*')) {
    out.push(el);
    if (el.shadowRoot) out.push(...deepAll(el.shadowRoot));
  }
  return out;
}

/**
 * The live regions (role status/alert/log or aria-live other than off) whose text contains `text`:
 * what a screen reader would announce that sentence from.
 */
function announcements(text: string): Element[] {
  return deepAll().filter((el) => {
    const live = el.getAttribute('aria-live');
    const role = el.getAttribute('role');
    const isLive = (live !== null && live !== 'off') || role === 'status' || role === 'alert' || role === 'log';
    return isLive && (el.textContent ?? '').replace(/\s+/g, ' ').includes(text);
  });
}

async function page(markup: string, options: FakeBackendOptions) {
  const { client, backend } = fakeClient(options);
  const wrapper = await fixture<HTMLDivElement>(html`<div style="width: 600px"></div>`);
  wrapper.innerHTML = `<auth-provider>${markup}</auth-provider>`;
  const provider = wrapper.querySelector('auth-provider') as AuthProvider;
  provider.client = client;
  return { client, backend, provider, wrapper };
}

type Status = 'anonymous' | 'authenticated';
type El = HTMLElement & { state: { status: 'unknown' | Status | 'pending' | 'error' }; updateComplete: Promise<unknown> };

/** Type the credentials and press Enter in the password field, as a user does. */
async function logIn(login: AuthLogin, password = 'secret') {
  type(field(login, 'username'), 'ada');
  field(login, 'password').focus();
  type(field(login, 'password'), password);
  await sendKeys({ press: 'Enter' });
}

/** An element as `tag[name|part]` inside its host: comparable, and a readable failure (never a DOM dump). */
function label(el: Element | null | undefined): string {
  if (!el) return String(el);
  const root = el.getRootNode();
  const host = root instanceof ShadowRoot ? `${root.host.localName} > ` : '';
  const which = el.getAttribute('name') ?? el.getAttribute('part') ?? el.id;
  return `${host}${el.localName}[${which}]`;
}

/** Wait until focus settles somewhere other than <body> (or fail with where it is). */
async function focusLeaves(what: string) {
  await waitUntil(() => deepActive() !== document.body && deepActive() !== null, `${what}: focus stayed on ${deepActive()?.localName}`, {
    timeout: 2000,
  });
  return deepActive();
}

describe('focus after an outcome that arrives later', () => {
  for (const code of ['network_error', 'rate_limited', 'server_error'] as AuthErrorCode[]) {
    it(`${code} on login: focus goes to the first field, not <body>`, async () => {
      const { provider } = await page('<auth-login></auth-login>', { loginError: code, loginDelay: 50 });
      const login = provider.querySelector('auth-login') as AuthLogin;
      await untilStatus(login as El, 'anonymous');
      await logIn(login);
      await waitUntil(() => part(login, 'error')?.hidden === false, 'the error is shown');
      expect(label(await focusLeaves(code))).to.equal(label(field(login, 'username')));
    });
  }

  it('wrong password on login: focus goes to the password (the field at fault)', async () => {
    const { provider } = await page('<auth-login></auth-login>', { loginDelay: 50 });
    const login = provider.querySelector('auth-login') as AuthLogin;
    await untilStatus(login as El, 'anonymous');
    await logIn(login, 'wrong');
    await waitUntil(() => field(login, 'password').getAttribute('aria-invalid') === 'true', 'the password is marked');
    expect(label(await focusLeaves('invalid_credentials'))).to.equal(label(field(login, 'password')));
  });

  it('a server error on an account form (register): focus goes to its first field', async () => {
    const { provider } = await page('<auth-register></auth-register>', { accountError: 'server_error', accountDelay: 50 });
    const register = provider.querySelector('auth-register') as AuthRegister;
    await untilStatus(register as unknown as El, 'anonymous');
    const password = 'correct horse battery staple';
    for (const [name, value] of Object.entries({ name: 'Ada', email: 'ada@example.com', username: 'ada', password, 'password-repeat': password })) {
      if (register.querySelector(`input[name="${name}"]`)) type(field(register, name), value);
    }
    field(register, 'password-repeat').focus();
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => part(register, 'error')?.hidden === false, 'the error is shown');
    expect(label(await focusLeaves('register server_error'))).to.equal(label(register.querySelector('input')));
  });

  it('login success: focus goes to the <auth-logout> button on the page', async () => {
    const { provider } = await page('<auth-logout></auth-logout><auth-login></auth-login>', { loginDelay: 50 });
    const login = provider.querySelector('auth-login') as AuthLogin;
    const logout = provider.querySelector('auth-logout') as El;
    await untilStatus(login as El, 'anonymous');
    await logIn(login);
    await untilStatus(logout, 'authenticated');
    expect(label(await focusLeaves('login'))).to.equal(label(part(logout, 'button')));
  });

  it('login success with no <auth-logout>: focus goes to the provider\'s announcement', async () => {
    const { provider } = await page('<auth-login></auth-login>', { loginDelay: 50 });
    const login = provider.querySelector('auth-login') as AuthLogin;
    await untilStatus(login as El, 'anonymous');
    await logIn(login);
    await untilStatus(login as El, 'authenticated');
    const target = await focusLeaves('login');
    expect(label(target)).to.equal(label(part(provider, 'announcement')));
    expect(target!.textContent?.trim()).to.equal('Logged in as ada');
  });

  const LOGOUTS: Array<[what: string, markup: string, expected: (provider: AuthProvider) => Element | null]> = [
    ["the login form's heading", '<auth-logout></auth-logout><auth-login></auth-login>', (p) => part(p.querySelector('auth-login')!, 'header')],
    [
      'the first field of a hide-heading login form (a hidden heading shows no focus)',
      '<auth-logout></auth-logout><auth-login hide-heading></auth-login>',
      (p) => field(p.querySelector('auth-login')!, 'username'),
    ],
    ["the provider's announcement, with no login form", '<auth-logout></auth-logout>', (p) => part(p, 'announcement')],
  ];
  for (const [what, markup, expected] of LOGOUTS) {
    it(`logout: focus goes to ${what}`, async () => {
      const { provider } = await page(markup, { restore: session(ada) });
      const logout = provider.querySelector('auth-logout') as El;
      await untilStatus(logout, 'authenticated');
      (part(logout, 'button') as HTMLButtonElement).focus();
      await sendKeys({ press: 'Enter' });
      await untilStatus(logout, 'anonymous');
      const target = await focusLeaves('logout');
      expect(label(target)).to.equal(label(expected(provider)));
      if (!markup.includes('auth-login')) expect(target!.textContent?.trim()).to.equal('Logged out');
    });
  }

  it('logout: focus goes to the OIDC button of a hide-heading login (its first control)', async () => {
    const { provider } = await page('<auth-logout></auth-logout><auth-login hide-heading></auth-login>', {
      restore: session(ada),
      oidc: { providerName: 'Keycloak' },
    });
    const logout = provider.querySelector('auth-logout') as El;
    await untilStatus(logout, 'authenticated');
    // The button's module, which the login started loading on meeting the OIDC backend, is there
    // (the dev server compiles it on first request: slower than a built chunk).
    await import('../../src/components/auth-login/provider-button.js');
    (part(logout, 'button') as HTMLButtonElement).focus();
    await sendKeys({ press: 'Enter' });
    await untilStatus(logout, 'anonymous');
    const target = await focusLeaves('logout');
    expect(label(target)).to.equal(label(part(provider.querySelector('auth-login')!, 'provider-button')));
    expect(target!.textContent?.trim()).to.equal('Continue with Keycloak');
  });

  it('an account form\'s success (update details, after a delay): focus goes to its heading, above the message', async () => {
    const { provider } = await page('<auth-update-details></auth-update-details>', { restore: session(ada), accountDelay: 50 });
    const el = provider.querySelector('auth-update-details') as El;
    await untilStatus(el, 'authenticated');
    field(el, 'name').focus();
    type(field(el, 'name'), 'Ada King');
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => (part(el, 'success')?.textContent ?? '').trim() !== '', 'the success is shown');
    expect(label(await focusLeaves('update details'))).to.equal(label(part(el, 'header')));
  });

  it('does not take the focus back when the user moved on meanwhile', async () => {
    const { provider, wrapper } = await page('<auth-logout></auth-logout><auth-login></auth-login>', { loginDelay: 100 });
    wrapper.insertAdjacentHTML('beforeend', '<input id="elsewhere" aria-label="Elsewhere">');
    const login = provider.querySelector('auth-login') as AuthLogin;
    await untilStatus(login as El, 'anonymous');
    await logIn(login);
    const elsewhere = wrapper.querySelector<HTMLInputElement>('#elsewhere')!;
    elsewhere.focus();
    await untilStatus(login as El, 'authenticated');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(label(deepActive())).to.equal(label(elsewhere));
  });
});

describe('the provider announces logging in and out', () => {
  for (const withStatus of [false, true]) {
    for (const lang of ['en', 'fr']) {
      it(`once per change (${lang}, ${withStatus ? 'with' : 'without'} <auth-status>)`, async () => {
        if (lang === 'fr') await loadTranslation('fr');
        const markup = `${withStatus ? '<auth-status></auth-status>' : ''}<auth-logout></auth-logout><auth-login></auth-login>`;
        const { provider, client } = await page(markup, { user: ada });
        provider.setAttribute('lang', lang);
        const login = provider.querySelector('auth-login') as AuthLogin;
        await untilStatus(login as El, 'anonymous');
        const [signedIn, signedOut] = lang === 'fr' ? ['Connecté en tant que Ada Lovelace', 'Déconnecté'] : ['Logged in as Ada Lovelace', 'Logged out'];
        await logIn(login);
        await untilStatus(login as El, 'authenticated');
        await waitUntil(() => announcements(signedIn).length > 0, `"${signedIn}" is never announced`, { timeout: 2000 }).catch(() => undefined);
        expect(announcements(signedIn).length, `live regions saying "${signedIn}"`).to.equal(1);
        await client.logout();
        await untilStatus(login as El, 'anonymous');
        await waitUntil(() => announcements(signedOut).length > 0, `"${signedOut}" is never announced`, { timeout: 2000 }).catch(() => undefined);
        expect(announcements(signedOut).length, `live regions saying "${signedOut}"`).to.equal(1);
        // The region is visually hidden, and the provider has exactly one.
        const region = part(provider, 'announcement');
        expect(region, 'part="announcement"').to.not.equal(null);
        expect(region!.getBoundingClientRect().width).to.be.at.most(1);
        expect(provider.shadowRoot!.querySelectorAll('[role=status], [aria-live]').length).to.equal(1);
        await expect(provider.parentElement).to.be.accessible();
      });
    }
  }

  it('says nothing when the page loads signed in (no change to announce)', async () => {
    const { provider } = await page('<auth-status></auth-status>', { restore: session(ada) });
    await untilStatus(provider.querySelector('auth-status') as El, 'authenticated');
    expect(part(provider, 'announcement')?.textContent?.trim() ?? '').to.equal('');
  });
});

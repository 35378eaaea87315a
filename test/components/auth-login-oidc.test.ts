import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import { resetMouse, sendKeys, sendMouse } from '@web/test-runner-commands';
import '../../src/components/index.js';
import { loadTranslation, type AuthLogin, type AuthProvider } from '../../src/components/index.js';
import type { AuthErrorEvent } from '../../src/components/events/auth-error.js';
import { fakeClient, type FakeBackendOptions } from './fake-backend.js';
import { isShown, part, untilStatus } from './helpers.js';

/** `<auth-login>` under a fake backend of kind `oidc` ("Keycloak" unless said otherwise), signed out. */
async function mount(options: FakeBackendOptions = {}, attrs = '', inner = '') {
  const { client, backend } = fakeClient({ oidc: { providerName: 'Keycloak' }, ...options });
  const wrapper = await fixture<HTMLDivElement>(html`<div style="width: 600px"></div>`);
  wrapper.innerHTML = `<auth-provider><auth-login ${attrs}>${inner}</auth-login></auth-provider>`;
  const provider = wrapper.querySelector('auth-provider') as AuthProvider;
  provider.client = client;
  const login = wrapper.querySelector('auth-login') as AuthLogin;
  if (options.restore !== 'manual') {
    await untilStatus(login, options.restore === 'server_error' ? 'error' : 'anonymous');
    await waitUntil(() => button(login), 'the provider button never showed', { timeout: 5000 });
  }
  return { client, backend, provider, login, wrapper };
}

const button = (login: AuthLogin) => part(login, 'provider-button') as HTMLButtonElement | null;
const errorText = (login: AuthLogin) => part(login, 'error')!.textContent!.trim();
const center = (el: Element): [number, number] => {
  const r = el.getBoundingClientRect();
  return [Math.round(r.x + r.width / 2), Math.round(r.y + r.height / 2)];
};
/**
 * The button's accessible name: its text content (a button's name comes from its content; the
 * slotted logo is `alt=""` or `aria-hidden`, and axe checks the rest in `accessible()`).
 */
const accessibleName = (el: HTMLElement) => {
  expect(el.hasAttribute('aria-label') || el.hasAttribute('aria-labelledby')).to.be.false;
  return el.innerText.replace(/\s+/g, ' ').trim();
};

describe('auth-login with an OIDC backend', () => {
  afterEach(() => resetMouse());

  it('shows a "Continue with <provider>" button and no password form', async () => {
    const { login } = await mount();
    const b = button(login)!;
    expect(b.localName).to.equal('button');
    expect(b.type).to.equal('button');
    expect(accessibleName(b)).to.equal('Continue with Keycloak');
    expect(isShown(b)).to.be.true;
    expect(login.querySelector('input')).to.equal(null);
    // No visible form: the button lives in the shadow root.
    const form = login.querySelector('form');
    expect(form === null || !isShown(form)).to.be.true;
    expect(part(login, 'header')!.textContent).to.equal('Login');
    await expect(login).to.be.accessible();
  });

  it('names the provider from provider-name over the backend, and follows the attribute', async () => {
    const { login } = await mount({}, 'provider-name="Acme SSO"');
    expect(accessibleName(button(login)!)).to.equal('Continue with Acme SSO');
    login.setAttribute('provider-name', 'Zitadel');
    await login.updateComplete;
    expect(accessibleName(button(login)!)).to.equal('Continue with Zitadel');
    login.removeAttribute('provider-name');
    await login.updateComplete;
    expect(accessibleName(button(login)!)).to.equal('Continue with Keycloak');
  });

  it('shows a slotted logo (an inline svg or an <img alt="">) inside the button, before the text, centred on it', async () => {
    const svg = '<svg slot="logo" aria-hidden="true" viewBox="0 0 10 10" width="40" height="40"><rect width="10" height="10" fill="red"/></svg>';
    const src = `data:image/svg+xml,${encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>')}`;
    const bare = button((await mount()).login)!.getBoundingClientRect().height;
    for (const logo of [svg, `<img slot="logo" alt="" src="${src}">`]) {
      const { login } = await mount({}, '', logo);
      const b = button(login)!;
      const slot = b.querySelector<HTMLSlotElement>('slot[name=logo]')!;
      expect(slot.assignedElements(), logo).to.have.length(1);
      expect(slot.closest('[part~=logo]'), logo).to.not.equal(null);
      const image = (login.querySelector('[slot=logo]') as Element).getBoundingClientRect();
      const label = b.querySelector('[part~=provider-label]')!.getBoundingClientRect();
      const box = b.getBoundingClientRect();
      expect(image.right, logo).to.be.at.most(label.left);
      expect(image.left, logo).to.be.at.least(box.left);
      // Sized to the text (not its own 40px; 1.25em), the button no taller than without a logo, and
      // the logo vertically centred with the text (within a pixel and a half).
      expect(image.height, logo).to.equal(20);
      expect(box.height, logo).to.equal(bare);
      expect(Math.abs(image.top + image.height / 2 - (label.top + label.height / 2)), logo).to.be.below(1.5);
      expect(accessibleName(b), logo).to.equal('Continue with Keycloak');
      await expect(login).to.be.accessible();
    }
  });

  it('calls login once, with no credentials, in the click task (before any microtask)', async () => {
    const { login, backend } = await mount();
    button(login)!.click();
    // Synchronously after the click: an await before login() would leave it for a later microtask.
    expect(backend.loginCalls).to.have.length(1);
    expect(backend.loginCalls[0]!.input.username).to.equal(undefined);
    expect(backend.loginCalls[0]!.input.password).to.equal(undefined);
    await untilStatus(login, 'authenticated');
    expect(backend.loginCalls).to.have.length(1);
  });

  it('reaches login with the user activation of a real click (a popup opened there is allowed)', async () => {
    const { login, backend } = await mount();
    await sendMouse({ type: 'click', position: center(button(login)!) });
    await waitUntil(() => backend.loginCalls.length === 1);
    expect(backend.loginCalls[0]!.activation).to.be.true;
  });

  it('is reached and pressed with the keyboard', async () => {
    const { login, backend } = await mount();
    button(login)!.focus();
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => backend.loginCalls.length === 1);
    expect(backend.loginCalls[0]!.activation).to.be.true;
  });

  it('is disabled with a spinner while pending; a second click does not log in again', async () => {
    const { login, backend } = await mount({ loginDelay: 'never' });
    const b = button(login)!;
    b.click();
    await login.updateComplete;
    expect(b.disabled).to.be.true;
    expect(part(login, 'spinner')).to.not.equal(null);
    expect(part(login, 'base')!.getAttribute('aria-busy')).to.equal('true');
    expect(login.matches(':state(pending)')).to.be.true;
    b.click();
    expect(backend.loginCalls).to.have.length(1);
  });

  it("shows a provider error with the provider's description as text, never HTML, and dispatches auth-error", async () => {
    const description = 'Denied <img src=x onerror="window.__pwned=1"> by policy';
    const { login } = await mount({ loginError: { code: 'provider_error', error: 'access_denied', description } });
    const event = oneEvent(login, 'auth-error') as Promise<AuthErrorEvent>;
    button(login)!.click();
    expect((await event).detail.code).to.equal('provider_error');
    await login.updateComplete;
    expect(errorText(login)).to.equal(`The identity provider refused the login. ${description}`);
    expect(part(login, 'error')!.querySelector('img')).to.equal(null);
    expect(part(login, 'error')!.getAttribute('role')).to.equal('alert');
    expect((window as { __pwned?: number }).__pwned).to.equal(undefined);
    expect(button(login)!.disabled).to.be.false;
  });

  it('shows a popup error and puts the lost focus back on the button', async () => {
    const { login } = await mount({ loginError: 'popup_closed', loginDelay: 20 });
    const b = button(login)!;
    b.focus();
    b.click();
    await waitUntil(() => errorText(login) !== '', 'no error shown');
    expect(errorText(login)).to.equal('The login window was closed before the login finished.');
    await waitUntil(() => login.shadowRoot!.activeElement === b, 'the focus did not come back to the button', { timeout: 5000 });
  });

  it('shows a session-level error (the restore failed) above the button', async () => {
    const { login } = await mount({ restore: 'server_error' });
    expect(errorText(login)).to.equal('The server had a problem. Please try again later.');
    expect(isShown(button(login))).to.be.true;
  });

  it('speaks French with lang="fr", and takes `fields` overrides', async () => {
    await loadTranslation('fr');
    const { login } = await mount({ loginError: 'popup_blocked' }, 'lang="fr"');
    expect(accessibleName(button(login)!)).to.equal('Continuer avec Keycloak');
    expect(part(login, 'header')!.textContent).to.equal('Connexion');
    button(login)!.click();
    await waitUntil(() => errorText(login) !== '');
    expect(errorText(login)).to.equal(
      'Le navigateur a bloqué la fenêtre de connexion. Autorisez les fenêtres surgissantes et réessayez.',
    );
    login.setAttribute('fields', '{"continueWith":"Sign in through {provider}","fr":{"continueWith":"Passer par {provider}"}}');
    await login.updateComplete;
    expect(accessibleName(button(login)!)).to.equal('Passer par Keycloak');
    login.removeAttribute('lang');
    await waitUntil(() => accessibleName(button(login)!) === 'Sign in through Keycloak', 'the English override never showed');
  });

  it('keeps the footer links and hides itself once signed in', async () => {
    const { login } = await mount({}, 'register-href="/register"');
    expect(part(login, 'link')!.getAttribute('href')).to.equal('/register');
    button(login)!.click();
    await untilStatus(login, 'authenticated');
    expect(login.getClientRects().length).to.equal(0);
  });

  it('spans the card like the submit button, in the main column and in the sidebar', async () => {
    for (const attrs of ['', 'location="sidebar"']) {
      const { login, wrapper } = await mount({}, attrs);
      if (attrs) wrapper.style.width = '250px';
      await login.updateComplete;
      const b = button(login)!.getBoundingClientRect();
      const base = part(login, 'base')!;
      const padding = parseFloat(getComputedStyle(base).paddingLeft) + parseFloat(getComputedStyle(base).paddingRight);
      const inner = base.clientWidth - padding;
      expect(Math.abs(b.width - inner), attrs || 'main').to.be.below(1);
      expect(base.scrollWidth, attrs || 'main').to.be.at.most(base.clientWidth);
    }
  });

  it('keeps its size from restoring to showing the button (nothing moves)', async () => {
    for (const attrs of ['', 'location="sidebar"']) {
      const { login, backend, wrapper } = await mount({ restore: 'manual' }, attrs);
      if (attrs) wrapper.style.width = '250px';
      await login.updateComplete;
      expect(isShown(part(login, 'placeholder')), attrs || 'main').to.be.false;
      const before = part(login, 'base')!.getBoundingClientRect().height;
      backend.restoreControl.resolve(null);
      await untilStatus(login, 'anonymous');
      await waitUntil(() => button(login), 'no button');
      expect(part(login, 'base')!.getBoundingClientRect().height, attrs || 'main').to.equal(before);
    }
  });

  it('shows the password form, not the button, under a password backend', async () => {
    const { client } = fakeClient();
    const wrapper = await fixture<HTMLDivElement>(html`<div><auth-provider><auth-login></auth-login></auth-provider></div>`);
    (wrapper.querySelector('auth-provider') as AuthProvider).client = client;
    const login = wrapper.querySelector('auth-login') as AuthLogin;
    await untilStatus(login, 'anonymous');
    expect(button(login)).to.equal(null);
    expect(login.querySelector('input[name=password]')).to.not.equal(null);
  });
});

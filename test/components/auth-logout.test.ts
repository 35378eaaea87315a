import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import '../../src/components/index.js';
import { loadTranslation, type AuthLogout, type AuthProvider } from '../../src/components/index.js';
import type { AuthErrorEvent } from '../../src/components/events/auth-error.js';
import type { AuthStateStatus } from '../../src/core/state.js';
import { ada, fakeClient, session, type FakeBackendOptions } from './fake-backend.js';
import { errorText, part, untilStatus } from './helpers.js';

async function mount(options: FakeBackendOptions = { restore: session(ada) }, attrs = '', status: AuthStateStatus = 'authenticated') {
  const { client, backend } = fakeClient(options);
  const wrapper = await fixture<HTMLDivElement>(html`<div></div>`);
  wrapper.innerHTML = `<auth-provider><auth-logout ${attrs}></auth-logout></auth-provider>`;
  (wrapper.querySelector('auth-provider') as AuthProvider).client = client;
  const logout = wrapper.querySelector('auth-logout') as AuthLogout;
  await untilStatus(logout, status);
  return { client, backend, logout, wrapper };
}

const button = (el: AuthLogout) => part(el, 'button') as HTMLButtonElement | null;

describe('auth-logout', () => {
  it('is accessible while signed in', async () => {
    const { logout } = await mount();
    await expect(logout).to.be.accessible();
  });

  it('shows a "Log out" button only while signed in', async () => {
    const { logout } = await mount();
    expect(button(logout)!.textContent?.trim()).to.equal('Log out');
    expect(button(logout)!.type).to.equal('button');
    expect(logout.matches(':state(authenticated)')).to.be.true;
    const signedOut = await mount({ restore: null }, '', 'anonymous');
    expect(button(signedOut.logout)).to.equal(null);
    expect(signedOut.logout.matches(':state(anonymous)')).to.be.true;
  });

  it('shows nothing while the session is being restored', async () => {
    const { logout } = await mount({ restore: 'manual' }, '', 'unknown');
    expect(button(logout)).to.equal(null);
    expect(logout.matches(':state(unknown)')).to.be.true;
  });

  it('takes its text from button-name, fields or the language', async () => {
    expect(button((await mount(undefined, 'button-name="Sign out"')).logout)!.textContent?.trim()).to.equal('Sign out');
    expect(button((await mount(undefined, `fields='{"Logout":"Bye"}'`)).logout)!.textContent?.trim()).to.equal('Bye');
    await loadTranslation('fr'); // French loads on demand
    expect(button((await mount(undefined, 'lang="fr"')).logout)!.textContent?.trim()).to.equal('Se déconnecter');
  });

  it('logs out on click', async () => {
    const { logout, backend, client } = await mount();
    button(logout)!.click();
    await untilStatus(logout, 'anonymous');
    expect(backend.logoutCalls).to.equal(1);
    expect(client.state.status).to.equal('anonymous');
    expect(button(logout)).to.equal(null);
  });

  it('shows and dispatches an incomplete logout', async () => {
    const { logout } = await mount({ restore: session(ada), logoutError: 'network_error' });
    const event = oneEvent(logout, 'auth-error') as Promise<AuthErrorEvent>;
    button(logout)!.click();
    const { detail } = await event;
    expect(detail.code).to.equal('logout_incomplete');
    expect(detail.operation).to.equal('logout');
    await waitUntil(() => part(logout, 'error') && errorText(logout) !== '');
    const error = part(logout, 'error')!;
    expect(error.getAttribute('role')).to.equal('alert');
    expect(error.textContent).to.equal('You are logged out here, but the server could not be told.');
    expect(error.getClientRects().length).to.be.above(0);
  });

  it('reflects location; the sidebar gets a full-width button that fits 250px', async () => {
    const { logout, wrapper } = await mount(undefined, 'location="sidebar"');
    wrapper.style.width = '250px';
    expect(logout.location).to.equal('sidebar');
    const b = button(logout)!;
    expect(Math.round(b.getBoundingClientRect().width)).to.equal(Math.round(logout.getBoundingClientRect().width));
    expect(logout.scrollWidth).to.be.at.most(logout.clientWidth);
    logout.location = 'main';
    await logout.updateComplete;
    expect(logout.getAttribute('location')).to.equal('main');
  });
});

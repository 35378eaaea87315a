import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import '../../src/components/index.js';
import { loadTranslation, type AuthLogout, type AuthProvider, type AuthStatus } from '../../src/components/index.js';
import { makeUser, type AuthStateStatus as Status } from '../../src/core/state.js';
import { ada, bob, fakeClient, session, type FakeBackendOptions } from './fake-backend.js';
import { part, untilStatus } from './helpers.js';

async function mount(options: FakeBackendOptions, status: Status, attrs = '', inner = '') {
  const { client, backend } = fakeClient(options);
  const wrapper = await fixture<HTMLDivElement>(html`<div style="width: 640px"></div>`);
  wrapper.innerHTML = `<auth-provider><auth-status ${attrs}>${inner}</auth-status></auth-provider>`;
  (wrapper.querySelector('auth-provider') as AuthProvider).client = client;
  const el = wrapper.querySelector('auth-status') as AuthStatus;
  await untilStatus(el, status);
  return { client, backend, el, wrapper };
}

const text = (el: Element | null) => el?.textContent?.replace(/\s+/g, ' ').trim();

describe('auth-status', () => {
  it('is accessible while signed in, with roles and a logout action', async () => {
    const { el } = await mount({ restore: session(ada) }, 'authenticated', '', '<auth-logout></auth-logout>');
    await expect(el).to.be.accessible();
  });

  it('says who is signed in, with their roles', async () => {
    const { el } = await mount({ restore: session(ada) }, 'authenticated');
    expect(text(part(el, 'message'))).to.equal('Logged in as Ada Lovelace');
    expect(part(el, 'user')!.textContent).to.equal('Ada Lovelace');
    const roles = [...el.shadowRoot!.querySelectorAll('[part~=role]')].map((r) => r.textContent);
    expect(roles).to.deep.equal(['admin', 'editor']);
    expect(part(el, 'roles')!.getAttribute('aria-label')).to.equal('Roles');
    expect(el.matches(':state(authenticated)')).to.be.true;
  });

  it('falls back to the username and shows no roles part when there are none', async () => {
    const { el } = await mount({ restore: session(bob) }, 'authenticated');
    expect(part(el, 'user')!.textContent).to.equal('bob');
    expect(part(el, 'roles')).to.equal(null);
  });

  it('shows the organization', async () => {
    const { el } = await mount({ restore: session(ada, { id: 'o1', name: 'Analytical Engines' }) }, 'authenticated');
    expect(part(el, 'org')!.textContent).to.contain('Analytical Engines');
  });

  it('shows the active organization with the role (default roles translated, others as they are)', async () => {
    const { el, client } = await mount({ restore: session(ada, { id: 'acme', name: 'Acme Corp', role: 'owner' }) }, 'authenticated');
    await waitUntil(() => part(el, 'org-role'), 'no organization role shown');
    expect(text(part(el, 'org'))).to.equal('Organization: Acme Corp · Role: Owner'); // the dot is aria-hidden
    expect(text(part(el, 'org-role'))).to.equal('Role: Owner');
    expect(part(el, 'org-role')!.querySelector('.visually-hidden')!.textContent).to.equal('Role: ');
    const custom = await mount({ restore: session(ada, { id: 'lab', name: 'Lab', role: 'Billing-Manager' }) }, 'authenticated');
    await waitUntil(() => part(custom.el, 'org-role'));
    expect(text(part(custom.el, 'org-role'))).to.equal('Role: Billing-Manager');
    const noRole = await mount({ restore: session(ada, { id: 'o', name: 'O' }) }, 'authenticated');
    expect(part(noRole.el, 'org-role')).to.equal(null);
    await client.logout();
    await untilStatus(el, 'anonymous');
    expect(part(el, 'org-role')).to.equal(null);
  });

  it('names the organization role in French', async () => {
    await loadTranslation('fr');
    const { el } = await mount({ restore: session(ada, { id: 'acme', name: 'Acme Corp', role: 'admin' }) }, 'authenticated', 'lang="fr"');
    await waitUntil(() => part(el, 'org-role'));
    expect(text(part(el, 'org-role'))).to.equal('Rôle : Administrateur');
  });

  it('says "Not logged in" when signed out', async () => {
    const { el } = await mount({ restore: null }, 'anonymous');
    expect(text(part(el, 'message'))).to.equal('Not logged in');
    expect(part(el, 'user')).to.equal(null);
  });

  it('shows nothing visible while the session is being restored', async () => {
    const { el, backend } = await mount({ restore: 'manual' }, 'unknown');
    expect(el.matches(':state(unknown)')).to.be.true;
    expect(getComputedStyle(part(el, 'base')!).visibility).to.equal('hidden');
    expect(el.shadowRoot!.textContent?.trim()).to.equal('');
    backend.restoreControl.resolve(session(ada));
    await untilStatus(el, 'authenticated');
    expect(getComputedStyle(part(el, 'base')!).visibility).to.equal('visible');
  });

  it('speaks French', async () => {
    await loadTranslation('fr'); // French loads on demand
    const signedIn = await mount({ restore: session(ada) }, 'authenticated', 'lang="fr"');
    expect(text(part(signedIn.el, 'message'))).to.equal('Connecté en tant que Ada Lovelace');
    const signedOut = await mount({ restore: null }, 'anonymous', 'lang="fr"');
    expect(text(part(signedOut.el, 'message'))).to.equal('Non connecté');
  });

  it('renders a hostile user name and org name as text (SECURITY 33)', async () => {
    const evil = '<img src=x onerror=alert(1)>';
    const user = makeUser({ id: 'x', name: evil, roles: [evil] });
    const { el } = await mount({ restore: session(user, { id: 'o', name: evil, role: evil }) }, 'authenticated');
    await waitUntil(() => part(el, 'org-role'));
    expect(part(el, 'org-role')!.textContent).to.contain(evil);
    expect(part(el, 'user')!.textContent).to.equal(evil);
    expect(part(el, 'org')!.textContent).to.contain(evil);
    expect(part(el, 'role')!.textContent).to.equal(evil);
    expect(el.shadowRoot!.querySelector('img')).to.equal(null);
    expect(document.querySelector('img')).to.equal(null);
  });

  it('slots actions such as auth-logout, which logs out', async () => {
    const { el } = await mount({ restore: session(ada) }, 'authenticated', '', '<auth-logout></auth-logout>');
    const logout = el.querySelector('auth-logout') as AuthLogout;
    await logout.updateComplete;
    const slot = part(el, 'actions')!.querySelector('slot')!;
    expect(slot.assignedElements()).to.deep.equal([logout]);
    (logout.shadowRoot!.querySelector('[part=button]') as HTMLButtonElement).click();
    await untilStatus(el, 'anonymous');
    expect(text(part(el, 'message'))).to.equal('Not logged in');
  });

  it('fits a 250px sidebar without horizontal overflow', async () => {
    const long = makeUser({ id: 'x', name: 'Maximiliana Wolfeschlegelsteinhausenbergerdorff', roles: ['administrator', 'billing-manager', 'auditor'] });
    const { el, wrapper } = await mount({ restore: session(long) }, 'authenticated', 'location="sidebar"', '<auth-logout></auth-logout>');
    wrapper.style.width = '250px';
    expect(el.getAttribute('location')).to.equal('sidebar');
    await waitUntil(() => el.clientWidth <= 250);
    expect(el.scrollWidth).to.be.at.most(el.clientWidth);
    const base = part(el, 'base')!;
    expect(base.scrollWidth).to.be.at.most(base.clientWidth);
    expect(getComputedStyle(base).flexDirection).to.equal('column');
    el.location = 'main';
    await el.updateComplete;
    // The container query keeps the stacked layout at 250px.
    expect(getComputedStyle(base).flexDirection).to.equal('column');
    wrapper.style.width = '640px';
    expect(getComputedStyle(base).flexDirection).to.equal('row');
  });

  describe('the account link (OIDC backends whose provider has an account page)', () => {
    const oidc = (accountUrl: string | null) => ({ oidc: { providerName: 'Keycloak', accountUrl } });
    const ACCOUNT = 'https://id.example.com/realms/demo/account';

    it('links "Manage account" to client.backend.accountUrl, in the same tab, while signed in', async () => {
      const { el, client } = await mount({ restore: session(ada), ...oidc(ACCOUNT) }, 'authenticated');
      const link = part(el, 'account-link') as HTMLAnchorElement;
      expect(link.localName).to.equal('a');
      expect(link.getAttribute('href')).to.equal(ACCOUNT);
      expect(link.hasAttribute('target')).to.be.false;
      expect(text(link)).to.equal('Manage account');
      expect(link.getClientRects().length).to.be.above(0);
      await expect(el).to.be.accessible();
      await client.logout();
      await untilStatus(el, 'anonymous');
      expect(part(el, 'account-link')).to.equal(null);
    });

    it('says "Gérer le compte" in French', async () => {
      await loadTranslation('fr');
      const { el } = await mount({ restore: session(ada), ...oidc(ACCOUNT) }, 'authenticated', 'lang="fr"');
      expect(text(part(el, 'account-link'))).to.equal('Gérer le compte');
    });

    it('has no link when the backend has no account page (null, or a password backend)', async () => {
      const none = await mount({ restore: session(ada), ...oidc(null) }, 'authenticated');
      expect(part(none.el, 'account-link')).to.equal(null);
      const jwt = await mount({ restore: session(ada) }, 'authenticated');
      expect(part(jwt.el, 'account-link')).to.equal(null);
    });

    it('refuses an account URL that is not http(s): javascript:, data: (SECURITY 15)', async () => {
      for (const url of ['javascript:alert(1)', ' JavaScript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'not a url']) {
        const { el } = await mount({ restore: session(ada), ...oidc(url) }, 'authenticated');
        expect(part(el, 'account-link'), url).to.equal(null);
      }
    });

    it('fits a 250px sidebar with the link', async () => {
      const { el, wrapper } = await mount({ restore: session(ada), ...oidc(ACCOUNT) }, 'authenticated', 'location="sidebar"', '<auth-logout></auth-logout>');
      wrapper.style.width = '250px';
      await waitUntil(() => el.clientWidth <= 250);
      const base = part(el, 'base')!;
      expect(base.scrollWidth).to.be.at.most(base.clientWidth);
      expect(part(el, 'account-link')!.getClientRects().length).to.be.above(0);
    });
  });
});

import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import '../../src/components/index.js';
import type { AuthGuard, AuthProvider } from '../../src/components/index.js';
import { makeUser, type AuthStateStatus as Status } from '../../src/core/state.js';
import { ada, bob, fakeClient, session, type FakeBackendOptions } from './fake-backend.js';
import { aliceWorld, bobby, type FakeOrgBackend } from './fake-orgs.js';
import { captureWarnings, untilStatus } from './helpers.js';
import { AuthClient } from '../../src/core/client.js';
import { noTabSync } from '../../src/core/tabs.js';

const CONTENT = `
  <p id="secret">Secret reports</p>
  <p slot="fallback" id="fallback">Please log in</p>
  <p slot="loading" id="loading">Checking…</p>`;

async function mount(options: FakeBackendOptions, status: Status, attrs = '') {
  const { client, backend } = fakeClient(options);
  const wrapper = await fixture<HTMLDivElement>(html`<div></div>`);
  wrapper.innerHTML = `<auth-provider><auth-guard ${attrs}>${CONTENT}</auth-guard></auth-provider>`;
  (wrapper.querySelector('auth-provider') as AuthProvider).client = client;
  const guard = wrapper.querySelector('auth-guard') as AuthGuard;
  await untilStatus(guard, status);
  return { client, backend, guard };
}

/** Which of the three children is displayed, and which slots the shadow root renders. */
function shown(guard: AuthGuard) {
  const visible = ['secret', 'fallback', 'loading'].filter((id) => guard.querySelector(`#${id}`)!.getClientRects().length > 0);
  const slots = [...guard.shadowRoot!.querySelectorAll('slot')].map((s) => s.name || 'default');
  return { visible, slots };
}

describe('auth-guard', () => {
  it('is accessible while showing its content to a user with the role', async () => {
    const { guard } = await mount({ restore: session(ada) }, 'authenticated', 'roles="admin"');
    await expect(guard).to.be.accessible();
  });

  it('shows the content to a signed-in user, and only that slot is rendered', async () => {
    const { guard } = await mount({ restore: session(bob) }, 'authenticated');
    expect(shown(guard)).to.deep.equal({ visible: ['secret'], slots: ['default'] });
    expect(guard.allowed).to.be.true;
    expect(guard.matches(':state(allowed)')).to.be.true;
  });

  it('shows the fallback when signed out', async () => {
    const { guard } = await mount({ restore: null }, 'anonymous');
    expect(shown(guard)).to.deep.equal({ visible: ['fallback'], slots: ['fallback'] });
    expect(guard.matches(':state(allowed)')).to.be.false;
  });

  it('shows only the loading slot while the session is being restored', async () => {
    const { guard, backend } = await mount({ restore: 'manual' }, 'unknown');
    expect(shown(guard)).to.deep.equal({ visible: ['loading'], slots: ['loading'] });
    backend.restoreControl.resolve(session(ada));
    await untilStatus(guard, 'authenticated');
    expect(shown(guard).visible).to.deep.equal(['secret']);
  });

  it('without a loading slot, keeps the fallback in place but invisible while restoring (no layout shift when it shows)', async () => {
    const { client, backend } = fakeClient({ restore: 'manual' });
    const wrapper = await fixture<HTMLDivElement>(html`<div></div>`);
    wrapper.innerHTML = `<auth-provider><auth-guard><p id="secret">Secret</p><p slot="fallback" id="fallback">Please log in</p></auth-guard></auth-provider>`;
    (wrapper.querySelector('auth-provider') as AuthProvider).client = client;
    const guard = wrapper.querySelector('auth-guard') as AuthGuard;
    await untilStatus(guard, 'unknown');
    const fallback = guard.querySelector('#fallback')!;
    const reserved = fallback.getBoundingClientRect().height;
    expect(reserved).to.be.greaterThan(0);
    expect(getComputedStyle(fallback).visibility).to.equal('hidden');
    expect(guard.querySelector('#secret')!.getClientRects().length).to.equal(0);
    backend.restoreControl.resolve(null);
    await untilStatus(guard, 'anonymous');
    expect(getComputedStyle(fallback).visibility).to.equal('visible');
    expect(fallback.getBoundingClientRect().height).to.equal(reserved);
  });

  it('requires one of the listed roles', async () => {
    expect(shown((await mount({ restore: session(ada) }, 'authenticated', 'roles="owner, admin"')).guard).visible).to.deep.equal(['secret']);
    expect(shown((await mount({ restore: session(bob) }, 'authenticated', 'roles="admin"')).guard).visible).to.deep.equal(['fallback']);
    const { guard } = await mount({ restore: session(ada) }, 'authenticated', 'roles="owner"');
    expect(shown(guard).visible).to.deep.equal(['fallback']);
    guard.setAttribute('roles', 'editor');
    await guard.updateComplete;
    expect(shown(guard).visible).to.deep.equal(['secret']);
  });

  it('treats a `role` attribute as a requirement (fails closed) and warns once', async () => {
    const warnings = captureWarnings();
    try {
      expect(shown((await mount({ restore: session(bob) }, 'authenticated', 'role="admin"')).guard).visible).to.deep.equal(['fallback']);
      expect(shown((await mount({ restore: session(ada) }, 'authenticated', 'role="admin"')).guard).visible).to.deep.equal(['secret']);
      expect(warnings.messages.filter((m) => m.includes('roles='))).to.have.length(1);
    } finally {
      warnings.restore();
    }
  });

  it('accepts the organization role', async () => {
    const { guard } = await mount({ restore: session(bob, { id: 'o', name: 'Org', role: 'owner' }) }, 'authenticated', 'roles="owner"');
    expect(shown(guard).visible).to.deep.equal(['secret']);
  });

  it('requires one of the listed permissions, together with the role', async () => {
    expect(shown((await mount({ restore: session(ada) }, 'authenticated', 'permissions="reports:write,reports:read"')).guard).visible).to.deep.equal(['secret']);
    expect(shown((await mount({ restore: session(ada) }, 'authenticated', 'permissions="billing:read"')).guard).visible).to.deep.equal(['fallback']);
    expect(shown((await mount({ restore: session(ada) }, 'authenticated', 'roles="admin" permissions="billing:read"')).guard).visible).to.deep.equal(['fallback']);
    const org = makeUser({ id: 'c', permissions: [] });
    const { guard } = await mount(
      { restore: session(org, { id: 'o', name: 'Org', permissions: ['billing:read'] }) },
      'authenticated',
      'permissions="billing:read"',
    );
    expect(shown(guard).visible).to.deep.equal(['secret']);
  });

  it('switches on login and logout', async () => {
    const { guard, client } = await mount({ restore: null }, 'anonymous', 'roles="admin"');
    await client.login({ username: 'ada', password: 'secret' });
    await untilStatus(guard, 'authenticated');
    // The fake signs in a user without roles: still the fallback.
    expect(shown(guard).visible).to.deep.equal(['fallback']);
    guard.removeAttribute('roles');
    await guard.updateComplete;
    expect(shown(guard).visible).to.deep.equal(['secret']);
    await client.logout();
    await untilStatus(guard, 'anonymous');
    expect(shown(guard).visible).to.deep.equal(['fallback']);
  });
});

describe('auth-guard in organizations (min-role, permissions, org)', () => {
  async function guarded(backend: FakeOrgBackend, attrs: string) {
    const client = new AuthClient({ backend, tabs: noTabSync });
    const wrapper = await fixture<HTMLDivElement>(html`<div></div>`);
    wrapper.innerHTML = `<auth-provider><auth-guard ${attrs}>${CONTENT}</auth-guard></auth-provider>`;
    (wrapper.querySelector('auth-provider') as AuthProvider).client = client;
    const guard = wrapper.querySelector('auth-guard') as AuthGuard;
    await untilStatus(guard, 'authenticated');
    return { client, guard };
  }
  const visible = async (backend: FakeOrgBackend, attrs: string) => shown((await guarded(backend, attrs)).guard).visible;
  /** Alice: owner of Acme (active), member of Globex. Bob: member of Acme (active), admin of Globex. */
  const asAlice = () => aliceWorld();
  const asBob = () => aliceWorld(bobby);

  /** Each case: who, the guard's attributes, and whether the content shows. */
  async function expectCases(cases: Array<[() => FakeOrgBackend, string, boolean]>) {
    for (const [who, attrs, allowed] of cases) expect(await visible(who(), attrs), attrs).to.deep.equal([allowed ? 'secret' : 'fallback']);
  }

  it('min-role respects the order: an owner passes admin, a member fails it', async () => {
    await expectCases([
      [asAlice, 'min-role="admin"', true],
      [asAlice, 'min-role="owner"', true],
      [asBob, 'min-role="admin"', false],
      [asBob, 'min-role="member"', true],
      [asBob, 'min-role="Member"', true],
    ]);
  });

  it('min-role follows the active organization', async () => {
    const { guard, client } = await guarded(asBob(), 'min-role="admin"');
    expect(shown(guard).visible).to.deep.equal(['fallback']);
    await client.selectOrg('globex');
    await guard.updateComplete;
    expect(shown(guard).visible).to.deep.equal(['secret']);
    guard.setAttribute('min-role', 'owner');
    await guard.updateComplete;
    expect(shown(guard).visible).to.deep.equal(['fallback']);
  });

  it('checks permissions in the active organization (a role has the lower roles\' permissions too)', async () => {
    await expectCases([
      [asAlice, 'permissions="billing:write"', true],
      [asAlice, 'permissions="reports:read"', true],
      [asBob, 'permissions="billing:write"', false],
      [asBob, 'permissions="members:write, reports:read"', true],
      [asAlice, 'min-role="admin" permissions="nothing:here"', false],
    ]);
  });

  it('with `org`, checks that organization: the list is asked once when it is not the active one', async () => {
    const alice = asAlice();
    const { guard } = await guarded(alice, 'org="globex" min-role="admin"');
    await waitUntil(() => alice.calls('listOrgs').length === 1);
    await guard.updateComplete;
    expect(shown(guard).visible).to.deep.equal(['fallback']); // a member in Globex
    guard.setAttribute('min-role', 'member');
    await guard.updateComplete;
    expect(shown(guard).visible).to.deep.equal(['secret']);
    guard.setAttribute('permissions', 'billing:write'); // Globex's member has no billing:write
    await guard.updateComplete;
    expect(shown(guard).visible).to.deep.equal(['fallback']);
    expect(alice.calls('listOrgs')).to.have.length(1);

    const bob = asBob();
    const globex = await guarded(bob, 'org="globex" min-role="admin" permissions="members:write"');
    await waitUntil(() => shown(globex.guard).visible[0] === 'secret', 'Bob is an admin of Globex');
    expect(bob.calls('listOrgs')).to.have.length(1);
    // An organization the user is not in: refused.
    const none = await guarded(asBob(), 'org="initech" min-role="member"');
    await new Promise((r) => setTimeout(r, 50));
    expect(shown(none.guard).visible).to.deep.equal(['fallback']);
  });

  it('with `org` naming the active organization, asks for no list', async () => {
    const alice = asAlice();
    expect(shown((await guarded(alice, 'org="acme" min-role="owner"')).guard).visible).to.deep.equal(['secret']);
    await new Promise((r) => setTimeout(r, 50));
    expect(alice.calls('listOrgs')).to.deep.equal([]);
  });

  it('min-role without an organization is refused (fails closed)', async () => {
    const { guard } = await mount({ restore: session(ada) }, 'authenticated', 'min-role="member"');
    expect(shown(guard).visible).to.deep.equal(['fallback']);
  });
});

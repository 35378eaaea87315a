import { expect, oneEvent, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { loadTranslation, type AuthErrorEvent, type AuthOrgChangeEvent } from '../../src/components/index.js';
import { makeUser } from '../../src/core/state.js';
import { ada, FakeBackend, session } from './fake-backend.js';
import { aliceWorld, dave, FakeOrgBackend } from './fake-orgs.js';
import { part } from './helpers.js';
import { choose, deepActive, mountSelect, optionTexts, selectOf } from './org-helpers.js';

describe('auth-org-select', () => {
  it('is accessible: a labelled native select', async () => {
    const { el } = await mountSelect(aliceWorld());
    const select = await selectOf(el, 2);
    expect(select.labels?.[0]?.textContent?.trim()).to.equal('Organization');
    await expect(el).to.be.accessible();
  });

  it('lists the organizations as "Name — Role", the active one selected', async () => {
    const backend = aliceWorld();
    const { el } = await mountSelect(backend);
    const select = await selectOf(el, 2);
    expect(optionTexts(select)).to.deep.equal(['Acme Corp — Owner', 'Globex — Member']);
    expect(select.value).to.equal('acme');
    expect(backend.calls('listOrgs')).to.have.length(1);
  });

  it('selects another organization: busy meanwhile, then the event and a new list', async () => {
    const backend = aliceWorld();
    const { el, client } = await mountSelect(backend);
    const select = await selectOf(el, 2);
    backend.hold();
    choose(select, 'globex');
    await el.updateComplete;
    expect(select.disabled).to.be.true;
    expect(select.getAttribute('aria-busy')).to.equal('true');
    expect(el.matches(':state(busy)')).to.be.true;
    expect(backend.calls('selectOrg')).to.deep.equal(['globex']);
    const changed = oneEvent(el, 'auth-org-change') as Promise<AuthOrgChangeEvent>;
    backend.release();
    const event = await changed;
    expect(event.detail.org).to.include({ id: 'globex', name: 'Globex', role: 'member' });
    expect(event.bubbles && event.composed).to.be.true;
    expect(client.state.org?.id).to.equal('globex');
    await el.updateComplete;
    expect(select.disabled).to.be.false;
    expect(select.getAttribute('aria-busy')).to.equal('false');
    expect(select.value).to.equal('globex');
    await waitUntil(() => backend.calls('listOrgs').length === 2, 'not listed again after the change');
  });

  it('shows a failure (role=alert, translated) and puts the previous choice back', async () => {
    const backend = aliceWorld();
    const { el, client } = await mountSelect(backend);
    const select = await selectOf(el, 2);
    const events: string[] = [];
    el.addEventListener('auth-org-change', () => events.push('change'));
    backend.failNext.set('selectOrg', 'network_error');
    const failed = oneEvent(el, 'auth-error') as Promise<AuthErrorEvent>;
    choose(select, 'globex');
    expect((await failed).detail).to.include({ code: 'network_error', operation: 'select-org' });
    await waitUntil(() => !select.disabled);
    await el.updateComplete;
    const error = part(el, 'error')!;
    expect(error.getAttribute('role')).to.equal('alert');
    expect(error.hidden).to.be.false;
    expect(error.textContent).to.equal('The server could not be reached. Check your connection and try again.');
    expect(select.value).to.equal('acme');
    expect(client.state.org?.id).to.equal('acme');
    expect(events).to.deep.equal([]);
    // The next success clears it.
    choose(select, 'globex');
    await waitUntil(() => client.state.org?.id === 'globex');
    await el.updateComplete;
    expect(part(el, 'error')!.hidden).to.be.true;
  });

  it('is hidden (takes no room) when signed out, while restoring, and for a user without organizations', async () => {
    const signedOut = new FakeOrgBackend(dave, [], []);
    signedOut.restore = () => Promise.resolve(null);
    const out = await mountSelect(signedOut);
    expect(out.el.matches(':state(empty)')).to.be.true;
    expect(out.el.getClientRects().length).to.equal(0);
    expect(part(out.el, 'select')).to.equal(null);

    const none = await mountSelect(new FakeOrgBackend(dave, [], [{ id: 'x', name: 'X', members: [] }]));
    await waitUntil(() => none.el.state.status === 'authenticated');
    await new Promise((r) => setTimeout(r, 50));
    await none.el.updateComplete;
    expect(none.el.matches(':state(empty)')).to.be.true;
    expect(none.el.getClientRects().length).to.equal(0);

    const restoring = new FakeBackend({ restore: 'manual' });
    const { el } = await mountSelect(restoring, '', 640, false);
    await el.updateComplete;
    expect(el.state.status).to.equal('unknown');
    expect(el.getClientRects().length).to.equal(0);
    restoring.restoreControl.resolve(null);
  });

  it('hides again on logout, and lists on login', async () => {
    const backend = aliceWorld();
    const { el, client } = await mountSelect(backend);
    await selectOf(el, 2);
    await client.logout();
    await waitUntil(() => el.matches(':state(empty)'));
    expect(part(el, 'select')).to.equal(null);
    await client.login({ username: 'alice', password: 'secret' });
    await selectOf(el, 2);
    expect(el.getClientRects().length).to.be.above(0);
  });

  it('lists again when the active organization changes elsewhere (another element, another tab)', async () => {
    const backend = aliceWorld();
    const { el, client } = await mountSelect(backend);
    const select = await selectOf(el, 2);
    await client.selectOrg('globex');
    await waitUntil(() => backend.calls('listOrgs').length === 2);
    await el.updateComplete;
    expect(select.value).to.equal('globex');
  });

  it('without a backend list, shows the active organization alone', async () => {
    const backend = new FakeBackend({ restore: session(ada, { id: 'o1', name: 'Analytical Engines', role: 'admin' }) });
    const { el } = await mountSelect(backend);
    const select = await selectOf(el, 1);
    expect(optionTexts(select)).to.deep.equal(['Analytical Engines — Admin']);
  });

  it('keyboard: Tab reaches it, arrows change the organization, the event fires, the focus stays', async () => {
    const backend = aliceWorld();
    const { el, wrapper, client } = await mountSelect(backend);
    const select = await selectOf(el, 2);
    (wrapper.querySelector('#before') as HTMLButtonElement).focus();
    await sendKeys({ press: 'Tab' });
    expect(deepActive()).to.equal(select);
    const changed = oneEvent(el, 'auth-org-change') as Promise<AuthOrgChangeEvent>;
    await sendKeys({ press: 'ArrowDown' });
    expect((await changed).detail.org.id).to.equal('globex');
    expect(client.state.org?.id).to.equal('globex');
    await waitUntil(() => !select.disabled);
    await el.updateComplete;
    expect(deepActive()).to.equal(select);
  });

  it('compact in a sidebar: stacked, full width, no overflow at 250px', async () => {
    const { el } = await mountSelect(aliceWorld(), 'location="sidebar"', 250);
    const select = await selectOf(el, 2);
    expect(el.getAttribute('location')).to.equal('sidebar');
    const base = part(el, 'base')!;
    expect(getComputedStyle(base).flexDirection).to.equal('column');
    expect(Math.round(select.getBoundingClientRect().width)).to.equal(Math.round(base.getBoundingClientRect().width));
    expect(el.scrollWidth).to.be.at.most(el.clientWidth);
    const main = await mountSelect(aliceWorld());
    expect(getComputedStyle(part(main.el, 'base')!).flexDirection).to.equal('row');
  });

  it('speaks French, with the role names translated', async () => {
    await loadTranslation('fr');
    const { el } = await mountSelect(aliceWorld(), 'lang="fr"');
    const select = await selectOf(el, 2);
    expect(optionTexts(select)).to.deep.equal(['Acme Corp — Propriétaire', 'Globex — Membre']);
    expect(select.labels?.[0]?.textContent?.trim()).to.equal('Organisation');
  });

  it('shows a custom role as the server names it', async () => {
    const backend = new FakeBackend({ restore: session(ada, { id: 'o1', name: 'Lab', role: 'Billing-Manager' }) });
    const { el } = await mountSelect(backend);
    expect(optionTexts(await selectOf(el, 1))).to.deep.equal(['Lab — Billing-Manager']);
  });

  it('renders a hostile organization name as text (SECURITY 33)', async () => {
    const evil = '<img src=x onerror=alert(1)>';
    const backend = new FakeOrgBackend(makeUser({ id: 'u-e', username: 'e' }), [], [{ id: 'e', name: evil, members: [['u-e', 'owner']] }]);
    const { el } = await mountSelect(backend);
    const select = await selectOf(el, 1);
    expect(optionTexts(select)).to.deep.equal([`${evil} — Owner`]);
    expect(el.shadowRoot!.querySelector('img')).to.equal(null);
  });
});

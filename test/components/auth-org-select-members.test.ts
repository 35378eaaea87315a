import { expect, oneEvent, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { loadTranslation, type AuthErrorEvent, type AuthOrgSelect } from '../../src/components/index.js';
import type { AuthUser } from '../../src/core/state.js';
import { FakeBackend, session, ada } from './fake-backend.js';
import { alice, aliceWorld, bobby, carol, type FakeOrgBackend } from './fake-orgs.js';
import { part, type } from './helpers.js';
import { choose, deepActive, mountSelect, selectOf } from './org-helpers.js';

/** Mount the select with `manage` as `me` in `world`, and open the panel once its members are listed. */
async function openPanel(me: AuthUser = alice, world: FakeOrgBackend = aliceWorld(me), attrs = '') {
  const { el, client } = await mountSelect(world, `manage ${attrs}`);
  await selectOf(el);
  const button = await manageButton(el);
  button!.click();
  await waitUntil(() => rows(el).length > 0, 'the members were never listed', { timeout: 3000 });
  await el.updateComplete;
  return { el, client, backend: world, button: button! };
}

async function manageButton(el: AuthOrgSelect): Promise<HTMLButtonElement | null> {
  await el.updateComplete;
  return part(el, 'manage-button') as HTMLButtonElement | null;
}

const all = (el: AuthOrgSelect, name: string) => [...el.shadowRoot!.querySelectorAll<HTMLElement>(`[part~="${name}"]`)];
const rows = (el: AuthOrgSelect) => all(el, 'member');
const row = (el: AuthOrgSelect, id: string) => el.shadowRoot!.querySelector<HTMLElement>(`tr[data-id="${id}"]`)!;
const inRow = <T extends HTMLElement>(el: AuthOrgSelect, id: string, name: string) => row(el, id).querySelector<T>(`[part~="${name}"]`);
const text = (node: Element | null) => node?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
const options = (select: HTMLSelectElement | null) => [...(select?.options ?? [])].map((o) => o.value);

/** Wait until the panel is idle again (no operation in flight), then until it rendered. */
async function settled(el: AuthOrgSelect) {
  await el.updateComplete;
  await waitUntil(() => part(el, 'panel')?.getAttribute('aria-busy') === 'false', 'the panel stayed busy', { timeout: 3000 });
  await el.updateComplete;
}

describe('auth-org-select manage: the members panel', () => {
  it('offers "Manage members" only to owners and admins, with `manage`, on a backend that lists members', async () => {
    const owner = await mountSelect(aliceWorld(), 'manage');
    await selectOf(owner.el);
    expect(text(await manageButton(owner.el))).to.equal('Manage members');
    // Without the attribute.
    const plain = await mountSelect(aliceWorld());
    await selectOf(plain.el);
    expect(await manageButton(plain.el)).to.equal(null);
    // A member (Alice in Globex): no button, also after switching to it from Acme.
    await owner.client.selectOrg('globex');
    await waitUntil(() => owner.el.state.org?.id === 'globex');
    expect(await manageButton(owner.el)).to.equal(null);
    // An admin on a backend without listMembers.
    const noList = await mountSelect(new FakeBackend({ restore: session(ada, { id: 'o', name: 'O', role: 'admin' }) }), 'manage');
    await selectOf(noList.el);
    expect(await manageButton(noList.el)).to.equal(null);
  });

  it('opens the panel (focus on its heading) with every member, and is accessible', async () => {
    const { el, backend, button } = await openPanel();
    expect(backend.calls('listMembers')).to.deep.equal(['acme']);
    expect(button.getAttribute('aria-expanded')).to.equal('true');
    const heading = part(el, 'panel-heading')!;
    expect(text(heading)).to.equal('Members of Acme Corp');
    expect(deepActive()).to.equal(heading);
    expect(part(el, 'panel')!.getAttribute('aria-labelledby')).to.equal(heading.id);
    expect(rows(el).map((r) => text(r.querySelector('th')))).to.deep.equal([
      'Alice Liddell (you) alice · alice@example.com',
      'Bob Stone bob · bob@example.com',
      'Carol Danvers carol · carol@example.com',
    ]);
    expect(inRow<HTMLSelectElement>(el, 'u-bob', 'role-select')!.value).to.equal('member');
    expect(inRow(el, 'u-bob', 'role-select')!.getAttribute('aria-label')).to.equal('Role of Bob Stone');
    await expect(el).to.be.accessible();
  });

  it('changes a role: the request, the new role, an announcement; the focus stays on the select', async () => {
    const { el, backend } = await openPanel();
    const select = inRow<HTMLSelectElement>(el, 'u-bob', 'role-select')!;
    select.focus();
    choose(select, 'admin');
    await settled(el);
    expect(backend.calls('setMemberRole')).to.deep.equal([{ orgId: 'acme', userId: 'u-bob', role: 'admin' }]);
    expect(inRow<HTMLSelectElement>(el, 'u-bob', 'role-select')!.value).to.equal('admin');
    const result = part(el, 'result')!;
    expect(result.getAttribute('role')).to.equal('status');
    expect(text(result)).to.equal('Bob Stone is now Admin.');
    expect(deepActive()).to.equal(inRow(el, 'u-bob', 'role-select'));
  });

  it('changes one\'s own role only after a confirmation (one cannot take it back); Cancel restores it', async () => {
    const { el, backend } = await openPanel(carol);
    const own = () => inRow<HTMLSelectElement>(el, 'u-carol', 'role-select')!;
    own().focus();
    choose(own(), 'member');
    await el.updateComplete;
    expect(text(inRow(el, 'u-carol', 'confirm'))).to.contain('Make yourself Member? Only someone above you can undo it.');
    expect(deepActive()).to.equal(inRow(el, 'u-carol', 'cancel-button'));
    expect(backend.calls('setMemberRole')).to.deep.equal([]);
    await sendKeys({ press: 'Escape' });
    await waitUntil(() => !inRow(el, 'u-carol', 'confirm'));
    expect(own().value).to.equal('admin');
    expect(deepActive()).to.equal(own());
    expect(part(el, 'panel')).to.not.equal(null);
    choose(own(), 'member');
    await el.updateComplete;
    inRow<HTMLButtonElement>(el, 'u-carol', 'confirm-button')!.click();
    await settled(el);
    expect(backend.calls('setMemberRole')).to.deep.equal([{ orgId: 'acme', userId: 'u-carol', role: 'member' }]);
    expect(text(part(el, 'result'))).to.equal('Carol Danvers is now Member.');
  });

  it('offers only the roles at or below one\'s own; members above it get no controls', async () => {
    const { el } = await openPanel(carol); // Carol is an admin of Acme, Alice its owner
    expect(options(part(el, 'add-role') as HTMLSelectElement)).to.deep.equal(['admin', 'member']);
    expect((part(el, 'add-role') as HTMLSelectElement).value).to.equal('member');
    expect(options(inRow(el, 'u-bob', 'role-select'))).to.deep.equal(['admin', 'member']);
    // Her own row cannot go up (owner is not offered), and she leaves rather than removes herself.
    expect(options(inRow(el, 'u-carol', 'role-select'))).to.deep.equal(['admin', 'member']);
    expect(inRow(el, 'u-carol', 'remove-button')).to.equal(null);
    // The owner: the role as text, no select, no remove.
    expect(inRow(el, 'u-alice', 'role-select')).to.equal(null);
    expect(text(inRow(el, 'u-alice', 'role'))).to.equal('Owner');
    expect(inRow(el, 'u-alice', 'remove-button')).to.equal(null);
    // The owner sees every role.
    const owner = await openPanel();
    expect(options(part(owner.el, 'add-role') as HTMLSelectElement)).to.deep.equal(['owner', 'admin', 'member']);
  });

  it('removes a member only after a confirmation; Cancel goes back to the button', async () => {
    const { el, backend } = await openPanel();
    inRow<HTMLButtonElement>(el, 'u-bob', 'remove-button')!.click();
    await el.updateComplete;
    const confirm = inRow(el, 'u-bob', 'confirm')!;
    expect(text(confirm)).to.contain('Remove Bob Stone from Acme Corp?');
    expect(confirm.getAttribute('role')).to.equal('group');
    expect(deepActive()).to.equal(inRow(el, 'u-bob', 'cancel-button'));
    expect(backend.calls('removeMember')).to.deep.equal([]);
    inRow<HTMLButtonElement>(el, 'u-bob', 'cancel-button')!.click();
    await waitUntil(() => deepActive() === inRow(el, 'u-bob', 'remove-button'));
    expect(backend.calls('removeMember')).to.deep.equal([]);
    // Now for real.
    inRow<HTMLButtonElement>(el, 'u-bob', 'remove-button')!.click();
    await el.updateComplete;
    inRow<HTMLButtonElement>(el, 'u-bob', 'confirm-button')!.click();
    await settled(el);
    expect(backend.calls('removeMember')).to.deep.equal([{ orgId: 'acme', userId: 'u-bob' }]);
    expect(rows(el).map((r) => r.dataset.id)).to.deep.equal(['u-alice', 'u-carol']);
    expect(text(part(el, 'result'))).to.equal('Bob Stone was removed.');
    expect(deepActive()).to.equal(part(el, 'panel-heading'));
  });

  it('adds a member by username or email, with a role', async () => {
    const { el, backend } = await openPanel();
    const input = part(el, 'add-input') as HTMLInputElement;
    expect(input.labels?.[0]?.textContent?.trim()).to.equal('Username or email');
    type(input, 'dave@example.com');
    (part(el, 'add-role') as HTMLSelectElement).value = 'admin';
    input.focus();
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => rows(el).length === 4, 'the new member never appeared');
    await settled(el);
    expect(backend.calls('addMember')).to.deep.equal([{ orgId: 'acme', login: 'dave@example.com', role: 'admin' }]);
    expect(inRow<HTMLSelectElement>(el, 'u-dave', 'role-select')!.value).to.equal('admin');
    expect(text(part(el, 'result'))).to.equal('dave@example.com was added as Admin.');
    expect(input.value).to.equal('');
    expect(deepActive()).to.equal(input);
  });

  it('shows every refusal of the server as its message (role=alert), and dispatches auth-error', async () => {
    const { el, backend } = await openPanel();
    const alert = part(el, 'panel-error')!;
    expect(alert.getAttribute('role')).to.equal('alert');
    const add = async (login: string) => {
      type(part(el, 'add-input') as HTMLInputElement, login);
      (part(el, 'add-button') as HTMLButtonElement).click();
      await settled(el);
      return text(alert);
    };
    const failed = oneEvent(el, 'auth-error') as Promise<AuthErrorEvent>;
    expect(await add('bob')).to.equal('This user is already a member.');
    expect((await failed).detail).to.include({ code: 'already_member', operation: 'add-member' });
    expect(await add('nobody')).to.equal('No such user or member.');
    // A role the server does not know (not offered: added to the list here).
    const role = part(el, 'add-role') as HTMLSelectElement;
    role.add(new Option('superuser', 'superuser', true, true));
    expect(await add('dave')).to.equal('Some of the information is missing or not valid.');
    // The last owner demotes herself (after the confirmation).
    choose(inRow<HTMLSelectElement>(el, 'u-alice', 'role-select')!, 'admin');
    await el.updateComplete;
    inRow<HTMLButtonElement>(el, 'u-alice', 'confirm-button')!.click();
    await settled(el);
    expect(inRow(el, 'u-alice', 'confirm')).to.equal(null);
    expect(text(alert)).to.equal('An organization needs at least one owner: make someone else an owner first.');
    expect(inRow<HTMLSelectElement>(el, 'u-alice', 'role-select')!.value).to.equal('owner');
    // Her role taken away meanwhile (another admin, the CLI): the server refuses.
    backend.orgs[0]!.members = backend.orgs[0]!.members.map(([id, r]) => [id, id === 'u-alice' ? 'member' : r]);
    choose(inRow<HTMLSelectElement>(el, 'u-bob', 'role-select')!, 'admin');
    await settled(el);
    expect(text(alert)).to.equal('Your role in this organization does not allow this.');
    expect(backend.calls('setMemberRole')).to.have.length(2);
    expect(backend.calls('addMember')).to.have.length(3);
  });

  it('an empty login is not sent', async () => {
    const { el, backend } = await openPanel();
    type(part(el, 'add-input') as HTMLInputElement, '   ');
    (part(el, 'add-button') as HTMLButtonElement).click();
    await el.updateComplete;
    expect(text(part(el, 'panel-error'))).to.equal('Some of the information is missing or not valid.');
    expect(backend.calls('addMember')).to.deep.equal([]);
  });

  it('is busy while an operation runs: controls disabled, aria-busy', async () => {
    const { el, backend } = await openPanel();
    backend.hold();
    choose(inRow<HTMLSelectElement>(el, 'u-bob', 'role-select')!, 'admin');
    await el.updateComplete;
    expect(part(el, 'panel')!.getAttribute('aria-busy')).to.equal('true');
    expect(inRow<HTMLSelectElement>(el, 'u-bob', 'role-select')!.disabled).to.be.true;
    expect((part(el, 'add-button') as HTMLButtonElement).disabled).to.be.true;
    expect((part(el, 'leave-button') as HTMLButtonElement).disabled).to.be.true;
    backend.release();
    await settled(el);
    expect(inRow<HTMLSelectElement>(el, 'u-bob', 'role-select')!.disabled).to.be.false;
  });

  it('leaves the organization after a confirmation: the panel closes, the select moves on', async () => {
    const { el, backend, client } = await openPanel(carol);
    (part(el, 'leave-button') as HTMLButtonElement).click();
    await el.updateComplete;
    expect(text(part(el, 'confirm'))).to.contain('Leave Acme Corp? You will lose access to it.');
    expect(deepActive()).to.equal(part(el, 'cancel-button'));
    (part(el, 'confirm-button') as HTMLButtonElement).click();
    await waitUntil(() => !part(el, 'panel'), 'the panel stayed open');
    expect(backend.calls('leaveOrg')).to.deep.equal(['acme']);
    expect(client.state.org).to.equal(null);
    // Carol has no organization left: the select hides.
    await waitUntil(() => el.matches(':state(empty)'));
  });

  it('the last owner cannot leave: the refusal shows, the panel stays', async () => {
    const { el, backend } = await openPanel();
    (part(el, 'leave-button') as HTMLButtonElement).click();
    await el.updateComplete;
    (part(el, 'confirm-button') as HTMLButtonElement).click();
    await settled(el);
    expect(backend.calls('leaveOrg')).to.deep.equal(['acme']);
    expect(text(part(el, 'panel-error'))).to.equal('An organization needs at least one owner: make someone else an owner first.');
    expect(part(el, 'panel')).to.not.equal(null);
  });

  it('leaving to another organization announces it and gives the focus back', async () => {
    // Bob: member of Acme, admin of Globex (active).
    const world = aliceWorld(bobby);
    world.active = 'globex';
    const { el, client } = await openPanel(bobby, world);
    (part(el, 'leave-button') as HTMLButtonElement).click();
    await el.updateComplete;
    (part(el, 'confirm-button') as HTMLButtonElement).click();
    await waitUntil(() => client.state.org?.id === 'acme');
    await waitUntil(() => !part(el, 'panel') && deepActive() === part(el, 'select'), 'the focus was not given back');
    expect(text(el.shadowRoot!.querySelector('[role="status"]'))).to.equal('You left Globex.');
  });

  it('closes with Escape (and its button): the focus goes back to "Manage members"', async () => {
    const { el, button } = await openPanel();
    await sendKeys({ press: 'Escape' });
    await waitUntil(() => !part(el, 'panel'));
    expect(button.getAttribute('aria-expanded')).to.equal('false');
    expect(deepActive()).to.equal(button);
    button.click();
    await waitUntil(() => part(el, 'close-button'));
    (part(el, 'close-button') as HTMLButtonElement).click();
    await waitUntil(() => !part(el, 'panel') && deepActive() === button);
  });

  it('speaks French', async () => {
    await loadTranslation('fr');
    const { el } = await openPanel(alice, aliceWorld(), 'lang="fr"');
    expect(text(part(el, 'panel-heading'))).to.equal("Membres de l'organisation Acme Corp");
    expect(text(part(el, 'manage-button'))).to.equal('Gérer les membres');
    expect([...(part(el, 'add-role') as HTMLSelectElement).options].map((o) => o.text)).to.deep.equal(['Propriétaire', 'Administrateur', 'Membre']);
    inRow<HTMLButtonElement>(el, 'u-bob', 'remove-button')!.click();
    await el.updateComplete;
    expect(inRow(el, 'u-bob', 'confirm')!.textContent).to.contain("Retirer Bob Stone de l'organisation Acme Corp\u00a0?");
  });

  it('renders hostile member names as text (SECURITY 33)', async () => {
    const evil = '<img src=x onerror=alert(1)>';
    const world = aliceWorld();
    world.people.push({ ...bobby, id: 'u-evil', username: 'evil', name: evil, email: 'evil@example.com' });
    world.orgs[0]!.members.push(['u-evil', 'member']);
    const { el } = await openPanel(alice, world);
    expect(text(inRow(el, 'u-evil', 'member-name'))).to.equal(evil);
    expect(el.shadowRoot!.querySelector('img')).to.equal(null);
  });
});

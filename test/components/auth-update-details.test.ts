import { expect, oneEvent, waitUntil } from '@open-wc/testing';
import '../../src/components/index.js';
import { loadTranslation, type AuthUpdateDetails } from '../../src/components/index.js';
import type { AuthErrorEvent } from '../../src/components/events/auth-error.js';
import { makeUser } from '../../src/core/state.js';
import { ada, session, type FakeBackendOptions } from './fake-backend.js';
import { describeFields, errorText, expectFitsSidebar, field, fillAndSubmit, isShown, mountForm, part, partText, submitButton, type, untilStatus } from './helpers.js';

const mount = (options: FakeBackendOptions = { restore: session(ada) }, attrs = '') =>
  mountForm<AuthUpdateDetails>('auth-update-details', options, attrs);

describe('auth-update-details', () => {
  it('is accessible with the form filled in and the hint shown', async () => {
    const { el } = await mount();
    await expect(el).to.be.accessible();
  });

  it('renders name, email and current password, filled from the session', async () => {
    const { el } = await mount();
    expect(partText(el, 'header')).to.equal('Update details');
    expect(describeFields(el)).to.deep.equal([
      { name: 'username', type: 'text', autocomplete: 'username', label: 'Username' },
      { name: 'name', type: 'text', autocomplete: 'name', label: 'Name' },
      { name: 'email', type: 'email', autocomplete: 'email', label: 'Email' },
      { name: 'current-password', type: 'password', autocomplete: 'current-password', label: 'Current password' },
    ]);
    expect(field(el, 'username').value).to.equal('ada');
    expect(field(el, 'username').readOnly).to.be.true;
    expect(field(el, 'name').value).to.equal('Ada Lovelace');
    expect(field(el, 'email').value).to.equal('ada@example.com');
    expect(field(el, 'current-password').value).to.equal('');
    expect(field(el, 'current-password').required).to.be.false;
    const hint = el.querySelector('[part~="hint"]')!;
    expect(hint.textContent).to.equal('Needed to change your email address.');
    expect(field(el, 'current-password').getAttribute('aria-describedby')).to.equal(hint.id);
    expect(submitButton(el).textContent?.trim()).to.equal('Save');
    expect(isShown(el.querySelector('form'))).to.be.true;
  });

  it('saves a new name without sending the email or a password', async () => {
    const { el, backend, client } = await mount();
    await fillAndSubmit(el, { name: 'Augusta Ada King' });
    await waitUntil(() => partText(el, 'success') !== '');
    expect(backend.lastCall('updateDetails')!.input).to.deep.equal({ name: 'Augusta Ada King' });
    expect(partText(el, 'success')).to.equal('Your details were saved.');
    expect(part(el, 'success')!.getAttribute('role')).to.equal('status');
    expect(client.state.user?.name).to.equal('Augusta Ada King');
    // Filled again from the updated session.
    await waitUntil(() => field(el, 'name').value === 'Augusta Ada King');
    expect(field(el, 'email').value).to.equal('ada@example.com');
  });

  it('sends the current password only when the email changed', async () => {
    const { el, backend } = await mount();
    // A password typed without an email change is not sent.
    await fillAndSubmit(el, { 'current-password': 'not needed' });
    await waitUntil(() => backend.accountCalls.length === 1);
    expect(backend.lastCall('updateDetails')!.input).to.deep.equal({ name: 'Ada Lovelace' });
    await waitUntil(() => partText(el, 'success') !== '');
    // Same address, other case: not a change.
    await fillAndSubmit(el, { email: ' ADA@example.com ' });
    await waitUntil(() => backend.accountCalls.length === 2);
    expect(backend.lastCall('updateDetails')!.input).to.deep.equal({ name: 'Ada Lovelace' });
    await waitUntil(() => partText(el, 'success') !== '');
    await fillAndSubmit(el, { email: 'ada@lovelace.org', 'current-password': 'secret' });
    await waitUntil(() => backend.accountCalls.length === 3);
    expect(backend.lastCall('updateDetails')!.input).to.deep.equal({
      name: 'Ada Lovelace',
      email: 'ada@lovelace.org',
      currentPassword: 'secret',
    });
    await waitUntil(() => partText(el, 'success') !== '');
    expect(field(el, 'email').value).to.equal('ada@lovelace.org');
    expect(field(el, 'current-password').value).to.equal('');
  });

  it('refuses an email change without the current password, before sending', async () => {
    const { el, backend } = await mount();
    const errorEvent = oneEvent(el, 'auth-error') as Promise<AuthErrorEvent>;
    await fillAndSubmit(el, { email: 'ada@lovelace.org' });
    const event = await errorEvent;
    expect(event.detail.code).to.equal('password_required_for_email');
    expect(event.detail.operation).to.equal('update-details');
    expect(backend.accountCalls).to.have.length(0);
    await el.updateComplete;
    expect(errorText(el)).to.equal('Enter your current password to change your email address.');
    expect(field(el, 'current-password').getAttribute('aria-invalid')).to.equal('true');
    await waitUntil(() => document.activeElement === field(el, 'current-password'));
    // What the user typed stays.
    expect(field(el, 'email').value).to.equal('ada@lovelace.org');
  });

  for (const [code, text, invalid] of [
    ['invalid_credentials', 'The current password is wrong.', 'current-password'],
    ['email_taken', 'This email address is already used by another account.', 'email'],
    ['session_expired', 'Your session has ended. Please log in again.', null],
  ] as const) {
    it(`shows ${code} (role=alert), next to the field it concerns`, async () => {
      const { el } = await mount({ restore: session(ada), accountError: code });
      const errorEvent = oneEvent(el, 'auth-error') as Promise<AuthErrorEvent>;
      await fillAndSubmit(el, { email: 'ada@lovelace.org', 'current-password': 'pw' });
      const event = await errorEvent;
      expect(event.detail.code).to.equal(code);
      expect(JSON.stringify(event.detail)).not.to.contain('"pw"');
      await el.updateComplete;
      expect(part(el, 'error')!.getAttribute('role')).to.equal('alert');
      expect(errorText(el)).to.equal(text);
      const marked = [...el.querySelectorAll('[aria-invalid="true"]')].map((i) => (i as HTMLInputElement).name);
      expect(marked).to.deep.equal(invalid ? [invalid] : []);
      // The current password is emptied only when it was wrong.
      expect(field(el, 'current-password').value).to.equal(code === 'invalid_credentials' ? '' : 'pw');
      expect(field(el, 'email').value).to.equal('ada@lovelace.org');
    });
  }

  it('shows the server reason of invalid_input, as text', async () => {
    const { el } = await mount({ restore: session(ada), accountError: { code: 'invalid_input', description: 'The name is too long.' } });
    await fillAndSubmit(el, { name: 'x'.repeat(300) });
    await waitUntil(() => errorText(el) !== '');
    expect(errorText(el)).to.equal('Some of the information is missing or not valid. The name is too long.');
  });

  it('never overwrites what the user is typing', async () => {
    const { el, client } = await mount();
    type(field(el, 'name'), 'Typing…');
    // The same user's session changes meanwhile (e.g. another element saved): the fields stay as typed.
    await client.updateDetails({ name: 'Changed elsewhere' });
    await el.updateComplete;
    expect(client.state.user?.name).to.equal('Changed elsewhere');
    expect(field(el, 'name').value).to.equal('Typing…');
    expect(field(el, 'email').value).to.equal('ada@example.com');
  });

  it('fills the fields for another user, and empties them when signed out', async () => {
    const { el, client, backend } = await mount();
    await client.logout();
    await untilStatus(el, 'anonymous');
    expect(field(el, 'name').value).to.equal('');
    expect(field(el, 'email').value).to.equal('');
    backend.options.user = makeUser({ id: 'u-grace', username: 'grace', name: 'Grace Hopper', email: 'grace@example.com' });
    await client.login({ username: 'grace', password: 'secret' });
    await untilStatus(el, 'authenticated');
    expect(field(el, 'name').value).to.equal('Grace Hopper');
    expect(field(el, 'email').value).to.equal('grace@example.com');
  });

  it('renders a user name that looks like HTML as text', async () => {
    const evil = makeUser({ id: 'u-x', username: 'x', name: '<img src=x onerror=alert(1)>', email: 'x@example.com' });
    const { el } = await mount({ restore: session(evil) });
    expect(field(el, 'name').value).to.equal('<img src=x onerror=alert(1)>');
    expect(el.querySelector('img')).to.equal(null);
    expect(el.shadowRoot!.querySelector('img')).to.equal(null);
  });

  it('is shown only to a signed-in user: hidden when signed out, a placeholder while restoring', async () => {
    const signedOut = await mount({});
    expect(signedOut.el.matches(':state(anonymous)')).to.be.true;
    expect(getComputedStyle(signedOut.el).display).to.equal('none');
    const failed = await mount({ restore: 'network_error' });
    expect(getComputedStyle(failed.el).display).to.equal('none');
    const restoring = await mount({ restore: 'manual' });
    await restoring.el.updateComplete;
    expect(getComputedStyle(restoring.el).display).to.equal('block');
    expect(part(restoring.el, 'placeholder')).to.exist;
    expect(isShown(restoring.el.querySelector('form'))).to.be.false;
    restoring.backend.restoreControl.resolve(session(ada));
    await untilStatus(restoring.el, 'authenticated');
    expect(isShown(restoring.el.querySelector('form'))).to.be.true;
    expect(field(restoring.el, 'name').value).to.equal('Ada Lovelace');
  });

  it('disables the form while saving', async () => {
    const { el } = await mount({ restore: session(ada), accountDelay: 'never' });
    await fillAndSubmit(el, { name: 'New' });
    await el.updateComplete;
    for (const input of el.querySelectorAll('input')) expect(input.disabled, input.name).to.be.true;
    expect(submitButton(el).textContent?.trim()).to.equal('Please wait…');
    expect(el.querySelector('form')!.getAttribute('aria-busy')).to.equal('true');
  });

  it('speaks French with lang="fr"', async () => {
    await loadTranslation('fr'); // French loads on demand
    const { el } = await mount({ restore: session(ada) }, 'lang="fr"');
    expect(partText(el, 'header')).to.equal('Modifier mes informations');
    expect(describeFields(el).map((f) => f.label)).to.deep.equal(["Nom d'utilisateur", 'Nom', 'Adresse e-mail', 'Mot de passe actuel']);
    expect(el.querySelector('[part~="hint"]')!.textContent).to.equal('Nécessaire pour changer votre adresse e-mail.');
    await fillAndSubmit(el, { email: 'ada@lovelace.org' });
    await waitUntil(() => errorText(el) !== '');
    expect(errorText(el)).to.equal('Saisissez votre mot de passe actuel pour changer votre adresse e-mail.');
  });

  it('applies `fields`, including Streamlit-Authenticator names', async () => {
    const fields = { 'Form name': 'Your profile', Update: 'Apply', Name: 'Full name', Email: 'Mail', 'Current password': 'Password now', emailHint: 'Only for a new address.' };
    const { el } = await mount({ restore: session(ada) }, `fields='${JSON.stringify(fields)}'`);
    expect(partText(el, 'header')).to.equal('Your profile');
    expect(submitButton(el).textContent?.trim()).to.equal('Apply');
    expect(describeFields(el).map((f) => f.label)).to.deep.equal(['Username', 'Full name', 'Mail', 'Password now']);
    expect(el.querySelector('[part~="hint"]')!.textContent).to.equal('Only for a new address.');
  });

  it('aborts a pending save when removed from the page', async () => {
    const { el, backend } = await mount({ restore: session(ada), accountDelay: 'never' });
    await fillAndSubmit(el, { name: 'New' });
    await waitUntil(() => backend.accountCalls.length === 1);
    el.remove();
    expect(backend.accountCalls[0]!.signal.aborted).to.be.true;
  });

  it('fits a 250px sidebar', async () => {
    const { el, wrapper } = await mount({ restore: session(ada) }, 'location="sidebar"');
    await expectFitsSidebar(el, wrapper);
  });
});

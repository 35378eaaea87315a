import { expect, oneEvent, waitUntil } from '@open-wc/testing';
import '../../src/components/index.js';
import { loadTranslation, type AuthResetPassword } from '../../src/components/index.js';
import type { AuthErrorEvent } from '../../src/components/events/auth-error.js';
import { ada, session, type FakeBackendOptions } from './fake-backend.js';
import { describeFields, errorText, expectFitsSidebar, field, fillAndSubmit, isShown, mountForm, part, partText, submitButton, type, untilStatus } from './helpers.js';

const mount = (options: FakeBackendOptions = {}, attrs = '') => mountForm<AuthResetPassword>('auth-reset-password', options, attrs);

const NEW = 'a much longer new passphrase';

describe('auth-reset-password', () => {
  let original = '';
  beforeEach(() => {
    original = location.href;
  });
  afterEach(() => {
    history.replaceState(history.state, '', original);
  });

  it('is accessible in reset mode with a code field, a strength reading and an error', async () => {
    const { el } = await mount({ accountError: 'reset_token_invalid' });
    await fillAndSubmit(el, { 'reset-code': 'ABC123', password: NEW, 'password-repeat': NEW });
    await waitUntil(() => errorText(el) !== '');
    type(field(el, 'password'), 'short');
    await el.updateComplete;
    await expect(el).to.be.accessible();
  });

  it('is accessible in change mode', async () => {
    const { el } = await mount({ restore: session(ada) });
    await expect(el).to.be.accessible();
  });

  it('resets with a code when nobody is signed in', async () => {
    const { el, backend } = await mount();
    expect(partText(el, 'header')).to.equal('Reset password');
    expect(describeFields(el)).to.deep.equal([
      { name: 'reset-code', type: 'text', autocomplete: 'one-time-code', label: 'Reset code' },
      { name: 'password', type: 'password', autocomplete: 'new-password', label: 'New password' },
      { name: 'password-repeat', type: 'password', autocomplete: 'new-password', label: 'Repeat password' },
    ]);
    expect(field(el, 'reset-code').getAttribute('part')).to.equal('input reset-code-input');
    expect(field(el, 'password').minLength).to.equal(15);
    expect(field(el, 'password-repeat').maxLength).to.equal(256);
    expect(submitButton(el).textContent?.trim()).to.equal('Reset password');
    await fillAndSubmit(el, { 'reset-code': ' ABC123 ', password: NEW, 'password-repeat': NEW });
    await waitUntil(() => partText(el, 'success') !== '');
    expect(backend.accountCalls.map((c) => c.operation)).to.deep.equal(['resetPassword']);
    expect(backend.lastCall('resetPassword')!.input).to.deep.equal({ token: 'ABC123', password: NEW });
    expect(partText(el, 'success')).to.equal('Your password was reset. You can now log in with the new password.');
    expect(part(el, 'success')!.getAttribute('role')).to.equal('status');
    // Emptied once the success is rendered (password managers read the form then); the username stays.
    await waitUntil(() => [...el.querySelectorAll<HTMLInputElement>('input:not([name="username"])')].every((input) => input.value === ''), 'not emptied');
  });

  it('takes the token from ?reset_token= and removes it from the address with replaceState', async () => {
    history.replaceState(history.state, '', `${location.pathname}?keep=1&reset_token=tok-from-mail#top`);
    const historyLength = history.length;
    const { el, backend } = await mount();
    expect(new URL(location.href).searchParams.has('reset_token')).to.be.false;
    expect(location.search).to.equal('?keep=1');
    expect(location.hash).to.equal('#top');
    expect(history.length).to.equal(historyLength);
    expect(el.token).to.equal('tok-from-mail');
    expect(el.hasAttribute('token')).to.be.false;
    // Only the new password is asked for.
    expect(describeFields(el).map((f) => f.name)).to.deep.equal(['password', 'password-repeat']);
    await fillAndSubmit(el, { password: NEW, 'password-repeat': NEW });
    await waitUntil(() => partText(el, 'success') !== '');
    expect(backend.lastCall('resetPassword')!.input).to.deep.equal({ token: 'tok-from-mail', password: NEW });
    // Single use: the token is gone afterwards.
    expect(el.token).to.equal(undefined);
  });

  it('uses a token given as an attribute', async () => {
    const { el, backend } = await mount({}, 'token="given"');
    expect(describeFields(el).map((f) => f.name)).to.deep.equal(['password', 'password-repeat']);
    await fillAndSubmit(el, { password: NEW, 'password-repeat': NEW });
    await waitUntil(() => backend.accountCalls.length === 1);
    expect(backend.lastCall('resetPassword')!.input).to.deep.equal({ token: 'given', password: NEW });
  });

  it('drops a refused token and asks for a code, focused', async () => {
    const { el } = await mount({ accountError: 'reset_token_invalid' }, 'token="old"');
    const errorEvent = oneEvent(el, 'auth-error') as Promise<AuthErrorEvent>;
    await fillAndSubmit(el, { password: NEW, 'password-repeat': NEW });
    const event = await errorEvent;
    expect(event.detail.code).to.equal('reset_token_invalid');
    expect(event.detail.operation).to.equal('reset-password');
    expect(JSON.stringify(event.detail)).not.to.contain('old').and.not.to.contain(NEW);
    await waitUntil(() => el.querySelector('input[name="reset-code"]') !== null);
    expect(errorText(el)).to.equal('This reset code is wrong, already used or expired. Request a new one.');
    expect(field(el, 'reset-code').getAttribute('aria-invalid')).to.equal('true');
    await waitUntil(() => document.activeElement === field(el, 'reset-code'), 'code field not focused');
    // New inputs for the new set of fields: no typed value moved into another field.
    for (const input of el.querySelectorAll('input')) expect(input.value, input.name).to.equal('');
  });

  it('refuses two different new passwords before sending anything', async () => {
    const { el, backend } = await mount();
    await fillAndSubmit(el, { 'reset-code': 'ABC', password: NEW, 'password-repeat': 'other' });
    await waitUntil(() => errorText(el) !== '');
    expect(errorText(el)).to.equal('The passwords do not match.');
    expect(backend.accountCalls).to.have.length(0);
    expect(field(el, 'reset-code').value).to.equal('ABC');
  });

  it('shows the server reason of weak_password, as text', async () => {
    const { el } = await mount({ accountError: { code: 'weak_password', description: 'Use at least 15 characters. <b>x</b>' } });
    await fillAndSubmit(el, { 'reset-code': 'ABC', password: NEW, 'password-repeat': NEW });
    await waitUntil(() => errorText(el) !== '');
    expect(errorText(el)).to.equal('This password does not meet the password rules. Use at least 15 characters. <b>x</b>');
    expect(el.shadowRoot!.querySelector('b')).to.equal(null);
  });

  it('changes the password when a user is signed in', async () => {
    const { el, backend, client } = await mount({ restore: session(ada) });
    expect(partText(el, 'header')).to.equal('Change password');
    expect(isShown(el.querySelector('form'))).to.be.true;
    expect(describeFields(el)).to.deep.equal([
      { name: 'username', type: 'text', autocomplete: 'username', label: 'Username' },
      { name: 'current-password', type: 'password', autocomplete: 'current-password', label: 'Current password' },
      { name: 'password', type: 'password', autocomplete: 'new-password', label: 'New password' },
      { name: 'password-repeat', type: 'password', autocomplete: 'new-password', label: 'Repeat password' },
    ]);
    expect(submitButton(el).textContent?.trim()).to.equal('Change password');
    await fillAndSubmit(el, { 'current-password': 'old secret', password: NEW, 'password-repeat': NEW });
    await waitUntil(() => partText(el, 'success') !== '');
    expect(backend.lastCall('changePassword')!.input).to.deep.equal({ currentPassword: 'old secret', newPassword: NEW });
    expect(partText(el, 'success')).to.equal('Your password was changed.');
    // Emptied once the success is rendered (password managers read the form then); the username stays.
    await waitUntil(() => [...el.querySelectorAll<HTMLInputElement>('input:not([name="username"])')].every((input) => input.value === ''), 'not emptied');
    expect(client.state.status).to.equal('authenticated');
  });

  it('says a wrong current password plainly and focuses that field', async () => {
    const { el } = await mount({ restore: session(ada), accountError: { code: 'invalid_credentials', status: 401 } });
    const errorEvent = oneEvent(el, 'auth-error') as Promise<AuthErrorEvent>;
    await fillAndSubmit(el, { 'current-password': 'wrong', password: NEW, 'password-repeat': NEW });
    const event = await errorEvent;
    expect(event.detail.code).to.equal('invalid_credentials');
    expect(event.detail.operation).to.equal('change-password');
    await el.updateComplete;
    expect(errorText(el)).to.equal('The current password is wrong.');
    expect(field(el, 'current-password').getAttribute('aria-invalid')).to.equal('true');
    await waitUntil(() => document.activeElement === field(el, 'current-password'));
    // Only the current password was wrong: the new one and its repetition stay.
    expect(field(el, 'current-password').value).to.equal('');
    expect(field(el, 'password').value).to.equal(NEW);
    expect(field(el, 'password-repeat').value).to.equal(NEW);
  });

  it('shows session_expired during a change', async () => {
    const { el } = await mount({ restore: session(ada), accountError: 'session_expired' });
    await fillAndSubmit(el, { 'current-password': 'x', password: NEW, 'password-repeat': NEW });
    await waitUntil(() => errorText(el) !== '');
    expect(errorText(el)).to.equal('Your session has ended. Please log in again.');
  });

  it('a reset link wins over the signed-in mode', async () => {
    history.replaceState(history.state, '', `${location.pathname}?reset_token=t2`);
    const { el } = await mount({ restore: session(ada) });
    expect(partText(el, 'header')).to.equal('Reset password');
    expect(describeFields(el).map((f) => f.name)).to.deep.equal(['password', 'password-repeat']);
    expect(location.search).to.equal('');
  });

  it('switches modes with the session, with fresh inputs', async () => {
    const { el, client } = await mount();
    type(field(el, 'password'), 'typed but not sent');
    await client.login({ username: 'ada', password: 'secret' });
    await untilStatus(el, 'authenticated');
    expect(partText(el, 'header')).to.equal('Change password');
    expect(describeFields(el).map((f) => f.name)).to.deep.equal(['username', 'current-password', 'password', 'password-repeat']);
    expect(field(el, 'username').value).to.equal('ada');
    for (const input of el.querySelectorAll('input:not([name="username"])')) expect((input as HTMLInputElement).value, (input as HTMLInputElement).name).to.equal('');
    expect(el.querySelector('[part~="strength"]')!.textContent).to.equal('');
  });

  it('keeps a placeholder while the session is being restored', async () => {
    const { el, backend } = await mount({ restore: 'manual' });
    await el.updateComplete;
    expect(part(el, 'placeholder')).to.exist;
    expect(isShown(el.querySelector('form'))).to.be.false;
    backend.restoreControl.resolve(session(ada));
    await untilStatus(el, 'authenticated');
    expect(isShown(el.querySelector('form'))).to.be.true;
  });

  it('shows the strength of the new password', async () => {
    const { el } = await mount({ restore: session(ada) });
    const strength = el.querySelector('[part~="strength"]')!;
    for (const [length, text] of [
      [9, 'Too short (9/15)'],
      [15, 'OK'],
      [20, 'Strong'],
    ] as const) {
      type(field(el, 'password'), 'Tq7!mZx2#Lp9@rWn4$Kb8&Vc'.slice(0, length));
      await el.updateComplete;
      await waitUntil(() => strength.textContent === text, `${length}: ${strength.textContent} instead of ${text}`);
    }
  });

  it('speaks French with lang="fr", in both modes', async () => {
    await loadTranslation('fr'); // French loads on demand
    const { el, client } = await mount({}, 'lang="fr"');
    expect(partText(el, 'header')).to.equal('Réinitialiser le mot de passe');
    expect(describeFields(el).map((f) => f.label)).to.deep.equal([
      'Code de réinitialisation',
      'Nouveau mot de passe',
      'Répétez le mot de passe',
    ]);
    await client.login({ username: 'ada', password: 'secret' });
    await untilStatus(el, 'authenticated');
    expect(partText(el, 'header')).to.equal('Changer le mot de passe');
    expect(describeFields(el)[0]!.label).to.equal("Nom d'utilisateur");
    expect(describeFields(el)[1]!.label).to.equal('Mot de passe actuel');
  });

  it('applies `fields` to the mode in force, including Streamlit-Authenticator names', async () => {
    const fields = {
      'Form name': 'New password please',
      'Current password': 'Old one',
      'New password': 'New one',
      'Repeat password': 'Again',
      Reset: 'Go',
      'resetPassword.title': 'Lost password',
    };
    const { el, client } = await mount({}, `fields='${JSON.stringify(fields)}'`);
    // `Form name` is the title of whichever mode is in force; the later, explicit key wins here.
    expect(partText(el, 'header')).to.equal('Lost password');
    expect(describeFields(el).map((f) => f.label)).to.deep.equal(['Reset code', 'New one', 'Again']);
    expect(submitButton(el).textContent?.trim()).to.equal('Go');
    await client.login({ username: 'ada', password: 'secret' });
    await untilStatus(el, 'authenticated');
    expect(partText(el, 'header')).to.equal('New password please');
    expect(describeFields(el)[1]!.label).to.equal('Old one');
  });

  it('aborts a pending change when removed from the page', async () => {
    const { el, backend } = await mount({ restore: session(ada), accountDelay: 'never' });
    await fillAndSubmit(el, { 'current-password': 'x', password: NEW, 'password-repeat': NEW });
    await waitUntil(() => backend.accountCalls.length === 1);
    let errors = 0;
    el.addEventListener('auth-error', () => errors++);
    el.remove();
    expect(backend.accountCalls[0]!.signal.aborted).to.be.true;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(errors).to.equal(0);
  });

  it('fits a 250px sidebar', async () => {
    const { el, wrapper } = await mount({ restore: session(ada) }, 'location="sidebar"');
    await expectFitsSidebar(el, wrapper);
  });
});

import { expect, oneEvent, waitUntil } from '@open-wc/testing';
import '../../src/components/index.js';
import { loadTranslation, type AuthForgot } from '../../src/components/index.js';
import type { AuthErrorEvent } from '../../src/components/events/auth-error.js';
import { ada, session, type FakeBackendOptions } from './fake-backend.js';
import { describeFields, errorText, expectFitsSidebar, field, fillAndSubmit, isShown, mountForm, part, partText, submitButton, untilStatus } from './helpers.js';

const mount = (options: FakeBackendOptions = {}, attrs = '') => mountForm<AuthForgot>('auth-forgot', options, attrs);

const SENT = 'If an account matches, we have sent an email with the next steps.';

describe('auth-forgot', () => {
  it('is accessible with the confirmation shown', async () => {
    const { el } = await mount();
    await fillAndSubmit(el, { login: 'ada' });
    await waitUntil(() => partText(el, 'success') !== '');
    await expect(el).to.be.accessible();
  });

  it('mode="password" (default) asks for a username or email and requests a reset', async () => {
    const { el, backend } = await mount();
    expect(el.mode).to.equal('password');
    expect(el.getAttribute('mode')).to.equal('password');
    expect(partText(el, 'header')).to.equal('Forgot password');
    expect(describeFields(el)).to.deep.equal([{ name: 'login', type: 'text', autocomplete: 'username', label: 'Username or email' }]);
    expect(field(el, 'login').getAttribute('part')).to.equal('input login-input');
    expect(field(el, 'login').required).to.be.true;
    expect(submitButton(el).textContent?.trim()).to.equal('Send');
    await fillAndSubmit(el, { login: 'ada@example.com' });
    await waitUntil(() => partText(el, 'success') !== '');
    expect(backend.accountCalls.map((c) => c.operation)).to.deep.equal(['requestPasswordReset']);
    expect(backend.lastCall('requestPasswordReset')!.input).to.deep.equal({ login: 'ada@example.com' });
    expect(partText(el, 'success')).to.equal(SENT);
    expect(part(el, 'success')!.getAttribute('role')).to.equal('status');
    expect(field(el, 'login').value).to.equal('');
  });

  it('mode="username" asks for an email and requests a reminder', async () => {
    const { el, backend } = await mount({}, 'mode="username"');
    expect(partText(el, 'header')).to.equal('Forgot username');
    expect(describeFields(el)).to.deep.equal([{ name: 'email', type: 'email', autocomplete: 'email', label: 'Email' }]);
    await fillAndSubmit(el, { email: 'ada@example.com' });
    await waitUntil(() => partText(el, 'success') !== '');
    expect(backend.lastCall('requestUsernameReminder')!.input).to.deep.equal({ email: 'ada@example.com' });
    // The same answer either way; the username is never shown on the page.
    expect(partText(el, 'success')).to.equal(SENT);
    expect(el.shadowRoot!.textContent).not.to.contain('ada');
  });

  it('switches mode with fresh inputs', async () => {
    const { el } = await mount();
    field(el, 'login').value = 'typed';
    el.mode = 'username';
    await el.updateComplete;
    expect(describeFields(el).map((f) => f.name)).to.deep.equal(['email']);
    expect(field(el, 'email').value).to.equal('');
    expect(partText(el, 'header')).to.equal('Forgot username');
  });

  it('disables the form while the request is pending', async () => {
    const { el } = await mount({ accountDelay: 'never' });
    await fillAndSubmit(el, { login: 'ada' });
    await el.updateComplete;
    expect(field(el, 'login').disabled).to.be.true;
    expect(submitButton(el).disabled).to.be.true;
    expect(submitButton(el).textContent?.trim()).to.equal('Please wait…');
    expect(part(el, 'base')!.getAttribute('aria-busy')).to.equal('true');
  });

  for (const [code, text] of [
    ['rate_limited', 'Too many attempts. Please wait a moment and try again.'],
    ['network_error', 'The server could not be reached. Check your connection and try again.'],
    ['invalid_input', 'Some of the information is missing or not valid. Enter an email address.'],
  ] as const) {
    it(`shows ${code} in part=error and dispatches it with its mode's operation`, async () => {
      const { el } = await mount({ accountError: { code, description: 'Enter an email address.' } }, 'mode="username"');
      const errorEvent = oneEvent(el, 'auth-error') as Promise<AuthErrorEvent>;
      await fillAndSubmit(el, { email: 'ada@example.com' });
      const event = await errorEvent;
      expect(event.detail.code).to.equal(code);
      expect(event.detail.operation).to.equal('forgot-username');
      await el.updateComplete;
      expect(part(el, 'error')!.getAttribute('role')).to.equal('alert');
      expect(errorText(el)).to.equal(text);
      expect(partText(el, 'success')).to.equal('');
      // Not a password: the value stays for another try.
      expect(field(el, 'email').value).to.equal('ada@example.com');
    });
  }

  it('uses forgot-password as the operation in the default mode', async () => {
    const { el } = await mount({ accountError: 'server_error' });
    const errorEvent = oneEvent(el, 'auth-error') as Promise<AuthErrorEvent>;
    await fillAndSubmit(el, { login: 'ada' });
    expect((await errorEvent).detail.operation).to.equal('forgot-password');
  });

  it('is hidden while a user is signed in, and a placeholder while restoring', async () => {
    const signedIn = await mount({ restore: session(ada) });
    expect(getComputedStyle(signedIn.el).display).to.equal('none');
    const restoring = await mount({ restore: 'manual' });
    await restoring.el.updateComplete;
    expect(part(restoring.el, 'placeholder')).to.exist;
    expect(isShown(restoring.el.querySelector('form'))).to.be.false;
    restoring.backend.restoreControl.resolve(null);
    await untilStatus(restoring.el, 'anonymous');
    expect(isShown(restoring.el.querySelector('form'))).to.be.true;
  });

  it('speaks French with lang="fr"', async () => {
    await loadTranslation('fr'); // French loads on demand
    const { el } = await mount({}, 'lang="fr"');
    expect(partText(el, 'header')).to.equal('Mot de passe oublié');
    expect(describeFields(el)[0]!.label).to.equal("Nom d'utilisateur ou adresse e-mail");
    expect(submitButton(el).textContent?.trim()).to.equal('Envoyer');
    el.mode = 'username';
    await el.updateComplete;
    expect(partText(el, 'header')).to.equal("Nom d'utilisateur oublié");
    await fillAndSubmit(el, { email: 'ada@example.com' });
    await waitUntil(() => partText(el, 'success') !== '');
    expect(partText(el, 'success')).to.equal('Si un compte correspond, nous avons envoyé un e-mail indiquant la marche à suivre.');
  });

  it('applies `fields`, including Streamlit-Authenticator names', async () => {
    const { el } = await mount({}, `fields='{"Form name":"Lost your password?","Submit":"Mail me","usernameOrEmail":"Who are you?","success":"Check your mail."}'`);
    expect(partText(el, 'header')).to.equal('Lost your password?');
    expect(describeFields(el)[0]!.label).to.equal('Who are you?');
    expect(submitButton(el).textContent?.trim()).to.equal('Mail me');
    await fillAndSubmit(el, { login: 'ada' });
    await waitUntil(() => partText(el, 'success') === 'Check your mail.');
  });

  it('aborts a pending request when removed from the page', async () => {
    const { el, backend } = await mount({ accountDelay: 'never' });
    await fillAndSubmit(el, { login: 'ada' });
    await waitUntil(() => backend.accountCalls.length === 1);
    el.remove();
    expect(backend.accountCalls[0]!.signal.aborted).to.be.true;
  });

  it('fits a 250px sidebar', async () => {
    const { el, wrapper } = await mount({}, 'location="sidebar"');
    await expectFitsSidebar(el, wrapper);
  });
});

import { aTimeout, expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import '../../src/components/index.js';
import { loadTranslation, type AuthProvider, type AuthRegister } from '../../src/components/index.js';
import type { AuthErrorEvent } from '../../src/components/events/auth-error.js';
import type { AuthRegisteredEvent } from '../../src/components/events/auth-registered.js';
import type { AuthErrorCode } from '../../src/core/errors.js';
import { ada, fakeClient, session, type FakeBackendOptions } from './fake-backend.js';
import { captureWarnings, describedBy, describeFields, errorText, field, fillAndSubmit, isShown, mountForm, part, partText, submitButton, type, untilStatus } from './helpers.js';

const registerIn = (wrapper: Element) => wrapper.querySelector('auth-register') as AuthRegister;
const mount = (options: FakeBackendOptions = {}, attrs = '') => mountForm<AuthRegister>('auth-register', options, attrs);

const GOOD = 'correct horse battery staple';
const VALUES = {
  name: 'Grace Hopper',
  email: 'grace@example.com',
  username: 'grace',
  password: GOOD,
  'password-repeat': GOOD,
};

describe('auth-register', () => {
  it('is accessible with the form shown, a strength reading and an error', async () => {
    const { el, backend } = await mount();
    backend.options.accountError = { code: 'weak_password', description: 'Use at least 15 characters.' };
    await fillAndSubmit(el, VALUES);
    await waitUntil(() => errorText(el) !== '');
    type(field(el, 'password'), 'short one');
    await el.updateComplete;
    await expect(el).to.be.accessible();
  });

  it('renders a real light-DOM form with the names, types, autocomplete and labels password managers need', async () => {
    const { el } = await mount();
    expect(describeFields(el)).to.deep.equal([
      { name: 'name', type: 'text', autocomplete: 'name', label: 'Name' },
      { name: 'email', type: 'email', autocomplete: 'email', label: 'Email' },
      { name: 'username', type: 'text', autocomplete: 'username', label: 'Username' },
      { name: 'password', type: 'password', autocomplete: 'new-password', label: 'Password' },
      { name: 'password-repeat', type: 'password', autocomplete: 'new-password', label: 'Repeat password' },
    ]);
    const form = el.querySelector('form')!;
    expect(form.parentElement).to.equal(el);
    expect(form.getAttribute('slot')).to.equal('form');
    expect(form.getAttribute('part')).to.equal('form');
    expect(form.getAttribute('aria-label')).to.equal('Register');
    expect(el.shadowRoot!.querySelector('input')).to.equal(null);
    for (const input of el.querySelectorAll('input')) {
      expect(input.required, input.name).to.be.true;
      expect(input.getAttribute('part')).to.equal(`input ${input.name}-input`);
      expect(isShown(input)).to.be.true;
    }
    for (const name of ['password', 'password-repeat']) {
      expect(field(el, name).minLength).to.equal(15);
      expect(field(el, name).maxLength).to.equal(256);
    }
    expect(field(el, 'username').getAttribute('autocapitalize')).to.equal('none');
    expect(field(el, 'username').getAttribute('spellcheck')).to.equal('false');
    const hint = el.querySelector('[part~="hint"]')!;
    expect(hint.textContent).to.equal('Use at least 15 characters. Length matters more than symbols.');
    expect(field(el, 'password').getAttribute('aria-describedby')).to.equal(hint.id);
    expect(el.querySelectorAll('[part~="strength"]')).to.have.length(1);
    expect(submitButton(el).textContent?.trim()).to.equal('Register');
    expect(submitButton(el).getAttribute('part')).to.equal('submit-button');
    expect(partText(el, 'header')).to.equal('Register');
    expect(part(el, 'success')!.getAttribute('role')).to.equal('status');
    expect(part(el, 'error')!.hidden).to.be.true;
  });

  it('gives every instance its own ids', async () => {
    const { wrapper } = await mount();
    wrapper.querySelector('auth-provider')!.insertAdjacentHTML('beforeend', '<auth-register></auth-register>');
    await untilStatus(wrapper.querySelectorAll('auth-register')[1] as AuthRegister, 'anonymous');
    const ids = [...wrapper.querySelectorAll('input, [part~="hint"]')].map((i) => i.id);
    expect(ids).to.have.length(12);
    expect(new Set(ids).size).to.equal(12);
  });

  it('shares one layered light-DOM stylesheet with the other form elements, per root', async () => {
    const { wrapper } = await mount();
    wrapper.querySelector('auth-provider')!.insertAdjacentHTML('beforeend', '<auth-login></auth-login><auth-forgot></auth-forgot>');
    const layered = (root: Document | ShadowRoot) =>
      root.adoptedStyleSheets.filter((sheet) => [...sheet.cssRules].some((r) => r instanceof CSSLayerBlockRule && r.name === 'auth-elements'));
    // Two sheets: the forms' own, and the strength meter's (adopted with <auth-register>), each once.
    expect(layered(document)).to.have.length(2);
    // Inside a shadow root, the sheet goes there (document styles do not reach it).
    const host = document.createElement('div');
    wrapper.append(host);
    const root = host.attachShadow({ mode: 'open' });
    root.innerHTML = '<auth-provider><auth-register></auth-register><auth-update-details></auth-update-details></auth-provider>';
    (root.querySelector('auth-provider') as AuthProvider).client = fakeClient().client;
    expect(layered(root)).to.deep.equal(layered(document));
    // Default styles apply, and a page rule outside the layer wins.
    const input = field(registerIn(wrapper), 'name');
    expect(getComputedStyle(input).width).to.equal(getComputedStyle(input.form!).width);
    const style = document.createElement('style');
    style.textContent = 'auth-register input { padding: 7px; }';
    document.head.append(style);
    try {
      expect(getComputedStyle(input).paddingTop).to.equal('7px');
    } finally {
      style.remove();
    }
  });

  it('reads the values at submit time, registers, announces success, empties the form and dispatches auth-registered', async () => {
    const { el, backend, client } = await mount();
    const registered = oneEvent(el, 'auth-registered') as Promise<AuthRegisteredEvent>;
    await fillAndSubmit(el, VALUES);
    const event = await registered;
    expect(event.detail).to.deep.equal({ username: 'grace' });
    expect(event.bubbles && event.composed).to.be.true;
    expect(Object.isFrozen(event.detail)).to.be.true;
    expect(backend.accountCalls.map((c) => c.operation)).to.deep.equal(['register']);
    expect(backend.lastCall('register')!.input).to.deep.equal({
      name: 'Grace Hopper',
      email: 'grace@example.com',
      username: 'grace',
      password: GOOD,
    });
    await waitUntil(() => partText(el, 'success') !== '');
    expect(partText(el, 'success')).to.equal('Your account was created. You can now log in.');
    expect(part(el, 'error')!.hidden).to.be.true;
    for (const input of el.querySelectorAll('input')) expect(input.value, input.name).to.equal('');
    expect(el.querySelector('[part~="strength"]')!.textContent).to.equal('');
    // Registering does not sign in.
    expect(client.state.status).to.equal('anonymous');
    expect(isShown(el.querySelector('form'))).to.be.true;
  });

  it('disables the form while the request is pending', async () => {
    const { el } = await mount({ accountDelay: 'never' });
    await fillAndSubmit(el, VALUES);
    await el.updateComplete;
    for (const input of el.querySelectorAll('input')) expect(input.disabled, input.name).to.be.true;
    expect(submitButton(el).disabled).to.be.true;
    expect(submitButton(el).textContent?.trim()).to.equal('Please wait…');
    expect(el.querySelector('form')!.getAttribute('aria-busy')).to.equal('true');
    expect(part(el, 'base')!.getAttribute('aria-busy')).to.equal('true');
  });

  it('refuses two different passwords before sending anything', async () => {
    const { el, backend } = await mount();
    const errorEvent = oneEvent(el, 'auth-error') as Promise<AuthErrorEvent>;
    await fillAndSubmit(el, { ...VALUES, 'password-repeat': `${GOOD}!` });
    const event = await errorEvent;
    expect(event.detail.code).to.equal('password_mismatch');
    expect(event.detail.operation).to.equal('register');
    expect(JSON.stringify(event.detail)).not.to.contain(GOOD);
    expect(backend.accountCalls).to.have.length(0);
    await el.updateComplete;
    // Next to the repeated password (see the test below), announced as an alert.
    const error = el.querySelector('[part~="field-error"]')!;
    expect(error.getAttribute('role')).to.equal('alert');
    expect(error.textContent).to.equal('The passwords do not match.');
    // Only the repetition was the problem: the first password stays, the repetition is emptied.
    expect(field(el, 'password').value).to.equal(GOOD);
    expect(field(el, 'password-repeat').value).to.equal('');
    await waitUntil(() => el.querySelector('[part~="strength"]')!.textContent === 'Strong', 'strength reading not kept');
    expect(field(el, 'username').value).to.equal('grace');
    expect(field(el, 'password-repeat').getAttribute('aria-invalid')).to.equal('true');
    await waitUntil(() => document.activeElement === field(el, 'password-repeat'), 'repeat field not focused');
  });

  it('ties a field error to its field: shown next to it, named by aria-describedby and aria-errormessage', async () => {
    const { el, backend } = await mount();
    await fillAndSubmit(el, { ...VALUES, 'password-repeat': `${GOOD}!` });
    await waitUntil(() => field(el, 'password-repeat').getAttribute('aria-invalid') === 'true');
    const repeat = field(el, 'password-repeat');
    expect(describedBy(repeat)).to.deep.equal({ texts: ['The passwords do not match.'], errormessage: true });
    const message = document.getElementById(repeat.getAttribute('aria-errormessage')!)!;
    expect(message.getAttribute('part')).to.equal('field-error');
    expect(message.previousElementSibling).to.equal(repeat.parentElement);
    // Shown next to the field, not twice: the form-level alert stays for the errors of no field.
    expect(isShown(message)).to.be.true;
    expect(part(el, 'error')!.hidden).to.be.true;
    expect(describedBy(field(el, 'username'))).to.deep.equal({ texts: [], errormessage: false });
    await expect(el).to.be.accessible();

    // The policy's refusal: the reason first, then the hint, on the password field.
    backend.options.accountError = { code: 'weak_password', description: 'This password is too common.' };
    await fillAndSubmit(el, { password: GOOD, 'password-repeat': GOOD });
    await waitUntil(() => field(el, 'password').getAttribute('aria-invalid') === 'true');
    expect(describedBy(field(el, 'password'))).to.deep.equal({
      texts: ['This password does not meet the password rules. This password is too common.', 'Use at least 15 characters. Length matters more than symbols.'],
      errormessage: true,
    });
    expect(describedBy(field(el, 'password-repeat')).texts).to.deep.equal([]);
    expect(el.querySelectorAll('[part~="field-error"]')).to.have.length(1);

    // A server error of no field: the form-level alert, no field error.
    backend.options.accountError = 'server_error';
    await fillAndSubmit(el, { password: GOOD, 'password-repeat': GOOD });
    await waitUntil(() => errorText(el) !== '');
    expect(el.querySelectorAll('[part~="field-error"]')).to.have.length(0);
  });

  const cases: Array<[AuthErrorCode, string, string | null]> = [
    ['registration_not_allowed', 'Registration is not open for this email address.', 'email'],
    ['username_taken', 'This username is already taken.', 'username'],
    ['email_taken', 'This email address is already used by another account.', 'email'],
    ['rate_limited', 'Too many attempts. Please wait a moment and try again.', null],
    ['network_error', 'The server could not be reached. Check your connection and try again.', null],
    ['server_error', 'The server had a problem. Please try again later.', null],
    ['unsupported', 'This operation is not available.', null],
  ];
  for (const [code, text, invalid] of cases) {
    it(`shows ${code} as text (role=alert), next to the field it concerns, and dispatches it`, async () => {
      const { el, backend } = await mount({ accountError: code });
      const errorEvent = oneEvent(el, 'auth-error') as Promise<AuthErrorEvent>;
      await fillAndSubmit(el, VALUES);
      const event = await errorEvent;
      expect(event.detail.code).to.equal(code);
      expect(event.detail.operation).to.equal('register');
      expect(JSON.stringify(event.detail)).not.to.contain(GOOD);
      await el.updateComplete;
      expect(backend.accountCalls).to.have.length(1);
      expect(errorText(el)).to.equal(text);
      expect(partText(el, 'success')).to.equal('');
      const marked = [...el.querySelectorAll('[aria-invalid="true"]')].map((i) => (i as HTMLInputElement).name);
      expect(marked).to.deep.equal(invalid ? [invalid] : []);
      // The passwords were not the problem: both stay, with the rest.
      expect(field(el, 'password').value).to.equal(GOOD);
      expect(field(el, 'password-repeat').value).to.equal(GOOD);
      expect(field(el, 'email').value).to.equal('grace@example.com');
      if (invalid) await waitUntil(() => document.activeElement === field(el, invalid), `${invalid} not focused`);
    });
  }

  it('shows the server reason of weak_password and invalid_input, as text', async () => {
    const { el, backend } = await mount({
      accountError: { code: 'weak_password', description: 'This password is too common; it appears in lists of leaked passwords.' },
    });
    await fillAndSubmit(el, VALUES);
    await waitUntil(() => errorText(el) !== '');
    expect(errorText(el)).to.equal(
      'This password does not meet the password rules. This password is too common; it appears in lists of leaked passwords.',
    );
    expect(field(el, 'password').getAttribute('aria-invalid')).to.equal('true');
    // The password was the problem: it and its repetition are emptied, the rest stays.
    expect(field(el, 'password').value).to.equal('');
    expect(field(el, 'password-repeat').value).to.equal('');
    expect(el.querySelector('[part~="strength"]')!.textContent).to.equal('');
    expect(field(el, 'username').value).to.equal('grace');
    await waitUntil(() => document.activeElement === field(el, 'password'));

    backend.options.accountError = { code: 'invalid_input', description: '<img src=x onerror=alert(1)> is not a valid username.' };
    await fillAndSubmit(el, VALUES);
    await waitUntil(() => errorText(el)!.includes('valid username'));
    expect(errorText(el)).to.equal(
      'Some of the information is missing or not valid. <img src=x onerror=alert(1)> is not a valid username.',
    );
    expect(el.shadowRoot!.querySelector('img')).to.equal(null);
    expect(el.querySelector('img')).to.equal(null);
  });

  it('does not show the description of other codes', async () => {
    const { el } = await mount({ accountError: { code: 'username_taken', description: 'grace belongs to user 42' } });
    await fillAndSubmit(el, VALUES);
    await waitUntil(() => errorText(el) !== '');
    expect(errorText(el)).to.equal('This username is already taken.');
  });

  it('clears the error on the next attempt and shows the success then', async () => {
    const { el, backend } = await mount({ accountError: 'username_taken' });
    await fillAndSubmit(el, VALUES);
    await waitUntil(() => errorText(el) !== '');
    backend.options.accountError = null;
    await fillAndSubmit(el, { ...VALUES, username: 'grace2' });
    await waitUntil(() => partText(el, 'success') !== '');
    expect(part(el, 'error')!.hidden).to.be.true;
    expect(el.querySelectorAll('[aria-invalid]')).to.have.length(0);
  });

  it('follows the policy: strength indicator and hint from password-min-length', async () => {
    const { el } = await mount();
    const strength = el.querySelector<HTMLElement>('[part~="strength"]')!;
    // Not a live region itself: the reading is announced once typing pauses (strength.test.ts).
    expect(strength.hasAttribute('aria-live')).to.be.false;
    expect(strength.textContent).to.equal('');
    expect(strength.hidden).to.be.true;
    const input = field(el, 'password');
    const varied = 'Tq7!mZx2#Lp9@rWn4$Kb8&Vc';
    const reads = async (value: string, text: string) => {
      type(input, value);
      await el.updateComplete;
      await waitUntil(() => strength.textContent === text, `${value}: ${strength.textContent} instead of ${text}`);
    };
    await reads(varied.slice(0, 9), 'Too short (9/15)');
    await reads(varied.slice(0, 15), 'OK');
    await reads(varied.slice(0, 20), 'Strong');
    // Counted like the server: code points, so an emoji is one character.
    await reads('😀'.repeat(9), 'Too short (9/15)');
    await reads('', '');
    expect(strength.hidden).to.be.true;

    el.setAttribute('password-min-length', '10');
    await el.updateComplete;
    expect(el.querySelector('[part~="hint"]')!.textContent).to.equal('Use at least 10 characters. Length matters more than symbols.');
    expect(input.minLength).to.equal(10);
    await reads(varied.slice(0, 12), 'OK');
    await reads(varied.slice(0, 20), 'Strong');
    // Never below 8, whatever the attribute says.
    el.setAttribute('password-min-length', '4');
    await el.updateComplete;
    expect(input.minLength).to.equal(8);
    expect(el.querySelector('[part~="hint"]')!.textContent).to.contain('at least 8 characters');
  });

  it('is hidden while a user is signed in', async () => {
    const { el } = await mount({ restore: session(ada) });
    expect(el.matches(':state(authenticated)')).to.be.true;
    expect(getComputedStyle(el).display).to.equal('none');
  });

  it('keeps the form invisible while the session is being restored, at its real size, then shows it', async () => {
    const { el, backend } = await mount({ restore: 'manual' });
    await el.updateComplete;
    expect(el.matches(':state(unknown)')).to.be.true;
    expect(part(el, 'placeholder')!.getAttribute('aria-hidden')).to.equal('true');
    expect(isShown(el.querySelector('form'))).to.be.false;
    const reserved = el.getBoundingClientRect().height;
    backend.restoreControl.resolve(null);
    await untilStatus(el, 'anonymous');
    expect(isShown(el.querySelector('form'))).to.be.true;
    // The invisible form kept the card's size: nothing moves when it shows.
    expect(el.getBoundingClientRect().height).to.equal(reserved);
  });

  it('speaks French with lang="fr"', async () => {
    await loadTranslation('fr'); // French loads on demand
    const { el } = await mount({}, 'lang="fr"');
    expect(partText(el, 'header')).to.equal('Inscription');
    expect(describeFields(el).map((f) => f.label)).to.deep.equal([
      'Nom',
      'Adresse e-mail',
      "Nom d'utilisateur",
      'Mot de passe',
      'Répétez le mot de passe',
    ]);
    expect(submitButton(el).textContent?.trim()).to.equal("S'inscrire");
    expect(el.querySelector('[part~="hint"]')!.textContent).to.equal(
      'Utilisez au moins 15\u00a0caractères. La longueur compte plus que les symboles.',
    );
    type(field(el, 'password'), 'abc');
    await el.updateComplete;
    expect(el.querySelector('[part~="strength"]')!.textContent).to.equal('Trop court (3/15)');
    await fillAndSubmit(el, VALUES);
    await waitUntil(() => partText(el, 'success') !== '');
    expect(partText(el, 'success')).to.equal('Votre compte a été créé. Vous pouvez maintenant vous connecter.');
    await fillAndSubmit(el, { ...VALUES, 'password-repeat': 'x' });
    await waitUntil(() => errorText(el) !== '');
    expect(errorText(el)).to.equal('Les mots de passe ne correspondent pas.');
  });

  it('applies `fields`, including bare names and Streamlit-Authenticator names', async () => {
    const fields = {
      'Form name': 'Sign up',
      Name: 'Full name',
      Email: 'E-mail address',
      Username: 'Login name',
      Password: 'Passphrase',
      'Repeat password': 'Passphrase again',
      Register: 'Create my account',
      success: 'Welcome aboard.',
      passwordHint: 'At least {min}.',
    };
    const { el } = await mount({}, `fields='${JSON.stringify(fields)}'`);
    expect(partText(el, 'header')).to.equal('Sign up');
    expect(describeFields(el).map((f) => f.label)).to.deep.equal([
      'Full name',
      'E-mail address',
      'Login name',
      'Passphrase',
      'Passphrase again',
    ]);
    expect(submitButton(el).textContent?.trim()).to.equal('Create my account');
    expect(el.querySelector('[part~="hint"]')!.textContent).to.equal('At least 15.');
    await fillAndSubmit(el, VALUES);
    await waitUntil(() => partText(el, 'success') === 'Welcome aboard.');
    el.fields = { 'register.title': 'Join', 'error.password_mismatch': 'Not the same.' };
    await el.updateComplete;
    expect(partText(el, 'header')).to.equal('Join');
    await fillAndSubmit(el, { ...VALUES, 'password-repeat': 'x' });
    await waitUntil(() => errorText(el) === 'Not the same.');
  });

  it('renders field texts as text, never HTML', async () => {
    const { el } = await mount({}, `fields='{"title":"<img src=x onerror=alert(1)>","name":"<b>n</b>"}'`);
    expect(partText(el, 'header')).to.equal('<img src=x onerror=alert(1)>');
    expect(el.shadowRoot!.querySelector('img')).to.equal(null);
    expect(el.querySelector('b, img')).to.equal(null);
  });

  it('aborts a pending registration when removed from the page', async () => {
    const { el, backend } = await mount({ accountDelay: 'never' });
    await fillAndSubmit(el, VALUES);
    await waitUntil(() => backend.accountCalls.length === 1);
    const { signal } = backend.accountCalls[0]!;
    expect(signal.aborted).to.be.false;
    let errors = 0;
    el.addEventListener('auth-error', () => errors++);
    el.remove();
    expect(signal.aborted).to.be.true;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(errors).to.equal(0);
  });

  it('reports no_client without a provider', async () => {
    const warnings = captureWarnings();
    try {
      const el = await fixture<AuthRegister>(html`<auth-register></auth-register>`);
      const errorEvent = oneEvent(el, 'auth-error') as Promise<AuthErrorEvent>;
      el.querySelector('form')!.dispatchEvent(new SubmitEvent('submit', { cancelable: true }));
      expect((await errorEvent).detail).to.include({ code: 'no_client', operation: 'register' });
      await aTimeout(50); // the missing-provider warning (once per page) comes a frame later
    } finally {
      warnings.restore();
    }
  });

  describe('when the server proves the address by mail', () => {
    afterEach(() => history.replaceState(history.state, '', location.pathname));

    it('says "Check your email", asks for the code (one-time-code), and creates the account with it', async () => {
      const { el, backend } = await mount({ registerVerify: true });
      let registered: AuthRegisteredEvent | null = null;
      el.addEventListener('auth-registered', (e) => (registered = e));
      await fillAndSubmit(el, VALUES);
      await waitUntil(() => partText(el, 'success') !== '');
      expect(partText(el, 'success')).to.equal('Check your email: we sent a link and a code to finish creating your account.');
      expect(part(el, 'success')!.getAttribute('role')).to.equal('status');
      expect(partText(el, 'header')).to.equal('Confirm your email');
      expect(describeFields(el)).to.deep.equal([{ name: 'verify-code', type: 'text', autocomplete: 'one-time-code', label: 'Code from the email' }]);
      expect(field(el, 'verify-code').getAttribute('autocapitalize')).to.equal('none');
      expect(submitButton(el).textContent?.trim()).to.equal('Create account');
      await waitUntil(() => document.activeElement === field(el, 'verify-code'), 'the focus moves to the code field');
      expect(registered, 'no account yet').to.equal(null);
      await expect(el).to.be.accessible();

      const done = oneEvent(el, 'auth-registered') as Promise<AuthRegisteredEvent>;
      await fillAndSubmit(el, { 'verify-code': '  code-from-mail ' });
      expect((await done).detail).to.deep.equal({ username: 'newbie' });
      expect(backend.lastCall('verifyRegistration')!.input).to.deep.equal({ token: 'code-from-mail' });
      await waitUntil(() => partText(el, 'success') === 'Your account was created. You can now log in.');
      expect(partText(el, 'header')).to.equal('Register');
      expect(describeFields(el).map((f) => f.name)).to.deep.equal(['name', 'email', 'username', 'password', 'password-repeat']);
    });

    it('a wrong code shows verification_token_invalid on the code field', async () => {
      const { el, backend } = await mount({ registerVerify: true });
      await fillAndSubmit(el, VALUES);
      await waitUntil(() => el.querySelector('input[name="verify-code"]') !== null);
      backend.options.accountError = 'verification_token_invalid';
      const errorEvent = oneEvent(el, 'auth-error') as Promise<AuthErrorEvent>;
      await fillAndSubmit(el, { 'verify-code': 'wrong' });
      expect((await errorEvent).detail).to.include({ code: 'verification_token_invalid', operation: 'verify-registration' });
      await el.updateComplete;
      expect(errorText(el)).to.equal('This code is wrong, already used or expired. Register again to get a new one.');
      expect(field(el, 'verify-code').getAttribute('aria-invalid')).to.equal('true');
      await waitUntil(() => document.activeElement === field(el, 'verify-code'));
    });

    it('takes ?verify_token= from the address, removes it with replaceState, and finishes by itself', async () => {
      history.replaceState(history.state, '', `${location.pathname}?keep=1&verify_token=tok-from-mail#top`);
      const { el, backend } = await mount({ verifiedUsername: 'grace' });
      expect(new URL(location.href).searchParams.has('verify_token')).to.be.false;
      expect(new URL(location.href).searchParams.get('keep')).to.equal('1');
      expect(location.hash).to.equal('#top');
      await waitUntil(() => partText(el, 'success') === 'Your account was created. You can now log in.', 'the link did not finish the registration');
      expect(backend.accountCalls.map((c) => [c.operation, c.input])).to.deep.equal([['verifyRegistration', { token: 'tok-from-mail' }]]);
      expect(describeFields(el).map((f) => f.name)).to.deep.equal(['name', 'email', 'username', 'password', 'password-repeat']);
    });

    it('a stale link shows the code field and the error', async () => {
      history.replaceState(history.state, '', `${location.pathname}?verify_token=stale`);
      const { el } = await mount({ accountError: 'verification_token_invalid' });
      await waitUntil(() => errorText(el) !== '', 'no error shown');
      expect(errorText(el)).to.equal('This code is wrong, already used or expired. Register again to get a new one.');
      expect(describeFields(el).map((f) => f.name)).to.deep.equal(['verify-code']);
      expect(field(el, 'verify-code').getAttribute('aria-invalid')).to.equal('true');
    });

    it('a token attribute finishes with a click; an empty one asks for the code', async () => {
      const { el, backend } = await mount({ verifiedUsername: 'grace' }, 'token="tok-from-page"');
      expect(describeFields(el)).to.deep.equal([]);
      expect(partText(el, 'header')).to.equal('Confirm your email');
      expect(backend.accountCalls.length, 'no request before the click').to.equal(0);
      submitButton(el).click();
      await waitUntil(() => partText(el, 'success') === 'Your account was created. You can now log in.');
      expect(backend.accountCalls.map((c) => [c.operation, c.input])).to.deep.equal([['verifyRegistration', { token: 'tok-from-page' }]]);
      expect(el.token).to.equal(undefined, 'used up');

      const empty = (await mount({}, 'token=""')).el;
      expect(describeFields(empty).map((f) => f.name)).to.deep.equal(['verify-code']);
    });

    it('speaks French', async () => {
      await loadTranslation('fr');
      const { el } = await mount({ registerVerify: true }, 'lang="fr"');
      await fillAndSubmit(el, VALUES);
      await waitUntil(() => partText(el, 'success') !== '');
      expect(partText(el, 'success')).to.equal(
        'Consultez vos e-mails\u00a0: nous vous avons envoyé un lien et un code pour terminer la création de votre compte.',
      );
      expect(partText(el, 'header')).to.equal('Confirmez votre adresse e-mail');
      expect(describeFields(el).map((f) => f.label)).to.deep.equal(['Code reçu par e-mail']);
      expect(submitButton(el).textContent?.trim()).to.equal('Créer le compte');
    });
  });

  it('reflects location and fits a 250px sidebar without horizontal overflow', async () => {
    const { el, wrapper } = await mount({}, 'location="sidebar"');
    expect(el.getAttribute('location')).to.equal('sidebar');
    wrapper.style.width = '250px';
    type(field(el, 'password'), 'a'.repeat(9));
    await el.updateComplete;
    const form = el.querySelector('form')!;
    const base = part(el, 'base')!;
    expect(el.scrollWidth).to.be.at.most(el.clientWidth);
    expect(base.scrollWidth).to.be.at.most(base.clientWidth);
    expect(form.scrollWidth).to.be.at.most(form.clientWidth);
    expect(Math.round(submitButton(el).getBoundingClientRect().width)).to.equal(Math.round(form.getBoundingClientRect().width));
  });
});

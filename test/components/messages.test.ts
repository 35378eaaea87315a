// Issue 8 items 4, 7 and 11 in the elements: one language at a time (server reasons translated from
// their codes, never English inside French, `fields` per language), how long to wait after a 429,
// password managers (the username in change/reset forms, the reset's end, the login password kept
// until the form is hidden).
import { expect, waitUntil } from '@open-wc/testing';
import '../../src/components/index.js';
import { loadTranslation, type AuthLogin, type AuthRegister, type AuthResetPassword } from '../../src/components/index.js';
import { ada, session, type FakeBackendOptions } from './fake-backend.js';
import { describeFields, errorText, field, fillAndSubmit, isShown, mountForm, part, partText, untilStatus } from './helpers.js';

const NEW = 'a much longer new passphrase';
const register = (options: FakeBackendOptions = {}, attrs = '') => mountForm<AuthRegister>('auth-register', options, attrs);
const reset = (options: FakeBackendOptions = {}, attrs = '') => mountForm<AuthResetPassword>('auth-reset-password', options, attrs);
const login = (options: FakeBackendOptions = {}, attrs = '') => mountForm<AuthLogin>('auth-login', options, attrs);

/** Words of the reference server's English sentences: none may appear in a French message. */
const ENGLISH = /\b(Use|at least|characters|password|common|leaked|username|email|Too many|Try|seconds|not valid)\b/i;

async function registerFails(failure: NonNullable<FakeBackendOptions['accountError']>, attrs = '') {
  const { el } = await register({ accountError: failure }, attrs);
  await fillAndSubmit(el, { name: 'Ada', email: 'ada@example.com', username: 'ada', password: NEW, 'password-repeat': NEW });
  await waitUntil(() => errorText(el) !== '', 'no error shown');
  return el;
}

describe('one language at a time (item 7)', () => {
  before(() => loadTranslation('fr'));

  it('translates each password-policy reason from its code, in French and in English', async () => {
    const cases: Array<[NonNullable<FakeBackendOptions['accountError']>, string, string]> = [
      [
        { code: 'weak_password', description: 'Use at least 15 characters.', reason: 'too_short', params: { min: 15 } },
        'Ce mot de passe ne respecte pas les règles. Utilisez au moins 15\u00a0caractères.',
        'This password does not meet the password rules. Use at least 15 characters.',
      ],
      [
        { code: 'weak_password', description: 'Use at most 256 characters.', reason: 'too_long', params: { max: 256 } },
        'Ce mot de passe ne respecte pas les règles. Utilisez au plus 256\u00a0caractères.',
        'This password does not meet the password rules. Use at most 256 characters.',
      ],
      [
        { code: 'weak_password', description: 'This password is too common; …', reason: 'common' },
        'Ce mot de passe ne respecte pas les règles. Il est trop courant\u00a0: il figure dans des listes de mots de passe divulgués.',
        'This password does not meet the password rules. It is too common: it appears in lists of leaked passwords.',
      ],
      [
        { code: 'weak_password', description: 'The password may not be your username.', reason: 'username' },
        "Ce mot de passe ne respecte pas les règles. Il ne peut pas être votre nom d'utilisateur.",
        'This password does not meet the password rules. It may not be your username.',
      ],
      [
        { code: 'weak_password', description: 'The password may not be your email address.', reason: 'email' },
        'Ce mot de passe ne respecte pas les règles. Il ne peut pas être votre adresse e-mail.',
        'This password does not meet the password rules. It may not be your email address.',
      ],
    ];
    for (const [failure, fr, en] of cases) {
      expect(errorText(await registerFails(failure, 'lang="fr"'))).to.equal(fr);
      expect(errorText(await registerFails(failure))).to.equal(en);
    }
  });

  it('shows only the translated generic message for an unknown reason in French (no English text)', async () => {
    const weak = await registerFails({ code: 'weak_password', description: 'Password must contain a digit.' }, 'lang="fr"');
    expect(errorText(weak)).to.equal('Ce mot de passe ne respecte pas les règles.');
    const input = await registerFails({ code: 'invalid_input', description: 'Username is not valid' }, 'lang="fr"');
    expect(errorText(input)).to.equal('Des informations manquent ou ne sont pas valides.');
    for (const el of [weak, input]) {
      expect(errorText(el)).not.to.match(ENGLISH);
      expect((el.querySelector('[lang="en"]') ?? el.shadowRoot!.querySelector('[lang="en"]')) === null).to.be.true;
    }
    // In English the server's own sentence still helps.
    expect(errorText(await registerFails({ code: 'weak_password', description: 'Password must contain a digit.' }))).to.equal(
      'This password does not meet the password rules. Password must contain a digit.',
    );
  });

  it('takes `fields` per language: {"fr": {…}} wins in French, plain keys apply to every language', async () => {
    const fields = { title: 'Sign in here', submit: 'Go', fr: { title: 'Entrez ici' }, 'fr-CA': { submit: 'Allez' }, de: { title: 'Hier' } };
    const attr = `fields='${JSON.stringify(fields)}'`;
    const { el: en } = await login({}, attr);
    expect(partText(en, 'header')).to.equal('Sign in here');
    expect(en.querySelector('button[type=submit]')!.textContent!.trim()).to.equal('Go');
    const { el: fr } = await login({}, `${attr} lang="fr"`);
    expect(partText(fr, 'header')).to.equal('Entrez ici');
    expect(fr.querySelector('button[type=submit]')!.textContent!.trim()).to.equal('Go');
    const { el: ca } = await login({}, `${attr} lang="fr-CA"`);
    expect(partText(ca, 'header')).to.equal('Entrez ici');
    expect(ca.querySelector('button[type=submit]')!.textContent!.trim()).to.equal('Allez');
    // A language's own `error.*` override.
    const { el: frError } = await login({ loginError: 'rate_limited' }, `lang="fr" fields='{"fr":{"error.rate_limited":"Doucement."}}'`);
    await fillAndSubmit(frError, { username: 'ada', password: 'secret' });
    await waitUntil(() => errorText(frError) !== '');
    expect(errorText(frError)).to.equal('Doucement.');
  });
});

describe('how long to wait (item 11)', () => {
  before(() => loadTranslation('fr'));

  const rateLimited = async (retryAfter: number | undefined, attrs = '') => {
    const loginError = retryAfter === undefined ? ('rate_limited' as const) : { code: 'rate_limited' as const, retryAfter };
    const { el } = await login({ loginError }, attrs);
    await fillAndSubmit(el, { username: 'ada', password: 'secret' });
    await waitUntil(() => errorText(el) !== '');
    return errorText(el);
  };

  it('says how long to wait from Retry-After, in seconds or minutes, in English and French', async () => {
    expect(await rateLimited(30)).to.equal('Too many attempts. Try again in 30 seconds.');
    expect(await rateLimited(1)).to.equal('Too many attempts. Try again in 1 second.');
    expect(await rateLimited(150)).to.equal('Too many attempts. Try again in 3 minutes.');
    expect(await rateLimited(30, 'lang="fr"')).to.equal('Trop de tentatives. Réessayez dans 30 secondes.');
    expect(await rateLimited(900, 'lang="fr"')).to.equal('Trop de tentatives. Réessayez dans 15 minutes.');
    // Without Retry-After: the plain message.
    expect(await rateLimited(undefined)).to.equal('Too many attempts. Please wait a moment and try again.');
  });
});

describe('password managers (item 4)', () => {
  afterEach(() => history.replaceState(history.state, '', location.pathname));

  it('change mode has a read-only username field (autocomplete=username) filled from the signed-in user', async () => {
    const { el } = await reset({ restore: session(ada) });
    expect(describeFields(el)[0]).to.deep.equal({ name: 'username', type: 'text', autocomplete: 'username', label: 'Username' });
    const username = field(el, 'username');
    expect(username.value).to.equal(ada.username);
    expect(username.readOnly).to.be.true;
    expect(isShown(username)).to.be.true;
    await expect(el).to.be.accessible();
  });

  it('reset mode has a username field, hidden, filled from the `username` attribute or ?username= of the link', async () => {
    history.replaceState(history.state, '', `${location.pathname}?reset_token=tok&username=grace`);
    const { el, backend } = await reset();
    expect(location.search).to.equal('');
    const username = field(el, 'username');
    expect(username.getAttribute('autocomplete')).to.equal('username');
    expect(username.value).to.equal('grace');
    expect(isShown(username)).to.be.false;
    await fillAndSubmit(el, { password: NEW, 'password-repeat': NEW });
    await waitUntil(() => backend.accountCalls.length === 1);
    expect(backend.lastCall('resetPassword')!.input).to.deep.equal({ token: 'tok', password: NEW });
    const { el: given } = await reset({}, 'username="lin"');
    expect(field(given, 'username').value).to.equal('lin');
  });

  it('after a reset through a link: the success and a way to log in, no empty "Reset code" field', async () => {
    history.replaceState(history.state, '', `${location.pathname}?reset_token=tok`);
    const { el } = await reset({}, 'login-href="/login.html"');
    await fillAndSubmit(el, { password: NEW, 'password-repeat': NEW });
    await waitUntil(() => partText(el, 'success') !== '');
    await el.updateComplete;
    expect(partText(el, 'success')).to.equal('Your password was reset. You can now log in with the new password.');
    expect(isShown(el.querySelector('input[name="reset-code"]')), 'an empty "Reset code" field again').to.be.false;
    expect(isShown(el.querySelector('form'))).to.be.false;
    const link = part(el, 'login-link') as HTMLAnchorElement | null;
    expect(link?.localName).to.equal('a');
    if (!link) return;
    expect(link.getAttribute('href')).to.equal('/login.html');
    expect(link.textContent!.trim()).to.equal('Log in');
    await expect(el).to.be.accessible();
  });

  it('the login form keeps the password until the signed-in state has hidden it', async () => {
    const { el } = await login();
    const password = field(el, 'password');
    // What a password manager's script would read when the form goes away, and one task later.
    let atHide: string | null = null;
    let taskLater: string | null = null;
    const updated = (el as unknown as { updated(c: Map<string, unknown>): void }).updated.bind(el);
    (el as unknown as { updated(c: Map<string, unknown>): void }).updated = (changed) => {
      updated(changed);
      if (atHide === null && el.matches(':state(authenticated)')) {
        atHide = password.value;
        setTimeout(() => (taskLater = password.value));
      }
    };
    await fillAndSubmit(el, { username: 'ada', password: 'secret' });
    await untilStatus(el, 'authenticated');
    expect(getComputedStyle(el).display).to.equal('none');
    await waitUntil(() => taskLater !== null);
    expect(atHide).to.equal('secret');
    expect(taskLater).to.equal('secret');
    // …and not longer than that.
    await waitUntil(() => password.value === '', 'the password stayed in the hidden form');
  });
});

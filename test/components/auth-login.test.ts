import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import '../../src/components/index.js';
import { loadTranslation, type AuthLogin, type AuthProvider } from '../../src/components/index.js';
import type { AuthErrorEvent } from '../../src/components/events/auth-error.js';
import { ada, fakeClient, type FakeBackendOptions } from './fake-backend.js';
import { describedBy, errorText, isShown, part, untilStatus } from './helpers.js';

async function mount(options: FakeBackendOptions = {}, attrs = '') {
  const { client, backend } = fakeClient(options);
  const wrapper = await fixture<HTMLDivElement>(html`<div style="width: 600px"></div>`);
  wrapper.innerHTML = `<auth-provider><auth-login ${attrs}></auth-login></auth-provider>`;
  const provider = wrapper.querySelector('auth-provider') as AuthProvider;
  provider.client = client;
  const login = wrapper.querySelector('auth-login') as AuthLogin;
  const r = options.restore;
  if (r !== 'manual') {
    await untilStatus(login, r && typeof r === 'object' ? 'authenticated' : r === 'network_error' || r === 'server_error' ? 'error' : 'anonymous');
  }
  return { client, backend, provider, login, wrapper };
}

function inputs(login: AuthLogin) {
  return {
    form: login.querySelector('form') as HTMLFormElement,
    username: login.querySelector('input[name=username]') as HTMLInputElement,
    password: login.querySelector('input[name=password]') as HTMLInputElement,
    button: login.querySelector('button[type=submit]') as HTMLButtonElement,
  };
}

async function submit(login: AuthLogin, username: string, password: string) {
  const { username: u, password: p, button } = inputs(login);
  u.value = username;
  p.value = password;
  button.click();
  await login.updateComplete;
}

describe('auth-login', () => {
  it('is accessible with the form shown', async () => {
    const { login } = await mount();
    await expect(login).to.be.accessible();
  });

  it('renders a real form in the light DOM with the attributes password managers need', async () => {
    const { login } = await mount();
    const { form, username, password, button } = inputs(login);
    expect(form.getAttribute('method')).to.equal('post');
    expect(form.getAttribute('slot')).to.equal('form');
    expect(form.parentElement).to.equal(login);
    expect(username.name).to.equal('username');
    expect(username.type).to.equal('text');
    expect(username.getAttribute('autocomplete')).to.equal('username');
    expect(username.required).to.be.true;
    expect(password.name).to.equal('password');
    expect(password.type).to.equal('password');
    expect(password.getAttribute('autocomplete')).to.equal('current-password');
    expect(password.required).to.be.true;
    expect(button.type).to.equal('submit');
    expect(button.textContent?.trim()).to.equal('Log in');
    // Visible labels tied to their inputs.
    const labels = [...login.querySelectorAll('label')];
    expect(labels.map((l) => l.textContent?.trim())).to.deep.equal(['Username', 'Password']);
    expect(labels[0]!.control).to.equal(username);
    expect(labels[1]!.control).to.equal(password);
    expect(username.labels?.[0]).to.equal(labels[0]);
    // Not in the shadow root.
    expect(login.shadowRoot!.querySelector('input')).to.equal(null);
    expect(isShown(username)).to.be.true;
    // Parts on the light-DOM pieces.
    expect(form.getAttribute('part')).to.equal('form');
    expect(username.getAttribute('part')).to.equal('input username-input');
    expect(password.getAttribute('part')).to.equal('input password-input');
    expect(button.getAttribute('part')).to.equal('submit-button');
    expect(part(login, 'header')!.textContent).to.equal('Login');
  });

  it('gives every instance its own ids', async () => {
    const { wrapper } = await mount();
    wrapper.querySelector('auth-provider')!.insertAdjacentHTML('beforeend', '<auth-login></auth-login>');
    const [a, b] = [...wrapper.querySelectorAll('auth-login')] as AuthLogin[];
    await untilStatus(b!, 'anonymous');
    const ids = [...wrapper.querySelectorAll('input')].map((i) => i.id);
    expect(ids).to.have.length(4);
    expect(new Set(ids).size).to.equal(4);
    expect(inputs(a!).username.labels?.length).to.equal(1);
    expect(inputs(b!).password.labels?.[0]?.textContent?.trim()).to.equal('Password');
  });

  it('adopts its light-DOM stylesheet once per root, in a cascade layer', async () => {
    await mount();
    const sheets = document.adoptedStyleSheets.filter((s) => [...s.cssRules].some((r) => r instanceof CSSLayerBlockRule && r.name === 'auth-elements'));
    expect(sheets).to.have.length(1);
  });

  it('reads the values from the form at submit time and logs in', async () => {
    const { login, backend, client } = await mount();
    const { username, password, button } = inputs(login);
    username.value = 'ada';
    password.value = 'secret';
    button.click();
    await untilStatus(login, 'authenticated');
    expect(backend.loginCalls).to.have.length(1);
    expect(backend.loginCalls[0]!.input).to.deep.equal({ username: 'ada', password: 'secret' });
    expect(client.state.user?.username).to.equal('ada');
    // Signed in: the element shows nothing and the password is not kept in the form.
    expect(login.matches(':state(authenticated)')).to.be.true;
    expect(getComputedStyle(login).display).to.equal('none');
    expect(password.value).to.equal('');
  });

  it('shows a wrong password next to the fields (role=alert), clears the password and focuses it', async () => {
    const { login } = await mount();
    const errorEvent = oneEvent(login, 'auth-error') as Promise<AuthErrorEvent>;
    await submit(login, 'ada', 'wrong-password');
    const event = await errorEvent;
    await login.updateComplete;
    expect(event.detail.code).to.equal('invalid_credentials');
    expect(event.detail.operation).to.equal('login');
    expect(event.bubbles && event.composed).to.be.true;
    expect(JSON.stringify(event.detail)).not.to.contain('wrong-password');
    const error = login.querySelector('[part~="field-error"]')!;
    expect(error.getAttribute('role')).to.equal('alert');
    expect(error.textContent).to.equal('Invalid username or password.');
    const { username, password } = inputs(login);
    expect(username.value).to.equal('ada');
    expect(password.value).to.equal('');
    expect(password.getAttribute('aria-invalid')).to.equal('true');
    await waitUntil(() => document.activeElement === password, 'password field not focused');
    expect(login.matches(':state(anonymous)')).to.be.true;
  });

  it('ties wrong credentials to both fields: one message after the password, named by both', async () => {
    const { login } = await mount();
    await submit(login, 'ada', 'wrong-password');
    const { username, password } = inputs(login);
    await waitUntil(() => password.getAttribute('aria-invalid') === 'true');
    const described = { texts: ['Invalid username or password.'], errormessage: true };
    expect(describedBy(username)).to.deep.equal(described);
    expect(describedBy(password)).to.deep.equal(described);
    expect(username.getAttribute('aria-describedby')).to.equal(password.getAttribute('aria-describedby'));
    const message = login.querySelector('[part~="field-error"]')!;
    expect(message.previousElementSibling).to.equal(password.parentElement);
    expect(isShown(message)).to.be.true;
    expect(part(login, 'error')!.hidden).to.be.true;
    await expect(login).to.be.accessible();
  });

  it('translates other error codes', async () => {
    const { login } = await mount({ loginError: 'rate_limited' });
    await submit(login, 'ada', 'secret');
    await waitUntil(() => errorText(login) !== '');
    expect(errorText(login)).to.equal('Too many attempts. Please wait a moment and try again.');
    // The password was not the problem: it stays for the next try.
    expect(inputs(login).password.value).to.equal('secret');
  });

  it('disables the form while pending and shows the busy label', async () => {
    const { login } = await mount({ loginDelay: 'never' });
    await submit(login, 'ada', 'secret');
    await untilStatus(login, 'pending');
    const { form, username, password, button } = inputs(login);
    expect(username.disabled && password.disabled && button.disabled).to.be.true;
    expect(button.textContent?.trim()).to.equal('Logging in…');
    expect(form.getAttribute('aria-busy')).to.equal('true');
    expect(part(login, 'base')!.getAttribute('aria-busy')).to.equal('true');
    expect(login.matches(':state(pending)')).to.be.true;
  });

  it('shows no form while the session is being restored, and no flash before a restored session', async () => {
    const { login, backend } = await mount({ restore: 'manual' });
    await login.updateComplete;
    expect(login.matches(':state(unknown)')).to.be.true;
    expect(isShown(inputs(login).form)).to.be.false;
    // The form is laid out inside the invisible placeholder: it keeps its size, nobody sees or reaches it.
    expect(inputs(login).form.getBoundingClientRect().height).to.be.greaterThan(0);
    expect(part(login, 'placeholder')).to.exist;
    expect(part(login, 'placeholder')!.getAttribute('aria-hidden')).to.equal('true');
    backend.restoreControl.resolve({ user: ada, expiresAt: null, refreshable: false });
    await untilStatus(login, 'authenticated');
    expect(getComputedStyle(login).display).to.equal('none');
  });

  it('shows the form once restore finds no session', async () => {
    const { login, backend } = await mount({ restore: 'manual' });
    backend.restoreControl.resolve(null);
    await untilStatus(login, 'anonymous');
    expect(isShown(inputs(login).form)).to.be.true;
    expect(part(login, 'error')!.hidden).to.be.true;
  });

  it('shows a session-level error (session expired) while signed out', async () => {
    const { login } = await mount({ restore: 'session_expired' });
    expect(errorText(login)).to.equal('Your session has ended. Please log in again.');
  });

  it('applies `fields` overrides, including Streamlit-Authenticator names', async () => {
    const { login } = await mount({}, `fields='{"Form name":"Sign in","Username":"Email","Password":"Passphrase","Login":"Go"}'`);
    expect(part(login, 'header')!.textContent).to.equal('Sign in');
    const labels = [...login.querySelectorAll('label')].map((l) => l.textContent?.trim());
    expect(labels).to.deep.equal(['Email', 'Passphrase']);
    expect(inputs(login).button.textContent?.trim()).to.equal('Go');
    login.fields = { title: 'Welcome', 'error.invalid_credentials': 'Nope.' };
    await login.updateComplete;
    expect(part(login, 'header')!.textContent).to.equal('Welcome');
    await submit(login, 'ada', 'bad');
    await waitUntil(() => errorText(login) === 'Nope.');
  });

  it('speaks French with lang="fr"', async () => {
    await loadTranslation('fr'); // French loads on demand
    const { login } = await mount({}, 'lang="fr"');
    expect(part(login, 'header')!.textContent).to.equal('Connexion');
    const labels = [...login.querySelectorAll('label')].map((l) => l.textContent?.trim());
    expect(labels).to.deep.equal(["Nom d'utilisateur", 'Mot de passe']);
    expect(inputs(login).button.textContent?.trim()).to.equal('Se connecter');
    await submit(login, 'ada', 'bad');
    await waitUntil(() => errorText(login) === "Nom d'utilisateur ou mot de passe incorrect.");
  });

  it('inherits the language of an ancestor and follows its changes', async () => {
    const { login, wrapper } = await mount();
    wrapper.setAttribute('lang', 'fr-CA');
    await waitUntil(() => part(login, 'header')!.textContent === 'Connexion', 'did not switch to French');
    wrapper.setAttribute('lang', 'de');
    await waitUntil(() => part(login, 'header')!.textContent === 'Login', 'unknown language did not fall back to English');
  });

  it('renders field texts as text, never HTML', async () => {
    const { login } = await mount({}, `fields='{"title":"<img src=x onerror=alert(1)>","username":"<b>u</b>"}'`);
    expect(part(login, 'header')!.textContent).to.equal('<img src=x onerror=alert(1)>');
    expect(login.shadowRoot!.querySelector('img')).to.equal(null);
    expect(login.querySelector('b, img')).to.equal(null);
  });

  it('reflects location and fits a 250px sidebar without horizontal overflow', async () => {
    const { login, wrapper } = await mount();
    expect(login.getAttribute('location')).to.equal('main');
    login.location = 'sidebar';
    await login.updateComplete;
    expect(login.getAttribute('location')).to.equal('sidebar');
    wrapper.style.width = '250px';
    const base = part(login, 'base')!;
    const { button } = inputs(login);
    expect(login.scrollWidth).to.be.at.most(login.clientWidth);
    expect(base.scrollWidth).to.be.at.most(base.clientWidth);
    expect(inputs(login).form.scrollWidth).to.be.at.most(inputs(login).form.clientWidth);
    // Compact layout: a full-width button.
    expect(Math.round(button.getBoundingClientRect().width)).to.equal(Math.round(inputs(login).form.getBoundingClientRect().width));
    // The container query gives the same compact layout in the main location at 250px.
    login.location = 'main';
    await login.updateComplete;
    expect(login.scrollWidth).to.be.at.most(login.clientWidth);
    expect(Math.round(button.getBoundingClientRect().width)).to.equal(Math.round(inputs(login).form.getBoundingClientRect().width));
  });

  it('uses the wide layout in a wide container', async () => {
    const { login } = await mount();
    const { button, form } = inputs(login);
    expect(button.getBoundingClientRect().width).to.be.below(form.getBoundingClientRect().width);
  });

  it('aborts a pending login when removed from the page', async () => {
    const { login, backend, client } = await mount({ loginDelay: 'never' });
    await submit(login, 'ada', 'secret');
    await waitUntil(() => backend.loginCalls.length === 1);
    const { signal } = backend.loginCalls[0]!;
    expect(signal.aborted).to.be.false;
    let errors = 0;
    login.addEventListener('auth-error', () => errors++);
    login.remove();
    expect(signal.aborted).to.be.true;
    await waitUntil(() => client.state.status === 'anonymous');
    expect(errors).to.equal(0);
  });

  it('exposes exactly one status custom state', async () => {
    const { login } = await mount();
    const states = ['unknown', 'anonymous', 'pending', 'authenticated', 'error'].filter((s) => login.matches(`:state(${s})`));
    expect(states).to.deep.equal(['anonymous']);
  });

  it('shows the form with the reason when the session could not be checked', async () => {
    const { login } = await mount({ restore: 'network_error' });
    expect(login.matches(':state(error)')).to.be.true;
    expect(isShown(inputs(login).form)).to.be.true;
    expect(errorText(login)).to.contain('could not be reached');
  });
});

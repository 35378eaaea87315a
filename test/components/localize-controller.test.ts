import { aTimeout, expect, fixture, html, nextFrame, waitUntil } from '@open-wc/testing';
import { LitElement } from 'lit';
import '../../src/components/index.js';
import {
  AuthController,
  AuthErrorEvent,
  AuthLoginEvent,
  AuthLogoutEvent,
  AuthStateChangeEvent,
  languageOf,
  loadTranslation,
  registerTranslation,
  registerTranslationLoader,
  translationFor,
  type AuthLogin,
  type AuthProvider,
  type AuthStatus,
  type Translation,
} from '../../src/components/index.js';
// The OIDC button's English string joins the table with its on-demand module (the other elements' come with index.js).
import '../../src/components/auth-login/provider-button.js';
import { normalizeFields } from '../../src/components/localize.js';
import en from '../../src/components/translations/en.js';
import fr from '../../src/components/translations/fr.js';
import { AuthError } from '../../src/core/errors.js';
import { ada, deferred, fakeClient, session } from './fake-backend.js';
import { captureWarnings, isShown, part, untilStatus } from './helpers.js';

/** A bare consumer, to test the controller on its own. */
class TestConsumer extends LitElement {
  readonly auth = new AuthController(this);
  renders = 0;
  get state() {
    return this.auth.state;
  }
  protected override render() {
    this.renders++;
    return this.auth.state.status;
  }
}
customElements.define('test-consumer', TestConsumer);

describe('localize', () => {
  it('is accessible in French (first test of the group)', async () => {
    await loadTranslation('fr'); // French loads on demand
    const { client } = fakeClient();
    const provider = await fixture<AuthProvider>(html`<auth-provider lang="fr" .client=${client}><auth-status></auth-status></auth-provider>`);
    await untilStatus(provider.querySelector('auth-status') as AuthStatus, 'anonymous');
    await expect(provider).to.be.accessible();
  });

  it('has a French string for every English key', () => {
    const keys = (t: object) => Object.keys(t).sort();
    expect(keys(fr)).to.deep.equal(keys(en));
    for (const [key, value] of Object.entries(fr)) expect(value, key).to.be.a('string').and.not.equal('');
  });

  it('resolves the language: own lang, ancestor (through shadow roots), document, English', async () => {
    const host = await fixture<HTMLDivElement>(html`<div lang="fr"><span><b lang="de"></b><i></i></span></div>`);
    expect(languageOf(host.querySelector('b')!)).to.equal('de');
    expect(languageOf(host.querySelector('i')!)).to.equal('fr');
    const shadow = host.querySelector('span')!.attachShadow({ mode: 'open' });
    shadow.innerHTML = '<em></em>';
    expect(languageOf(shadow.querySelector('em')!)).to.equal('fr');
    const loose = document.createElement('u');
    document.body.append(loose);
    const before = document.documentElement.lang;
    try {
      document.documentElement.lang = 'fr-BE';
      expect(languageOf(loose)).to.equal('fr-BE');
      document.documentElement.lang = '';
      expect(languageOf(loose)).to.equal('en');
    } finally {
      document.documentElement.lang = before;
      loose.remove();
    }
    await loadTranslation('fr'); // French loads on demand
    expect(translationFor('fr-CA')).to.equal(fr);
    expect(translationFor('FR')).to.equal(fr);
    expect(translationFor('de')).to.equal(en);
    expect(translationFor('')).to.equal(en);
  });

  it('maps Streamlit-Authenticator field names and drops unknown keys and non-strings', () => {
    expect(
      normalizeFields({ 'Form name': 'A', Username: 'B', Password: 'C', Login: 'D', Logout: 'E', nope: 'x', title2: 1, submit: 5 }),
    ).to.deep.equal({ title: 'A', username: 'B', password: 'C', submit: 'D', logout: 'E' });
    expect(normalizeFields(null)).to.deep.equal({});
    expect(normalizeFields({ $code: 'xx', 'error.timeout': 'Slow.' })).to.deep.equal({ 'error.timeout': 'Slow.' });
  });

  it("maps the account forms' Streamlit-Authenticator names, and bare names within a scope", () => {
    expect(
      normalizeFields({
        Register: 'R',
        Name: 'N',
        Email: 'E',
        'Repeat password': 'RP',
        'Current password': 'CP',
        'New password': 'NP',
      }),
    ).to.deep.equal({ submit: 'R', name: 'N', email: 'E', passwordRepeat: 'RP', currentPassword: 'CP', newPassword: 'NP' });
    expect(normalizeFields({ 'Form name': 'T', Submit: 'S', success: 'OK', name: 'N', working: 'W' }, 'forgotUsername')).to.deep.equal({
      'forgotUsername.title': 'T',
      'forgotUsername.submit': 'S',
      'forgotUsername.success': 'OK',
      name: 'N',
      working: 'W',
    });
    // Without a scope, `success` is no key at all.
    expect(normalizeFields({ success: 'OK', Update: 'U', Reset: 'X' })).to.deep.equal({ submit: 'X' });
  });

  it('warns once about a fields attribute that is not JSON, and keeps the defaults', async () => {
    const warnings = captureWarnings();
    try {
      const { client } = fakeClient();
      const div = await fixture<HTMLDivElement>(html`<div></div>`);
      div.innerHTML = `<auth-provider><auth-login fields="{oops"></auth-login><auth-login fields="[1]"></auth-login></auth-provider>`;
      (div.firstElementChild as AuthProvider).client = client;
      const login = div.querySelector('auth-login') as AuthLogin;
      await untilStatus(login, 'anonymous');
      expect(part(login, 'header')!.textContent).to.equal('Login');
      expect(warnings.messages.filter((m) => m.includes('fields'))).to.have.length(1);
    } finally {
      warnings.restore();
    }
  });

  it('accepts more languages through registerTranslation', async () => {
    registerTranslation({ ...en, $code: 'de', $name: 'Deutsch', title: 'Anmeldung' });
    const { client } = fakeClient();
    const div = await fixture<HTMLDivElement>(html`<div lang="de-AT"></div>`);
    div.innerHTML = '<auth-provider><auth-login></auth-login></auth-provider>';
    (div.firstElementChild as AuthProvider).client = client;
    const login = div.querySelector('auth-login') as AuthLogin;
    await untilStatus(login, 'anonymous');
    expect(part(login, 'header')!.textContent).to.equal('Anmeldung');
  });
});

describe('translations on demand', () => {
  const header = (el: Element) => part(el, 'header')!.textContent;

  /** A loader that counts its calls and gives the table when the test says so. */
  function gatedLoader(tag: string) {
    const gate = deferred<Translation | { default: Translation }>();
    const loader = { calls: 0, gate };
    registerTranslationLoader(tag, () => {
      loader.calls++;
      return gate.promise;
    });
    return loader;
  }

  /** Mount the markup and hand its provider a fake client whose `start()` calls are counted. */
  async function mountLogins(markup: string, options: Parameters<typeof fakeClient>[0] = {}) {
    const { client, backend } = fakeClient(options);
    const counted = { starts: 0 };
    const start = client.start.bind(client);
    client.start = () => {
      counted.starts++;
      return start();
    };
    const div = await fixture<HTMLDivElement>(html`<div></div>`);
    div.innerHTML = markup;
    (div.querySelector('auth-provider') as AuthProvider).client = client;
    const logins = [...div.querySelectorAll('auth-login')] as AuthLogin[];
    return { client, backend, counted, div, logins };
  }

  it('has French once loaded, for regional tags too', async () => {
    await loadTranslation('fr');
    expect(translationFor('fr-CA')).to.equal(fr);
    expect(translationFor('fr')).to.equal(fr);
  });

  it('shows no text (a placeholder, never English) until the table arrives, then every element renders it; one load for all', async () => {
    const xa: Translation = { ...en, $code: 'xa', $name: 'Xa', title: 'Xa title' };
    const loader = gatedLoader('xa');
    const { logins } = await mountLogins(
      '<auth-provider><auth-login lang="xa"></auth-login><auth-login lang="xa-YY"></auth-login></auth-provider>',
    );
    for (const login of logins) await untilStatus(login, 'anonymous');
    // Nothing visible: the form is laid out inside the invisible placeholder until the table arrives.
    expect(logins.map((login) => isShown(part(login, 'header')))).to.deep.equal([false, false]);
    expect(logins.every((login) => part(login, 'placeholder') !== null)).to.equal(true);
    expect(translationFor('xa-YY')).to.equal(en);
    expect(loader.calls).to.equal(1);

    loader.gate.resolve({ default: xa });
    await loadTranslation('xa-YY'); // joins the load under way
    await Promise.all(logins.map((login) => login.updateComplete));
    expect(logins.map(header)).to.deep.equal(['Xa title', 'Xa title']);
    expect(translationFor('xa-YY')).to.equal(xa);
    expect(loader.calls).to.equal(1);
  });

  it('loads the language a connected element switches to, and renders it on arrival', async () => {
    const loader = gatedLoader('xb');
    const { logins } = await mountLogins('<auth-provider><auth-login></auth-login></auth-provider>');
    const login = logins[0]!;
    await untilStatus(login, 'anonymous');
    expect(loader.calls).to.equal(0);

    login.setAttribute('lang', 'xb');
    await waitUntil(() => loader.calls === 1, 'the new language did not start loading');
    await login.updateComplete;
    expect(isShown(part(login, 'header'))).to.equal(false, 'no English shown while the new language loads');

    loader.gate.resolve({ ...en, $code: 'xb', $name: 'Xb', title: 'Xb title' }); // a table, not a module
    await loadTranslation('xb');
    await login.updateComplete;
    expect(header(login)).to.equal('Xb title');
    expect(loader.calls).to.equal(1);
  });

  it('warns once about a loader that fails and keeps English, without throwing at the page', async () => {
    const warnings = captureWarnings();
    const uncaught: unknown[] = [];
    const onError = (event: ErrorEvent | PromiseRejectionEvent) => uncaught.push('reason' in event ? event.reason : event.error);
    window.addEventListener('error', onError);
    window.addEventListener('unhandledrejection', onError);
    try {
      let rejected = 0;
      registerTranslationLoader('xc', () => {
        rejected++;
        return Promise.reject(new Error('offline'));
      });
      registerTranslationLoader('xd', () => {
        throw new Error('broken');
      });
      const { logins } = await mountLogins(
        '<auth-provider lang="xc"><auth-login></auth-login><auth-login lang="xc-ZZ"></auth-login><auth-login lang="xd"></auth-login></auth-provider>',
      );
      for (const login of logins) await untilStatus(login, 'anonymous');
      expect(await loadTranslation('xc')).to.equal(undefined);
      expect(await loadTranslation('xc-ZZ')).to.equal(undefined);
      expect(await loadTranslation('xd')).to.equal(undefined);
      await Promise.all(logins.map((login) => login.updateComplete));
      expect(logins.map(header)).to.deep.equal(['Login', 'Login', 'Login']);
      expect(translationFor('xc')).to.equal(en);
      expect(rejected).to.equal(1);
      expect(warnings.messages.filter((m) => m.includes('"xc"'))).to.have.length(1);
      expect(warnings.messages.filter((m) => m.includes('"xd"'))).to.have.length(1);
      await aTimeout(0);
      expect(uncaught).to.deep.equal([]);
    } finally {
      window.removeEventListener('error', onError);
      window.removeEventListener('unhandledrejection', onError);
      warnings.restore();
    }
  });

  it("loads the page's language while the session is restored, so the first text is never English", async () => {
    const xe: Translation = { ...en, $code: 'xe', $name: 'Xe', notSignedIn: 'Xe not signed in' };
    const loader = gatedLoader('xe');
    // auth-status renders no text at all while the state is unknown (nothing there asks for a string).
    const { client, backend, counted, div } = await mountLogins('<auth-provider lang="xe"><auth-status></auth-status></auth-provider>', {
      restore: 'manual',
    });
    const status = div.querySelector('auth-status') as AuthStatus;
    await status.updateComplete;
    // Both under way, neither waiting for the other; no text shown yet.
    expect(counted.starts).to.equal(1);
    expect(loader.calls).to.equal(1);
    expect(client.state.status).to.equal('unknown');
    expect(part(status, 'message')).to.equal(null);

    loader.gate.resolve({ default: xe });
    await loadTranslation('xe');
    backend.restoreControl.resolve(null);
    await untilStatus(status, 'anonymous');
    expect(part(status, 'message')!.textContent).to.equal('Xe not signed in');
    expect(loader.calls).to.equal(1);
  });

  it('prefers a table registered with registerTranslation over a loader', async () => {
    const loader = gatedLoader('xf');
    const xf: Translation = { ...en, $code: 'xf', $name: 'Xf', title: 'Xf title' };
    registerTranslation(xf);
    await loadTranslation('xf');
    expect(translationFor('xf')).to.equal(xf);
    expect(loader.calls).to.equal(0);
  });
});

describe('AuthController', () => {
  it('warns once per element name when there is no provider, and renders without throwing', async () => {
    const warnings = captureWarnings();
    try {
      const div = await fixture<HTMLDivElement>(html`<div></div>`);
      div.innerHTML = '<auth-status></auth-status><auth-status></auth-status><auth-login></auth-login><auth-guard><p slot="loading">…</p></auth-guard><auth-logout></auth-logout>';
      await nextFrame();
      await nextFrame();
      await aTimeout(20);
      const mine = warnings.messages.filter((m) => m.includes('no <auth-provider>'));
      expect(mine.filter((m) => m.includes('auth-status:'))).to.have.length(1);
      expect(mine.filter((m) => m.includes('auth-login:'))).to.have.length(1);
      expect(mine).to.have.length(4);
      const status = div.querySelector('auth-status') as AuthStatus;
      expect(status.state.status).to.equal('unknown');
      expect(status.matches(':state(unknown)')).to.be.true;
      expect(part(div.querySelector('auth-login')!, 'placeholder')).to.exist;
      // Adding more later does not warn again.
      div.insertAdjacentHTML('beforeend', '<auth-status></auth-status>');
      await nextFrame();
      await nextFrame();
      expect(warnings.messages.filter((m) => m.includes('no <auth-provider>'))).to.have.length(4);
    } finally {
      warnings.restore();
    }
  });

  it('subscribes while connected, follows a replaced client and unsubscribes on disconnect', async () => {
    const first = fakeClient({ restore: null });
    const second = fakeClient({ restore: session(ada) });
    const active = new Map<object, number>();
    for (const { client } of [first, second]) {
      const subscribe = client.subscribe.bind(client);
      client.subscribe = (fn) => {
        active.set(client, (active.get(client) ?? 0) + 1);
        const off = subscribe(fn);
        return () => {
          active.set(client, (active.get(client) ?? 0) - 1);
          return off();
        };
      };
    }
    const provider = document.createElement('auth-provider');
    provider.client = first.client;
    const consumer = document.createElement('test-consumer') as TestConsumer;
    provider.append(consumer);
    const div = await fixture<HTMLDivElement>(html`<div></div>`);
    div.append(provider);
    await untilStatus(consumer, 'anonymous');
    expect(consumer.auth.client).to.equal(first.client);
    expect(consumer.shadowRoot!.textContent).to.equal('anonymous');
    const consumerSubs = () => active.get(first.client)! - 1; // minus the provider's own subscription
    expect(consumerSubs()).to.equal(1);

    provider.client = second.client;
    await untilStatus(consumer, 'authenticated');
    expect(consumer.auth.client).to.equal(second.client);
    expect(active.get(first.client)).to.equal(0);
    expect(active.get(second.client)).to.equal(2);

    consumer.remove();
    expect(active.get(second.client)).to.equal(1);
    const renders = consumer.renders;
    await second.client.logout();
    await aTimeout(0);
    expect(consumer.renders).to.equal(renders);

    provider.append(consumer);
    await untilStatus(consumer, 'anonymous');
    expect(active.get(second.client)).to.equal(2);
  });

  it('finds a provider whose definition loads after the element', async () => {
    const { client } = fakeClient({ restore: session(ada) });
    const warnings = captureWarnings();
    try {
      const div = await fixture<HTMLDivElement>(html`<div></div>`);
      div.innerHTML = '<slow-auth-provider><test-consumer></test-consumer></slow-auth-provider>';
      const consumer = div.querySelector('test-consumer') as TestConsumer;
      expect(consumer.auth.client).to.equal(undefined);
      const { AuthProvider } = await import('../../src/components/index.js');
      class SlowProvider extends AuthProvider {}
      customElements.define('slow-auth-provider', SlowProvider);
      (div.firstElementChild as AuthProvider).client = client;
      await untilStatus(consumer, 'authenticated');
      expect(consumer.auth.client).to.equal(client);
    } finally {
      warnings.restore();
    }
  });
});

describe('events', () => {
  it('are bubbling, composed classes with frozen plain details', () => {
    const state = fakeClient().client.state;
    const events = [
      new AuthStateChangeEvent(state),
      new AuthLoginEvent(ada),
      new AuthLogoutEvent(),
      new AuthErrorEvent(new AuthError('invalid_credentials', 'Invalid username or password.', { status: 401, cause: new Error('x') }), 'login'),
    ];
    expect(events.map((e) => e.type)).to.deep.equal(['auth-state-change', 'auth-login', 'auth-logout', 'auth-error']);
    for (const event of events) {
      expect(event.bubbles && event.composed, event.type).to.be.true;
      expect(Object.isFrozen(event.detail), event.type).to.be.true;
    }
    expect(events[3]!.detail).to.deep.equal({
      code: 'invalid_credentials',
      message: 'Invalid username or password.',
      status: 401,
      operation: 'login',
    });
  });

  it('reach listeners outside a shadow root', async () => {
    const outer = await fixture<HTMLDivElement>(html`<div></div>`);
    const root = outer.attachShadow({ mode: 'open' });
    const { client } = fakeClient();
    const provider = document.createElement('auth-provider');
    provider.client = client;
    const seen: string[] = [];
    outer.addEventListener('auth-state-change', (e) => seen.push(e.detail.state.status));
    root.append(provider);
    await waitUntil(() => seen.includes('anonymous'));
  });
});

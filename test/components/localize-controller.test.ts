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
  registerTranslation,
  translationFor,
  type AuthLogin,
  type AuthProvider,
  type AuthStatus,
} from '../../src/components/index.js';
import { normalizeFields } from '../../src/components/localize.js';
import en from '../../src/components/translations/en.js';
import fr from '../../src/components/translations/fr.js';
import { AuthError } from '../../src/core/errors.js';
import { ada, fakeClient, session } from './fake-backend.js';
import { captureWarnings, part, untilStatus } from './helpers.js';

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

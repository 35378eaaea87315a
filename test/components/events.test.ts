/**
 * One naming pattern for the kit's events: every operation has a success event, a typed class,
 * dispatched once per success from the element the user acted on (heard there, bubbling and composed
 * up to the page), with plain data as detail; a failure dispatches only `auth-error`.
 */
import { expect, waitUntil } from '@open-wc/testing';
import '../../src/components/index.js';
import * as kit from '../../src/components/index.js';
import { ada, session, type AccountFailure, type FakeBackendOptions } from './fake-backend.js';
import { errorText, fillAndSubmit, mountForm, partText } from './helpers.js';

type El = HTMLElement & { updateComplete: Promise<unknown>; state: { status: 'unknown' | 'anonymous' | 'pending' | 'authenticated' | 'error' } };

/** Every kit event class, by event name. */
const CLASSES = new Map(
  Object.values(kit)
    .filter((value) => typeof value === 'function' && value.prototype instanceof Event && 'eventName' in value)
    .map((value) => [(value as unknown as { eventName: string }).eventName, value as unknown as typeof Event]),
);
const TYPES = [...CLASSES.keys()].filter((type) => type !== 'auth-state-change');

interface Heard {
  type: string;
  target: string;
  detail: unknown;
  onElement: boolean;
}

/** What the document heard (and whether the element heard it too), for every kit event but auth-state-change. */
function listen(el: Element): { heard: Heard[]; stop(): void } {
  const heard: Heard[] = [];
  const onElement = new Set<Event>();
  const mark = (e: Event) => onElement.add(e);
  const record = (e: Event) => {
    expect(e, e.type).to.be.instanceOf(CLASSES.get(e.type)!);
    expect(e.bubbles && e.composed, `${e.type} bubbles and is composed`).to.be.true;
    heard.push({ type: e.type, target: (e.target as Element).localName, detail: (e as CustomEvent).detail, onElement: onElement.has(e) });
  };
  for (const type of TYPES) {
    el.addEventListener(type, mark);
    document.addEventListener(type, record);
  }
  return {
    heard,
    stop() {
      for (const type of TYPES) {
        el.removeEventListener(type, mark);
        document.removeEventListener(type, record);
      }
    },
  };
}

/** Mount a form element, fill and submit it, wait until `done`; what the page heard meanwhile. */
async function submit(tag: string, options: FakeBackendOptions, values: Record<string, string>, done: (el: El) => boolean, attrs = '') {
  const { el, client } = await mountForm<El>(tag, options, attrs);
  const events = listen(el);
  try {
    await fillAndSubmit(el, values);
    await waitUntil(() => done(el), `${tag}: never settled`, { timeout: 3000 });
    await el.updateComplete;
  } finally {
    events.stop();
  }
  return { el, client, heard: events.heard.map(({ type, target, detail, onElement }) => ({ type, target, onElement, detail: JSON.parse(JSON.stringify(detail)) as unknown })) };
}

const NEW = 'a much longer new passphrase';
const signedIn = (el: El) => el.state.status === 'authenticated';
const succeeded = (el: El) => partText(el, 'success') !== '';
const failed = (el: El) => errorText(el) !== '';
const user = (u: typeof ada) => JSON.parse(JSON.stringify(u)) as unknown;

describe('kit events', () => {
  it('auth-login comes once from the <auth-login> the user signed in with, with the user', async () => {
    const { heard, client } = await submit('auth-login', {}, { username: 'ada', password: 'secret' }, signedIn);
    expect(heard).to.deep.equal([{ type: 'auth-login', target: 'auth-login', onElement: true, detail: { user: user(client.state.user as typeof ada) } }]);
  });

  it('a refused login dispatches auth-error only', async () => {
    const { heard } = await submit('auth-login', {}, { username: 'ada', password: 'wrong' }, failed);
    expect(heard.map((h) => `${h.type} ${h.target} ${h.onElement}`)).to.deep.equal(['auth-error auth-login true']);
  });

  it('a login or restore made without an element still dispatches auth-login from the provider', async () => {
    const { el, provider, client } = await mountForm<El>('auth-status', {});
    const events = listen(el);
    await client.login({ username: 'ada', password: 'secret' });
    await client.logout();
    events.stop();
    expect(events.heard.map((h) => `${h.type} ${h.target} ${h.onElement}`)).to.deep.equal(['auth-login auth-provider false', 'auth-logout auth-provider false']);
    expect(provider.localName).to.equal('auth-provider');
  });

  for (const logoutError of [undefined, 'network_error'] as const) {
    it(`auth-logout comes once from the <auth-logout> clicked${logoutError ? ', also when the server could not be told (with auth-error)' : ''}`, async () => {
      const { el } = await mountForm<El>('auth-logout', { restore: session(ada), ...(logoutError ? { logoutError } : {}) });
      const events = listen(el);
      el.shadowRoot!.querySelector('button')!.click();
      await waitUntil(() => events.heard.length === (logoutError ? 2 : 1), 'no auth-logout');
      await el.updateComplete;
      events.stop();
      const code = (detail: unknown) => (detail as { code?: string }).code ?? JSON.stringify(detail);
      expect(events.heard.map((h) => `${h.type} ${h.target} ${h.onElement} ${code(h.detail)}`)).to.deep.equal(
        logoutError ? ['auth-logout auth-logout true {}', 'auth-error auth-logout true logout_incomplete'] : ['auth-logout auth-logout true {}'],
      );
    });
  }

  const account = { name: 'New Person', email: 'new@example.com', username: 'newbie', password: NEW, 'password-repeat': NEW };
  const cases: Array<{ name: string; tag: string; options: FakeBackendOptions; attrs?: string; values: Record<string, string>; type: string; detail: unknown; failure: AccountFailure }> = [
    { name: 'registering', tag: 'auth-register', options: {}, values: account, type: 'auth-registered', detail: { username: 'newbie' }, failure: 'username_taken' },
    { name: 'registering with a mailed code', tag: 'auth-register', options: { registerVerify: true }, values: account, type: 'auth-verification-sent', detail: { username: 'newbie' }, failure: 'registration_not_allowed' },
    { name: 'resetting a password with a code', tag: 'auth-reset-password', options: {}, values: { 'reset-code': 'ABC', password: NEW, 'password-repeat': NEW }, type: 'auth-password-reset', detail: {}, failure: 'reset_token_invalid' },
    { name: 'changing the password', tag: 'auth-reset-password', options: { restore: session(ada) }, values: { 'current-password': 'old', password: NEW, 'password-repeat': NEW }, type: 'auth-password-changed', detail: { user: user(ada) }, failure: 'invalid_credentials' },
    { name: 'asking for a reset link', tag: 'auth-forgot', options: {}, values: { login: 'ada' }, type: 'auth-reset-requested', detail: { login: 'ada' }, failure: 'rate_limited' },
    { name: 'asking for the username', tag: 'auth-forgot', options: {}, attrs: 'mode="username"', values: { email: 'ada@example.com' }, type: 'auth-username-requested', detail: { email: 'ada@example.com' }, failure: 'invalid_input' },
    { name: 'updating details', tag: 'auth-update-details', options: { restore: session(ada) }, values: { name: 'Ada King' }, type: 'auth-details-updated', detail: { user: user({ ...ada, name: 'Ada King' } as typeof ada) }, failure: 'server_error' },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.type} once, from <${c.tag}>, with detail {${Object.keys(c.detail as object).join(', ')}}; a failure dispatches auth-error only`, async () => {
      const ok = await submit(c.tag, c.options, c.values, succeeded, c.attrs);
      expect(ok.heard).to.deep.equal([{ type: c.type, target: c.tag, onElement: true, detail: c.detail }]);
      const refused = await submit(c.tag, { ...c.options, accountError: c.failure }, c.values, failed, c.attrs);
      expect(refused.heard.map((h) => `${h.type} ${h.target} ${h.onElement}`)).to.deep.equal([`auth-error ${c.tag} true`]);
    });
  }

  it('a mailed code then finishes the registration: auth-registered once, from <auth-register>', async () => {
    const { el } = await mountForm<El>('auth-register', { registerVerify: true, verifiedUsername: 'newbie' });
    await fillAndSubmit(el, account);
    await waitUntil(() => el.querySelector('input[name="verify-code"]'), 'no code field');
    const events = listen(el);
    await fillAndSubmit(el, { 'verify-code': 'ABC123' });
    await waitUntil(() => partText(el, 'success').startsWith('Your account'), 'not created');
    events.stop();
    expect(events.heard.map((h) => `${h.type} ${h.target} ${h.onElement} ${JSON.stringify(h.detail)}`)).to.deep.equal(['auth-registered auth-register true {"username":"newbie"}']);
  });
});

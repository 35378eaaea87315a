/**
 * The Streamlit component page (src/streamlit/index.html) in a real iframe of a fake Streamlit host
 * (host.ts), in Chromium: the v1 messages, the widgets, the requests to Python and its replies, the
 * cookie, the theme and the frame height. Python is played by the test: it reads the component
 * values and renders the replies (python/PROTOCOL.md).
 */
import { expect } from '@open-wc/testing';
import {
  alice,
  DARK,
  errorText,
  FakeStreamlit,
  fill,
  LIGHT,
  LIGHT_SIDEBAR,
  ok,
  ORIGIN,
  PAGE,
  partText,
  refused,
  untilStatus,
  waitUntil,
  widget,
  type Args,
  type Value,
} from './host.js';

type El = HTMLElement & { updateComplete: Promise<unknown>; state: { status: string } };

afterEach(() => FakeStreamlit.stopAll());

/** The login widget, signed out, with a login request sent: the host and the request's value. */
async function loginSent(patch: Partial<Args> = {}, password = 'a wrong password') {
  const host = await FakeStreamlit.start({ args: { widget: 'login', ...patch } });
  const login = await untilStatus(host, 'auth-login', 'anonymous');
  fill(login, { username: 'alice', password });
  const value = await host.value(0);
  return { host, login, value };
}

/** Post from a window other than the parent (a same-origin sibling frame), as a script there would. */
function forge(host: FakeStreamlit, data: unknown): HTMLIFrameElement {
  const sibling = document.createElement('iframe');
  document.body.append(sibling);
  const win = sibling.contentWindow as Window & typeof globalThis;
  // A function of the sibling's realm: the message's source is the sibling, its origin ours.
  new win.Function('target', 'data', 'target.postMessage(data, "*")')(host.window, data);
  return sibling;
}

const text = (el: Element | null) => el?.textContent?.trim() ?? '';
/** A node's tag name: assertions compare names, never nodes (a failing one would serialise a whole iframe). */
const tagOf = (el: Element | null) => el?.localName ?? null;

describe('streamlit component: the v1 messages', () => {
  it('says it is ready with API version 1, and posts only to the app origin, never "*"', async () => {
    const { host, value } = await loginSent();
    host.render({ reply: refused(value.id, 'invalid_credentials') });
    await host.value(1); // the ack
    await host.flush();
    expect(host.received[0]).to.deep.equal({ isStreamlitMessage: true, type: 'streamlit:componentReady', apiVersion: 1 });
    expect(host.received.filter((m) => m.type === 'streamlit:componentReady')).to.have.length(1);
    expect(host.received.find((m) => m.type === 'streamlit:setComponentValue')).to.deep.equal({
      isStreamlitMessage: true,
      type: 'streamlit:setComponentValue',
      value,
      dataType: 'json',
    });
    // Every message, componentReady included, recorded from inside the page (test/streamlit/recorder.js).
    const targets = host.window.__postTargets!;
    expect(targets.length).to.equal(host.received.length);
    expect(new Set(targets)).to.deep.equal(new Set([ORIGIN]));
  });

  it('stays inert when streamlitUrl names another origin or is missing', async () => {
    for (const query of [`streamlitUrl=${encodeURIComponent('https://evil.example/')}`, '']) {
      const iframe = document.createElement('iframe');
      iframe.src = `${PAGE}?${query}`;
      const messages: unknown[] = [];
      const listen = (event: MessageEvent) => event.source === iframe.contentWindow && messages.push(event.data);
      window.addEventListener('message', listen);
      document.body.append(iframe);
      await new Promise((resolve) => iframe.addEventListener('load', resolve, { once: true }));
      // The page ran (its module script finished before load) and set up nothing.
      const win = iframe.contentWindow as Window & { __postTargets?: string[] };
      expect(win.__postTargets).to.deep.equal([]);
      expect(tagOf(win.document.querySelector('auth-provider'))).to.equal(null);
      window.removeEventListener('message', listen);
      iframe.remove();
      expect(messages).to.deep.equal([]);
    }
  });
});

describe('streamlit component: widgets', () => {
  const cases: Array<[string, string | null, Partial<Args>, (el: El, host: FakeStreamlit) => void | Promise<void>]> = [
    ['login', 'auth-login', {}, (el) => expect(tagOf(el.querySelector('input[name=password]'))).to.be.a('string')],
    ['logout', 'auth-logout', { session: alice, options: { button_name: 'Sign out' } }, (el) => {
      expect(el.getAttribute('button-name')).to.equal('Sign out');
      expect(text(el.shadowRoot!.querySelector('[part=button]'))).to.equal('Sign out');
    }],
    ['register', 'auth-register', { options: { password_min_length: 12 } }, (el) => {
      expect(el.getAttribute('password-min-length')).to.equal('12');
      expect(el.querySelector('input[name=password]')!.getAttribute('minlength')).to.equal('12');
    }],
    ['reset_password', 'auth-reset-password', { options: { token: 'reset-code-1' } }, (el) => {
      expect((el as El & { token?: string }).token).to.equal('reset-code-1');
      expect(tagOf(el.querySelector('input[name=reset-code]'))).to.equal(null);
    }],
    ['forgot_password', 'auth-forgot', {}, (el) => {
      expect(el.getAttribute('mode')).to.equal('password');
      expect(tagOf(el.querySelector('input[name=login]'))).to.be.a('string');
    }],
    ['forgot_username', 'auth-forgot', {}, (el) => {
      expect(el.getAttribute('mode')).to.equal('username');
      expect(tagOf(el.querySelector('input[name=email]'))).to.be.a('string');
    }],
    ['update_details', 'auth-update-details', { session: alice }, (el) => {
      expect(el.querySelector<HTMLInputElement>('input[name=name]')!.value).to.equal('Alice Example');
    }],
    ['status', 'auth-status', { session: alice }, (el) => expect(partText(el, 'user')).to.equal('Alice Example')],
  ];
  for (const [kind, tag, patch, check] of cases) {
    it(`"${kind}" shows <${tag}>`, async () => {
      const host = await FakeStreamlit.start({ args: { widget: kind, ...patch } });
      await untilStatus(host, tag!, patch.session ? 'authenticated' : 'anonymous');
      const el = widget<El>(host, tag!)!;
      expect(host.document.querySelectorAll('auth-provider > *')).to.have.length(1);
      expect(el.getAttribute('location')).to.equal('main');
      await check(el, host);
      await host.until((m) => m.type === 'streamlit:setFrameHeight', 'a height');
      expect(host.heights[0]).to.be.above(20);
    });
  }

  it('"session" shows nothing and is 0 px high', async () => {
    const host = await FakeStreamlit.start({ args: { widget: 'session', session: alice } });
    await host.until((m) => m.type === 'streamlit:setFrameHeight', 'a height');
    expect(host.heights).to.deep.equal([0]);
    expect(host.document.querySelectorAll('auth-provider > *')).to.have.length(0);
  });

  it('maps location, lang and fields (Streamlit-Authenticator names) onto the element', async () => {
    const host = await FakeStreamlit.start({
      args: { widget: 'login', location: 'sidebar', lang: 'fr', fields: { 'Form name': 'Connexion à l’app', Login: 'Entrer' } },
    });
    const login = await untilStatus(host, 'auth-login', 'anonymous');
    // The frame gets its first height once the French strings are there.
    await host.until((m) => m.type === 'streamlit:setFrameHeight', 'a height');
    expect(login.getAttribute('location')).to.equal('sidebar');
    expect(host.document.documentElement.lang).to.equal('fr');
    expect(partText(login, 'header')).to.equal('Connexion à l’app');
    expect(text(login.querySelector('button[type=submit]'))).to.equal('Entrer');
    expect(text(login.querySelector('label[for$="-username"]'))).to.equal("Nom d'utilisateur");
    host.render({ fields: null, location: 'main' });
    await waitUntil(() => partText(login, 'header') === 'Connexion', 'fields dropped');
    expect(login.getAttribute('location')).to.equal('main');
  });

  it('gives a reset code from Python to the element once (a used code is not given again)', async () => {
    const host = await FakeStreamlit.start({ args: { widget: 'reset_password', options: { token: 'code-1' } } });
    const el = (await untilStatus(host, 'auth-reset-password', 'anonymous')) as El & { token?: string };
    fill(el, { password: 'a long enough new password', 'password-repeat': 'a long enough new password' });
    const value = await host.value(0);
    expect(value.op).to.equal('reset_password');
    expect(value.input).to.deep.equal({ token: 'code-1', password: 'a long enough new password' });
    host.render({ reply: ok(value.id) });
    await waitUntil(() => partText(el, 'success') !== '', 'the success message');
    expect(el.token).to.equal(undefined);
    // The next run repeats the same options: the used code stays used; the form asks for a code.
    host.render({});
    await host.handled();
    await el.updateComplete;
    expect(el.token).to.equal(undefined);
    expect(tagOf(el.querySelector('input[name=reset-code]'))).to.be.a('string');
  });

  it('gives a registration code from Python (a mailed ?verify_token= link) to the element: one click finishes it', async () => {
    const code = 'v'.repeat(43);
    const host = await FakeStreamlit.start({ args: { widget: 'register', options: { password_min_length: 15, token: code } } });
    const el = (await untilStatus(host, 'auth-register', 'anonymous')) as El & { token?: string };
    expect(el.token).to.equal(code);
    expect(tagOf(el.querySelector('input[name=password]'))).to.equal(null);
    el.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
    const value = await host.value(0);
    expect(value.op).to.equal('verify_registration');
    expect(value.input).to.deep.equal({ token: code });
    host.render({ reply: ok(value.id, { username: 'newbie' }) });
    await waitUntil(() => partText(el, 'success') !== '', 'the success message');
    expect(el.token).to.equal(undefined);
  });
});

describe('streamlit component: requests to Python', () => {
  it('a login posts exactly {v, id, op: "login", input: {username, password}} and no token', async () => {
    const cookie = { name: 'ae_login_test', value: 'session-token-xyz', max_age: 60, secure: false };
    const { host, value } = await loginSent({ cookie }, 'the password 123');
    expect(value).to.deep.equal({ v: 1, id: value.id, op: 'login', input: { username: 'alice', password: 'the password 123' } });
    expect(value.id).to.match(/^[A-Za-z0-9_-]{22,}$/);
    expect(JSON.stringify(host.received)).not.to.include('session-token-xyz');
    host.document.cookie = 'ae_login_test=; Path=/; Max-Age=0';
  });

  it('an error reply shows the translated message in the alert, keeps the username, and acks the request', async () => {
    for (const [lang, message] of [
      ['en', 'Invalid username or password.'],
      ['fr', "Nom d'utilisateur ou mot de passe incorrect."],
    ] as const) {
      const { host, login, value } = await loginSent({ lang });
      host.render({ reply: refused(value.id, 'invalid_credentials') });
      await waitUntil(() => errorText(login) === message, `the ${lang} message (is "${errorText(login)}")`);
      // Wrong credentials are shown next to the fields, as an alert.
      expect(login.querySelector('[part~="field-error"]')!.getAttribute('role')).to.equal('alert');
      expect(login.querySelector<HTMLInputElement>('input[name=username]')!.value).to.equal('alice');
      expect(login.querySelector<HTMLInputElement>('input[name=password]')!.value).to.equal('');
      const ack = await host.value(1);
      expect(ack).to.deep.equal({ v: 1, id: ack.id, op: 'ack', input: { of: value.id } });
      expect(ack.id).to.match(/^[A-Za-z0-9_-]{22,}$/).and.not.equal(value.id);
      // The reply comes again on later runs: handled once.
      host.render({});
      await host.handled();
      await host.flush();
      expect(host.values).to.have.length(2);
      host.stop();
    }
  });

  it('shows rate limits and the reason Python gives for a weak password', async () => {
    const { host, login, value } = await loginSent();
    host.render({ reply: refused(value.id, 'rate_limited', { retry_after: 30 }) });
    await waitUntil(() => errorText(login) === 'Too many attempts. Try again in 30 seconds.', 'rate limit');
    const reg = await FakeStreamlit.start({ args: { widget: 'register' } });
    const el = await untilStatus(reg, 'auth-register', 'anonymous');
    fill(el, { name: 'Bo', email: 'bo@example.com', username: 'bo', password: 'password password', 'password-repeat': 'password password' });
    const request = await reg.value(0);
    expect(request).to.deep.equal({
      v: 1,
      id: request.id,
      op: 'register',
      input: { name: 'Bo', email: 'bo@example.com', username: 'bo', password: 'password password' },
    });
    reg.render({ reply: refused(request.id, 'weak_password', { description: 'This password is too common.' }) });
    await waitUntil(() => errorText(el).endsWith('This password is too common.'), 'the reason');
    expect((await reg.value(1)).op).to.equal('ack');
  });

  it('the register widget rates a common password with the list it loads on first typing (8+ policy: both bands)', async () => {
    const host = await FakeStreamlit.start({ args: { widget: 'register', options: { password_min_length: 8 } } });
    const el = await untilStatus(host, 'auth-register', 'anonymous');
    const fetched = () =>
      host.iframe
        .contentWindow!.performance.getEntriesByType('resource')
        .map((entry) => /common-passwords-(\d+)/.exec(entry.name)?.[1])
        .filter(Boolean)
        .sort();
    expect(fetched(), 'before typing').to.deep.equal([]);
    const input = el.querySelector<HTMLInputElement>('input[name="password"]')!;
    input.value = 'passwordpassword';
    input.dispatchEvent(new Event('input', { bubbles: true }));
    const meter = () => el.querySelector<HTMLElement>('[part~="strength"]');
    await waitUntil(() => meter()?.dataset['level'] === 'common', `reading ${meter()?.textContent}`, { timeout: 5000 });
    expect(meter()!.textContent).to.equal('Too common');
    expect(fetched()).to.deep.equal(['15', '8']);
    // Typing sends Python nothing.
    expect(host.received.filter((m) => JSON.stringify(m).includes('passwordpassword'))).to.deep.equal([]);
  });

  it('ignores a reply to another request (an older one, sent again on a rerun)', async () => {
    const { host, login, value } = await loginSent();
    host.render({ reply: refused('an-older-request-id-0000000', 'invalid_credentials') });
    await host.handled();
    await host.flush();
    expect(login.state.status).to.equal('pending');
    expect(errorText(login)).to.equal('');
    expect(host.values).to.have.length(1);
    host.render({ reply: refused(value.id, 'invalid_credentials') });
    await untilStatus(host, 'auth-login', 'anonymous');
  });

  it('a successful login: the session shows in the status widget; no ack, unless Python renders the login widget again', async () => {
    const { host, login, value } = await loginSent({}, 'the right password');
    const status = await FakeStreamlit.start({ args: { widget: 'status' } });
    const el = await untilStatus(status, 'auth-status', 'anonymous');
    expect(partText(el, 'message')).to.equal('Not logged in');
    // The run that handled the login renders both widgets with the new session.
    host.render({ reply: ok(value.id), session: alice });
    status.render({ session: alice });
    await untilStatus(host, 'auth-login', 'authenticated');
    await waitUntil(() => partText(el, 'user') === 'Alice Example', 'the user in the status widget');
    expect(text(el.shadowRoot!.querySelector('[part=role]'))).to.equal('admin');
    // Said once, in the frame the user acted in: each widget frame has its own provider and live region.
    const said = (frame: FakeStreamlit) => text(frame.document.querySelector('auth-provider')!.shadowRoot!.querySelector('[part=announcement]'));
    await waitUntil(() => said(host) === 'Logged in as Alice Example', 'announced in the login frame');
    expect(said(status)).to.equal('');
    await host.until((m) => m.type === 'streamlit:setFrameHeight' && m.height === 0, 'the login widget folds away');
    await host.flush();
    expect(host.values).to.have.length(1);
    expect(login.querySelector<HTMLInputElement>('input[name=password]')!.value).to.equal('');
    // Python renders the login widget in the next run too: its password must leave widget state.
    host.render({});
    const ack = await host.value(1);
    expect(ack.op).to.equal('ack');
    expect(ack.input).to.deep.equal({ of: value.id });
    host.render({});
    await host.handled();
    await host.flush();
    expect(host.values).to.have.length(2);
  });

  it('a logout asks Python, which ends the session', async () => {
    const host = await FakeStreamlit.start({ args: { widget: 'logout', session: alice } });
    const el = await untilStatus(host, 'auth-logout', 'authenticated');
    el.shadowRoot!.querySelector<HTMLButtonElement>('[part=button]')!.click();
    const value = await host.value(0);
    expect(value).to.deep.equal({ v: 1, id: value.id, op: 'logout', input: {} });
    host.render({ reply: ok(value.id), session: null, cookie: { name: 'ae_logout_test', clear: true } });
    await untilStatus(host, 'auth-logout', 'anonymous');
    const said = () => text(host.document.querySelector('auth-provider')!.shadowRoot!.querySelector('[part=announcement]'));
    await waitUntil(() => said() === 'Logged out', 'announced where the user acted');
    await host.flush();
    expect(host.values).to.have.length(1); // no password, no ack
  });

  it('session changes from Python sign the widgets in and out (watch)', async () => {
    const login = await FakeStreamlit.start({ args: { widget: 'login' } });
    const status = await FakeStreamlit.start({ args: { widget: 'status' } });
    await untilStatus(login, 'auth-login', 'anonymous');
    const el = await untilStatus(status, 'auth-status', 'anonymous');
    for (const host of [login, status]) host.render({ session: alice });
    await untilStatus(login, 'auth-login', 'authenticated');
    await waitUntil(() => partText(el, 'user') === 'Alice Example', 'signed in');
    // Renamed by update_details in another widget: the status follows.
    status.render({ session: { ...alice, user: { ...alice.user, name: 'Alice B. Example' } } });
    await waitUntil(() => partText(el, 'user') === 'Alice B. Example', 'renamed');
    // Signed out by Python (another tab, an expired session).
    for (const host of [login, status]) host.render({ session: null });
    await untilStatus(login, 'auth-login', 'anonymous');
    await waitUntil(() => partText(el, 'message') === 'Not logged in', 'signed out');
    expect(login.values).to.have.length(0);
    // Nobody acted in these frames: nothing is announced in them (the frame acted in says it).
    for (const host of [login, status]) {
      expect(text(host.document.querySelector('auth-provider')!.shadowRoot!.querySelector('[part=announcement]'))).to.equal('');
    }
  });

  it('a session on the first render: the login form is never shown', async () => {
    const host = await FakeStreamlit.start({ args: { widget: 'login', session: alice } });
    await untilStatus(host, 'auth-login', 'authenticated');
    await host.until((m) => m.type === 'streamlit:setFrameHeight', 'a height');
    expect(host.heights).to.deep.equal([0]);
  });

  it('ASGI mode: credentials go to the route with fetch, then the code is redeemed; no password in widget state', async () => {
    const ns = `t${Math.random().toString(36).slice(2)}`;
    const route = `/__st-route/${ns}`;
    const { host, login, value } = await loginSent({ route }, 'correct horse battery staple');
    expect(value.op).to.equal('redeem');
    expect(value.input).to.have.keys('code');
    const log = await (await fetch(`${route}/log`)).json();
    expect(log).to.have.length(1);
    expect(log[0]).to.include({ op: 'login', contentType: 'application/json', fetchSite: 'same-origin' });
    expect(log[0].body).to.deep.equal({ username: 'alice', password: 'correct horse battery staple' });
    expect(value.input.code).to.match(/^one-time-\d+$/);
    // The route's cookie is HttpOnly: no script in the page can read it.
    expect(host.document.cookie).not.to.include(`st_route_${ns}`);
    host.render({ reply: ok(value.id), session: alice });
    await untilStatus(host, 'auth-login', 'authenticated');
    await host.flush();
    expect(JSON.stringify(host.values)).not.to.include('correct horse');
    expect(host.values.map((v) => v.op)).to.deep.equal(['redeem']);
    expect(login.querySelector<HTMLInputElement>('input[name=password]')!.value).to.equal('');
  });

  it('ASGI mode: a refused password is shown from the route\'s answer; nothing reaches widget state', async () => {
    const route = `/__st-route/t${Math.random().toString(36).slice(2)}`;
    const host = await FakeStreamlit.start({ args: { widget: 'login', route } });
    const login = await untilStatus(host, 'auth-login', 'anonymous');
    fill(login, { username: 'alice', password: 'not it' });
    await waitUntil(() => errorText(login) === 'Invalid username or password.', 'the error');
    fill(login, { username: 'flood', password: 'again' });
    await waitUntil(() => errorText(login) === 'Too many attempts. Try again in 30 seconds.', 'rate limited');
    await host.flush();
    expect(host.values).to.deep.equal([]);
    expect((await (await fetch(`${route}/log`)).json()).map((r: { op: string }) => r.op)).to.deep.equal(['login', 'login']);
  });
});

describe('streamlit component: who may talk to it', () => {
  it('a render from a window other than the parent cannot change the state, nor answer a request', async () => {
    const { host, login, value } = await loginSent();
    const forged = { type: 'streamlit:render', args: { ...host.args, reply: ok(value.id), session: alice }, dfs: [], disabled: false, theme: null };
    const handled = host.handled();
    const sibling = forge(host, forged);
    await handled;
    await login.updateComplete;
    expect(login.state.status).to.equal('pending');
    sibling.remove();
    // The parent's answer still counts.
    host.render({ reply: refused(value.id, 'invalid_credentials') });
    await waitUntil(() => errorText(login) === 'Invalid username or password.', 'the real reply');
  });

  it('a render from another origin (a sibling frame, or a parent on another origin) is ignored', async () => {
    const other = ORIGIN.replace('://localhost', '://127.0.0.1');
    expect(other).not.to.equal(ORIGIN);
    const host = await FakeStreamlit.start({ args: { widget: 'status' } });
    const el = await untilStatus(host, 'auth-status', 'anonymous');
    const index = [...Array(window.frames.length).keys()].find((i) => window.frames[i] === host.window)!;
    const render = { type: 'streamlit:render', args: { ...host.args, session: alice }, dfs: [], disabled: false, theme: null };
    const handled = host.handled();
    const sibling = document.createElement('iframe');
    sibling.src = `${other}/test/streamlit/forger.html#${encodeURIComponent(JSON.stringify({ frame: index, data: render }))}`;
    document.body.append(sibling);
    await handled;
    await el.updateComplete;
    expect(partText(el, 'message')).to.equal('Not logged in');
    sibling.remove();

    // The component under a parent on another origin: that parent's renders are refused.
    const relay = document.createElement('iframe');
    const inner = `${ORIGIN}${PAGE}?streamlitUrl=${encodeURIComponent(`${ORIGIN}/`)}`;
    relay.src = `${other}/test/streamlit/relay.html#${encodeURIComponent(JSON.stringify({ src: inner, data: render }))}`;
    document.body.append(relay);
    await waitUntil(() => {
      try {
        return relay.contentWindow!.frames[0]!.document.readyState === 'complete';
      } catch {
        return false;
      }
    }, 'the component inside the relay');
    const component = relay.contentWindow!.frames[0] as Window;
    const got = new Promise((resolve) => component.addEventListener('message', () => setTimeout(resolve), { once: true }));
    relay.contentWindow!.postMessage('go', other);
    await got;
    expect(tagOf(component.document.querySelector('auth-provider > *'))).to.equal(null);
    relay.remove();
  });

  it('ignores renders of the wrong shape', async () => {
    const host = await FakeStreamlit.start({
      args: { widget: 'status' },
      beforeFirstRender: (win) => spyCookies(win),
    });
    const el = await untilStatus(host, 'auth-status', 'anonymous');
    const good = { ...host.args, session: alice };
    const cookie = { name: 'ae_shape', value: 'v', max_age: 10, secure: false };
    const bad: unknown[] = [
      null,
      'streamlit:render',
      { type: 'streamlit:rendered', args: good },
      { type: 'streamlit:render', args: 'not an object' },
      { type: 'streamlit:render', args: { ...good, v: 2 } },
      { type: 'streamlit:render', args: { ...good, v: undefined } },
      { type: 'streamlit:render', args: { ...good, widget: 'admin' } },
      { type: 'streamlit:render', args: { ...good, location: 'top' } },
      { type: 'streamlit:render', args: { ...good, session: { user: { name: 'No id' } } } },
      { type: 'streamlit:render', args: { ...good, session: { user: { id: 42 } } } },
      { type: 'streamlit:render', args: { ...good, session: { user: { id: 'u-1', roles: 'admin' } } } },
      { type: 'streamlit:render', args: { ...good, reply: { id: 5, ok: true } } },
      { type: 'streamlit:render', args: { ...good, reply: { id: 'x', ok: false } } },
      { type: 'streamlit:render', args: { ...good, cookie: { ...cookie, name: 'ae; Domain=evil.example' } } },
      { type: 'streamlit:render', args: { ...good, cookie: { ...cookie, value: 'v; Domain=evil.example' } } },
      { type: 'streamlit:render', args: { ...good, cookie: { ...cookie, max_age: -1 } } },
      { type: 'streamlit:render', args: { ...good, route: '//evil.example/steal' } },
      { type: 'streamlit:render', args: { ...good, route: 'https://evil.example/steal' } },
      { type: 'streamlit:render', args: { ...good, route: '/\\evil.example' } },
    ];
    for (const data of bad) {
      const handled = host.handled();
      host.post(data);
      await handled;
    }
    await el.updateComplete;
    expect(partText(el, 'message')).to.equal('Not logged in');
    expect(cookieWrites(host.window)).to.deep.equal([]);
    host.render({ session: alice });
    await waitUntil(() => partText(el, 'user') === 'Alice Example', 'a good render still counts');
  });
});

/** Record every `document.cookie = …` of the iframe (installed before its first render). */
function spyCookies(win: Window): void {
  const writes: string[] = [];
  const native = Object.getOwnPropertyDescriptor((win as unknown as typeof globalThis).Document.prototype, 'cookie')!;
  Object.defineProperty(win.document, 'cookie', {
    configurable: true,
    get() {
      return native.get!.call(this);
    },
    set(value: string) {
      writes.push(value);
      native.set!.call(this, value);
    },
  });
  (win as Window & { __cookieWrites?: string[] }).__cookieWrites = writes;
}

function cookieWrites(win: Window): string[] {
  return (win as Window & { __cookieWrites?: string[] }).__cookieWrites ?? [];
}

describe('streamlit component: the session cookie', () => {
  it('writes args.cookie once, with Path=/, Max-Age, SameSite=Strict and Secure, and clears it', async () => {
    const cookie = { name: 'ae_cookie_test', value: 'tok.en-1_2', max_age: 3600, secure: true };
    const host = await FakeStreamlit.start({ args: { widget: 'session', cookie }, beforeFirstRender: spyCookies });
    await host.until((m) => m.type === 'streamlit:setFrameHeight', 'a height');
    expect(cookieWrites(host.window)).to.deep.equal(['ae_cookie_test=tok.en-1_2; Path=/; Max-Age=3600; SameSite=Strict; Secure']);
    expect(host.document.cookie.split('; ')).to.include('ae_cookie_test=tok.en-1_2');
    // Later runs repeat it (even with a recomputed Max-Age): not written again.
    for (const patch of [{}, { cookie: { ...cookie, max_age: 3599 } }]) {
      host.render(patch);
      await host.handled();
    }
    expect(cookieWrites(host.window)).to.have.length(1);
    // Another iframe of the page (another widget) gets the same cookie: it is there already.
    const other = await FakeStreamlit.start({ args: { widget: 'session', cookie }, beforeFirstRender: spyCookies });
    await other.until((m) => m.type === 'streamlit:setFrameHeight', 'a height');
    expect(cookieWrites(other.window)).to.deep.equal([]);
    // Logout: cleared once.
    host.render({ cookie: { name: 'ae_cookie_test', clear: true } });
    await host.handled();
    host.render({});
    await host.handled();
    expect(cookieWrites(host.window).slice(1)).to.deep.equal(['ae_cookie_test=; Path=/; Max-Age=0; SameSite=Strict']);
    expect(host.document.cookie).not.to.include('ae_cookie_test');
    // A new login brings a new token: written.
    host.render({ cookie: { ...cookie, value: 'tok.en-2' } });
    await host.handled();
    expect(cookieWrites(host.window)).to.have.length(3);
    host.render({ cookie: { name: 'ae_cookie_test', clear: true } });
    await host.handled();
    expect(host.document.cookie).not.to.include('ae_cookie_test');
  });
});

describe('streamlit component: theme and frame height', () => {
  const rgb = (el: Element, property: string) => getComputedStyle(el).getPropertyValue(property);

  it("maps Streamlit's light and dark themes (and the sidebar's) onto the widgets", async () => {
    const host = await FakeStreamlit.start({ args: { widget: 'login' }, theme: LIGHT });
    const login = await untilStatus(host, 'auth-login', 'anonymous');
    const button = login.querySelector('button[type=submit]')!;
    const input = login.querySelector('input[name=username]')!;
    const label = login.querySelector('label')!;
    const card = login.shadowRoot!.querySelector('[part=base]')!;
    const expectColours = (theme: string, colours: Record<string, [Element, string, string]>) => {
      for (const [what, [el, property, value]] of Object.entries(colours)) expect(rgb(el, property), `${theme}: ${what}`).to.equal(value);
    };
    expectColours('light', {
      button: [button, 'background-color', 'rgb(255, 75, 75)'],
      'button text': [button, 'color', 'rgb(255, 255, 255)'],
      input: [input, 'background-color', 'rgb(240, 242, 246)'],
      card: [card, 'background-color', 'rgb(255, 255, 255)'],
      label: [label, 'color', 'rgb(49, 51, 63)'],
    });
    expect(rgb(label, 'font-family')).to.include('Source Sans Pro');
    // Streamlit gives its iframes `color-scheme: normal`: a root with another scheme would get an opaque
    // canvas behind it (a box of another colour around the card). The scheme is set below the root.
    const scheme = () => [rgb(host.document.documentElement, 'color-scheme'), rgb(host.document.body, 'color-scheme')];
    expect(scheme()).to.deep.equal(['normal', 'light']);
    // The widget takes the body's scheme (Streamlit's theme), not the OS's: native parts (caret, autofill,
    // scrollbars) match the card.
    expect(rgb(login, 'color-scheme'), 'light theme: the widget').to.equal('light');
    host.render({}, DARK);
    await waitUntil(() => rgb(card, 'background-color') === 'rgb(14, 17, 23)', 'dark card');
    expectColours('dark', {
      button: [button, 'background-color', 'rgb(255, 75, 75)'],
      'button text': [button, 'color', 'rgb(255, 255, 255)'],
      input: [input, 'background-color', 'rgb(38, 39, 48)'],
      input_text: [input, 'color', 'rgb(250, 250, 250)'],
      label: [label, 'color', 'rgb(250, 250, 250)'],
    });
    expect(scheme()).to.deep.equal(['normal', 'dark']);
    expect(rgb(login, 'color-scheme'), 'dark theme on a light OS: the widget').to.equal('dark');
    // The sidebar's theme (backgrounds swapped): the card takes the sidebar's grey, inputs white.
    host.render({ location: 'sidebar' }, LIGHT_SIDEBAR);
    await waitUntil(() => rgb(card, 'background-color') === 'rgb(240, 242, 246)', 'sidebar card');
    expect(rgb(input, 'background-color')).to.equal('rgb(255, 255, 255)');
    // A light primary colour gets dark text.
    host.render({}, { ...LIGHT, primaryColor: '#ffd700' });
    await waitUntil(() => rgb(button, 'background-color') === 'rgb(255, 215, 0)', 'gold');
    expect(rgb(button, 'color')).to.equal('rgb(14, 17, 23)');
  });

  it('a field error is red and reads at 4.5:1 or more on the card, in the light and the dark theme', async () => {
    // Relative luminance and contrast (WCAG 2) of two computed rgb() colours.
    const luminance = (color: string) => {
      const [r, g, b] = color.match(/\d+(\.\d+)?/g)!.slice(0, 3).map((v) => {
        const c = Number(v) / 255;
        return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      }) as [number, number, number];
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const contrast = (a: string, b: string) => {
      const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
      return (hi + 0.05) / (lo + 0.05);
    };
    for (const theme of [LIGHT, DARK]) {
      const host = await FakeStreamlit.start({ args: { widget: 'login' }, theme });
      const login = await untilStatus(host, 'auth-login', 'anonymous');
      fill(login, { username: 'alice', password: 'wrong' });
      const value = await host.value(0);
      host.render({ reply: refused(value.id, 'invalid_credentials') });
      await waitUntil(() => login.querySelector('[part~=field-error]') !== null, 'the field error');
      const text = rgb(login.querySelector('[part~=field-error]')!, 'color');
      const card = rgb(login.shadowRoot!.querySelector('[part=base]')!, 'background-color');
      expect(contrast(text, card), `${theme.base}: ${text} on ${card}`).to.be.at.least(4.5);
      // Red like Streamlit's invalid border, not st.error's near-white text (which sits on a red box).
      const [r, g, b] = text.match(/\d+/g)!.map(Number) as [number, number, number];
      expect(r - Math.max(g, b), `${theme.base}: ${text} is red`).to.be.at.least(60);
    }
  });

  it("takes the app page's @font-face rules for Streamlit's font (URLs made absolute), and only those", async () => {
    const style = document.createElement('style');
    style.textContent = `
      @font-face { font-family: "Source Sans Pro"; src: url("fonts/source-sans.woff2") format("woff2"); font-weight: 400; }
      @font-face { font-family: "Another Font"; src: url("fonts/another.woff2"); }`;
    document.head.append(style);
    try {
      const host = await FakeStreamlit.start({ args: { widget: 'login' }, theme: LIGHT });
      await untilStatus(host, 'auth-login', 'anonymous');
      const adopted = host.document.adoptedStyleSheets.flatMap((sheet) => [...sheet.cssRules].map((rule) => rule.cssText)).join('\n');
      expect(adopted).to.include(`url("${new URL('fonts/source-sans.woff2', location.href).href}")`);
      expect(adopted).not.to.include('Another Font');
      expect([...host.document.fonts].map((face) => face.family.replace(/"/g, ''))).to.include('Source Sans Pro');
    } finally {
      style.remove();
    }
  });

  it('keeps the frame as tall as the widget: one height at first, then it grows for an error; never a scrollbar', async () => {
    const host = await FakeStreamlit.start({ args: { widget: 'login' } });
    const login = await untilStatus(host, 'auth-login', 'anonymous');
    await host.until((m) => m.type === 'streamlit:setFrameHeight', 'a height');
    const doc = host.document;
    const content = () => Math.ceil(doc.getElementById('root')!.getBoundingClientRect().height);
    const fits = () => {
      expect(doc.documentElement.scrollHeight).to.be.at.most(doc.documentElement.clientHeight);
      expect(doc.documentElement.scrollWidth).to.be.at.most(doc.documentElement.clientWidth);
      expect(host.iframe.getBoundingClientRect().height).to.equal(content());
    };
    await host.flush();
    expect(host.heights).to.deep.equal([content()]); // the real height at once: no placeholder first
    expect(host.heights[0]).to.be.above(200);
    fits();
    fill(login, { username: 'alice', password: 'wrong' });
    const value = await host.value(0);
    host.render({ reply: refused(value.id, 'invalid_credentials') });
    await waitUntil(() => errorText(login) !== '', 'the error');
    await waitUntil(() => host.heights.at(-1) === content(), 'the frame follows the error');
    expect(host.heights.at(-1)).to.be.above(host.heights[0]!);
    fits();
  });

  it('grows for a success message too (forgot password), in the sidebar width', async () => {
    const host = await FakeStreamlit.start({ args: { widget: 'forgot_password', location: 'sidebar' }, width: '250px' });
    const el = await untilStatus(host, 'auth-forgot', 'anonymous');
    await host.until((m) => m.type === 'streamlit:setFrameHeight', 'a height');
    const first = host.heights[0]!;
    fill(el, { login: 'alice' });
    const value: Value = await host.value(0);
    expect(value).to.deep.equal({ v: 1, id: value.id, op: 'request_password_reset', input: { login: 'alice' } });
    host.render({ reply: ok(value.id) });
    await waitUntil(() => partText(el, 'success') !== '', 'the success message');
    const doc = host.document;
    await waitUntil(() => host.heights.at(-1) === Math.ceil(doc.getElementById('root')!.getBoundingClientRect().height), 'the frame follows');
    expect(host.heights.at(-1)).to.be.above(first);
    expect(doc.documentElement.scrollWidth).to.be.at.most(doc.documentElement.clientWidth);
    await host.flush();
    expect(host.values).to.have.length(1); // no password: no ack
  });
});

/**
 * HostBackend alone (a unit test of one piece: `send` records the component values, the test plays
 * the renders; the ASGI cases get a stand-in fetch). The whole page is tested in component.test.ts.
 */
import { expect } from '@open-wc/testing';
import { waitUntil } from './host.js';
import type { OperationContext } from '../../src/core/backend.js';
import { AuthClient } from '../../src/core/client.js';
import { AuthError } from '../../src/core/errors.js';
import { HostBackend, type HostRequest } from '../../src/streamlit/host-backend.js';
import { readArgs, type RenderArgs } from '../../src/streamlit/protocol.js';
import type { HostTabs } from '../../src/streamlit/tabs.js';

const alice = { user: { id: 'u-1', username: 'alice', name: 'Alice', email: 'a@example.com', roles: ['admin'] }, expires_at: 1767225600000 };

function render(patch: Record<string, unknown> = {}): RenderArgs {
  return readArgs({ v: 1, widget: 'login', location: 'main', lang: null, fields: null, options: {}, session: null, reply: null, cookie: null, route: null, ...patch })!;
}

function setup(options: { timeoutMs?: number; fetch?: typeof fetch; tabs?: HostTabs } = {}) {
  const sent: HostRequest[] = [];
  const backend = new HostBackend({ send: (value) => sent.push(value), origin: location.origin, ...options });
  const ctx = (signal = new AbortController().signal): OperationContext => ({ signal, now: () => Date.now() });
  return { backend, sent, ctx };
}

async function rejection(promise: Promise<unknown>): Promise<AuthError> {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(AuthError);
    return err as AuthError;
  }
  throw new Error('expected a rejection');
}

const ops = (sent: HostRequest[]) => sent.map((v) => v.op);

describe('HostBackend', () => {
  it('restores from the first render: the user as Python describes them; the expiry stays with Python', async () => {
    const { backend, ctx } = setup();
    let restored = false;
    const restore = backend.restore(ctx()).then((s) => ((restored = true), s));
    await Promise.resolve();
    expect(restored).to.equal(false);
    backend.render(render({ session: alice }));
    const session = await restore;
    expect(session!.user).to.include({ id: 'u-1', username: 'alice', name: 'Alice', email: 'a@example.com' });
    expect(session!.user.roles).to.deep.equal(['admin']);
    expect(session!.expiresAt).to.equal(null);
    expect(session!.refreshable).to.equal(false);
  });

  it('sends one request at a time; a sync waits behind a pending request', async () => {
    let sync: () => void = () => {};
    const tabs: HostTabs = { announce() {}, listen: (_differs, fn) => ((sync = fn), () => {}) };
    const { backend, sent, ctx } = setup({ tabs });
    backend.render(render());
    const first = backend.requestPasswordReset({ login: 'alice' }, ctx());
    const second = backend.requestUsernameReminder({ email: 'a@example.com' }, ctx());
    sync();
    await waitUntil(() => sent.length === 1);
    await new Promise((r) => setTimeout(r));
    expect(ops(sent)).to.deep.equal(['request_password_reset']);
    backend.render(render({ reply: { id: sent[0]!.id, ok: true, result: {} } }));
    await first;
    await waitUntil(() => sent.length === 2);
    expect(sent[1]!.input).to.deep.equal({ email: 'a@example.com' });
    backend.render(render({ reply: { id: sent[1]!.id, ok: true, result: {} } }));
    await second;
    await waitUntil(() => sent.length === 3);
    expect(sent[2]).to.deep.include({ v: 1, op: 'sync', input: {} });
    expect(new Set(sent.map((v) => v.id)).size).to.equal(3);
  });

  it('maps a refusal to an AuthError with the code, message, description and retry time', async () => {
    const { backend, sent, ctx } = setup();
    backend.render(render());
    const login = backend.login({ username: 'a', password: 'b' }, ctx());
    await waitUntil(() => sent.length === 1);
    backend.render(render({ reply: { id: sent[0]!.id, ok: false, error: { code: 'rate_limited', message: 'Slow down.', description: 'per account', retry_after: 30 } } }));
    const error = await rejection(login);
    expect(error).to.include({ code: 'rate_limited', message: 'Slow down.', description: 'per account', retryAfter: 30, error: 'rate_limited' });
    const again = backend.requestPasswordReset({ login: 'x' }, ctx());
    await waitUntil(() => sent.length === 3);
    backend.render(render({ reply: { id: sent[2]!.id, ok: false, error: { code: 'Not a code!' } } }));
    expect((await rejection(again)).code).to.equal('invalid_response');
  });

  it('acks each answered request that carried a password, except a successful login', async () => {
    const { backend, sent, ctx } = setup();
    backend.render(render({ session: alice }));
    await backend.restore(ctx());
    const cases: Array<[() => Promise<unknown>, boolean, Record<string, unknown>]> = [
      [() => backend.changePassword({ currentPassword: 'old', newPassword: 'new' }, ctx()), true, {}],
      [() => backend.resetPassword({ token: 't', password: 'new' }, ctx()), true, {}],
      [() => backend.register({ name: 'n', email: 'e', username: 'u', password: 'p' }, ctx()), true, { verification_sent: true }],
      [() => backend.updateDetails({ name: 'A', email: 'b@example.com', currentPassword: 'pw' }, ctx()), true, {}],
      [() => backend.updateDetails({ name: 'A' }, ctx()), false, {}],
      [() => backend.verifyRegistration({ token: 'code' }, ctx()), false, { username: 'newbie' }],
      [() => backend.login({ username: 'alice', password: 'pw' }, ctx()), false, {}],
    ];
    for (const [run, acked, result] of cases) {
      const before = sent.length;
      const done = run();
      await waitUntil(() => sent.length === before + 1);
      const request = sent.at(-1)!;
      backend.render(render({ session: alice, reply: { id: request.id, ok: true, result } }));
      const value = await done;
      expect(ops(sent.slice(before + 1)), request.op).to.deep.equal(acked ? ['ack'] : []);
      if (acked) expect(sent.at(-1)!.input).to.deep.equal({ of: request.id });
      if (request.op === 'register') expect(value).to.deep.equal({ kind: 'verify' });
      if (request.op === 'verify_registration') expect(value).to.deep.equal({ username: 'newbie', session: null });
      if (request.op === 'update_details') expect((value as { user: { id: string } }).user.id).to.equal('u-1');
    }
  });

  it('gives up after the time limit (timeout) or when cancelled (aborted), and drops the password from widget state', async () => {
    const { backend, sent, ctx } = setup({ timeoutMs: 20 });
    backend.render(render());
    const error = await rejection(backend.login({ username: 'a', password: 'secret' }, ctx()));
    expect(error.code).to.equal('timeout');
    expect(ops(sent)).to.deep.equal(['login', 'ack']);
    expect(sent[1]!.input).to.deep.equal({ of: sent[0]!.id });
    // A late reply to it is ignored.
    backend.render(render({ reply: { id: sent[0]!.id, ok: true, result: {} }, session: alice }));
    const abort = new AbortController();
    const slow = setup({ timeoutMs: 60_000 });
    slow.backend.render(render());
    const pending = slow.backend.changePassword({ currentPassword: 'a', newPassword: 'b' }, slow.ctx(abort.signal));
    await waitUntil(() => slow.sent.length === 1);
    abort.abort();
    expect((await rejection(pending)).code).to.equal('aborted');
    expect(ops(slow.sent)).to.deep.equal(['change_password', 'ack']);
  });

  it("reports Python's own session changes through watch, not the ones an operation already delivered", async () => {
    const { backend, sent, ctx } = setup();
    const client = new AuthClient({ backend, tabs: null });
    const seen: Array<string | null> = [];
    backend.watch((s) => seen.push(s?.user.id ?? null));
    backend.render(render());
    await client.start();
    const login = client.login({ username: 'alice', password: 'pw' });
    await waitUntil(() => sent.length === 1);
    backend.render(render({ session: alice, reply: { id: sent[0]!.id, ok: true, result: {} } }));
    expect((await login).status).to.equal('authenticated');
    backend.render(render({ session: alice, reply: { id: sent[0]!.id, ok: true, result: {} } }));
    expect(seen).to.deep.equal([]);
    backend.render(render({ session: null }));
    expect(seen).to.deep.equal([null]);
    expect(client.state.status).to.equal('anonymous');
    backend.render(render({ session: { ...alice, user: { ...alice.user, name: 'Renamed' } } }));
    expect(client.state.user?.name).to.equal('Renamed');
    client.dispose();
  });

  it('tells the other tabs after its own login and logout', async () => {
    const news: Array<string | null> = [];
    const { backend, sent, ctx } = setup({ tabs: { announce: (user) => news.push(user), listen: () => () => {} } });
    backend.render(render());
    const login = backend.login({ username: 'alice', password: 'pw' }, ctx());
    await waitUntil(() => sent.length === 1);
    backend.render(render({ session: alice, reply: { id: sent[0]!.id, ok: true, result: {} } }));
    await login;
    const logout = backend.logout(ctx());
    await waitUntil(() => sent.length === 2);
    backend.render(render({ reply: { id: sent[1]!.id, ok: true, result: {} } }));
    await logout;
    expect(news).to.deep.equal(['u-1', null]);
  });

  it('ASGI mode: posts the credentials to <route>/<op> on the app origin, then redeems the code', async () => {
    const calls: Array<{ url: string; init: RequestInit }> = [];
    const answers = [
      new Response(JSON.stringify({ code: 'c-1' }), { status: 200 }),
      new Response(JSON.stringify({ error: 'invalid_token', error_description: 'used' }), { status: 400 }),
      new Response(JSON.stringify({ ok: true }), { status: 200 }),
    ];
    const fetchStub = (async (url: string, init: RequestInit) => (calls.push({ url, init }), answers.shift()!)) as unknown as typeof fetch;
    const { backend, sent, ctx } = setup({ fetch: fetchStub });
    backend.render(render({ route: '/_auth/' }));
    const register = backend.register({ name: 'n', email: 'e@example.com', username: 'u', password: 'pw pw pw' }, ctx());
    await waitUntil(() => sent.length === 1);
    expect(calls[0]!.url).to.equal(`${location.origin}/_auth/register`);
    expect(calls[0]!.init).to.include({ method: 'POST', credentials: 'same-origin' });
    expect(JSON.parse(calls[0]!.init.body as string)).to.deep.equal({ name: 'n', email: 'e@example.com', username: 'u', password: 'pw pw pw' });
    expect(sent[0]).to.deep.include({ op: 'redeem', input: { code: 'c-1' } });
    backend.render(render({ route: '/_auth/', reply: { id: sent[0]!.id, ok: true, result: { verification_sent: false, username: 'u' } } }));
    expect(await register).to.equal(null);
    expect(ops(sent)).to.deep.equal(['redeem']);
    const reset = await rejection(backend.resetPassword({ token: 'old', password: 'new new new' }, ctx()));
    expect(reset).to.include({ code: 'reset_token_invalid', description: 'used', status: 400 });
    const nocode = await rejection(backend.changePassword({ currentPassword: 'a', newPassword: 'b' }, ctx()));
    expect(nocode.code).to.equal('invalid_response');
    // Without a password nothing goes to the route.
    const forgot = backend.requestPasswordReset({ login: 'u' }, ctx());
    await waitUntil(() => sent.length === 2);
    expect(sent[1]).to.deep.include({ op: 'request_password_reset' });
    backend.render(render({ route: '/_auth/', reply: { id: sent[1]!.id, ok: true, result: {} } }));
    await forgot;
    expect(calls).to.have.length(3);
  });

  it('ASGI mode: logout posts <route>/logout first (the route clears the HttpOnly cookie), then tells Python; a failed post still signs out', async () => {
    const calls: Array<{ url: string; init: RequestInit }> = [];
    const answers: Array<() => Response> = [
      () => new Response('{}', { status: 200 }),
      () => {
        throw new TypeError('Failed to fetch');
      },
    ];
    const fetchStub = (async (url: string, init: RequestInit) => (calls.push({ url, init }), answers.shift()!())) as unknown as typeof fetch;
    const { backend, sent, ctx } = setup({ fetch: fetchStub });
    const route = '/_auth/AAAAAAAAAAAAAAAAAAAAAA';
    backend.render(render({ route, session: alice }));
    for (let i = 0; i < 2; i++) {
      const logout = backend.logout(ctx());
      await waitUntil(() => sent.length === i + 1);
      expect(calls).to.have.length(i + 1);
      expect(calls[i]!.url).to.equal(`${location.origin}${route}/logout`);
      expect(calls[i]!.init).to.include({ method: 'POST', credentials: 'same-origin' });
      expect(JSON.parse(calls[i]!.init.body as string)).to.deep.equal({});
      expect(sent[i]).to.deep.include({ op: 'logout', input: {} });
      backend.render(render({ route, reply: { id: sent[i]!.id, ok: true, result: {} } }));
      await logout;
      backend.render(render({ route, session: alice }));
    }
    // Plain mode: no route, no fetch.
    backend.render(render({ session: alice }));
    const plain = backend.logout(ctx());
    await waitUntil(() => sent.length === 3);
    backend.render(render({ reply: { id: sent[2]!.id, ok: true, result: {} } }));
    await plain;
    expect(calls).to.have.length(2);
  });
});

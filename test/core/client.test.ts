// AuthClient: state machine, subscriptions, unsupported operations, and the real cross-tab seams
// (BroadcastChannel and Web Locks in Chromium).
import { expect } from '@open-wc/testing';
import type { AuthBackend, Session } from '../../src/core/backend.js';
import { AuthClient } from '../../src/core/client.js';
import { AuthConfigError, AuthError } from '../../src/core/errors.js';
import { makeUser, type AuthState } from '../../src/core/state.js';
import { browserTabSync, noTabSync } from '../../src/core/tabs.js';
import { flush, ManualClock, rejectsWith } from './helpers.js';

/** A backend whose server is a shared object, like one origin's cookie jar across tabs. */
function sharedServer() {
  return { signedIn: false, refreshing: 0, maxConcurrentRefresh: 0, refreshes: 0 };
}

function backendFor(server: ReturnType<typeof sharedServer>, clock: ManualClock, refreshDelay = 0): AuthBackend {
  const session = (): Session => ({ user: makeUser({ id: 'u1', username: 'alice' }), expiresAt: clock.now() + 300_000, refreshable: true });
  return {
    kind: 'test',
    restore: async () => (server.signedIn ? session() : null),
    login: async () => {
      server.signedIn = true;
      return session();
    },
    logout: async () => {
      server.signedIn = false;
    },
    forget: () => {},
    refresh: async () => {
      server.refreshing++;
      server.refreshes++;
      server.maxConcurrentRefresh = Math.max(server.maxConcurrentRefresh, server.refreshing);
      await new Promise((r) => setTimeout(r, refreshDelay));
      server.refreshing--;
      return session();
    },
  };
}

describe('AuthClient', () => {
  it('has no side effects until start() and starts once', async () => {
    let restores = 0;
    const backend: AuthBackend = { kind: 't', restore: async () => (restores++, null), login: async () => ({ kind: 'redirect' }), logout: async () => {}, forget: () => {} };
    const client = new AuthClient({ backend, tabs: noTabSync });
    expect(client.state.status).to.equal('unknown');
    expect(restores).to.equal(0);
    const a = client.start();
    expect(client.start()).to.equal(a);
    await a;
    expect(restores).to.equal(1);
    expect(client.state.status).to.equal('anonymous');
  });

  it('rejects bad options with a coded TypeError', () => {
    expect(() => new AuthClient({} as never)).to.throw(AuthConfigError);
    expect(() => new AuthClient({ backend: backendFor(sharedServer(), new ManualClock()), refreshLeeway: -1 })).to.throw(TypeError);
  });

  it('makes a new frozen snapshot on every change, notifies subscribers, and unsubscribes', async () => {
    const clock = new ManualClock();
    const client = new AuthClient({ backend: backendFor(sharedServer(), clock), clock, tabs: noTabSync });
    const seen: AuthState[] = [];
    const off = client.subscribe((s) => seen.push(s));
    client.subscribe(() => {
      throw new Error('a broken listener');
    });
    const onError = window.onerror;
    window.onerror = () => true; // the broken listener's error is rethrown asynchronously
    await client.start();
    await client.login({ username: 'alice', password: 'x' });
    off();
    await client.logout();
    await flush();
    window.onerror = onError;
    expect(seen.map((s) => s.status)).to.deep.equal(['anonymous', 'pending', 'authenticated']);
    expect(new Set(seen).size).to.equal(3);
    expect(Object.isFrozen(seen[2])).to.equal(true);
    expect(client.state.status).to.equal('anonymous');
  });

  it('operations the backend lacks reject with unsupported', async () => {
    const client = new AuthClient({ backend: backendFor(sharedServer(), new ManualClock()), tabs: noTabSync });
    await rejectsWith(client.register({ name: 'a', email: 'a@b.c', username: 'a', password: 'p' }), 'unsupported');
    await rejectsWith(client.verifyRegistration({ token: 't' }), 'unsupported');
    await rejectsWith(client.listOrgs(), 'unsupported');
  });

  it('an already aborted signal rejects at once', async () => {
    const client = new AuthClient({ backend: backendFor(sharedServer(), new ManualClock()), tabs: noTabSync });
    await client.start();
    const err = await rejectsWith(client.login({ username: 'a', password: 'b' }, { signal: AbortSignal.abort() }), 'aborted');
    expect(err).to.be.instanceOf(AuthError);
  });

  it('a logout in one tab signs the other tab out (BroadcastChannel)', async () => {
    const server = sharedServer();
    const clock = new ManualClock();
    const name = `t${Math.random()}`;
    const tabA = new AuthClient({ backend: backendFor(server, clock), clock, tabs: browserTabSync(name) });
    const tabB = new AuthClient({ backend: backendFor(server, clock), clock, tabs: browserTabSync(name) });
    await Promise.all([tabA.start(), tabB.start()]);
    await tabA.login({ username: 'alice', password: 'x' });
    // B learns of the login and restores through the shared server (the cookie, in real life)
    await waitFor(() => tabB.state.status === 'authenticated');
    const started = performance.now();
    await tabA.logout();
    await waitFor(() => tabB.state.status === 'anonymous');
    expect(performance.now() - started).to.be.below(1000);
    tabA.dispose();
    tabB.dispose();
  });

  it('refreshes in two tabs never overlap (Web Locks), so a rotating cookie is never presented twice', async () => {
    const server = sharedServer();
    server.signedIn = true;
    const clock = new ManualClock();
    const name = `l${Math.random()}`;
    const tabs = [0, 1, 2].map(() => new AuthClient({ backend: backendFor(server, clock, 30), clock, tabs: browserTabSync(name) }));
    await Promise.all(tabs.map((t) => t.start()));
    await Promise.all(tabs.map((t) => t.refresh()));
    expect(server.refreshes).to.equal(3);
    expect(server.maxConcurrentRefresh).to.equal(1);
    tabs.forEach((t) => t.dispose());
  });

  it('messages from other senders or of the wrong shape are ignored', async () => {
    const server = sharedServer();
    const clock = new ManualClock();
    const name = `m${Math.random()}`;
    const tab = new AuthClient({ backend: backendFor(server, clock), clock, tabs: browserTabSync(name) });
    await tab.start();
    await tab.login({ username: 'alice', password: 'x' });
    const rogue = new BroadcastChannel(`auth-elements:${name}`);
    rogue.postMessage({ type: 'logout' }); // no sender id
    rogue.postMessage('logout');
    await new Promise((r) => setTimeout(r, 50));
    expect(tab.state.status).to.equal('authenticated');
    rogue.close();
    tab.dispose();
  });
});

async function waitFor(predicate: () => boolean, ms = 2000): Promise<void> {
  const until = performance.now() + ms;
  while (!predicate()) {
    if (performance.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A backend whose tokens are `t0`, `t1`, …; `refresh` answers a new `lifetime`-ms token. */
function tokenBackend(clock: ManualClock, first: { issuedAgo: number; left: number; refreshable: boolean }, lifetime = 20_000) {
  const counts = { refreshes: 0 };
  const backend: AuthBackend = {
    kind: 'test',
    restore: async () => ({
      user: makeUser({ id: 'u1' }),
      issuedAt: clock.now() - first.issuedAgo,
      expiresAt: clock.now() + first.left,
      refreshable: first.refreshable,
    }),
    login: async () => ({ kind: 'redirect' }),
    logout: async () => {},
    forget: () => {},
    refresh: async () => {
      if (!first.refreshable) throw new AuthError('session_expired', 'There is no refresh token; please log in again.');
      counts.refreshes++;
      await new Promise((r) => setTimeout(r, 5));
      return { user: makeUser({ id: 'u1' }), issuedAt: clock.now(), expiresAt: clock.now() + lifetime, refreshable: true };
    },
    accessToken: () => `t${counts.refreshes}`,
  };
  return { backend, counts };
}

describe('AuthClient: access tokens near expiry', () => {
  it('a session that cannot refresh hands out its still-valid token and ends only at exp', async () => {
    const clock = new ManualClock();
    const { backend, counts } = tokenBackend(clock, { issuedAgo: 270_000, left: 30_000, refreshable: false });
    const client = new AuthClient({ backend, clock, tabs: noTabSync });
    await client.start();
    expect(await client.getAccessToken()).to.equal('t0'); // 30 s left, less than the 60 s leeway
    expect(client.state.status).to.equal('authenticated');
    expect(counts.refreshes).to.equal(0);
    await clock.advance(29_000);
    expect(await client.getAccessToken()).to.equal('t0');
    expect(client.state.status).to.equal('authenticated');
    await clock.advance(1_000);
    expect(client.state.status).to.equal('anonymous');
    expect(client.state.error?.code).to.equal('session_expired');
    expect(await client.getAccessToken()).to.equal(null);
    client.dispose();
  });

  it('the leeway is at most a quarter of a 20 s token: back-to-back calls refresh nothing', async () => {
    const clock = new ManualClock();
    const { backend, counts } = tokenBackend(clock, { issuedAgo: 0, left: 20_000, refreshable: true });
    const client = new AuthClient({ backend, clock, tabs: noTabSync });
    await client.start();
    for (let i = 0; i < 3; i++) expect(await client.getAccessToken()).to.equal('t0');
    expect(counts.refreshes).to.equal(0);
    expect(clock.pending).to.deep.equal([15_000]); // 20 s - min(60 s, 20 s / 4)
    await clock.advance(15_000);
    await waitFor(() => counts.refreshes === 1);
    client.dispose();
  });

  it('the lifetime is exp - iat: a restored token with 50 s left of 300 s refreshes at once', async () => {
    const clock = new ManualClock();
    const { backend } = tokenBackend(clock, { issuedAgo: 250_000, left: 50_000, refreshable: true });
    const client = new AuthClient({ backend, clock, tabs: noTabSync });
    await client.start();
    expect(clock.pending).to.deep.equal([0]);
    client.dispose();
  });

  it('N concurrent getAccessToken() calls when a refresh is due make exactly one refresh', async () => {
    const clock = new ManualClock();
    const { backend, counts } = tokenBackend(clock, { issuedAgo: 280_000, left: 20_000, refreshable: true }, 300_000);
    const client = new AuthClient({ backend, clock, tabs: noTabSync });
    await client.start();
    const tokens = await Promise.all(Array.from({ length: 10 }, () => client.getAccessToken()));
    expect(tokens).to.deep.equal(Array(10).fill('t1'));
    expect(counts.refreshes).to.equal(1);
    expect(await client.getAccessToken()).to.equal('t1');
    expect(counts.refreshes).to.equal(1);
    client.dispose();
  });
});

// AuthClient: state machine, subscriptions, unsupported operations, and the real cross-tab seams
// (BroadcastChannel and Web Locks in Chromium).
import { expect } from '@open-wc/testing';
import type { AuthBackend, Session } from '../../src/core/backend.js';
import { AuthClient } from '../../src/core/client.js';
import { AuthConfigError, AuthError } from '../../src/core/errors.js';
import { makeUser, type AuthOrg, type AuthState } from '../../src/core/state.js';
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
    await rejectsWith(client.leaveOrg('acme'), 'unsupported');
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

const ACME: AuthOrg = { id: 'acme', name: 'Acme Corp', role: 'owner', permissions: ['reports:read', 'members:write', 'billing:write'] };
const GLOBEX: AuthOrg = { id: 'globex', name: 'Globex', role: 'Member', permissions: ['reports:read'] };
const INITECH: AuthOrg = { id: 'initech', name: 'Initech', role: 'billing-manager', permissions: [] };

/** A claim-based backend (OIDC PropelAuth-style): every org comes with the session; no selectOrg. */
function claimBackend(orgs: readonly AuthOrg[], org?: AuthOrg): AuthBackend {
  const session = (): Session => ({ user: makeUser({ id: 'u1' }), orgs, ...(org ? { org } : {}), expiresAt: null, refreshable: false });
  return { kind: 'claims', restore: async () => session(), login: async () => session(), logout: async () => {}, forget: () => {} };
}

/** A fresh client name, with nothing remembered for it. */
function freshName(): string {
  const name = `o${Math.random().toString(36).slice(2)}`;
  localStorage.removeItem(`auth-elements:${name}:org`);
  return name;
}

describe('AuthClient: organizations', () => {
  it('hasRole follows the order: an owner has admin and member, a member lacks admin; case-insensitive; unknown roles exact', async () => {
    const client = new AuthClient({ backend: claimBackend([ACME, GLOBEX, INITECH]), tabs: noTabSync, name: freshName() });
    expect(client.hasRole('member')).to.equal(false); // not started: signed out
    await client.start();
    expect(client.state.org?.id).to.equal('acme'); // nothing remembered, no session org: the first
    expect(['owner', 'admin', 'member', 'ADMIN'].map((r) => client.hasRole(r))).to.deep.equal([true, true, true, true]);
    expect(['owner', 'admin', 'member'].map((r) => client.hasRole(r, 'globex'))).to.deep.equal([false, false, true]);
    expect(client.hasRole('billing-manager', 'initech')).to.equal(true);
    expect(client.hasRole('member', 'initech')).to.equal(false); // not in the order: matches only itself
    expect(client.hasRole('billing-manager')).to.equal(false);
    expect(client.hasRole('member', 'nowhere')).to.equal(false);
    expect(client.hasPermission('billing:write')).to.equal(true);
    expect(client.hasPermission('billing:write', 'globex')).to.equal(false);
    expect(client.hasPermission('reports:read', 'globex')).to.equal(true);
    expect(client.hasPermission('reports:read', 'initech')).to.equal(false);
    expect(await client.listOrgs()).to.deep.equal([ACME, GLOBEX, INITECH]); // no backend.listOrgs: the session's
    await client.logout();
    expect(client.hasRole('member', 'globex')).to.equal(false);
    expect(await client.listOrgs()).to.deep.equal([]);
    client.dispose();
  });

  it('a custom role order: orgRoles decides which role includes which', async () => {
    const orgs = [{ id: 'a', name: 'A', role: 'editor' }];
    const client = new AuthClient({ backend: claimBackend(orgs), tabs: noTabSync, name: freshName(), orgRoles: ['admin', 'editor', 'viewer'] });
    await client.start();
    expect([client.hasRole('viewer'), client.hasRole('editor'), client.hasRole('admin')]).to.deep.equal([true, true, false]);
    client.dispose();
  });

  it('claim-based: the active org is the session org when nothing is remembered; selectOrg remembers it across a reload', async () => {
    const name = freshName();
    const first = new AuthClient({ backend: claimBackend([ACME, GLOBEX], GLOBEX), tabs: noTabSync, name });
    await first.start();
    expect(first.state.org?.id).to.equal('globex');
    const seen: Array<string | undefined> = [];
    first.subscribe((s) => seen.push(s.org?.id));
    const state = await first.selectOrg('acme');
    expect(state.org).to.deep.equal(ACME);
    expect(seen).to.deep.equal(['acme']);
    expect(first.hasRole('owner')).to.equal(true);
    expect(localStorage.getItem(`auth-elements:${name}:org`)).to.equal('acme');
    await rejectsWith(first.selectOrg('nowhere'), 'not_found');
    expect(first.state.org?.id).to.equal('acme');
    first.dispose();
    // A reload: a new client of the same name starts on the remembered org, not the session's.
    const reloaded = new AuthClient({ backend: claimBackend([ACME, GLOBEX], GLOBEX), tabs: noTabSync, name });
    await reloaded.start();
    expect(reloaded.state.org?.id).to.equal('acme');
    reloaded.dispose();
    // A remembered org the user is no longer in is passed over.
    const removed = new AuthClient({ backend: claimBackend([GLOBEX, INITECH]), tabs: noTabSync, name });
    await removed.start();
    expect(removed.state.org?.id).to.equal('globex');
    removed.dispose();
  });

  it('claim-based: with localStorage blocked (sandboxed frame) selectOrg still changes the active org', async () => {
    const client = new AuthClient({ backend: claimBackend([ACME, GLOBEX]), tabs: noTabSync, name: freshName() });
    const { getItem, setItem } = Storage.prototype;
    Storage.prototype.getItem = Storage.prototype.setItem = () => {
      throw new DOMException('blocked', 'SecurityError');
    };
    try {
      await client.start();
      expect(client.state.org?.id).to.equal('acme');
      expect((await client.selectOrg('globex')).org?.id).to.equal('globex');
    } finally {
      Object.assign(Storage.prototype, { getItem, setItem });
    }
    client.dispose();
  });

  it('claim-based: selectOrg while signed out is not_found', async () => {
    const client = new AuthClient({ backend: claimBackend([ACME]), tabs: noTabSync, name: freshName() });
    await rejectsWith(client.selectOrg('acme'), 'not_found');
    client.dispose();
  });

  it('claim-based: an org selected in one tab is the active one in the other (BroadcastChannel), and the news holds no org or token', async () => {
    const name = freshName();
    const tabA = new AuthClient({ backend: claimBackend([ACME, GLOBEX]), tabs: browserTabSync(name), name });
    const tabB = new AuthClient({ backend: claimBackend([ACME, GLOBEX]), tabs: browserTabSync(name), name });
    await Promise.all([tabA.start(), tabB.start()]);
    expect(tabB.state.org?.id).to.equal('acme');
    const spy = new BroadcastChannel(`auth-elements:${name}`);
    const heard: unknown[] = [];
    spy.onmessage = (event) => heard.push(event.data);
    await tabA.selectOrg('globex');
    await waitFor(() => tabB.state.org?.id === 'globex');
    expect(tabB.hasRole('admin')).to.equal(false);
    await waitFor(() => heard.length === 1);
    expect(Object.keys(heard[0] as object).sort()).to.deep.equal(['from', 'type']);
    expect((heard[0] as { type: string }).type).to.equal('org');
    spy.close();
    tabA.dispose();
    tabB.dispose();
  });

  it('server-selected: after selectOrg the other tab refreshes and shows the new org; the left org is forgotten', async () => {
    const name = freshName();
    const server = { org: ACME as AuthOrg | null, refreshes: 0 };
    const orgs = [ACME, GLOBEX];
    const session = (): Session => ({ user: makeUser({ id: 'u1' }), org: server.org, expiresAt: null, refreshable: true });
    const backend = (): AuthBackend => ({
      kind: 'server',
      restore: async () => session(),
      login: async () => session(),
      logout: async () => {},
      forget: () => {},
      refresh: async () => (server.refreshes++, session()),
      listOrgs: async () => orgs,
      selectOrg: async (id) => {
        server.org = orgs.find((o) => o.id === id)!;
        return session();
      },
      leaveOrg: async (id) => {
        expect(id).to.equal('globex');
        server.org = ACME;
        return session();
      },
    });
    const tabA = new AuthClient({ backend: backend(), tabs: browserTabSync(name), name });
    const tabB = new AuthClient({ backend: backend(), tabs: browserTabSync(name), name });
    await Promise.all([tabA.start(), tabB.start()]);
    expect(tabA.hasRole('member', 'globex')).to.equal(false); // not listed yet
    expect(await tabA.listOrgs()).to.deep.equal(orgs);
    expect(tabA.hasRole('member', 'globex')).to.equal(true);
    await tabA.selectOrg('globex');
    expect(tabA.state.org?.id).to.equal('globex');
    await waitFor(() => tabB.state.org?.id === 'globex');
    expect(server.refreshes).to.equal(1);
    expect(localStorage.getItem(`auth-elements:${name}:org`)).to.equal(null); // the server keeps it
    await tabA.leaveOrg('globex');
    expect(tabA.state.org?.id).to.equal('acme');
    expect(tabA.hasRole('member', 'globex')).to.equal(false);
    await waitFor(() => tabB.state.org?.id === 'acme');
    tabA.dispose();
    tabB.dispose();
  });

  it('an org list is never kept for the next user', async () => {
    let user = 'u1';
    const backend: AuthBackend = {
      kind: 'server',
      restore: async () => null,
      login: async () => ({ user: makeUser({ id: user }), expiresAt: null, refreshable: false }),
      logout: async () => {},
      forget: () => {},
      listOrgs: async () => [ACME],
    };
    const client = new AuthClient({ backend, tabs: noTabSync, name: freshName() });
    await client.start();
    await client.login({});
    await client.listOrgs();
    expect(client.hasRole('owner', 'acme')).to.equal(true);
    await client.logout();
    user = 'u2';
    await client.login({});
    expect(client.hasRole('member', 'acme')).to.equal(false);
    client.dispose();
  });
});

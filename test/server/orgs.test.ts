/**
 * Organizations over HTTP (issue 10, SECURITY 25 and 33), the same suite against the SQLite store
 * (two servers on one file) and the PostgreSQL store (two servers on one real database):
 * - the active org: chosen at login (oldest membership), in the access-token claims and the
 *   login/refresh/select answers, kept by refresh, re-checked against the store at every issue,
 *   answered by GET /api/auth/session from the store;
 * - the member routes and every rule of the contract, in order: 1 org_mismatch, 2 not_a_member,
 *   3 forbidden, 4 invalid_role / role_too_high, 5 self_promotion, 6 last_owner (also raced);
 * - roles and memberships are read from the store at request time, never from the token.
 */
import { after, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { OrgRecord, UserRecord } from '../../server/store/types.js';
import { startPostgres, type PgServer } from './pg-harness.js';
import {
  ALLOWED_ORIGIN,
  addUser,
  bearer,
  call,
  decodeJwtPart,
  login,
  refreshWithBody,
  startServer,
  tempDir,
  type JsonResponse,
  type TestServer,
} from './helpers.js';

const PW = 'organizations test password';
const HOSTILE = '<img src=x onerror=alert(1)>';
const ORG_CLAIMS = ['org_id', 'org_name', 'org_permissions', 'org_role'];
const ADMIN_PERMISSIONS = ['members:write', 'reports:write', 'reports:read'];
const OWNER_PERMISSIONS = ['billing:write', ...ADMIN_PERMISSIONS];

/** Two servers on one database: concurrent requests go one to each. */
interface Target {
  readonly a: TestServer;
  readonly b: TestServer;
}

interface World {
  readonly owner: UserRecord;
  readonly admin: UserRecord;
  readonly member: UserRecord;
  readonly outsider: UserRecord;
  /** owner (owner), admin (admin), member (member). */
  readonly acme: OrgRecord;
  /** admin (admin, joined after Acme), outsider is not in it. */
  readonly globex: OrgRecord;
}

const orgPath = (org: string, rest = ''): string => `/api/auth/orgs/${encodeURIComponent(org)}${rest}`;
const membersPath = (org: string, userId?: string): string =>
  orgPath(org, `/members${userId === undefined ? '' : `/${encodeURIComponent(userId)}`}`);
const claims = (token: string): Record<string, unknown> => decodeJwtPart(token, 1);
const orgClaimNames = (token: string): string[] => Object.keys(claims(token)).filter((k) => k.startsWith('org_')).sort();

function refused(r: JsonResponse, status: number, code: string): void {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.equal(r.body.error, code, JSON.stringify(r.body));
  assert.equal(typeof r.body.error_description, 'string');
}

function orgSuite(name: string, setup: () => Promise<Target>, teardown: () => Promise<void>): void {
  describe(`organizations over HTTP: ${name}`, () => {
    let target: Target;
    let ready: Promise<void> | undefined;
    // Memoized in beforeEach: when PostgreSQL cannot start, every test FAILS (a before() would cancel them).
    beforeEach(() => (ready ??= setup().then((t) => void (target = t))));
    after(teardown);

    let worlds = 0;
    /** Fresh users and orgs (unique names) on the shared database. */
    async function world(): Promise<World> {
      const s = target.a;
      const p = `${++worlds}${randomBytes(3).toString('hex')}`;
      const now = s.clock.now();
      const user = (role: string) => addUser(s, { username: `${role}-${p}`, password: PW, name: `${role} ${p}`, email: `${role}-${p}@example.com` });
      const [owner, admin, member, outsider] = await Promise.all([user('owner'), user('admin'), user('member'), user('outsider')]);
      const store = s.app.store;
      const acme = await store.createOrg({ id: `acme-${p}`, name: 'Acme Corp' }, now);
      const globex = await store.createOrg({ id: `globex-${p}`, name: 'Globex' }, now);
      await store.addMember(acme.id, owner!.id, 'owner', now);
      await store.addMember(acme.id, admin!.id, 'admin', now + 1);
      await store.addMember(acme.id, member!.id, 'member', now + 2);
      await store.addMember(globex.id, admin!.id, 'admin', now + 3);
      return { owner: owner!, admin: admin!, member: member!, outsider: outsider!, acme, globex };
    }
    const signIn = async (u: UserRecord, s: TestServer = target.a) => {
      const r = await login(s, u.username, PW, true);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r;
    };
    const as = (token: string, method: string, path: string, json?: unknown, s: TestServer = target.a) =>
      call(s, method, path, { headers: bearer(token), ...(json === undefined ? {} : { json }) });
    const roleIn = async (org: OrgRecord, u: UserRecord) => (await target.a.app.store.getMembership(org.id, u.id))?.role ?? null;

    // ------------------------------------------------------------------ the active org in tokens

    test('login: the oldest membership is active, in the answer and the claims; no org -> null and no claims', async () => {
      const w = await world();
      const r = await signIn(w.admin);
      const org = { id: w.acme.id, name: 'Acme Corp', role: 'admin', permissions: ADMIN_PERMISSIONS };
      assert.deepEqual(r.body.org, org);
      const c = claims(r.access);
      assert.deepEqual([c['org_id'], c['org_name'], c['org_role'], c['org_permissions']], [org.id, org.name, org.role, org.permissions]);
      assert.equal((await target.a.app.store.getSession(c['sid'] as string))?.orgId, w.acme.id, 'kept in the session');
      const session = await as(r.access, 'GET', '/api/auth/session');
      assert.deepEqual(session.body.org, org, '/session answers the org');

      const none = await signIn(w.outsider);
      assert.equal(none.body.org, null);
      assert.deepEqual(orgClaimNames(none.access), []);
      assert.equal((await as(none.access, 'GET', '/api/auth/session')).body.org, null);
    });

    test('GET /orgs: every org with role and effective permissions, the active one, the role order', async () => {
      const w = await world();
      const r = await as((await signIn(w.admin)).access, 'GET', '/api/auth/orgs');
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, {
        orgs: [
          { id: w.acme.id, name: 'Acme Corp', role: 'admin', permissions: ADMIN_PERMISSIONS },
          { id: w.globex.id, name: 'Globex', role: 'admin', permissions: ADMIN_PERMISSIONS },
        ],
        active: w.acme.id,
        roles: ['owner', 'admin', 'member'],
      });
      const owner = await as((await signIn(w.owner)).access, 'GET', '/api/auth/orgs');
      assert.deepEqual(owner.body.orgs[0].permissions, OWNER_PERMISSIONS);
      const none = await as((await signIn(w.outsider)).access, 'GET', '/api/auth/orgs');
      assert.deepEqual(none.body, { orgs: [], active: null, roles: ['owner', 'admin', 'member'] });
    });

    test('select: new access token for the chosen org (no new refresh token); refresh keeps it; null clears it', async () => {
      const w = await world();
      const l = await signIn(w.admin);
      const r = await as(l.access, 'POST', '/api/auth/orgs/select', { org_id: w.globex.id });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const globex = { id: w.globex.id, name: 'Globex', role: 'admin', permissions: ADMIN_PERMISSIONS };
      assert.deepEqual(r.body.org, globex);
      assert.equal(r.body.token_type, 'Bearer');
      assert.equal(r.body.expires_in, 300);
      assert.equal(r.body.user.username, w.admin.username);
      assert.equal(r.body.access_token, r.body.access, 'the token under both names');
      assert.equal(r.body.refresh, undefined);
      assert.deepEqual(r.res.headers.getSetCookie().filter((c) => /ae_refresh=/.test(c)), [], 'the refresh cookie is left alone');
      assert.equal(claims(r.body.access)['org_id'], w.globex.id);
      assert.deepEqual((await as(r.body.access, 'GET', '/api/auth/session')).body.org, globex);

      // Refresh (on the other server) keeps the session's org.
      const refreshed = await refreshWithBody(target.b, l.refresh);
      assert.equal(refreshed.status, 200);
      assert.deepEqual(refreshed.body.org, globex);
      assert.equal(claims(refreshed.body.access)['org_role'], 'admin');
      assert.equal(claims(refreshed.body.access)['org_id'], w.globex.id);

      const cleared = await as(r.body.access, 'POST', '/api/auth/orgs/select', { org_id: null });
      assert.equal(cleared.status, 200);
      assert.equal(cleared.body.org, null);
      assert.deepEqual(orgClaimNames(cleared.body.access), []);
      const again = await refreshWithBody(target.a, refreshed.body.refresh);
      assert.equal(again.body.org, null, 'refresh keeps "no org" too');
      assert.deepEqual(orgClaimNames(again.body.access), []);
    });

    test('select: an org the user is not in (or that does not exist) -> 403 not_a_member; bad input -> 400', async () => {
      const w = await world();
      const l = await signIn(w.member);
      refused(await as(l.access, 'POST', '/api/auth/orgs/select', { org_id: w.globex.id }), 403, 'not_a_member');
      refused(await as(l.access, 'POST', '/api/auth/orgs/select', { org_id: 'no-such-org' }), 403, 'not_a_member');
      assert.equal((await target.a.app.store.getSession(claims(l.access)['sid'] as string))?.orgId, w.acme.id, 'unchanged');
      for (const body of [{}, { org_id: 3 }, { org_id: '' }, { org_id: ['x'] }]) {
        refused(await as(l.access, 'POST', '/api/auth/orgs/select', body), 400, 'invalid_request');
      }
    });

    test('every org route needs a valid access token (401)', async () => {
      const w = await world();
      const routes: [string, string][] = [
        ['GET', '/api/auth/orgs'],
        ['POST', '/api/auth/orgs/select'],
        ['GET', membersPath(w.acme.id)],
        ['POST', membersPath(w.acme.id)],
        ['PATCH', membersPath(w.acme.id, w.member.id)],
        ['DELETE', membersPath(w.acme.id, w.member.id)],
        ['POST', orgPath(w.acme.id, '/leave')],
      ];
      for (const [method, path] of routes) {
        const json = method === 'GET' ? {} : { json: {} };
        refused(await call(target.a, method, path, json), 401, 'invalid_token');
        refused(await call(target.a, method, path, { ...json, headers: bearer('a.b.c') }), 401, 'invalid_token');
      }
    });

    // ------------------------------------------------------------------ members: the happy paths

    test('members: an admin lists them (id, username, name, email, role), oldest first', async () => {
      const w = await world();
      const r = await as((await signIn(w.admin)).access, 'GET', membersPath(w.acme.id));
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.members, [w.owner, w.admin, w.member].map((u, i) => ({
        id: u.id, username: u.username, name: u.name, email: u.email, role: ['owner', 'admin', 'member'][i],
      })));
    });

    test('add: by username or email, with a role up to one\'s own -> 201; again -> 409 already_member; unknown -> 404', async () => {
      const w = await world();
      const token = (await signIn(w.admin)).access;
      const r = await as(token, 'POST', membersPath(w.acme.id), { login: w.outsider.username.toUpperCase(), role: 'admin' });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.deepEqual(r.body.member, { id: w.outsider.id, username: w.outsider.username, name: w.outsider.name, email: w.outsider.email, role: 'admin' });
      assert.equal(await roleIn(w.acme, w.outsider), 'admin');
      refused(await as(token, 'POST', membersPath(w.acme.id), { login: w.outsider.email, role: 'member' }), 409, 'already_member');
      assert.equal(await roleIn(w.acme, w.outsider), 'admin', 'the role is not changed by a second add');
      const byEmail = await as(token, 'POST', membersPath(w.globex.id), { login: w.member.email.toUpperCase(), role: 'member' }, target.b);
      refused(byEmail, 403, 'org_mismatch'); // the token is Acme's; select Globex first
      const g = await as(token, 'POST', '/api/auth/orgs/select', { org_id: w.globex.id });
      const added = await as(g.body.access, 'POST', membersPath(w.globex.id), { login: w.member.email.toUpperCase(), role: 'member' });
      assert.equal(added.status, 201);
      assert.equal(await roleIn(w.globex, w.member), 'member');
      refused(await as(token, 'POST', membersPath(w.acme.id), { login: 'nobody-at-all', role: 'member' }), 404, 'user_not_found');
      refused(await as(token, 'POST', membersPath(w.acme.id), { login: 'nobody@example.com', role: 'member' }), 404, 'user_not_found');
      refused(await as(token, 'POST', membersPath(w.acme.id), { role: 'member' }), 400, 'invalid_request');
    });

    test('change: an admin changes members and other admins -> 200 { member }; unknown member -> 404 member_not_found', async () => {
      const w = await world();
      const token = (await signIn(w.admin)).access;
      const r = await as(token, 'PATCH', membersPath(w.acme.id, w.member.id), { role: 'admin' });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(r.body.member, { id: w.member.id, username: w.member.username, name: w.member.name, email: w.member.email, role: 'admin' });
      const back = await as(token, 'PATCH', membersPath(w.acme.id, w.member.id), { role: 'MEMBER' });
      assert.equal(back.body.member.role, 'member', 'roles are compared case-insensitively and answered in lower case');
      refused(await as(token, 'PATCH', membersPath(w.acme.id, w.outsider.id), { role: 'member' }), 404, 'member_not_found');
      refused(await as(token, 'PATCH', membersPath(w.acme.id, 'no-such-user'), { role: 'member' }), 404, 'member_not_found');
    });

    // ------------------------------------------------------------------ rules 3, 4, 5

    test('rule 3: a plain member cannot list, add, change or remove others (403 forbidden)', async () => {
      const w = await world();
      const token = (await signIn(w.member)).access;
      refused(await as(token, 'GET', membersPath(w.acme.id)), 403, 'forbidden');
      refused(await as(token, 'POST', membersPath(w.acme.id), { login: w.outsider.username, role: 'member' }), 403, 'forbidden');
      refused(await as(token, 'PATCH', membersPath(w.acme.id, w.admin.id), { role: 'member' }), 403, 'forbidden');
      refused(await as(token, 'DELETE', membersPath(w.acme.id, w.admin.id)), 403, 'forbidden');
      // SECURITY 25: a member promoting themself -> 403.
      refused(await as(token, 'PATCH', membersPath(w.acme.id, w.member.id), { role: 'owner' }), 403, 'forbidden');
      assert.deepEqual([await roleIn(w.acme, w.member), await roleIn(w.acme, w.admin), await roleIn(w.acme, w.outsider)], ['member', 'admin', null]);
    });

    test('rule 4: unknown role -> 400 invalid_role; an admin granting owner, or touching an owner -> 403 role_too_high', async () => {
      const w = await world();
      const token = (await signIn(w.admin)).access;
      for (const role of ['superuser', '', 7, null, '__proto__']) {
        refused(await as(token, 'POST', membersPath(w.acme.id), { login: w.outsider.username, role }), 400, role === '' || role === null || role === 7 ? 'invalid_request' : 'invalid_role');
      }
      refused(await as(token, 'PATCH', membersPath(w.acme.id, w.member.id), { role: 'boss' }), 400, 'invalid_role');
      refused(await as(token, 'POST', membersPath(w.acme.id), { login: w.outsider.username, role: 'owner' }), 403, 'role_too_high');
      refused(await as(token, 'PATCH', membersPath(w.acme.id, w.member.id), { role: 'owner' }), 403, 'role_too_high');
      refused(await as(token, 'PATCH', membersPath(w.acme.id, w.owner.id), { role: 'member' }), 403, 'role_too_high');
      refused(await as(token, 'DELETE', membersPath(w.acme.id, w.owner.id)), 403, 'role_too_high');
      assert.deepEqual([await roleIn(w.acme, w.outsider), await roleIn(w.acme, w.member), await roleIn(w.acme, w.owner)], [null, 'member', 'owner']);
    });

    test('rule 5: raising one\'s own role -> 403 self_promotion; lowering it is allowed', async () => {
      const w = await world();
      const token = (await signIn(w.admin)).access;
      refused(await as(token, 'PATCH', membersPath(w.acme.id, w.admin.id), { role: 'owner' }), 403, 'self_promotion');
      assert.equal(await roleIn(w.acme, w.admin), 'admin');
      const down = await as(token, 'PATCH', membersPath(w.acme.id, w.admin.id), { role: 'member' });
      assert.equal(down.status, 200);
      assert.equal(await roleIn(w.acme, w.admin), 'member');
      refused(await as(token, 'PATCH', membersPath(w.acme.id, w.admin.id), { role: 'admin' }), 403, 'forbidden');
    });

    // ------------------------------------------------------------------ rule 6: the last owner

    test('rule 6: the last owner cannot be removed, demoted or leave (409 last_owner); with a second owner they can', async () => {
      const w = await world();
      const token = (await signIn(w.owner)).access;
      refused(await as(token, 'DELETE', membersPath(w.acme.id, w.owner.id)), 409, 'last_owner');
      refused(await as(token, 'PATCH', membersPath(w.acme.id, w.owner.id), { role: 'admin' }), 409, 'last_owner');
      refused(await as(token, 'POST', orgPath(w.acme.id, '/leave')), 409, 'last_owner');
      assert.equal(await roleIn(w.acme, w.owner), 'owner');

      assert.equal((await as(token, 'PATCH', membersPath(w.acme.id, w.admin.id), { role: 'owner' })).status, 200);
      const left = await as(token, 'POST', orgPath(w.acme.id, '/leave'));
      assert.equal(left.status, 200, JSON.stringify(left.body));
      assert.equal(left.body.org, null, 'no other membership: no active org');
      assert.deepEqual(orgClaimNames(left.body.access), []);
      assert.equal(await roleIn(w.acme, w.owner), null);
      // The promoted admin is the last owner now.
      const last = (await signIn(w.admin)).access;
      refused(await as(last, 'POST', orgPath(w.acme.id, '/leave')), 409, 'last_owner');
      refused(await as(last, 'PATCH', membersPath(w.acme.id, w.admin.id), { role: 'member' }), 409, 'last_owner');
    });

    test('rule 6 raced: two owners demoting (then removing) each other at once, through two servers: exactly one succeeds, one owner stays', async () => {
      for (let round = 0; round < 6; round++) {
        const w = await world();
        await target.a.app.store.changeMember(w.acme.id, w.admin.id, 'owner', 'owner', target.a.clock.now());
        const [one, two] = await Promise.all([signIn(w.owner, target.a), signIn(w.admin, target.b)]);
        const remove = round % 2 === 1;
        const results = await Promise.all([
          as(one.access, remove ? 'DELETE' : 'PATCH', membersPath(w.acme.id, w.admin.id), remove ? undefined : { role: 'member' }, target.a),
          as(two.access, remove ? 'DELETE' : 'PATCH', membersPath(w.acme.id, w.owner.id), remove ? undefined : { role: 'member' }, target.b),
        ]);
        const statuses = results.map((r) => r.status);
        const ok = remove ? 204 : 200;
        assert.equal(statuses.filter((st) => st === ok).length, 1, `round ${round}: ${JSON.stringify(results.map((r) => r.body))}`);
        const loser = results.find((r) => r.status !== ok)!;
        // The loser is refused either by the atomic store step (409) or, if the winner's change was
        // committed before its checks, because it is no longer an owner (403) / a member (403).
        assert.ok(['last_owner', 'role_too_high', 'not_a_member', 'forbidden'].includes(loser.body.error), JSON.stringify(loser.body));
        const owners = (await target.a.app.store.listMembers(w.acme.id)).filter((m) => m.role === 'owner');
        assert.equal(owners.length, 1, `round ${round}: one owner stays`);
      }
    });

    // ------------------------------------------------------------------ the store decides, not the token

    test('a role taken away is refused on the next request while the old token still claims it (403 forbidden)', async () => {
      const w = await world();
      const adminToken = (await signIn(w.admin)).access;
      assert.equal(claims(adminToken)['org_role'], 'admin');
      assert.equal((await as(adminToken, 'GET', membersPath(w.acme.id))).status, 200);
      const ownerToken = (await signIn(w.owner, target.b)).access;
      assert.equal((await as(ownerToken, 'PATCH', membersPath(w.acme.id, w.admin.id), { role: 'member' }, target.b)).status, 200);
      assert.equal(claims(adminToken)['org_role'], 'admin', 'the old token still says admin');
      refused(await as(adminToken, 'GET', membersPath(w.acme.id)), 403, 'forbidden');
      refused(await as(adminToken, 'POST', membersPath(w.acme.id), { login: w.outsider.username, role: 'member' }), 403, 'forbidden');
      refused(await as(adminToken, 'PATCH', membersPath(w.acme.id, w.member.id), { role: 'admin' }), 403, 'forbidden');
      refused(await as(adminToken, 'DELETE', membersPath(w.acme.id, w.member.id)), 403, 'forbidden');
      assert.deepEqual([await roleIn(w.acme, w.outsider), await roleIn(w.acme, w.member)], [null, 'member']);
    });

    /**
     * A third server on the same store whose store demotes the caller (admin -> member, through the
     * real store, as the owner would) just before the route's write reaches it: the route's own
     * early checks saw an admin, the write must not.
     */
    async function demotedMidway(w: World): Promise<TestServer> {
      const real = target.a.app.store;
      let demoted = false;
      const demote = async (): Promise<void> => {
        if (demoted) return;
        demoted = true;
        assert.equal(await real.changeMember(w.acme.id, w.admin.id, 'member', 'owner', target.a.clock.now()), 'ok');
      };
      const store = new Proxy(real, {
        get(t, key) {
          const v: unknown = Reflect.get(t, key);
          if (typeof v !== 'function') return v;
          if (key !== 'changeMember' && key !== 'addMember') return v.bind(t);
          return async (...args: unknown[]) => {
            await demote();
            return v.apply(t, args);
          };
        },
      });
      return startServer({ dataDir: target.a.dataDir, deps: { store } });
    }

    test('an admin demoted between the route\'s checks and the write: change, remove and add are refused (403 forbidden), nothing changes', async () => {
      for (const attempt of ['change', 'remove', 'add'] as const) {
        const w = await world();
        const s = await demotedMidway(w);
        try {
          const token = (await signIn(w.admin, s)).access;
          const r =
            attempt === 'change'
              ? await as(token, 'PATCH', membersPath(w.acme.id, w.member.id), { role: 'admin' }, s)
              : attempt === 'remove'
                ? await as(token, 'DELETE', membersPath(w.acme.id, w.member.id), undefined, s)
                : await as(token, 'POST', membersPath(w.acme.id), { login: w.outsider.username, role: 'member' }, s);
          refused(r, 403, 'forbidden');
          assert.deepEqual(
            [await roleIn(w.acme, w.admin), await roleIn(w.acme, w.member), await roleIn(w.acme, w.outsider)],
            ['member', 'member', null],
            `${attempt}: the caller was demoted and nothing else changed`,
          );
        } finally {
          await s.close();
        }
      }
    });

    test("rule 1: org A's token on org B -> 403 org_mismatch, even for an admin of both; a token without an org too", async () => {
      const w = await world();
      const acmeToken = (await signIn(w.admin)).access; // active: Acme
      refused(await as(acmeToken, 'GET', membersPath(w.globex.id)), 403, 'org_mismatch');
      refused(await as(acmeToken, 'POST', membersPath(w.globex.id), { login: w.outsider.username, role: 'member' }), 403, 'org_mismatch');
      refused(await as(acmeToken, 'PATCH', membersPath(w.globex.id, w.admin.id), { role: 'member' }), 403, 'org_mismatch');
      refused(await as(acmeToken, 'DELETE', membersPath(w.globex.id, w.admin.id)), 403, 'org_mismatch');
      refused(await as(acmeToken, 'POST', orgPath(w.globex.id, '/leave')), 403, 'org_mismatch');
      assert.deepEqual([await roleIn(w.globex, w.outsider), await roleIn(w.globex, w.admin)], [null, 'admin']);
      // The same user, with a token for Globex, may.
      const g = await as(acmeToken, 'POST', '/api/auth/orgs/select', { org_id: w.globex.id });
      assert.equal((await as(g.body.access, 'GET', membersPath(w.globex.id))).status, 200);
      refused(await as(g.body.access, 'GET', membersPath(w.acme.id)), 403, 'org_mismatch');
      // No org in the token at all.
      const none = await as(g.body.access, 'POST', '/api/auth/orgs/select', { org_id: null });
      refused(await as(none.body.access, 'GET', membersPath(w.globex.id)), 403, 'org_mismatch');
      // Rule 1 comes before rule 2: a stranger's token learns nothing about the org.
      refused(await as((await signIn(w.outsider)).access, 'GET', membersPath(w.acme.id)), 403, 'org_mismatch');
    });

    test('a removed member loses the org at once (403 not_a_member with the old token); the next refresh has no org claims', async () => {
      const w = await world();
      const victim = await signIn(w.admin);
      assert.equal((await as(victim.access, 'GET', membersPath(w.acme.id))).status, 200);
      const ownerToken = (await signIn(w.owner)).access;
      const r = await as(ownerToken, 'DELETE', membersPath(w.acme.id, w.admin.id), undefined, target.b);
      assert.equal(r.status, 204);
      assert.equal(r.body, null);
      assert.equal(claims(victim.access)['org_id'], w.acme.id, 'the old token still names Acme');
      refused(await as(victim.access, 'GET', membersPath(w.acme.id)), 403, 'not_a_member');
      refused(await as(victim.access, 'POST', membersPath(w.acme.id), { login: w.outsider.username, role: 'member' }), 403, 'not_a_member');
      refused(await as(victim.access, 'POST', orgPath(w.acme.id, '/leave')), 403, 'not_a_member');
      assert.equal((await as(victim.access, 'GET', '/api/auth/session')).body.org, null, '/session answers the store');
      const orgs = await as(victim.access, 'GET', '/api/auth/orgs');
      assert.deepEqual([orgs.body.orgs.map((o: { id: string }) => o.id), orgs.body.active], [[w.globex.id], null]);

      const refreshed = await refreshWithBody(target.a, victim.refresh);
      assert.equal(refreshed.status, 200);
      assert.equal(refreshed.body.org, null);
      assert.deepEqual(orgClaimNames(refreshed.body.access), []);
      assert.equal((await target.a.app.store.getSession(claims(victim.access)['sid'] as string))?.orgId, null, 'the session org is cleared');
      // Added back later: nothing comes back by itself (the session org stays cleared).
      await target.a.app.store.addMember(w.acme.id, w.admin.id, 'member', target.a.clock.now());
      assert.equal((await refreshWithBody(target.a, refreshed.body.refresh)).body.org, null);
    });

    test('removing: a member may remove themself (204); admins remove members; removing a stranger -> 404', async () => {
      const w = await world();
      const memberToken = (await signIn(w.member)).access;
      assert.equal((await as(memberToken, 'DELETE', membersPath(w.acme.id, w.member.id))).status, 204);
      assert.equal(await roleIn(w.acme, w.member), null);
      const adminToken = (await signIn(w.admin)).access;
      refused(await as(adminToken, 'DELETE', membersPath(w.acme.id, w.member.id)), 404, 'member_not_found');
      await target.a.app.store.addMember(w.acme.id, w.outsider.id, 'admin', target.a.clock.now());
      assert.equal((await as(adminToken, 'DELETE', membersPath(w.acme.id, w.outsider.id))).status, 204, 'an admin removes another admin');
      assert.equal(await roleIn(w.acme, w.outsider), null);
    });

    test('leave: the next oldest membership becomes active; the org left refuses the old token', async () => {
      const w = await world();
      const l = await signIn(w.admin);
      const r = await as(l.access, 'POST', orgPath(w.acme.id, '/leave'));
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(r.body.org, { id: w.globex.id, name: 'Globex', role: 'admin', permissions: ADMIN_PERMISSIONS });
      assert.equal(r.body.access_token, r.body.access);
      assert.equal(claims(r.body.access)['org_id'], w.globex.id);
      assert.equal(await roleIn(w.acme, w.admin), null);
      refused(await as(l.access, 'GET', membersPath(w.acme.id)), 403, 'not_a_member');
      assert.deepEqual((await refreshWithBody(target.b, l.refresh)).body.org?.id, w.globex.id);
    });

    // ------------------------------------------------------------------ input, paths, rendering

    test('org names and user names with HTML are stored and answered verbatim, as JSON only (SECURITY 33)', async () => {
      const w = await world();
      const s = target.a;
      const evil = await s.app.store.createOrg({ id: `evil-${randomBytes(3).toString('hex')}`, name: HOSTILE }, s.clock.now());
      const user = await addUser(s, { username: `xss-${randomBytes(3).toString('hex')}`, password: PW, name: HOSTILE });
      await s.app.store.addMember(evil.id, user.id, 'owner', s.clock.now());
      const l = await signIn(user);
      assert.equal(l.body.org.name, HOSTILE);
      assert.match(l.res.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(claims(l.access)['org_name'], HOSTILE);
      const orgs = await as(l.access, 'GET', '/api/auth/orgs');
      assert.equal(orgs.body.orgs[0].name, HOSTILE);
      assert.match(orgs.res.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(orgs.res.headers.get('x-content-type-options'), 'nosniff');
      const members = await as(l.access, 'GET', membersPath(evil.id));
      assert.equal(members.body.members[0].name, HOSTILE);
      assert.match(members.res.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal((await s.app.store.findOrg(evil.id))?.name, HOSTILE, 'stored as given');
      assert.equal((await as(l.access, 'GET', membersPath(w.acme.id))).body.error, 'org_mismatch');
    });

    test('path parameters are percent-decoded; unknown paths 404; wrong methods 405 with Allow; CORS allows PATCH and DELETE', async () => {
      const w = await world();
      const s = target.a;
      const odd = await s.app.store.createOrg({ id: `odd id/${randomBytes(3).toString('hex')}?#`, name: 'Odd' }, s.clock.now());
      await s.app.store.addMember(odd.id, w.outsider.id, 'owner', s.clock.now());
      const l = await signIn(w.outsider);
      assert.equal(l.body.org.id, odd.id);
      const r = await as(l.access, 'GET', membersPath(odd.id));
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.members[0].id, w.outsider.id);
      refused(await as(l.access, 'GET', '/api/auth/orgs/x/nothing'), 404, 'not_found');
      refused(await as(l.access, 'GET', '/api/auth/orgs/x/members/y/z'), 404, 'not_found');
      refused(await as(l.access, 'GET', '/api/auth/orgs//members'), 404, 'not_found');
      refused(await as(l.access, 'GET', '/api/auth/orgs/%E0%A4%A/members'), 404, 'not_found');
      // U+0000 (PostgreSQL text cannot hold it) finds nothing, on either store.
      refused(await as(l.access, 'POST', '/api/auth/orgs/select', { org_id: 'a\u0000b' }), 403, 'not_a_member');
      refused(await as(l.access, 'PATCH', membersPath(odd.id, 'x\u0000y'), { role: 'member' }), 404, 'member_not_found');
      refused(await as(l.access, 'DELETE', membersPath(odd.id, 'x\u0000y')), 404, 'member_not_found');
      refused(await as(l.access, 'POST', membersPath(odd.id), { login: 'x\u0000y', role: 'member' }), 404, 'user_not_found');
      refused(await as(l.access, 'GET', '/api/auth/orgs/%00/members'), 403, 'org_mismatch');
      const wrong = await as(l.access, 'PUT', membersPath(odd.id, w.outsider.id), { role: 'member' });
      refused(wrong, 405, 'method_not_allowed');
      assert.equal(wrong.res.headers.get('allow'), 'PATCH, DELETE');
      refused(await as(l.access, 'GET', '/api/auth/orgs/select'), 405, 'method_not_allowed');
      const preflight = await call(s, 'OPTIONS', membersPath(odd.id, w.outsider.id), {
        headers: { origin: ALLOWED_ORIGIN, 'access-control-request-method': 'PATCH' },
      });
      assert.equal(preflight.status, 204);
      assert.match(preflight.res.headers.get('access-control-allow-methods') ?? '', /PATCH/);
      assert.match(preflight.res.headers.get('access-control-allow-methods') ?? '', /DELETE/);
      // A state-changing call from a foreign origin is refused before anything happens.
      const foreign = await call(s, 'DELETE', membersPath(odd.id, w.outsider.id), { headers: { ...bearer(l.access), origin: 'https://evil.example' } });
      refused(foreign, 403, 'forbidden_origin');
      assert.equal((await s.app.store.getMembership(odd.id, w.outsider.id))?.role, 'owner');
    });
  });
}

// ---- SQLite: two servers on one file ----
{
  let a: TestServer | undefined;
  let b: TestServer | undefined;
  orgSuite(
    'SQLite (two servers, one file)',
    async () => {
      const dataDir = tempDir();
      a = await startServer({ dataDir });
      b = await startServer({ dataDir });
      return { a, b };
    },
    async () => {
      await b?.close();
      await a?.close();
    },
  );
}

// ---- PostgreSQL: two servers on one database ----
{
  let pgServer: PgServer | undefined;
  let a: TestServer | undefined;
  let b: TestServer | undefined;
  orgSuite(
    'PostgreSQL (two servers, one database)',
    async () => {
      pgServer = await startPostgres();
      const dataDir = tempDir();
      const config = { databaseUrl: pgServer.url };
      [a, b] = await Promise.all([startServer({ config, dataDir }), startServer({ config, dataDir })]);
      return { a, b };
    },
    async () => {
      await b?.close();
      await a?.close();
      await pgServer?.stop();
    },
  );
}

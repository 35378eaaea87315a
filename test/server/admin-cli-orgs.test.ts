/**
 * The admin CLI's organization commands (bin/auth-admin.mjs as a real child process): create-org,
 * list-orgs, list-members, add-member, set-member-role, remove-member — against a SQLite file
 * (--db) checked through a real server on the same file, and against a real PostgreSQL
 * (AUTH_DATABASE_URL). Trusted: no role rules, except that the last owner stays.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openStore } from '../../server/store/open.js';
import type { Store } from '../../server/store/types.js';
import { runAdminCli, type CliRun } from './account-helpers.js';
import { addUser, bearer, call, login, startServer, tempDir, type TestServer } from './helpers.js';
import { startPostgres, type PgServer } from './pg-harness.js';

const PW = 'organizations cli password';
const HOSTILE = '<img src=x onerror=alert(1)>';

/** One line on stderr, prefixed, no stack trace. */
function failsWith(r: CliRun, code: number, message: RegExp): void {
  assert.equal(r.code, code, `${r.stdout}${r.stderr}`);
  assert.match(r.stderr, message);
  assert.ok(!/\n\s+at .+:\d+/.test(r.stderr), `stack trace in stderr:\n${r.stderr}`);
  if (code === 1) assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
}

describe('auth-admin organization commands (SQLite, --db)', () => {
  let dir: string;
  let db: string;
  let s: TestServer;
  const cli = (args: string[]) => runAdminCli(['--db', db, ...args]);
  before(async () => {
    dir = tempDir('ae-admin-orgs-');
    db = path.join(dir, 'auth.db');
    s = await startServer({ dataDir: dir });
    for (const username of ['alice', 'bob', 'carol']) await addUser(s, { username, password: PW, name: `${username} N`, email: `${username}@corp.com` });
  });
  after(() => s.close());

  test('create-org (random or given id), list-orgs; names are kept verbatim; taken ids and names are refused', async () => {
    const r = await cli(['create-org', 'Acme Corp', '--id', 'acme']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'created organization "Acme Corp" (id acme)');
    const g = await cli(['create-org', 'Globex']);
    assert.equal(g.code, 0, g.stderr);
    const id = /\(id ([0-9a-f-]{36})\)/.exec(g.stdout)?.[1];
    assert.ok(id, g.stdout);
    assert.equal((await s.app.store.findOrg(id))?.name, 'Globex');
    assert.equal((await cli(['create-org', HOSTILE, '--id', 'evil'])).code, 0);
    assert.equal((await s.app.store.findOrg('evil'))?.name, HOSTILE);

    failsWith(await cli(['create-org', 'Other', '--id', 'acme']), 1, /^auth-admin: an organization with the id "acme" exists already$/m);
    failsWith(await cli(['create-org', 'Acme Corp']), 1, /^auth-admin: an organization named "Acme Corp" exists already \(id acme\)$/m);
    failsWith(await cli(['create-org', 'X', '--id', 'bad id/..']), 1, /--id: .*letters, digits/);
    failsWith(await cli(['create-org', '  ']), 1, /organization name/);
    failsWith(await cli(['create-org', 'a\u0007b']), 1, /control characters/);
    failsWith(await cli(['create-org']), 2, /create-org needs a name/);

    const list = await cli(['list-orgs']);
    assert.equal(list.code, 0, list.stderr);
    const lines = list.stdout.trim().split('\n');
    assert.match(lines[0]!, /^ID\s+NAME\s+MEMBERS$/);
    assert.match(lines[1]!, /^acme\s+Acme Corp\s+0$/);
    const json = JSON.parse((await cli(['list-orgs', '--json'])).stdout) as { id: string; name: string; members: number }[];
    assert.deepEqual(json.find((o) => o.id === 'evil'), { id: 'evil', name: HOSTILE, members: 0 });
  });

  test('add-member, list-members, set-member-role, remove-member (ORG by id or exact name); the server sees them at once', async () => {
    await cli(['create-org', 'Initech', '--id', 'initech']);
    const add = await cli(['add-member', 'Initech', 'alice', 'owner']);
    assert.equal(add.code, 0, add.stderr);
    assert.equal(add.stdout.trim(), 'added alice to Initech as owner');
    assert.equal((await cli(['add-member', 'initech', 'BOB', 'Member'])).code, 0, 'ids, any username case, any role case');
    failsWith(await cli(['add-member', 'initech', 'bob', 'admin']), 1, /^auth-admin: bob is a member of Initech already \(role member\); use set-member-role$/m);

    const members = await cli(['list-members', 'initech']);
    assert.equal(members.code, 0, members.stderr);
    const lines = members.stdout.trim().split('\n');
    assert.match(lines[0]!, /^USERNAME\s+NAME\s+EMAIL\s+ROLE$/);
    assert.match(lines[1]!, /^alice\s+alice N\s+alice@corp\.com\s+owner$/);
    assert.match(lines[2]!, /^bob\s+bob N\s+bob@corp\.com\s+member$/);
    assert.deepEqual(JSON.parse((await cli(['list-members', 'Initech', '--json'])).stdout), [
      { username: 'alice', name: 'alice N', email: 'alice@corp.com', role: 'owner' },
      { username: 'bob', name: 'bob N', email: 'bob@corp.com', role: 'member' },
    ]);

    // The running server reads the store: bob logs in with Initech active; promoted, he manages.
    const bob = await login(s, 'bob', PW, true);
    assert.equal(bob.body.org.id, 'initech');
    assert.equal((await call(s, 'GET', '/api/auth/orgs/initech/members', { headers: bearer(bob.access) })).body.error, 'forbidden');
    const set = await cli(['set-member-role', 'initech', 'bob', 'admin']);
    assert.equal(set.code, 0, set.stderr);
    assert.equal(set.stdout.trim(), 'bob is admin in Initech');
    assert.equal((await call(s, 'GET', '/api/auth/orgs/initech/members', { headers: bearer(bob.access) })).status, 200);

    const rm = await cli(['remove-member', 'initech', 'bob']);
    assert.equal(rm.code, 0, rm.stderr);
    assert.equal(rm.stdout.trim(), 'removed bob from Initech');
    assert.equal((await call(s, 'GET', '/api/auth/orgs/initech/members', { headers: bearer(bob.access) })).body.error, 'not_a_member');
    assert.deepEqual(JSON.parse((await cli(['list-members', 'initech', '--json'])).stdout).map((m: { username: string }) => m.username), ['alice']);
  });

  test('trusted, except the last owner: 409-like refusals for demoting or removing it', async () => {
    await cli(['create-org', 'Solo', '--id', 'solo']);
    await cli(['add-member', 'solo', 'carol', 'owner']);
    failsWith(await cli(['set-member-role', 'solo', 'carol', 'member']), 1, /^auth-admin: carol is the last owner of Solo: make another member owner first$/m);
    failsWith(await cli(['remove-member', 'solo', 'carol']), 1, /last owner/);
    assert.equal((await s.app.store.getMembership('solo', (await s.app.store.findUserByUsername('carol'))!.id))?.role, 'owner');
    // The CLI is trusted: it may make anyone owner, then the first owner may go.
    assert.equal((await cli(['add-member', 'solo', 'alice', 'owner'])).code, 0);
    assert.equal((await cli(['remove-member', 'solo', 'carol'])).code, 0);
  });

  test('unknown orgs, users, roles and memberships: one clear line, exit 1; usage errors exit 2', async () => {
    await cli(['create-org', 'Known', '--id', 'known']);
    failsWith(await cli(['list-members', 'nope']), 1, /^auth-admin: no organization with the id or name "nope"$/m);
    failsWith(await cli(['add-member', 'known', 'nobody', 'member']), 1, /^auth-admin: no user named "nobody"$/m);
    failsWith(await cli(['add-member', 'known', 'alice', 'boss']), 1, /^auth-admin: unknown role "boss" \(roles: owner, admin, member\)$/m);
    failsWith(await cli(['set-member-role', 'known', 'alice', 'admin']), 1, /^auth-admin: alice is not a member of Known$/m);
    failsWith(await cli(['remove-member', 'known', 'alice']), 1, /^auth-admin: alice is not a member of Known$/m);
    failsWith(await cli(['add-member', 'known', 'alice']), 2, /add-member needs an organization, a username and a role/);
    failsWith(await cli(['remove-member', 'known']), 2, /remove-member needs an organization and a username/);
    failsWith(await cli(['list-members']), 2, /list-members needs an organization/);
  });

  test('AUTH_ORG_ROLES applies to the CLI too; a bad configuration is one clear line', async () => {
    await cli(['create-org', 'Custom', '--id', 'custom']);
    const custom = await runAdminCli(['--db', db, 'add-member', 'custom', 'alice', 'boss'], { env: { AUTH_ORG_ROLES: 'boss,worker' } });
    assert.equal(custom.code, 0, custom.stderr);
    const bad = await runAdminCli(['--db', db, 'list-orgs'], { env: { AUTH_ORG_ROLES: 'boss,boss' } });
    failsWith(bad, 1, /^auth-admin: configuration error: orgRoles \(AUTH_ORG_ROLES\) lists "boss" twice$/m);
  });
});

describe('auth-admin organization commands (PostgreSQL, AUTH_DATABASE_URL)', () => {
  let pgServer: PgServer | undefined;
  let store: Store | undefined;
  after(async () => {
    await store?.close();
    await pgServer?.stop();
  });

  test('the same commands on PostgreSQL, the last owner included', async () => {
    pgServer = await startPostgres();
    const env = { AUTH_DATABASE_URL: pgServer.url, AUTH_DATA_DIR: tempDir() };
    const cli = (args: string[]) => runAdminCli(args, { env });
    store = await openStore({ databaseUrl: pgServer.url, dbPath: '' });
    await store.createUser({ username: 'dora', passwordHash: 'x', name: 'Dora', email: 'dora@corp.com' }, Date.now());
    assert.equal((await cli(['create-org', 'Umbrella', '--id', 'umbrella'])).code, 0);
    assert.equal((await cli(['add-member', 'Umbrella', 'dora', 'owner'])).code, 0);
    assert.deepEqual(JSON.parse((await cli(['list-members', 'umbrella', '--json'])).stdout), [{ username: 'dora', name: 'Dora', email: 'dora@corp.com', role: 'owner' }]);
    failsWith(await cli(['set-member-role', 'umbrella', 'dora', 'admin']), 1, /last owner of Umbrella/);
    assert.deepEqual(JSON.parse((await cli(['list-orgs', '--json'])).stdout), [{ id: 'umbrella', name: 'Umbrella', members: 1 }]);
  });
});

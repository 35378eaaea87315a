/**
 * The admin CLI (bin/auth-admin.mjs) run as a real child process against a temporary SQLite file,
 * checked through a real server on the same file.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { argon2Params } from '../../server/passwords.js';
import { REPO_ROOT, STRONG, register, runAdminCli, session, type CliRun } from './account-helpers.js';
import { login, startServer, tempDir, type TestServer } from './helpers.js';

const FIXTURE = path.join(REPO_ROOT, 'test', 'server', 'fixtures', 'streamlit-authenticator.yaml');
/** The original passwords of the fixture's bcrypt hashes. */
const FIXTURE_PASSWORDS = { jsmith: 'abc-jsmith-2024', rbriggs: 'def', mwilliams: 'correct horse battery staple 🐎' } as const;

type Run = CliRun;
const cli = runAdminCli;

const noStackTrace = (r: Run): void => {
  assert.ok(!/\n\s+at .+:\d+/.test(r.stderr), `stack trace in stderr:\n${r.stderr}`);
};

let dir: string;
let db: string;
let s: TestServer;
before(async () => {
  dir = tempDir('ae-admin-');
  db = path.join(dir, 'auth.db');
  s = await startServer({ dataDir: dir });
  assert.equal(s.config.dbPath, db);
});
after(() => s.close());

describe('auth-admin create-superuser, list-users', () => {
  test('creates an admin from a password on stdin; it logs in with the role', async () => {
    const r = await cli(['--db', db, 'create-superuser', '--username', 'root', '--email', 'Root@Corp.com', '--name', 'Ro Ot'], { stdin: `${STRONG}\n` });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /created superuser root/);
    const a = await login(s, 'root', STRONG);
    assert.equal(a.status, 200);
    assert.deepEqual(a.body.user.roles, ['admin']);
    assert.equal(a.body.user.email, 'Root@Corp.com');
    const hash = (await s.app.store.findUserByUsername('root'))!.passwordHash;
    assert.equal(argon2Params(hash)?.variant, 'argon2id');
  });

  test('--password-stdin works too; the policy applies; duplicates and bad input fail cleanly', async () => {
    const weak = await cli(['--db', db, 'create-superuser', '--username', 'weakling', '--email', 'weak@corp.com', '--password-stdin'], { stdin: 'short\n' });
    assert.equal(weak.code, 1);
    assert.equal(weak.stderr.trim(), 'auth-admin: password refused: Use at least 15 characters.');
    assert.equal(await s.app.store.findUserByUsername('weakling'), null);
    const common = await cli(['--db', db, 'create-superuser', '--username', 'commoner', '--email', 'c@corp.com'], { stdin: 'passwordpassword' });
    assert.match(common.stderr, /too common/);

    const dup = await cli(['--db', db, 'create-superuser', '--username', 'ROOT', '--email', 'other@corp.com'], { stdin: STRONG });
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /exists already/);
    const dupEmail = await cli(['--db', db, 'create-superuser', '--username', 'root2', '--email', 'root@corp.com'], { stdin: STRONG });
    assert.equal(dupEmail.code, 1);
    assert.match(dupEmail.stderr, /another user has the email/);

    const noEmail = await cli(['--db', db, 'create-superuser', '--username', 'x1x'], { stdin: STRONG });
    assert.equal(noEmail.code, 2);
    assert.match(noEmail.stderr, /needs --username and --email/);
    const badEmail = await cli(['--db', db, 'create-superuser', '--username', 'x1x', '--email', 'a@x.com,b@evil.com'], { stdin: STRONG });
    assert.equal(badEmail.code, 1);
    assert.match(badEmail.stderr, /^auth-admin: email: /);
    const empty = await cli(['--db', db, 'create-superuser', '--username', 'x1x', '--email', 'x1x@corp.com'], { stdin: '' });
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /no password on standard input/);
    for (const r of [weak, common, dup, dupEmail, noEmail, badEmail, empty]) noStackTrace(r);
  });

  test('list-users prints a table (and JSON with --json)', async () => {
    await s.app.store.createUser({ username: 'listed', name: 'Lis Ted', email: 'listed@corp.com', passwordHash: 'x', roles: ['viewer', 'editor'], disabled: true }, s.clock.now());
    const r = await cli(['--db', db, 'list-users']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0]!, /^USERNAME\s+NAME\s+EMAIL\s+ROLES\s+DISABLED$/);
    assert.ok(lines.some((l) => /^root\s+Ro Ot\s+Root@Corp\.com\s+admin\s+no$/.test(l)), r.stdout);
    assert.ok(lines.some((l) => /^listed\s+Lis Ted\s+listed@corp\.com\s+viewer,editor\s+yes$/.test(l)), r.stdout);
    const json = JSON.parse((await cli(['--db', db, 'list-users', '--json'])).stdout) as { username: string; disabled: boolean }[];
    assert.deepEqual(json.find((u) => u.username === 'listed'), { username: 'listed', name: 'Lis Ted', email: 'listed@corp.com', roles: ['viewer', 'editor'], disabled: true });
  });

  test('unknown commands and options -> usage, exit 2', async () => {
    const r = await cli(['--db', db, 'frobnicate']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown command "frobnicate"\nusage: auth-admin/);
    const o = await cli(['--db', db, 'list-users', '--color']);
    assert.equal(o.code, 2);
    const none = await cli([]);
    assert.equal(none.code, 2);
    const help = await cli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /import-yaml FILE/);
  });
});

describe('auth-admin disable, enable, set-roles', () => {
  test('a disabled user cannot log in and their sessions end; enable restores login', async () => {
    await cli(['--db', db, 'create-superuser', '--username', 'dora', '--email', 'dora@corp.com'], { stdin: STRONG });
    const a = await login(s, 'dora', STRONG);
    assert.equal(a.status, 200);
    const d = await cli(['--db', db, 'disable', 'Dora']);
    assert.equal(d.code, 0, d.stderr);
    assert.match(d.stdout, /dora disabled/);
    const refused = await login(s, 'dora', STRONG);
    assert.equal(refused.status, 401);
    assert.deepEqual(refused.body, (await login(s, 'dora', 'wrong password for dora')).body, 'same answer as a wrong password');
    assert.equal((await session(s, a.access)).status, 401);
    const e = await cli(['--db', db, 'enable', 'dora']);
    assert.equal(e.code, 0, e.stderr);
    assert.equal((await login(s, 'dora', STRONG)).status, 200);
    assert.equal((await session(s, a.access)).status, 401, 'old sessions stay ended');
    const missing = await cli(['--db', db, 'disable', 'nobody-here']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr.trim(), 'auth-admin: no user named "nobody-here"');
  });

  test('set-roles: the next /api/auth/session shows the new roles, even with an old token', async () => {
    await cli(['--db', db, 'create-superuser', '--username', 'rolf', '--email', 'rolf@corp.com'], { stdin: STRONG });
    const a = await login(s, 'rolf', STRONG);
    assert.deepEqual((await session(s, a.access)).body.user.roles, ['admin']);
    const r = await cli(['--db', db, 'set-roles', 'rolf', 'viewer, editor']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((await session(s, a.access)).body.user.roles, ['viewer', 'editor']);
    assert.equal((await cli(['--db', db, 'set-roles', 'rolf', ''])).code, 0);
    assert.deepEqual((await session(s, a.access)).body.user.roles, []);
    const bad = await cli(['--db', db, 'set-roles', 'rolf', 'admin,<script>']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /not a valid role name/);
    assert.deepEqual((await session(s, a.access)).body.user.roles, []);
  });
});

describe('auth-admin preauth', () => {
  test('add, list, remove; a pre-authorized email can register once', async () => {
    const add = await cli(['--db', db, 'preauth', 'add', 'New.Hire@Corp.com', 'temp@corp.com', 'temp@corp.com']);
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /pre-authorized 2 email\(s\) \(1 already listed\)/);
    const list = await cli(['--db', db, 'preauth', 'list']);
    assert.ok(list.stdout.split('\n').includes('new.hire@corp.com'), list.stdout);
    assert.ok(list.stdout.split('\n').includes('temp@corp.com'));
    const rm = await cli(['--db', db, 'preauth', 'remove', 'TEMP@corp.com']);
    assert.match(rm.stdout, /removed 1 email/);
    assert.ok(!(await cli(['--db', db, 'preauth', 'list'])).stdout.includes('temp@corp.com'));
    const bad = await cli(['--db', db, 'preauth', 'add', 'a@x.com,b@evil.com']);
    assert.equal(bad.code, 1);
    noStackTrace(bad);

    assert.equal((await register(s, { username: 'temp', email: 'temp@corp.com', password: STRONG })).status, 403);
    assert.equal((await register(s, { username: 'newhire', email: 'new.hire@corp.com', password: STRONG })).status, 201);
    assert.ok(!(await cli(['--db', db, 'preauth', 'list'])).stdout.includes('new.hire@corp.com'), 'removed once registered');
  });
});

describe('auth-admin import-yaml (Streamlit-Authenticator)', () => {
  test('imports users, roles, names and pre-authorized emails; idempotent on re-run', async () => {
    const r = await cli(['--db', db, 'import-yaml', FIXTURE]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'users: 3 created, 0 skipped (0 already exist, 0 invalid); pre-authorized emails: 2 added');
    const jsmith = await s.app.store.findUserByUsername('jsmith');
    assert.equal(jsmith?.name, 'John Smith');
    assert.deepEqual(jsmith?.roles, ['admin', 'editor', 'viewer']);
    assert.match(jsmith!.passwordHash, /^\$2b\$12\$/, 'the bcrypt hash is kept until the first login');
    assert.equal((await s.app.store.findUserByEmail('rbriggs@gmail.com'))?.username, 'rbriggs');
    assert.equal((await s.app.store.findUserByUsername('mwilliams'))?.name, 'María Williams');
    const pre = await s.app.store.listPreauthorizedEmails();
    assert.ok(pre.includes('melsby@gmail.com') && pre.includes('newhire@example.org'), pre.join());

    const again = await cli(['--db', db, 'import-yaml', FIXTURE]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout.trim(), 'users: 0 created, 3 skipped (3 already exist, 0 invalid); pre-authorized emails: 0 added');
  });

  test('imported users log in with their original passwords, once via bcrypt, then argon2id', async () => {
    for (const [username, password] of Object.entries(FIXTURE_PASSWORDS)) {
      assert.equal((await login(s, username, `${password}x`)).status, 401, username);
      const a = await login(s, username, password);
      assert.equal(a.status, 200, `${username}: ${JSON.stringify(a.body)}`);
      const hash = (await s.app.store.findUserByUsername(username))!.passwordHash;
      const p = argon2Params(hash);
      assert.equal(p?.variant, 'argon2id', `${username} re-hashed: ${hash}`);
      assert.ok(p.m >= 19456 && p.t >= 2);
      assert.equal((await login(s, username, password)).status, 200);
    }
    assert.deepEqual((await login(s, 'jsmith', FIXTURE_PASSWORDS.jsmith)).body.user.roles, ['admin', 'editor', 'viewer']);
  });

  test('plain-text passwords are hashed with a warning; invalid entries are reported, the rest imported', async () => {
    const file = path.join(dir, 'plain.yaml');
    fs.writeFileSync(
      file,
      [
        'credentials:',
        '  usernames:',
        '    plainuser:',
        '      email: plain@corp.com',
        '      name: Plain User',
        '      password: plain text password here',
        '    bad user:',
        '      email: bad@corp.com',
        '      password: whatever whatever',
        '    badmail:',
        '      email: a@x.com,b@evil.com',
        '      password: whatever whatever',
        '    nopass:',
        '      email: nopass@corp.com',
        'preauthorized:',
        '  emails: [older@corp.com, "not an email"]',
        '',
      ].join('\n'),
    );
    const r = await cli(['--db', db, 'import-yaml', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'users: 1 created, 3 skipped (0 already exist, 3 invalid); pre-authorized emails: 1 added');
    assert.match(r.stderr, /plainuser: the password was plain text in the file; it is stored hashed \(argon2id\)/);
    assert.match(r.stderr, /bad user: not imported: The username may contain only/);
    assert.match(r.stderr, /badmail: not imported: email: /);
    assert.match(r.stderr, /nopass: not imported: no password/);
    assert.match(r.stderr, /pre-authorized not an email: skipped/);
    assert.ok(!r.stderr.includes('plain text password here'), 'the password is never printed');
    assert.equal(argon2Params((await s.app.store.findUserByUsername('plainuser'))!.passwordHash)?.variant, 'argon2id');
    assert.equal((await login(s, 'plainuser', 'plain text password here')).status, 200);
    assert.ok((await s.app.store.listPreauthorizedEmails()).includes('older@corp.com'), 'the older "preauthorized" key');
  });

  test('bad files: a clear one-line error, non-zero exit, no stack trace, nothing imported', async () => {
    const notYaml = path.join(dir, 'broken.yaml');
    fs.writeFileSync(notYaml, 'credentials:\n  usernames:\n    x: [unclosed\n');
    const noCreds = path.join(dir, 'nocreds.yaml');
    fs.writeFileSync(noCreds, 'cookie:\n  name: x\n');
    const scalar = path.join(dir, 'scalar.yaml');
    fs.writeFileSync(scalar, 'just a string\n');
    const cases: [string[], RegExp][] = [
      [['import-yaml', path.join(dir, 'missing.yaml')], /^auth-admin: cannot read .*missing\.yaml: no such file$/],
      [['import-yaml', notYaml], /^auth-admin: broken\.yaml is not valid YAML: /],
      [['import-yaml', noCreds], /^auth-admin: nocreds\.yaml has no "credentials: usernames:" mapping/],
      [['import-yaml', scalar], /^auth-admin: scalar\.yaml is not a Streamlit-Authenticator config/],
      [['import-yaml', dir], /is not a file$/],
      [['import-yaml'], /import-yaml needs exactly one file/],
    ];
    const before = (await s.app.store.listUsers()).length;
    for (const [args, pattern] of cases) {
      const r = await cli(['--db', db, ...args]);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.stderr.split('\n')[0]!, pattern);
      noStackTrace(r);
    }
    assert.equal((await s.app.store.listUsers()).length, before);
  });

  test('the environment selects the store like the server does (AUTH_DB); a bad config is one line', async () => {
    const r = await cli(['list-users', '--json'], { env: { AUTH_DB: db } });
    assert.equal(r.code, 0, r.stderr);
    assert.ok((JSON.parse(r.stdout) as { username: string }[]).some((u) => u.username === 'jsmith'));
    const bad = await cli(['list-users'], { env: { AUTH_DB: db, AUTH_PASSWORD_MIN: '4' } });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^auth-admin: configuration error: AUTH_PASSWORD_MIN=4 is refused/);
    noStackTrace(bad);
  });
});

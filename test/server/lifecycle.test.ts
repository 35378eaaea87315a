/** Start-up and restarts: keys and database on disk, demo mode, configuration from env, main.ts. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { ConfigError, configFromEnv, makeConfig } from '../../server/config.js';
import { DEMO_ACCOUNTS, DEMO_ORGS, DemoModeError, ensureDemoAccounts } from '../../server/demo.js';
import { KEY_FILE_NAME } from '../../server/keys.js';
import { argon2Hasher } from '../../server/passwords.js';
import { SCHEMA_VERSION, openSqliteStore } from '../../server/store/sqlite.js';
import { addUser, bearer, call, login, post, readKeyFile, startServer, tempDir } from './helpers.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('persistence across restarts', () => {
  test('signing keys persist: a token from the first start verifies on the second', async () => {
    const dataDir = tempDir();
    const first = await startServer({ dataDir });
    await addUser(first, { username: 'alice', password: 'alice password 123' });
    const l = await login(first, 'alice', 'alice password 123', true);
    assert.equal(l.status, 200);
    const kid1 = first.app.keys.signing.kid;
    await first.close();

    const second = await startServer({ dataDir });
    try {
      assert.equal(second.app.keys.signing.kid, kid1);
      const r = await call(second, 'GET', '/api/auth/session', { headers: bearer(l.access) });
      assert.equal(r.status, 200);
      assert.equal(r.body.user.username, 'alice');
      assert.equal((await post(second, '/api/auth/refresh', { refresh: l.refresh })).status, 200, 'sessions live in the DB');
    } finally {
      await second.close();
    }
  });

  test('a logout seen by one server process is seen by another sharing the DB at once', async () => {
    const dataDir = tempDir();
    const a = await startServer({ dataDir });
    const b = await startServer({ dataDir });
    try {
      await addUser(a, { username: 'alice', password: 'alice password 123' });
      const l = await login(a, 'alice', 'alice password 123');
      assert.equal((await call(b, 'GET', '/api/auth/session', { headers: bearer(l.access) })).status, 200);
      assert.equal((await call(a, 'POST', '/api/auth/logout', { headers: bearer(l.access) })).status, 204);
      assert.equal((await call(b, 'GET', '/api/auth/session', { headers: bearer(l.access) })).status, 401);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('the DB file and the key file exist on disk with private modes after start', async () => {
    const s = await startServer();
    try {
      assert.ok(fs.existsSync(s.config.dbPath), 'auth.db exists');
      assert.equal(s.config.dbPath, path.join(s.dataDir, 'auth.db'));
      const keyFile = path.join(s.dataDir, KEY_FILE_NAME);
      assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600);
      assert.equal(fs.statSync(s.config.dbPath).mode & 0o077, 0);
      const db = new Database(s.config.dbPath, { readonly: true });
      try {
        assert.equal((db.prepare('SELECT version FROM schema_version').get() as { version: number }).version, SCHEMA_VERSION);
        assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
        const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
        assert.deepEqual(tables, ['login_failures', 'memberships', 'orgs', 'outbox', 'pending_registrations', 'preauthorized_emails', 'refresh_tokens', 'reset_tokens', 'schema_version', 'sessions', 'username_skeletons', 'users']);
      } finally {
        db.close();
      }
      const file = readKeyFile(s.dataDir);
      assert.equal(file.version, 1);
      assert.equal(file.keys[0]?.alg, 'ES256');
      assert.equal(file.keys[0]?.kid, s.app.keys.signing.kid);
    } finally {
      await s.close();
    }
  });

  test('a new data dir is created with mode 0700', async () => {
    const parent = tempDir();
    const dataDir = path.join(parent, 'nested', 'data');
    const s = await startServer({ dataDir });
    try {
      assert.equal(fs.statSync(dataDir).mode & 0o777, 0o700);
    } finally {
      await s.close();
    }
  });

  test('with two keys in the file, the newest signs and both verify (rotation-ready)', async () => {
    const dataDir = tempDir();
    const first = await startServer({ dataDir });
    await addUser(first, { username: 'alice', password: 'alice password 123' });
    const old = await login(first, 'alice', 'alice password 123');
    await first.close();
    // Make a second key the way a rotation would: generate another file, merge it in as newer.
    const other = tempDir();
    const tmp = await startServer({ dataDir: other });
    await tmp.close();
    const a = readKeyFile(dataDir);
    const b = readKeyFile(other);
    const newer = { ...b.keys[0]!, created_at: new Date(Date.now() + 1000).toISOString() };
    fs.writeFileSync(path.join(dataDir, KEY_FILE_NAME), JSON.stringify({ version: 1, keys: [a.keys[0], newer] }), { mode: 0o600 });
    const second = await startServer({ dataDir });
    try {
      assert.equal(second.app.keys.signing.kid, newer.kid);
      const jwks = await call(second, 'GET', '/.well-known/jwks.json');
      assert.equal(jwks.body.keys.length, 2);
      assert.equal((await call(second, 'GET', '/api/auth/session', { headers: bearer(old.access) })).status, 200);
      const fresh = await login(second, 'alice', 'alice password 123');
      assert.equal(JSON.parse(Buffer.from(fresh.access.split('.')[0]!, 'base64url').toString()).kid, newer.kid);
    } finally {
      await second.close();
    }
  });

  test('a corrupt key file stops start-up with a clear error (never silently replaced)', async () => {
    const dataDir = tempDir();
    fs.writeFileSync(path.join(dataDir, KEY_FILE_NAME), '{not json', { mode: 0o600 });
    await assert.rejects(startServer({ dataDir }), /signing-keys\.json is not valid JSON/);
    assert.equal(fs.readFileSync(path.join(dataDir, KEY_FILE_NAME), 'utf8'), '{not json');
  });
});

describe('demo mode', () => {
  test('demo accounts are refused when demo mode is off', async () => {
    const dataDir = tempDir();
    const store = openSqliteStore(path.join(dataDir, 'auth.db'));
    try {
      await assert.rejects(ensureDemoAccounts({ demo: false }, store, argon2Hasher(), Date.now()), DemoModeError);
      assert.deepEqual(await store.listUsers(), []);
    } finally {
      await store.close();
    }
    const s = await startServer();
    try {
      const r = await post(s, '/api/auth/login', { username: 'alice', password: 'alice-demo-password' });
      assert.equal(r.status, 401, 'no demo account without demo mode');
      assert.deepEqual(await s.app.store.listUsers(), []);
    } finally {
      await s.close();
    }
  });

  test('demo mode creates alice and admin (once) with the documented passwords', async () => {
    assert.deepEqual(
      DEMO_ACCOUNTS.map((a) => [a.username, a.password, a.name, a.email, [...a.roles]]),
      [
        ['alice', 'alice-demo-password', 'Alice Example', 'alice@example.com', ['member']],
        ['admin', 'admin-demo-password', 'Ada Admin', 'admin@example.com', ['admin']],
      ],
    );
    const dataDir = tempDir();
    const s = await startServer({ dataDir, config: { demo: true } });
    try {
      for (const a of DEMO_ACCOUNTS) {
        const r = await post(s, '/api/auth/login', { username: a.username, password: a.password });
        assert.equal(r.status, 200, a.username);
        assert.deepEqual(r.body.user.roles, [...a.roles]);
        assert.equal(r.body.user.name, a.name);
        assert.equal(r.body.user.email, a.email);
      }
    } finally {
      await s.close();
    }
    const again = await startServer({ dataDir, config: { demo: true } });
    try {
      assert.equal((await again.app.store.listUsers()).length, 2, 'restarting does not duplicate them');
    } finally {
      await again.close();
    }
  });
});

describe('demo organizations', () => {
  test('demo mode seeds Acme Corp (alice owner, admin member) and Globex (alice member, admin admin), once', async () => {
    assert.deepEqual(DEMO_ORGS, [
      { id: 'acme', name: 'Acme Corp', members: [['alice', 'owner'], ['admin', 'member']] },
      { id: 'globex', name: 'Globex', members: [['alice', 'member'], ['admin', 'admin']] },
    ]);
    const dataDir = tempDir();
    const s = await startServer({ dataDir, config: { demo: true } });
    try {
      const alice = await post(s, '/api/auth/login', { username: 'alice', password: 'alice-demo-password' });
      assert.deepEqual(alice.body.org, { id: 'acme', name: 'Acme Corp', role: 'owner', permissions: ['billing:write', 'members:write', 'reports:write', 'reports:read'] });
      const orgs = await call(s, 'GET', '/api/auth/orgs', { headers: bearer(alice.body.access) });
      assert.deepEqual(orgs.body.orgs.map((o: { id: string; role: string }) => [o.id, o.role]), [['acme', 'owner'], ['globex', 'member']]);
      const admin = await post(s, '/api/auth/login', { username: 'admin', password: 'admin-demo-password' });
      assert.deepEqual([admin.body.org.id, admin.body.org.role], ['acme', 'member']);
      // A visitor's change survives a restart: the seed only fills organizations it creates.
      const adminId = admin.body.user.id as string;
      assert.equal(await s.app.store.changeMember('globex', adminId, null, 'owner', s.clock.now()), 'ok');
    } finally {
      await s.close();
    }
    const again = await startServer({ dataDir, config: { demo: true } });
    try {
      assert.deepEqual((await again.app.store.listOrgs()).map((o) => o.id), ['acme', 'globex'], 'not duplicated');
      assert.deepEqual((await again.app.store.listMembers('globex')).map((m) => m.user.username), ['alice']);
    } finally {
      await again.close();
    }
  });

  test('no demo organizations without demo mode', async () => {
    const s = await startServer();
    try {
      assert.deepEqual(await s.app.store.listOrgs(), []);
    } finally {
      await s.close();
    }
  });
});

describe('configuration', () => {
  test('configFromEnv defaults', () => {
    const c = configFromEnv({}, '/repo');
    assert.equal(c.port, 8787);
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.dataDir, '/repo/.data');
    assert.equal(c.dbPath, '/repo/.data/auth.db');
    assert.equal(c.issuer, 'http://localhost:8787');
    assert.equal(c.audience, 'auth-elements');
    assert.equal(c.demo, false);
    assert.deepEqual(c.corsOrigins, ['http://localhost:8787', 'http://127.0.0.1:8787']);
    assert.equal(c.cookieSecure, true);
    assert.equal(c.accessTtl, 300);
    assert.equal(c.refreshIdleTtl, 7 * 24 * 3600);
    assert.equal(c.refreshAbsoluteTtl, 30 * 24 * 3600);
    assert.equal(c.refreshReuseGrace, 10);
    assert.deepEqual(c.staticRoots, [
      { urlPrefix: '/dist/', dir: '/repo/dist' },
      { urlPrefix: '/', dir: '/repo/demo' },
    ]);
    assert.equal(c.bodyLimit, 64 * 1024);
    assert.equal(c.rateLimit.account.maxFailures, 5);
    assert.equal(c.rateLimit.address.maxFailures, 50);
  });

  test('configFromEnv reads every variable', () => {
    const c = configFromEnv(
      {
        PORT: '9000',
        HOST: '0.0.0.0',
        AUTH_DATA_DIR: '/var/lib/ae',
        AUTH_DB: '/tmp/x.db',
        AUTH_ISSUER: 'https://auth.example.com',
        AUTH_AUDIENCE: 'my-api',
        AUTH_DEMO: '1',
        AUTH_CORS_ORIGINS: 'https://a.example, http://localhost:8501',
        AUTH_COOKIE_SECURE: '0',
        ACCESS_TTL: '60',
        REFRESH_IDLE_TTL: '3600',
        REFRESH_ABSOLUTE_TTL: '86400',
        REFRESH_REUSE_GRACE: '0',
      },
      '/repo',
    );
    assert.equal(c.port, 9000);
    assert.equal(c.host, '0.0.0.0');
    assert.equal(c.dataDir, '/var/lib/ae');
    assert.equal(c.dbPath, '/tmp/x.db');
    assert.equal(c.issuer, 'https://auth.example.com');
    assert.equal(c.audience, 'my-api');
    assert.equal(c.demo, true);
    assert.deepEqual(c.corsOrigins, ['http://localhost:9000', 'http://127.0.0.1:9000', 'https://a.example', 'http://localhost:8501']);
    assert.equal(c.cookieSecure, false);
    assert.equal(c.accessTtl, 60);
    assert.equal(c.refreshIdleTtl, 3600);
    assert.equal(c.refreshAbsoluteTtl, 86400);
    assert.equal(c.refreshReuseGrace, 0);
  });

  test('bad configuration is refused with a clear error', () => {
    assert.throws(() => configFromEnv({ PORT: 'abc' }, '/repo'), ConfigError);
    assert.throws(() => configFromEnv({ AUTH_CORS_ORIGINS: '*' }, '/repo'), ConfigError);
    assert.throws(() => configFromEnv({ AUTH_CORS_ORIGINS: 'https://a.example/path' }, '/repo'), ConfigError);
    assert.throws(() => configFromEnv({ AUTH_COOKIE_SECURE: 'maybe' }, '/repo'), ConfigError);
    assert.throws(() => configFromEnv({ ACCESS_TTL: '0' }, '/repo'), ConfigError);
    assert.throws(() => configFromEnv({ REFRESH_REUSE_GRACE: '61' }, '/repo'), /REFRESH_REUSE_GRACE must be between 0 and 60/);
    assert.throws(() => makeConfig({ refreshReuseGrace: -1 }), /refreshReuseGrace \(REFRESH_REUSE_GRACE\) must be 0-60 seconds/);
    assert.throws(() => makeConfig({ corsOrigins: ['*'] }), ConfigError);
  });
});

describe('server/main.ts', () => {
  test('starts with AUTH_DEMO=1, prints where to go and the demo accounts, serves, stops on SIGTERM', async () => {
    const dataDir = tempDir();
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'server', 'main.ts')], {
      cwd: repoRoot,
      env: { ...process.env, PORT: '0', AUTH_DEMO: '1', AUTH_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 20_000;
      while (!/alice\s+password/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const port = /listening on 127\.0\.0\.1:(\d+)/.exec(out)?.[1];
      assert.ok(port, `no listening line in:\n${out}`);
      assert.match(out, new RegExp(`http://localhost:${port}/\\n`));
      assert.match(out, new RegExp(`http://localhost:${port}/script-tag\\.html`));
      assert.match(out, /alice\s+password: alice-demo-password/);
      assert.match(out, /admin\s+password: admin-demo-password/);
      assert.ok(out.includes(path.join(dataDir, 'auth.db')), 'prints the DB path');
      assert.doesNotMatch(out, /WARNING: DEMO MODE/, 'no exposure warning on loopback');
      const r = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'alice', password: 'alice-demo-password' }),
      });
      assert.equal(r.status, 200);
      await r.text();
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
  });
});

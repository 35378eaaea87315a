/** The Store contract (store-contract.ts) against the SQLite store: a fresh file per test. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { SCHEMA_VERSION, openSqliteStore } from '../../server/store/sqlite.js';
import { tempDir } from './helpers.js';
import { storeContract } from './store-contract.js';

storeContract('SQLite', async () => {
  const dir = tempDir('ae-store-sqlite-');
  const file = path.join(dir, 'auth.db');
  const store = openSqliteStore(file);
  return {
    store,
    reopen: async () => openSqliteStore(file),
    cleanup: async () => {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('SQLite store specifics', () => {
  test('a file from before organizations (version 4) upgrades: its sessions get no org, orgs work', async () => {
    const dir = tempDir('ae-store-sqlite-');
    const file = path.join(dir, 'auth.db');
    const fresh = openSqliteStore(file);
    const user = await fresh.createUser({ username: 'alice', passwordHash: 'x' }, 1);
    await fresh.close();
    // What migration 5 added goes; a session of that older server is kept.
    const db = new Database(file);
    db.exec('DROP TABLE memberships; DROP TABLE orgs; ALTER TABLE sessions DROP COLUMN org_id; UPDATE schema_version SET version = 4');
    db.prepare('INSERT INTO sessions (id, user_id, created_at, absolute_expires_at, revoked_at) VALUES (?, ?, 1, 99, NULL)').run('old-session', user.id);
    db.close();
    const store = openSqliteStore(file);
    try {
      assert.deepEqual(await store.getSession('old-session'), { id: 'old-session', userId: user.id, createdAt: 1, absoluteExpiresAt: 99, revokedAt: null, orgId: null });
      await store.createOrg({ id: 'acme', name: 'Acme' }, 2);
      assert.equal(await store.addMember('acme', user.id, 'owner', 2), 'added');
      await store.setSessionOrg('old-session', 'acme', 3);
      assert.equal((await store.getSession('old-session'))?.orgId, 'acme');
    } finally {
      await store.close();
    }
    const check = new Database(file, { readonly: true });
    try {
      assert.equal((check.prepare('SELECT version FROM schema_version').get() as { version: number }).version, SCHEMA_VERSION);
    } finally {
      check.close();
    }
  });
});

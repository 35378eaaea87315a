/** The Store contract (store-contract.ts) against the SQLite store: a fresh file per test. */
import fs from 'node:fs';
import path from 'node:path';
import { openSqliteStore } from '../../server/store/sqlite.js';
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

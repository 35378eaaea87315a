/** The server secret (server/secret.ts): made once, kept private, one key per use. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SECRET_FILE_NAME, SecretFileError, loadOrCreateSecret } from '../../server/secret.js';
import { tempDir } from './helpers.js';

test('made on first run with mode 0600, the same after a reload, different in another data dir', () => {
  const dir = tempDir();
  const a = loadOrCreateSecret(dir);
  const file = path.join(dir, SECRET_FILE_NAME);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  const again = loadOrCreateSecret(dir);
  assert.equal(again.mac('device', 'x'), a.mac('device', 'x'));
  assert.notEqual(loadOrCreateSecret(tempDir()).mac('device', 'x'), a.mac('device', 'x'));
});

test('a MAC checks only for its own label and data, and a flipped character fails', () => {
  const s = loadOrCreateSecret(tempDir());
  const mac = s.mac('device', 'user-1.nonce');
  assert.equal(s.check('device', 'user-1.nonce', mac), true);
  assert.equal(s.check('refresh', 'user-1.nonce', mac), false);
  assert.equal(s.check('device', 'user-2.nonce', mac), false);
  const flipped = (mac[0] === 'A' ? 'B' : 'A') + mac.slice(1);
  assert.equal(s.check('device', 'user-1.nonce', flipped), false);
  assert.equal(s.check('device', 'user-1.nonce', ''), false);
});

test('a damaged secret file stops the start with a clear error', () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, SECRET_FILE_NAME), 'short\n', { mode: 0o600 });
  assert.throws(() => loadOrCreateSecret(dir), (err: unknown) => err instanceof SecretFileError && /server-secret/.test((err as Error).message));
});

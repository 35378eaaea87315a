// The browser's copy of the common-password list (src/components/auth-form/common-passwords-*.ts, made
// by scripts/common-passwords.mjs) is exactly the server's list (server/password-policy.ts) for every
// length the policy can meet (8 code points or more), split into its two bands.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commonPasswordSet, passwordLength } from '../../server/password-policy.js';
import { commonPasswords } from '../../src/components/auth-form/common-passwords.js';

test('the browser list is the server list from 8 code points on, in bands 8-14 and 15+', async () => {
  const server = [...commonPasswordSet()].filter((p) => passwordLength(p) >= 8).sort();
  const long = [...(await commonPasswords(15))].sort();
  const all = [...(await commonPasswords(8))].sort();
  console.log(`server entries of 8+: ${server.length}; browser 15+: ${long.length}, 8+: ${all.length}`);
  assert.deepEqual(all, server);
  assert.deepEqual(long, server.filter((p) => passwordLength(p) >= 15));
  assert.ok(all.includes('passwordpassword') && all.includes('baseball1'));
});

test('a minimum above 15 still loads the 15+ band; one below loads both', async () => {
  assert.equal((await commonPasswords(40)).size, (await commonPasswords(15)).size);
  assert.equal((await commonPasswords(9)).size, (await commonPasswords(8)).size);
});

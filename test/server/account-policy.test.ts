/**
 * Password policy (SECURITY 20), hashing (SECURITY 26) and the identity checks (SECURITY 23), as
 * units and through the register endpoint.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import bcrypt from 'bcryptjs';
import { ConfigError, configFromEnv, makeConfig } from '../../server/config.js';
import { checkEmail, checkUsername } from '../../server/identity.js';
import { passwordLength, passwordProblem } from '../../server/password-policy.js';
import { argon2Hasher, argon2Params, isBcryptHash, needsRehash, verifyBcrypt, verifyStoredPassword } from '../../server/passwords.js';
import { register } from './account-helpers.js';
import { startServer, tempDir, type TestServer } from './helpers.js';

describe('password policy (SECURITY 20)', () => {
  test('14 characters are refused with a clear message, 15 accepted by default', () => {
    assert.equal(passwordProblem('violet tulip a', 15), 'Use at least 15 characters.');
    assert.equal(passwordProblem('violet tulip ab', 15), null);
    assert.equal(passwordLength('violet tulip ab'), 15);
    assert.equal(makeConfig().passwordMinLength, 15);
  });

  test('64 and 128 characters, spaces and emoji are accepted; length counts code points after NFC', () => {
    const long64 = 'river stone '.repeat(6).slice(0, 64);
    assert.equal(long64.length, 64);
    assert.equal(passwordProblem(long64, 15), null);
    const long128 = 'mountain lake '.repeat(10).slice(0, 128);
    assert.equal(passwordProblem(long128, 15), null);
    assert.equal(passwordProblem('🦊🦊🦊 fox in the snow', 15), null);
    // 14 emoji are 28 UTF-16 units but 14 characters: still too short.
    assert.equal(passwordProblem('🦊'.repeat(14), 15), 'Use at least 15 characters.');
    assert.equal(passwordProblem('🦊'.repeat(15), 15), null);
    // "é" as e + combining acute counts once (NFC).
    assert.equal(passwordLength('e\u0301'.repeat(15)), 15);
    assert.equal(passwordProblem('x'.repeat(256), 15), null);
    assert.match(passwordProblem('x'.repeat(257), 15) ?? '', /at most 256/);
  });

  test('no composition rules: all lower-case letters and spaces are fine', () => {
    assert.equal(passwordProblem('just some plain lowercase words', 15), null);
  });

  test('a password from the common list is refused (compared lower-cased)', () => {
    assert.match(passwordProblem('passwordpassword', 15) ?? '', /too common/);
    assert.match(passwordProblem('QwertyUiop12345', 15) ?? '', /too common/);
    assert.match(passwordProblem('password1', 8) ?? '', /too common/);
  });

  test('a password equal to the username or the email is refused', () => {
    assert.match(passwordProblem('averylongusername', 15, { username: 'AVeryLongUsername' }) ?? '', /username/);
    assert.match(passwordProblem('someone@example.com', 15, { email: 'Someone@Example.com' }) ?? '', /email/);
  });

  test('the minimum is configurable down to 8 and refused below 8 at start-up', () => {
    const c = configFromEnv({ AUTH_PASSWORD_MIN: '8' }, tempDir());
    assert.equal(c.passwordMinLength, 8);
    assert.equal(passwordProblem('tulip ab', 8), null);
    assert.throws(() => configFromEnv({ AUTH_PASSWORD_MIN: '7' }, tempDir()), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /AUTH_PASSWORD_MIN=7 is refused.*never allowed/);
      return true;
    });
    assert.throws(() => makeConfig({ passwordMinLength: 4 }), ConfigError);
    assert.throws(() => configFromEnv({ AUTH_PASSWORD_MIN: 'eight' }, tempDir()), ConfigError);
  });

  test('other account settings are validated at start-up', () => {
    assert.equal(makeConfig().registration, 'preauthorized');
    assert.throws(() => configFromEnv({ AUTH_REGISTRATION: 'anyone' }, tempDir()), /AUTH_REGISTRATION/);
    assert.throws(() => configFromEnv({ AUTH_APP_URL: 'javascript:alert(1)' }, tempDir()), /AUTH_APP_URL/);
    assert.throws(() => configFromEnv({ AUTH_SMTP_URL: 'http://mail' }, tempDir()), /AUTH_SMTP_URL/);
    assert.throws(() => configFromEnv({ AUTH_ALLOWED_DOMAINS: 'corp.com, not a domain' }, tempDir()), /AUTH_ALLOWED_DOMAINS/);
    const c = configFromEnv({ AUTH_ALLOWED_DOMAINS: 'Corp.com, @example.org', AUTH_ISSUER: 'https://id.example.com/tenant' }, tempDir());
    assert.deepEqual(c.allowedEmailDomains, ['corp.com', 'example.org']);
    assert.equal(c.appUrl, 'https://id.example.com/', 'default app URL: the issuer origin + /');
    assert.equal(c.resetTokenTtl, 1800);
  });
});

describe('hashing (SECURITY 26) and bcrypt imports (SECURITY 20)', () => {
  test('new hashes are argon2id with m >= 19456 KiB and t >= 2', async () => {
    const encoded = await argon2Hasher().hash('a new password for hashing');
    const p = argon2Params(encoded);
    assert.ok(p !== null, encoded);
    assert.equal(p.variant, 'argon2id');
    assert.ok(p.m >= 19456, `m=${p.m}`);
    assert.ok(p.t >= 2, `t=${p.t}`);
    assert.equal(needsRehash(encoded), false);
  });

  test('bcrypt $2a$/$2b$/$2y$ hashes verify; they always need a re-hash', async () => {
    const h = bcrypt.hashSync('imported password', 4);
    for (const prefix of ['$2a$', '$2b$', '$2y$']) {
      const variant = prefix + h.slice(4);
      assert.ok(isBcryptHash(variant));
      assert.equal(await verifyStoredPassword(argon2Hasher(), variant, 'imported password'), true, prefix);
      assert.equal(await verifyStoredPassword(argon2Hasher(), variant, 'imported passwort'), false, prefix);
      assert.equal(needsRehash(variant), true);
    }
    assert.equal(needsRehash('$argon2i$v=19$m=4096,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA'), true);
  });

  test('a password over 72 bytes never verifies against bcrypt (no silent truncation)', async () => {
    const base = 'b'.repeat(72);
    const h = bcrypt.hashSync(base, 4); // bcrypt itself only ever sees 72 bytes
    assert.equal(await verifyBcrypt(h, base), true);
    // Plain bcrypt would accept these: the first 72 bytes match.
    assert.equal(bcrypt.compareSync(`${base}anything`, h), true, 'bcrypt truncates (the reason for the rule)');
    assert.equal(await verifyBcrypt(h, `${base}anything`), false);
    assert.equal(await verifyBcrypt(h, `${base}x`), false);
    // 72 bytes counted in UTF-8: 24 three-byte characters = 72 bytes OK, 25 = 75 bytes refused.
    const euro24 = '€'.repeat(24);
    assert.equal(await verifyBcrypt(bcrypt.hashSync(euro24, 4), euro24), true);
    const euro25 = '€'.repeat(25);
    assert.equal(await verifyBcrypt(bcrypt.hashSync(euro25, 4), euro25), false);
    assert.equal(await verifyBcrypt('$2b$04$notahash', 'x'), false);
  });
});

describe('identity checks (SECURITY 23)', () => {
  test('emails are trimmed and NFKC-normalized, then validated', () => {
    assert.deepEqual(checkEmail('  Victim@Corp.com '), { ok: true, email: 'Victim@Corp.com' });
    assert.deepEqual(checkEmail('victim\uFF20corp.com'), { ok: true, email: 'victim@corp.com' }, 'fullwidth at sign');
    assert.deepEqual(checkEmail('ｖｉｃｔｉｍ@ｃｏｒｐ.ｃｏｍ'), { ok: true, email: 'victim@corp.com' });
  });

  test('mangled addresses are refused', () => {
    for (const bad of [
      'a@x.com,b@evil.com',
      'a@x.com;b@evil.com',
      'victim@corp.com\u0000',
      'victim@corp.com\u0000@evil.com',
      'victim@corp.com\r\nBcc: x@evil.com',
      'vic tim@corp.com',
      'a@b@corp.com',
      'victim@corp',
      'victim@',
      '@corp.com',
      'victim@corp..com',
      '.victim@corp.com',
      '"victim"@corp.com',
      'victim@[127.0.0.1]',
      `${'a'.repeat(64)}@${'b'.repeat(186)}.com`,
      'Victim <victim@corp.com>',
      '',
    ]) {
      const r = checkEmail(bad);
      assert.equal(r.ok, false, `accepted ${JSON.stringify(bad)}`);
    }
  });

  test('usernames: 3-64 letters, digits, . _ - after NFKC', () => {
    assert.deepEqual(checkUsername('ｊｓｍｉｔｈ'), { ok: true, username: 'jsmith' });
    assert.equal(checkUsername('j.smith-2_x').ok, true);
    assert.equal(checkUsername('zoë').ok, true);
    for (const bad of ['ab', 'x'.repeat(65), 'a b c', 'a@b.com', 'semi;colon', 'nul\u0000byte', '<img>']) {
      assert.equal(checkUsername(bad).ok, false, bad);
    }
  });
});

describe('the policy at the register endpoint', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer({ config: { registration: 'open' } });
  });
  after(() => s.close());

  const reg = (username: string, password: string) => register(s, { username, email: `${username}@example.com`, name: 'N', password });

  test('14 characters -> 400 weak_password with the message; 15 -> 201', async () => {
    const r = await reg('fourteen', 'violet tulip a');
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, { error: 'weak_password', error_description: 'Use at least 15 characters.', reason: 'too_short', min: 15 });
    assert.equal(await s.app.store.findUserByUsername('fourteen'), null);
    assert.equal((await reg('fifteen', 'violet tulip ab')).status, 201);
  });

  test('64 and 128 characters, spaces and emoji -> 201', async () => {
    assert.equal((await reg('sixtyfour', 'river stone '.repeat(6).slice(0, 64))).status, 201);
    assert.equal((await reg('onetwentyeight', 'mountain lake '.repeat(10).slice(0, 128))).status, 201);
    assert.equal((await reg('emoji', '🦊🌲 a fox in the snowy woods 🌲🦊')).status, 201);
  });

  test('a common password -> 400 with its own message', async () => {
    const r = await reg('commoner', 'passwordpassword');
    assert.equal(r.status, 400);
    assert.equal(r.body.error, 'weak_password');
    assert.match(r.body.error_description, /too common/);
  });

  test('password = username or email -> 400', async () => {
    const r = await reg('averylongusername', 'AVeryLongUsername');
    assert.equal(r.body.error, 'weak_password');
    assert.match(r.body.error_description, /username/);
    const r2 = await register(s, { username: 'mailpass', email: 'mail.pass.user@example.com', password: 'mail.pass.user@example.com' });
    assert.equal(r2.body.error, 'weak_password');
  });

  test('each refusal names its rule in `reason` (with `min`/`max`), next to the English description', async () => {
    const [long, common, same, mail] = await Promise.all([
      reg('toolong', 'x'.repeat(257)),
      reg('commoner2', 'passwordpassword'),
      reg('averylongusername2', 'AVeryLongUsername2'),
      register(s, { username: 'mailpass2', email: 'mail.pass.two@example.com', password: 'mail.pass.two@example.com' }),
    ]);
    assert.deepEqual(long.body, { error: 'weak_password', error_description: 'Use at most 256 characters.', reason: 'too_long', max: 256 });
    assert.equal(common.body.reason, 'common');
    assert.match(common.body.error_description, /too common/);
    assert.deepEqual(same.body, { error: 'weak_password', error_description: 'The password may not be your username.', reason: 'username' });
    assert.deepEqual(mail.body, { error: 'weak_password', error_description: 'The password may not be your email address.', reason: 'email' });
  });

  test('with AUTH_PASSWORD_MIN=8, 8 characters are accepted', async () => {
    const s8 = await startServer({ config: { registration: 'open', passwordMinLength: 8 } });
    try {
      assert.equal((await register(s8, { username: 'short8', email: 'short8@example.com', password: 'tulip ab' })).status, 201);
      const r = await register(s8, { username: 'short7', email: 'short7@example.com', password: 'tulip a' });
      assert.equal(r.body.error_description, 'Use at least 8 characters.');
      assert.equal(r.body.min, 8);
    } finally {
      await s8.close();
    }
  });
});

/**
 * Signed-in account operations: password change (SECURITY 24, 19), update details (SECURITY 24),
 * roles read from the store (SECURITY 25, partial), imported bcrypt hashes (SECURITY 26).
 * Mail goes through a real SMTP server process (smtp-sink.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import bcrypt from 'bcryptjs';
import { argon2Params } from '../../server/passwords.js';
import { STRONG, STRONG2, changePassword, mailBodies, session, startSmtpSink, type SmtpSink } from './account-helpers.js';
import {
  addUser,
  bearer,
  decodeJwtPart,
  login,
  post,
  refreshWithBody,
  refreshWithCookie,
  startServer,
  type TestServer,
} from './helpers.js';

let sink: SmtpSink;
before(async () => {
  sink = await startSmtpSink();
});
after(() => sink.close());

describe('POST /api/auth/password (change password)', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer({ config: { smtpUrl: sink.url } });
  });
  after(() => s.close());

  test('revokes every OTHER session and refresh token; this one keeps working (SECURITY 24)', async () => {
    await addUser(s, { username: 'changer', password: STRONG, email: 'changer@corp.com', name: 'Chan Ger' });
    const here = await login(s, 'changer', STRONG); // refresh in a cookie
    const other = await login(s, 'changer', STRONG, true); // refresh in the body
    const third = await login(s, 'changer', STRONG, true);
    assert.equal((await session(s, other.access)).status, 200);

    const r = await changePassword(s, here.access, STRONG, STRONG2);
    assert.equal(r.status, 204, JSON.stringify(r.body));

    // The other sessions: access token 401 at once, refresh token refused.
    assert.equal((await session(s, other.access)).status, 401);
    assert.equal((await session(s, third.access)).status, 401);
    assert.equal((await refreshWithBody(s, other.refresh)).status, 401);
    assert.equal((await refreshWithBody(s, third.refresh)).status, 401);
    // This session stays.
    assert.equal((await session(s, here.access)).status, 200);
    assert.equal((await refreshWithCookie(s, here.refresh)).status, 200);
    // Old password refused, new one works.
    assert.equal((await login(s, 'changer', STRONG)).status, 401);
    assert.equal((await login(s, 'changer', STRONG2)).status, 200);
    // The user is told.
    const notice = await sink.waitFor((m) => m.to.includes('changer@corp.com') && m.subject === 'Your password was changed');
    assert.match(mailBodies(notice.raw).text, /was changed/);
    assert.ok(!notice.raw.includes(STRONG2), 'no password in the mail');
  });

  test('wrong current password -> 401 invalid_credentials; a weak new one -> 400; nothing changes', async () => {
    await addUser(s, { username: 'careful', password: STRONG, email: 'careful@corp.com' });
    const a = await login(s, 'careful', STRONG);
    const wrong = await changePassword(s, a.access, 'not the password at all', STRONG2);
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error, 'invalid_credentials');
    const weak = await changePassword(s, a.access, STRONG, 'short one');
    assert.deepEqual(weak.body, { error: 'weak_password', error_description: 'Use at least 15 characters.', reason: 'too_short', min: 15 });
    const common = await changePassword(s, a.access, STRONG, 'passwordpassword');
    assert.equal(common.body.error, 'weak_password');
    assert.equal(common.body.reason, 'common');
    assert.equal((await login(s, 'careful', STRONG)).status, 200, 'password unchanged');
  });

  test('no or a bad Bearer token -> 401; missing fields -> 400', async () => {
    assert.equal((await post(s, '/api/auth/password', { current_password: STRONG, new_password: STRONG2 })).status, 401);
    assert.equal((await post(s, '/api/auth/password', { current_password: STRONG, new_password: STRONG2 }, bearer('x.y.z'))).status, 401);
    await addUser(s, { username: 'fields', password: STRONG });
    const a = await login(s, 'fields', STRONG);
    const r = await post(s, '/api/auth/password', { current_password: STRONG }, bearer(a.access));
    assert.deepEqual(r.body, { error: 'invalid_request', error_description: 'The field "new_password" is required.' });
  });

  test('wrong current passwords count toward the account throttle (SECURITY 19), no permanent lockout', async () => {
    const t = await startServer({
      config: {
        rateLimit: {
          account: { maxFailures: 3, windowSeconds: 900, baseDelaySeconds: 30, maxDelaySeconds: 900 },
          address: { maxFailures: 1000, windowSeconds: 900, baseDelaySeconds: 1, maxDelaySeconds: 900 },
        },
      },
    });
    try {
      await addUser(t, { username: 'throttled', password: STRONG });
      const a = await login(t, 'throttled', STRONG);
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await changePassword(t, a.access, `wrong guess number ${i}`, STRONG2)).status);
      assert.deepEqual(statuses, [401, 401, 401, 429]);
      // The same counter guards the login form.
      assert.equal((await login(t, 'throttled', STRONG)).status, 429);
      t.clock.advance(31);
      assert.equal((await changePassword(t, a.access, STRONG, STRONG2)).status, 204);
    } finally {
      await t.close();
    }
  });
});

describe('POST /api/auth/details (update name and email)', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer({ config: { smtpUrl: sink.url } });
    await addUser(s, { username: 'other', password: STRONG, email: 'taken@corp.com' });
  });
  after(() => s.close());

  test('a name change needs no password; /session shows it at once, the next refresh carries it', async () => {
    await addUser(s, { username: 'renamer', password: STRONG, email: 'renamer@corp.com', name: 'Old Name' });
    const a = await login(s, 'renamer', STRONG, true);
    const r = await post(s, '/api/auth/details', { name: '  New Name ' }, bearer(a.access));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.user.name, 'New Name');
    assert.equal((await session(s, a.access)).body.user.name, 'New Name');
    const refreshed = await refreshWithBody(s, a.refresh);
    assert.equal(decodeJwtPart(refreshed.body.access, 1)['name'], 'New Name');
  });

  test('an email change needs the current password: missing -> 400, wrong -> 401', async () => {
    await addUser(s, { username: 'mover', password: STRONG, email: 'mover@corp.com' });
    const a = await login(s, 'mover', STRONG);
    const missing = await post(s, '/api/auth/details', { email: 'moved@corp.com' }, bearer(a.access));
    assert.equal(missing.status, 400);
    assert.match(missing.body.error_description, /current_password/);
    const wrong = await post(s, '/api/auth/details', { email: 'moved@corp.com', current_password: 'this is not it at all' }, bearer(a.access));
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error, 'invalid_credentials');
    assert.equal((await s.app.store.findUserByUsername('mover'))?.email, 'mover@corp.com');
  });

  test('with the password the email changes and the OLD address is told by mail (SMTP)', async () => {
    await addUser(s, { username: 'relocator', password: STRONG, email: 'old.address@corp.com', name: '<img src=x onerror=alert(1)>' });
    const a = await login(s, 'relocator', STRONG);
    const r = await post(s, '/api/auth/details', { email: 'New.Address@Corp.com', current_password: STRONG }, bearer(a.access));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.user.email, 'New.Address@Corp.com');
    assert.equal((await s.app.store.findUserByEmail('new.address@corp.com'))?.username, 'relocator');
    assert.equal(await s.app.store.findUserByEmail('old.address@corp.com'), null);
    const notice = await sink.waitFor((m) => m.to.includes('old.address@corp.com'));
    assert.equal(notice.subject, 'The email address of your account was changed');
    const { text, html } = mailBodies(notice.raw);
    assert.match(text, /changed to New\.Address@Corp\.com/);
    // The name is user input: escaped in the HTML part.
    assert.ok(!html.includes('<img src=x'), html);
    assert.ok(html.includes('&#60;img src=x onerror=alert(1)&#62;'), html);
    assert.equal(sink.mails().filter((m) => m.to.includes('new.address@corp.com')).length, 0, 'the notice goes to the old address');
  });

  test('an email used by another account -> 409 email_taken; invalid -> 400', async () => {
    await addUser(s, { username: 'collider', password: STRONG, email: 'collider@corp.com' });
    const a = await login(s, 'collider', STRONG);
    const taken = await post(s, '/api/auth/details', { email: 'TAKEN@corp.com', current_password: STRONG }, bearer(a.access));
    assert.equal(taken.status, 409);
    assert.equal(taken.body.error, 'email_taken');
    const bad = await post(s, '/api/auth/details', { email: 'a@x.com,b@evil.com', current_password: STRONG }, bearer(a.access));
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error, 'invalid_email');
    const nothing = await post(s, '/api/auth/details', {}, bearer(a.access));
    assert.equal(nothing.status, 400);
    // Changing only the case of one's own email is fine (and needs the password like any change).
    const recase = await post(s, '/api/auth/details', { email: 'Collider@corp.com', current_password: STRONG }, bearer(a.access));
    assert.equal(recase.status, 200);
  });
});

describe('roles come from the store, not from the token (SECURITY 25, partial)', () => {
  test('a role taken away shows in the next /api/auth/session even with the old token', async () => {
    const s = await startServer();
    try {
      const u = await addUser(s, { username: 'boss', password: STRONG, roles: ['admin', 'member'] });
      const a = await login(s, 'boss', STRONG);
      assert.deepEqual((await session(s, a.access)).body.user.roles, ['admin', 'member']);
      await s.app.store.setRoles(u.id, ['member'], s.clock.now());
      assert.deepEqual(decodeJwtPart(a.access, 1)['roles'], ['admin', 'member'], 'the old token still claims admin');
      // auth-guard role="admin" asks the session: admin is gone at once.
      assert.deepEqual((await session(s, a.access)).body.user.roles, ['member']);
    } finally {
      await s.close();
    }
  });
});

describe('imported bcrypt hashes (SECURITY 26)', () => {
  test('log in once with the original password, then the stored hash is argon2id', async () => {
    const s = await startServer();
    try {
      const hash = bcrypt.hashSync('streamlit users password', 10);
      await s.app.store.createUser({ username: 'legacy', passwordHash: hash.replace(/^\$2b\$/, '$2y$'), email: 'legacy@corp.com' }, s.clock.now());
      assert.equal((await login(s, 'legacy', 'streamlit users passwort')).status, 401);
      assert.match((await s.app.store.findUserByUsername('legacy'))!.passwordHash, /^\$2y\$/, 'a failed login changes nothing');
      assert.equal((await login(s, 'legacy', 'streamlit users password')).status, 200);
      const stored = (await s.app.store.findUserByUsername('legacy'))!.passwordHash;
      const p = argon2Params(stored);
      assert.equal(p?.variant, 'argon2id', stored);
      assert.ok(p.m >= 19456 && p.t >= 2);
      assert.equal((await login(s, 'legacy', 'streamlit users password')).status, 200, 'and it still works');
    } finally {
      await s.close();
    }
  });

  test('a password longer than 72 bytes does not log in through bcrypt truncation', async () => {
    const s = await startServer();
    try {
      const first72 = 'x'.repeat(72);
      await s.app.store.createUser({ username: 'trunc', passwordHash: bcrypt.hashSync(first72, 4) }, s.clock.now());
      assert.equal((await login(s, 'trunc', `${first72}-and-some-more`)).status, 401);
      assert.equal((await login(s, 'trunc', first72)).status, 200);
    } finally {
      await s.close();
    }
  });
});

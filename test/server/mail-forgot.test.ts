/**
 * Forgot password, reset, forgot username (SECURITY 21, 22, 24) with mail through a real SMTP
 * server process, and the development outbox of demo mode.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { hashResetToken } from '../../server/routes/account.js';
import { STRONG, STRONG2, changePassword, mailBodies, resetTokenOf, session, startSmtpSink, type SinkMail, type SmtpSink } from './account-helpers.js';
import path from 'node:path';
import { openSqliteStore } from '../../server/store/sqlite.js';
import type { Store } from '../../server/store/types.js';
import { addUser, bearer, call, login, post, rawRequest, refreshWithBody, startServer, tempDir, type TestServer } from './helpers.js';

const APP_URL = 'https://app.example/account';

let sink: SmtpSink;
before(async () => {
  sink = await startSmtpSink();
});
after(() => sink.close());

const forgot = (s: TestServer, login: string) => post(s, '/api/auth/password/forgot', { login });
const reset = (s: TestServer, token: string, password: string) => post(s, '/api/auth/password/reset', { token, password });
const resetMailsTo = (address: string): SinkMail[] => sink.mails().filter((m) => m.to.includes(address) && m.subject === 'Reset your password');

/** Ask for a reset and wait for the mail number `count` to that address. */
async function requestToken(s: TestServer, loginName: string, address: string): Promise<string> {
  const before = resetMailsTo(address).length;
  const r = await forgot(s, loginName);
  assert.deepEqual([r.status, r.body], [202, { ok: true }]);
  await sink.waitFor(() => resetMailsTo(address).length > before);
  return resetTokenOf(resetMailsTo(address).at(-1)!);
}

describe('forgot password and reset (SECURITY 21, 22, 24)', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer({ config: { smtpUrl: sink.url, appUrl: APP_URL } });
  });
  after(() => s.close());

  test('known and unknown accounts get the same status and body', async () => {
    await addUser(s, { username: 'known', password: STRONG, email: 'known@corp.com' });
    const a = await forgot(s, 'known');
    const b = await forgot(s, 'unknown-user');
    const c = await forgot(s, 'nobody@corp.com');
    const d = await forgot(s, 'KNOWN@corp.com');
    for (const r of [a, b, c, d]) {
      assert.equal(r.status, 202);
      assert.deepEqual(r.body, { ok: true });
      assert.equal(r.res.headers.get('content-length'), a.res.headers.get('content-length'));
    }
    await sink.waitFor(() => resetMailsTo('known@corp.com').length >= 2);
    assert.equal(sink.mails().filter((m) => m.to.includes('nobody@corp.com')).length, 0);
  });

  test('known and unknown take similar time (no hashing, mail sent in the background)', async () => {
    await addUser(s, { username: 'timed', password: STRONG, email: 'timed@corp.com' });
    const time = async (loginName: string): Promise<number> => {
      const t0 = performance.now();
      await forgot(s, loginName);
      return performance.now() - t0;
    };
    const median = (xs: number[]): number => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 4; i++) {
      // forgotRateLimit.account would stop mails after 5 requests: the timing stays the same.
      known.push(await time('timed'));
      unknown.push(await time(`ghost${i}`));
    }
    assert.ok(Math.abs(median(known) - median(unknown)) < 25, `known ${median(known)} ms vs unknown ${median(unknown)} ms`);
  });

  test('the mail links to AUTH_APP_URL with the token, and carries the token as a code — a forged Host changes nothing', async () => {
    await addUser(s, { username: 'hosted', password: STRONG, email: 'hosted@corp.com', name: 'Host Ed' });
    const body = JSON.stringify({ login: 'hosted' });
    const r = await rawRequest(s, {
      method: 'POST',
      path: '/api/auth/password/forgot',
      headers: {
        host: 'evil.example',
        'x-forwarded-host': 'evil.example',
        'x-forwarded-proto': 'http',
        forwarded: 'host=evil.example',
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      },
      body,
    });
    assert.equal(r.status, 202);
    const mail = await sink.waitFor((m) => m.to.includes('hosted@corp.com'));
    assert.equal(mail.subject, 'Reset your password');
    const { text, html } = mailBodies(mail.raw);
    const token = resetTokenOf(mail);
    assert.ok(text.includes(`${APP_URL}?reset_token=${token}`), text);
    assert.ok(text.split(/\r?\n/).includes(token), 'the token as a code to paste');
    assert.ok(html.includes(`href="${APP_URL}?reset_token=${token}"`), html);
    assert.ok(!mail.raw.includes('evil.example'), 'nothing from the Host header');
    assert.ok(!r.body.includes(token));
  });

  test('reset: the password changes only with a valid token; the token is single-use; every session ends', async () => {
    await addUser(s, { username: 'resetter', password: STRONG, email: 'resetter@corp.com' });
    const before1 = await login(s, 'resetter', STRONG, true);
    const before2 = await login(s, 'resetter', STRONG);
    const token = await requestToken(s, 'resetter', 'resetter@corp.com');
    // Asking for a reset changes nothing yet.
    assert.equal((await login(s, 'resetter', STRONG)).status, 200);
    // Invalid tokens: nothing changes.
    const flipped = token.slice(0, 42) + (token.endsWith('A') ? 'B' : 'A');
    for (const bad of ['x'.repeat(43), flipped, 'short', `${token}x`, ` ${'y'.repeat(43)} `]) {
      const r = await reset(s, bad, STRONG2);
      assert.equal(r.status, 400);
      assert.equal(r.body.error, 'invalid_token');
      assert.match(r.body.error_description, /invalid, expired or already used/);
    }
    // A weak password is refused without burning the token.
    const weak = await reset(s, token, 'too short');
    assert.equal(weak.body.error, 'weak_password');
    assert.equal((await login(s, 'resetter', STRONG)).status, 200, 'still the old password');

    const ok = await reset(s, token, STRONG2);
    assert.equal(ok.status, 204, JSON.stringify(ok.body));
    assert.equal((await login(s, 'resetter', STRONG)).status, 401);
    assert.equal((await login(s, 'resetter', STRONG2)).status, 200);
    // Every session that existed before the reset is gone (SECURITY 24).
    assert.equal((await session(s, before1.access)).status, 401);
    assert.equal((await session(s, before2.access)).status, 401);
    assert.equal((await refreshWithBody(s, before1.refresh)).status, 401);
    // Single use.
    const again = await reset(s, token, 'yet another long passphrase');
    assert.equal(again.status, 400);
    assert.equal(again.body.error, 'invalid_token');
    assert.equal((await login(s, 'resetter', STRONG2)).status, 200);
  });

  test('the token is stored hashed: the database files never contain it', async () => {
    await addUser(s, { username: 'hashed', password: STRONG, email: 'hashed@corp.com' });
    const token = await requestToken(s, 'hashed', 'hashed@corp.com');
    const files = [s.config.dbPath, `${s.config.dbPath}-wal`].filter((f) => fs.existsSync(f));
    const bytes = Buffer.concat(files.map((f) => fs.readFileSync(f)));
    assert.ok(bytes.includes(hashResetToken(token)), 'its SHA-256 is there');
    assert.ok(!bytes.includes(token), 'the token is not');
    assert.ok(!bytes.includes(Buffer.from(token, 'base64url')), 'nor its raw bytes');
    const rec = await s.app.store.findResetToken(hashResetToken(token));
    assert.equal(rec?.userId, (await s.app.store.findUserByUsername('hashed'))?.id, 'bound to its user');
  });

  test('a token expires after 30 minutes (injected clock)', async () => {
    await addUser(s, { username: 'expiring', password: STRONG, email: 'expiring@corp.com' });
    const t1 = await requestToken(s, 'expiring', 'expiring@corp.com');
    s.clock.advance(30 * 60 - 1);
    assert.equal((await reset(s, t1, STRONG2)).status, 204, 'valid just before 30 minutes');
    const t2 = await requestToken(s, 'expiring', 'expiring@corp.com');
    s.clock.advance(30 * 60);
    const r = await reset(s, t2, 'a third passphrase for this');
    assert.equal(r.status, 400);
    assert.equal(r.body.error, 'invalid_token');
    assert.equal((await login(s, 'expiring', STRONG2)).status, 200);
  });

  test('a newer request voids the older token', async () => {
    await addUser(s, { username: 'twice', password: STRONG, email: 'twice@corp.com' });
    const older = await requestToken(s, 'twice', 'twice@corp.com');
    const newer = await requestToken(s, 'twice', 'twice@corp.com');
    assert.notEqual(older, newer);
    assert.equal((await reset(s, older, STRONG2)).status, 400);
    assert.equal((await login(s, 'twice', STRONG)).status, 200);
    assert.equal((await reset(s, newer, STRONG2)).status, 204);
  });

  test('a password change voids a reset link mailed before it', async () => {
    await addUser(s, { username: 'changer', password: STRONG, email: 'changer@corp.com' });
    const token = await requestToken(s, 'changer', 'changer@corp.com');
    const signedIn = await login(s, 'changer', STRONG);
    assert.equal((await changePassword(s, signedIn.access, STRONG, STRONG2)).status, 204);
    assert.equal((await reset(s, token, 'an attacker chose this one')).status, 400);
    assert.equal((await login(s, 'changer', STRONG2)).status, 200);
  });

  test('an email change voids a reset link mailed to the old address (issue 6 item 13)', async () => {
    await addUser(s, { username: 'mover', password: STRONG, email: 'mover-old@corp.com' });
    const token = await requestToken(s, 'mover', 'mover-old@corp.com');
    const signedIn = await login(s, 'mover', STRONG);
    const changed = await post(s, '/api/auth/details', { email: 'mover-new@corp.com', current_password: STRONG }, bearer(signedIn.access));
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    const r = await reset(s, token, 'an attacker chose this one');
    assert.equal(r.status, 400);
    assert.equal(r.body.error, 'invalid_token');
    assert.equal((await login(s, 'mover', STRONG)).status, 200, 'the password did not change');
    // A name change alone keeps a pending link; a link asked for after the change works.
    const fresh = await requestToken(s, 'mover', 'mover-new@corp.com');
    assert.equal((await post(s, '/api/auth/details', { name: 'Mo Ver' }, bearer(signedIn.access))).status, 200);
    assert.equal((await reset(s, fresh, STRONG2)).status, 204);
  });

  test('a token is bound to its user: it changes that user only', async () => {
    await addUser(s, { username: 'owner', password: STRONG, email: 'owner@corp.com' });
    await addUser(s, { username: 'bystander', password: STRONG, email: 'bystander@corp.com' });
    const token = await requestToken(s, 'owner@corp.com', 'owner@corp.com');
    // Extra fields naming another user are ignored.
    const r = await post(s, '/api/auth/password/reset', { token, password: STRONG2, username: 'bystander', user_id: 'x' });
    assert.equal(r.status, 204);
    assert.equal((await login(s, 'owner', STRONG2)).status, 200);
    assert.equal((await login(s, 'bystander', STRONG)).status, 200);
    assert.equal((await login(s, 'bystander', STRONG2)).status, 401);
  });

  test('disabled accounts get no mail (same answer)', async () => {
    await addUser(s, { username: 'sleeper', password: STRONG, email: 'sleeper@corp.com', disabled: true });
    const r = await forgot(s, 'sleeper');
    assert.deepEqual([r.status, r.body], [202, { ok: true }]);
    await forgot(s, 'known'); // a later mail to another address, to know the queue has moved on
    await s.app.close(); // drains the mail queue
    assert.equal(sink.mails().filter((m) => m.to.includes('sleeper@corp.com')).length, 0);
  });
});

describe('forgot username (SECURITY 22)', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer({ config: { smtpUrl: sink.url } });
  });
  after(() => s.close());

  test('the username goes by mail only; known and unknown emails get the same answer', async () => {
    await addUser(s, { username: 'SecretHandle', password: STRONG, email: 'handle@corp.com', name: 'Han Dle' });
    const known = await post(s, '/api/auth/username/forgot', { email: 'Handle@Corp.com' });
    const unknown = await post(s, '/api/auth/username/forgot', { email: 'nohandle@corp.com' });
    for (const r of [known, unknown]) {
      assert.equal(r.status, 202);
      assert.deepEqual(r.body, { ok: true });
      assert.ok(!JSON.stringify(r.body).toLowerCase().includes('secrethandle'));
      assert.ok(![...r.res.headers.values()].some((v) => v.toLowerCase().includes('secrethandle')));
    }
    const mail = await sink.waitFor((m) => m.to.includes('handle@corp.com'));
    assert.equal(mail.subject, 'Your username');
    assert.match(mailBodies(mail.raw).text, /Your username: SecretHandle/);
    assert.equal(sink.mails().filter((m) => m.to.includes('nohandle@corp.com')).length, 0);
  });

  test('an invalid email -> 400 invalid_email (says nothing about accounts)', async () => {
    const r = await post(s, '/api/auth/username/forgot', { email: 'a@x.com,b@evil.com' });
    assert.equal(r.status, 400);
    assert.equal(r.body.error, 'invalid_email');
  });
});

describe('forgot password racing an email change', () => {
  test('an email change landing between the look-up and the token: no link goes to the old address', async () => {
    const dataDir = tempDir();
    const store = openSqliteStore(path.join(dataDir, 'race.db'));
    let race: (() => Promise<void>) | null = null;
    // The store as the server sees it, with the email change committed just before the token is stored.
    const racing: Store = new Proxy(store, {
      get(target, name, receiver) {
        if (name === 'insertResetToken') {
          return async (...args: Parameters<Store['insertResetToken']>) => {
            const run = race;
            race = null;
            if (run) await run();
            return target.insertResetToken(...args);
          };
        }
        const value: unknown = Reflect.get(target, name, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const s = await startServer({ dataDir, config: { smtpUrl: sink.url, appUrl: APP_URL }, deps: { store: racing } });
    try {
      const user = await addUser(s, { username: 'racer', password: STRONG, email: 'racer-old@corp.com' });
      race = async () => {
        await store.updateUserDetails(user.id, { email: 'racer-new@corp.com' }, s.clock.now());
      };
      const r = await forgot(s, 'racer-old@corp.com');
      assert.deepEqual([r.status, r.body], [202, { ok: true }], 'the same answer as ever');
      assert.equal(race, null, 'the race ran');
      await s.app.close(); // drains the mail queue
      assert.equal(resetMailsTo('racer-old@corp.com').length, 0, 'no reset link went to the old address');
    } finally {
      await s.close();
      await store.close();
    }
  });
});

describe('forgot throttling and mail failures', () => {
  test('per address -> 429; per account -> still 202 but no more mails', async () => {
    const s = await startServer({
      config: {
        smtpUrl: sink.url,
        forgotRateLimit: {
          account: { maxFailures: 2, windowSeconds: 3600, baseDelaySeconds: 600, maxDelaySeconds: 3600 },
          address: { maxFailures: 6, windowSeconds: 900, baseDelaySeconds: 60, maxDelaySeconds: 900 },
        },
      },
    });
    try {
      await addUser(s, { username: 'flooded', password: STRONG, email: 'flooded@corp.com' });
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await forgot(s, 'flooded')).status);
      assert.deepEqual(statuses, [202, 202, 202, 202], 'the account limit never shows');
      statuses.length = 0;
      for (let i = 0; i < 3; i++) statuses.push((await forgot(s, `ghost${i}`)).status);
      assert.deepEqual(statuses, [202, 202, 429], 'the address limit shows');
      const limited = await forgot(s, 'flooded');
      assert.equal(limited.status, 429);
      assert.ok(Number(limited.res.headers.get('retry-after')) >= 1);
      await s.app.close();
      assert.equal(resetMailsTo('flooded@corp.com').length, 2, 'two mails, then the account limit holds them back');
    } finally {
      await s.close();
    }
  });

  test('a failing SMTP server does not change the answer; the failure is logged without the token', async () => {
    const s = await startServer({ config: { smtpUrl: 'smtp://user:pw@127.0.0.1:1' } });
    try {
      await addUser(s, { username: 'unlucky', password: STRONG, email: 'unlucky@corp.com' });
      const r = await forgot(s, 'unlucky');
      assert.deepEqual([r.status, r.body], [202, { ok: true }]);
      await s.app.close();
      const line = s.logger.errors.find((e) => e.includes('password reset mail failed'));
      assert.ok(line !== undefined, JSON.stringify(s.logger.errors));
      assert.ok(!/reset_token|[A-Za-z0-9_-]{43}/.test(line), line);
      assert.ok(!s.logger.errors.join('\n').includes('pw@'), 'no SMTP password in the log');
    } finally {
      await s.close();
    }
  });
});

describe('development outbox (demo mode only)', () => {
  test('demo mode without SMTP: mails land in the outbox, GET /api/dev/outbox shows the latest', async () => {
    const s = await startServer({ config: { demo: true } });
    try {
      assert.equal((await forgot(s, 'alice')).status, 202);
      let messages: any[] = [];
      for (let i = 0; i < 100 && messages.length === 0; i++) {
        const r = await call(s, 'GET', '/api/dev/outbox');
        assert.equal(r.status, 200);
        messages = r.body.messages;
        if (messages.length === 0) await new Promise((res) => setTimeout(res, 20));
      }
      const m = messages[0];
      assert.equal(m.to, 'alice@example.com');
      assert.equal(m.subject, 'Reset your password');
      const token = /reset_token=([A-Za-z0-9_-]{43})/.exec(m.text)?.[1];
      assert.ok(token !== undefined, m.text);
      assert.ok(m.text.includes(`http://auth.test/account.html?reset_token=${token}`), 'demo default link: the issuer origin + /account.html');
      assert.equal(typeof m.html, 'string');
      assert.equal(typeof m.created_at, 'number');
      assert.equal((await reset(s, token, STRONG2)).status, 204);
      assert.equal((await login(s, 'alice', STRONG2)).status, 200);
      for (let i = 0; i < 55; i++) await s.app.store.addOutboxMessage({ to: 'x@example.com', subject: `n${i}`, text: 't' }, s.clock.now() + i);
      const latest = (await call(s, 'GET', '/api/dev/outbox')).body.messages;
      assert.equal(latest.length, 50);
      assert.equal(latest[0].subject, 'n54', 'newest first');
    } finally {
      await s.close();
    }
  });

  test('outside demo mode /api/dev/outbox does not exist (404) and no mail is stored', async () => {
    const s = await startServer();
    try {
      await addUser(s, { username: 'plain', password: STRONG, email: 'plain@corp.com' });
      assert.equal((await forgot(s, 'plain')).status, 202);
      const r = await call(s, 'GET', '/api/dev/outbox');
      assert.equal(r.status, 404);
      assert.equal(r.body.error, 'not_found');
      for (let i = 0; i < 100 && !s.logger.lines.some((l) => l.includes('no AUTH_SMTP_URL')); i++) await new Promise((res) => setTimeout(res, 10));
      assert.ok(s.logger.lines.some((l) => l.includes('no AUTH_SMTP_URL')), 'a warning says why no mail went out');
      assert.deepEqual(await s.app.store.listOutbox(50), []);
    } finally {
      await s.close();
    }
  });
});

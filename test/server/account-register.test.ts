/**
 * POST /api/auth/register (SECURITY 23, 27): registration modes, pre-authorized emails, domain
 * allowlist, email normalization, generic refusals, malformed and oversized bodies.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { configFromEnv, makeConfig } from '../../server/config.js';
import { REGISTRATION_REFUSED } from '../../server/routes/account.js';
import { STRONG, STRONG2, mailBodies, register, startSmtpSink, verifyTokenOf, type SinkMail, type SmtpSink } from './account-helpers.js';
import { addUser, call, login, post, rawRequest, startServer, tempDir, type TestServer } from './helpers.js';

const REFUSED = { error: 'registration_not_allowed', error_description: REGISTRATION_REFUSED };

describe('register: pre-authorized mode (the default)', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer();
    assert.equal(s.config.registration, 'preauthorized');
    await s.app.store.addPreauthorizedEmails(['victim@corp.com', 'fw@corp.com', 'race@corp.com', 'keep@corp.com'], s.clock.now());
    await addUser(s, { username: 'existing', password: STRONG, email: 'existing@corp.com' });
    await s.app.store.addPreauthorizedEmails(['existing@corp.com'], s.clock.now());
  });
  after(() => s.close());

  test('an email not pre-authorized -> generic 403, no account', async () => {
    const r = await register(s, { username: 'intruder', email: 'intruder@corp.com', name: 'I', password: STRONG });
    assert.equal(r.status, 403);
    assert.deepEqual(r.body, REFUSED);
    assert.equal(await s.app.store.findUserByUsername('intruder'), null);
    assert.equal(await s.app.store.findUserByEmail('intruder@corp.com'), null);
  });

  test('an email that already has an account -> the very same 403 (no enumeration)', async () => {
    const r = await register(s, { username: 'another', email: 'Existing@Corp.com', password: STRONG });
    assert.equal(r.status, 403);
    assert.deepEqual(r.body, REFUSED);
    assert.equal(await s.app.store.findUserByUsername('another'), null);
  });

  test('Victim@Corp.com matches a pre-authorized victim@corp.com; the email is removed once registered', async () => {
    const r = await register(s, { username: 'victim', email: '  Victim@Corp.com ', name: 'Vic Tim', password: STRONG });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.user.username, 'victim');
    assert.equal(r.body.user.email, 'Victim@Corp.com');
    assert.deepEqual(r.body.user.roles, []);
    assert.equal(r.body.access, undefined, 'registration does not sign in');
    assert.equal(r.res.headers.getSetCookie().length, 0);
    assert.ok(!(await s.app.store.listPreauthorizedEmails()).includes('victim@corp.com'));
    // The account works.
    assert.equal((await login(s, 'victim', STRONG)).status, 200);
    // The same email cannot register twice.
    const again = await register(s, { username: 'victim2', email: 'victim@corp.com', password: STRONG });
    assert.deepEqual([again.status, again.body], [403, REFUSED]);
  });

  test('a fullwidth ＠ is normalized to @ before anything else; the stored address is the normalized one', async () => {
    const r = await register(s, { username: 'fullwidth', email: 'fw\uFF20corp.com', password: STRONG });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.user.email, 'fw@corp.com');
    const stored = await s.app.store.findUserByUsername('fullwidth');
    assert.equal(stored?.email, 'fw@corp.com');
  });

  test('mangled addresses are refused with 400 invalid_email, never an account', async () => {
    await s.app.store.addPreauthorizedEmails(['a@x.com'], s.clock.now());
    const before = (await s.app.store.listUsers()).length;
    for (const email of ['a@x.com,b@evil.com', 'a@x.com\u0000', 'a@x.com\u0000b@evil.com', 'a@x.com\nBcc: b@evil.com', 'a@x.com b@evil.com', 'a@x.com@evil.com']) {
      const r = await register(s, { username: 'mangled', email, password: STRONG });
      assert.equal(r.status, 400, JSON.stringify(email));
      assert.equal(r.body.error, 'invalid_email');
    }
    assert.equal((await s.app.store.listUsers()).length, before);
    assert.ok((await s.app.store.listPreauthorizedEmails()).includes('a@x.com'), 'the pre-authorization is not used up');
  });

  test('a taken username -> 409 username_taken, and the pre-authorization stays (rolled back)', async () => {
    const r = await register(s, { username: 'EXISTING', email: 'keep@corp.com', password: STRONG });
    assert.equal(r.status, 409);
    assert.equal(r.body.error, 'username_taken');
    assert.ok((await s.app.store.listPreauthorizedEmails()).includes('keep@corp.com'));
  });

  test('a taken username answers the same 409 for every email, invited or not (no oracle of invitations)', async () => {
    const a = await rawRegister(s, { username: 'existing', email: 'nobody@corp.com', password: STRONG });
    const b = await rawRegister(s, { username: 'Existing', email: 'keep@corp.com', password: STRONG });
    const c = await rawRegister(s, { username: 'EXISTING', email: 'existing@corp.com', password: STRONG });
    assert.equal(a.status, 409);
    assert.equal(JSON.parse(a.text).error, 'username_taken');
    assert.deepEqual(b, a);
    assert.deepEqual(c, a);
    assert.ok((await s.app.store.listPreauthorizedEmails()).includes('keep@corp.com'));
  });

  test('racing registrations with one pre-authorized email: exactly one account', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => register(s, { username: `racer${i}`, email: 'race@corp.com', password: STRONG })),
    );
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 403, 403, 403, 403, 403]);
    const racers = (await s.app.store.listUsers()).filter((u) => u.username.startsWith('racer'));
    assert.equal(racers.length, 1);
  });

  test('invalid usernames -> 400 invalid_username', async () => {
    for (const username of ['ab', 'has space', 'a@b.com', 'x'.repeat(65)]) {
      const r = await register(s, { username, email: 'keep@corp.com', password: STRONG });
      assert.equal(r.status, 400, username);
      assert.equal(r.body.error, 'invalid_username');
    }
  });
});

describe('register: open, closed, domain allowlist', () => {
  test('closed -> generic 403 for everyone', async () => {
    const s = await startServer({ config: { registration: 'closed' } });
    try {
      await s.app.store.addPreauthorizedEmails(['pre@corp.com'], s.clock.now());
      const r = await register(s, { username: 'closed1', email: 'pre@corp.com', password: STRONG });
      assert.deepEqual([r.status, r.body], [403, REFUSED]);
      assert.equal((await s.app.store.listUsers()).length, 0);
    } finally {
      await s.close();
    }
  });

  test('open: anyone registers; an email with an account gets the generic 403', async () => {
    const s = await startServer({ config: { registration: 'open' } });
    try {
      assert.equal((await register(s, { username: 'first', email: 'first@any.org', password: STRONG })).status, 201);
      const dup = await register(s, { username: 'second', email: 'FIRST@any.org', password: STRONG });
      assert.deepEqual([dup.status, dup.body], [403, REFUSED]);
    } finally {
      await s.close();
    }
  });

  test('domain allowlist: other domains (and subdomains) -> generic 403', async () => {
    const s = await startServer({ config: { registration: 'open', allowedEmailDomains: ['corp.com'] } });
    try {
      for (const email of ['x@evil.com', 'x@sub.corp.com', 'x@corp.com.evil.com', 'x@evilcorp.com']) {
        const r = await register(s, { username: 'outsider', email, password: STRONG });
        assert.deepEqual([r.status, r.body], [403, REFUSED], email);
      }
      assert.equal((await register(s, { username: 'insider', email: 'Insider@CORP.com', password: STRONG })).status, 201);
    } finally {
      await s.close();
    }
  });

  test('refused registrations count toward the per-address limit (429 with Retry-After)', async () => {
    const s = await startServer({ config: { registration: 'preauthorized', registerRateLimit: { max: 3, windowSeconds: 60 } } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await register(s, { username: `probe${i}`, email: `probe${i}@corp.com`, password: STRONG })).status);
      assert.deepEqual(statuses, [403, 403, 403, 429]);
      s.clock.advance(61);
      assert.equal((await register(s, { username: 'probe9', email: 'probe9@corp.com', password: STRONG })).status, 403, 'no permanent lockout');
    } finally {
      await s.close();
    }
  });
});

describe('register: attempts per address (every attempt counts, reserved before the hash)', () => {
  test('AUTH_RATE_REGISTER_MAX sets the attempts per hour per address (default 10); AUTH_REGISTER_TTL the link lifetime', () => {
    assert.deepEqual(makeConfig().registerRateLimit, { max: 10, windowSeconds: 3600 });
    assert.equal(makeConfig().registerTokenTtl, 1800);
    const c = configFromEnv({ AUTH_RATE_REGISTER_MAX: '3', AUTH_REGISTER_TTL: '600' }, tempDir());
    assert.deepEqual([c.registerRateLimit, c.registerTokenTtl], [{ max: 3, windowSeconds: 3600 }, 600]);
    assert.throws(() => configFromEnv({ AUTH_RATE_REGISTER_MAX: '0' }, tempDir()), /AUTH_RATE_REGISTER_MAX/);
    assert.throws(() => configFromEnv({ AUTH_REGISTER_TTL: '10' }, tempDir()), /AUTH_REGISTER_TTL/);
  });

  test('60 concurrent registrations from one address: exactly the limit are hashed and created, the rest 429 + Retry-After', async () => {
    const s = await startServer({ config: { registration: 'open', registerRateLimit: { max: 10, windowSeconds: 3600 } } });
    try {
      const hashesBefore = s.hasher.hashCalls;
      const results = await Promise.all(
        Array.from({ length: 60 }, (_, i) => register(s, { username: `burst${i}`, email: `burst${i}@corp.com`, password: STRONG })),
      );
      const statuses = results.map((r) => r.status);
      const hashed = s.hasher.hashCalls - hashesBefore;
      const created = statuses.filter((x) => x === 201).length;
      const limited = results.filter((r) => r.status === 429);
      assert.deepEqual({ hashed, created, limited: limited.length }, { hashed: 10, created: 10, limited: 50 }, JSON.stringify(statuses));
      for (const r of limited) {
        assert.equal(r.body.error, 'rate_limited');
        const retry = Number(r.res.headers.get('retry-after'));
        assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= 3600, `Retry-After ${retry}`);
      }
      assert.equal((await s.app.store.listUsers()).length, 10);
      // The address stays limited until the window has passed.
      assert.equal((await register(s, { username: 'later', email: 'later@corp.com', password: STRONG })).status, 429);
      s.clock.advance(3601);
      assert.equal((await register(s, { username: 'later', email: 'later@corp.com', password: STRONG })).status, 201, 'no permanent lockout');
    } finally {
      await s.close();
    }
  });
});

describe('malformed and oversized bodies on the account endpoints (SECURITY 27)', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer({ config: { registration: 'open' } });
  });
  after(() => s.close());

  const endpoints = [
    '/api/auth/register',
    '/api/auth/password',
    '/api/auth/password/forgot',
    '/api/auth/password/reset',
    '/api/auth/username/forgot',
    '/api/auth/details',
  ];

  test('a 1 MB username -> 413, and the server keeps working', async () => {
    const big = JSON.stringify({ username: 'u'.repeat(1024 * 1024), email: 'big@corp.com', password: STRONG });
    await addUser(s, { username: 'bigbody', password: STRONG, email: 'bigbody@corp.com' });
    const { access } = await login(s, 'bigbody', STRONG);
    for (const path of endpoints) {
      const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(big), authorization: `Bearer ${access}` };
      const r = await rawRequest(s, { method: 'POST', path, headers, body: big });
      assert.equal(r.status, 413, path);
      assert.equal(JSON.parse(r.body).error, 'payload_too_large');
    }
    const chunked = await rawRequest(s, {
      method: 'POST',
      path: '/api/auth/register',
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      chunks: [Buffer.from('{"username":"'), Buffer.alloc(200 * 1024, 'u'), Buffer.from('"}')],
    });
    assert.equal(chunked.status, 413);
    assert.equal((await register(s, { username: 'stillalive', email: 'alive@corp.com', password: STRONG })).status, 201);
  });

  test('a long field inside the limit -> 400 with a clear message', async () => {
    const r = await register(s, { username: 'u'.repeat(20_000), email: 'long@corp.com', password: STRONG });
    assert.equal(r.status, 400);
    assert.match(r.body.error_description, /username.*too long/);
    const forgot = await post(s, '/api/auth/password/forgot', { login: 'x'.repeat(20_000) });
    assert.equal(forgot.status, 400);
  });

  test('malformed JSON -> 400 invalid_json; non-objects, missing and non-string fields -> 400', async () => {
    for (const path of endpoints) {
      const r = await call(s, 'POST', path, { body: '{"username": "x",', headers: { 'content-type': 'application/json' } });
      // Bearer endpoints answer 401 before reading the body.
      if (path === '/api/auth/password' || path === '/api/auth/details') {
        assert.equal(r.status, 401, path);
        continue;
      }
      assert.equal(r.status, 400, path);
      assert.equal(r.body.error, 'invalid_json', path);
      const arr = await call(s, 'POST', path, { body: '[1,2]', headers: { 'content-type': 'application/json' } });
      assert.equal(arr.status, 400, path);
      const empty = await call(s, 'POST', path, { body: '', headers: { 'content-type': 'application/json' } });
      assert.equal(empty.status, 400, path);
      assert.match(empty.body.error_description, /empty/);
    }
    const missing = await register(s, { username: 'nopass', email: 'nopass@corp.com' });
    assert.deepEqual(missing.body, { error: 'invalid_request', error_description: 'The field "password" is required.' });
    const typed = await register(s, { username: ['array'], email: 'typed@corp.com', password: STRONG });
    assert.equal(typed.body.error_description, 'The field "username" must be a string.');
    const numberName = await register(s, { username: 'numname', email: 'num@corp.com', password: STRONG, name: 42 });
    assert.equal(numberName.status, 400);
    const badUtf8 = await rawRequest(s, {
      method: 'POST',
      path: '/api/auth/password/forgot',
      headers: { 'content-type': 'application/json' },
      body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    });
    assert.equal(badUtf8.status, 400);
  });

  test('form-encoded bodies work too; GET -> 405', async () => {
    const r = await call(s, 'POST', '/api/auth/register', {
      body: new URLSearchParams({ username: 'formuser', email: 'form@corp.com', password: STRONG }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(r.status, 201);
    assert.equal((await call(s, 'GET', '/api/auth/register')).status, 405);
  });
});

// ---------------------------------------------------------------------------------------------
// Proof of the mailbox (issue 6 item 18): with mail configured, registering stores a pending
// registration and mails a link and a code; the account exists only once the token comes back.

const APP_URL = 'https://app.example/account';
const VERIFY_TTL = 1800;

/** POST /api/auth/register, keeping the exact answer (status, content type, body bytes). */
async function rawRegister(s: TestServer, body: Record<string, unknown>): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(`${s.url}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

const verify = (s: TestServer, token: unknown) => post(s, '/api/auth/register/verify', { token });

describe('register with mail: the mailbox is proved before the account exists (SMTP)', () => {
  let sink: SmtpSink;
  let s: TestServer;
  before(async () => {
    sink = await startSmtpSink();
    s = await startServer({ config: { smtpUrl: sink.url, appUrl: APP_URL, registerTokenTtl: VERIFY_TTL } });
    assert.equal(s.config.registration, 'preauthorized');
    await s.app.store.addPreauthorizedEmails(
      ['invited@corp.com', 'twice@corp.com', 'race@corp.com', 'late@corp.com', 'meantime@corp.com', 'lookalike@corp.com'],
      s.clock.now(),
    );
    await addUser(s, { username: 'owner', password: STRONG, email: 'owner@corp.com', name: 'Owner' });
    await s.app.store.addPreauthorizedEmails(['owner@corp.com'], s.clock.now());
  });
  after(async () => {
    await s.close();
    await sink.close();
  });

  const mailsTo = (address: string): SinkMail[] => sink.mails().filter((m) => m.to.includes(address));
  /** Register and return the token of the verification mail that answers it. */
  async function registerAndToken(body: Record<string, unknown>): Promise<string> {
    const before = mailsTo(String(body['email'])).length;
    const r = await rawRegister(s, body);
    assert.equal(r.status, 202, r.text);
    const mail = await sink.waitFor(() => mailsTo(String(body['email'])).length > before);
    return verifyTokenOf(mailsTo(String(body['email'])).at(-1) ?? mail);
  }

  test('invited, not invited and already registered emails get byte-identical answers; only the invited one gets a link', async () => {
    const invited = await rawRegister(s, { username: 'newbie', email: 'invited@corp.com', name: 'New Bie', password: STRONG });
    const stranger = await rawRegister(s, { username: 'stranger', email: 'stranger@corp.com', password: STRONG });
    const registered = await rawRegister(s, { username: 'copycat', email: 'Owner@corp.com', password: STRONG });
    assert.equal(invited.status, 202);
    assert.deepEqual(stranger, invited);
    assert.deepEqual(registered, invited);
    // No account yet, and the pre-authorization is still there.
    assert.equal(await s.app.store.findUserByUsername('newbie'), null);
    assert.ok((await s.app.store.listPreauthorizedEmails()).includes('invited@corp.com'));
    const mail = await sink.waitFor((m) => m.to.includes('invited@corp.com'));
    assert.equal(mail.subject, 'Finish creating your account');
    const { text, html } = mailBodies(mail.raw);
    const token = verifyTokenOf(mail);
    assert.ok(text.includes(`${APP_URL}?verify_token=${token}`), text);
    assert.ok(text.split(/\r?\n/).includes(token), 'the code is in the mail too');
    assert.ok(html.includes('verify_token='), html);
    // The owner of the registered address is told; the stranger gets nothing.
    const notice = await sink.waitFor((m) => m.to.includes('owner@corp.com'));
    assert.equal(notice.subject, 'Someone tried to register with your email address');
    assert.ok(!/verify_token|[A-Za-z0-9_-]{43}/.test(mailBodies(notice.raw).text));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(mailsTo('stranger@corp.com').length, 0);
  });

  test('a taken or confusable username answers the same 409 for every email (no oracle of invitations)', async () => {
    const answers = [];
    // OWNER: the same name in capitals; оwner, 0WNER: look-alikes (Cyrillic о, digit 0).
    for (const username of ['OWNER', '\u043ewner', '0WNER']) {
      for (const email of ['invited@corp.com', 'nobody-invited@corp.com', 'owner@corp.com']) {
        answers.push(await rawRegister(s, { username, email, password: STRONG }));
      }
    }
    assert.equal(answers[0]!.status, 409);
    assert.equal(JSON.parse(answers[0]!.text).error, 'username_taken');
    for (const answer of answers) assert.deepEqual(answer, answers[0]);
  });

  test('an unverified registration cannot log in; the token creates the account once and consumes the pre-authorization', async () => {
    const token = await registerAndToken({ username: 'pending1', email: 'invited@corp.com', name: 'Pen Ding', password: STRONG });
    assert.equal((await login(s, 'pending1', STRONG)).status, 401, 'no account before the mailbox is proved');
    const r = await verify(s, token);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual([r.body.user.username, r.body.user.email, r.body.user.name], ['pending1', 'invited@corp.com', 'Pen Ding']);
    assert.equal(r.body.access, undefined, 'verifying does not sign in');
    assert.ok(!(await s.app.store.listPreauthorizedEmails()).includes('invited@corp.com'), 'the pre-authorization is used now');
    assert.equal((await login(s, 'pending1', STRONG)).status, 200);
    const again = await verify(s, token);
    assert.deepEqual([again.status, again.body.error], [400, 'invalid_token']);
  });

  test('10 concurrent verify calls with one token: exactly one account', async () => {
    const token = await registerAndToken({ username: 'racer', email: 'race@corp.com', password: STRONG });
    const results = await Promise.all(Array.from({ length: 10 }, () => verify(s, token)));
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 400, 400, 400, 400, 400, 400, 400, 400, 400]);
    assert.equal((await s.app.store.listUsers()).filter((u) => u.username === 'racer').length, 1);
  });

  test('the token expires', async () => {
    const token = await registerAndToken({ username: 'latecomer', email: 'late@corp.com', password: STRONG });
    s.clock.advance(VERIFY_TTL + 1);
    const r = await verify(s, token);
    assert.deepEqual([r.status, r.body.error], [400, 'invalid_token']);
    assert.equal(await s.app.store.findUserByUsername('latecomer'), null);
    assert.ok((await s.app.store.listPreauthorizedEmails()).includes('late@corp.com'), 'nothing consumed');
  });

  test('a newer request for the same email voids the older link', async () => {
    const first = await registerAndToken({ username: 'firsttry', email: 'twice@corp.com', password: STRONG });
    const second = await registerAndToken({ username: 'secondtry', email: 'twice@corp.com', password: STRONG });
    assert.deepEqual([(await verify(s, first)).status], [400]);
    const r = await verify(s, second);
    assert.equal(r.status, 201);
    assert.equal(r.body.user.username, 'secondtry');
    assert.equal(await s.app.store.findUserByUsername('firsttry'), null);
  });

  test('a username taken in the meantime -> 409 at verify, no account', async () => {
    const token = await registerAndToken({ username: 'sniped', email: 'meantime@corp.com', password: STRONG });
    await addUser(s, { username: 'Sniped', password: STRONG2, email: 'sniper@corp.com' });
    const r = await verify(s, token);
    assert.deepEqual([r.status, r.body.error], [409, 'username_taken']);
    assert.equal((await s.app.store.findUserByEmail('meantime@corp.com')), null);
  });

  test('a confusable username taken in the meantime -> 409 at verify, no account, the pre-authorization kept', async () => {
    const token = await registerAndToken({ username: 'carlos', email: 'lookalike@corp.com', password: STRONG });
    // Cyrillic с and а: "саrlos" looks like "carlos".
    await addUser(s, { username: '\u0441\u0430rlos', password: STRONG2, email: 'impostor@corp.com' });
    const r = await verify(s, token);
    assert.deepEqual([r.status, r.body.error], [409, 'username_taken']);
    assert.equal(await s.app.store.findUserByEmail('lookalike@corp.com'), null);
    assert.ok((await s.app.store.listPreauthorizedEmails()).includes('lookalike@corp.com'));
  });

  test('malformed, unknown and missing tokens -> 400 (counted per address)', async () => {
    for (const token of ['short', 'x'.repeat(43), ' '.repeat(43)]) {
      const r = await verify(s, token);
      assert.deepEqual([r.status, r.body.error], [400, 'invalid_token'], token);
    }
    assert.equal((await verify(s, '')).status, 400);
    const missing = await post(s, '/api/auth/register/verify', {});
    assert.deepEqual([missing.status, missing.body.error], [400, 'invalid_request']);
    const strict = await startServer({
      config: {
        forgotRateLimit: {
          account: { maxFailures: 5, windowSeconds: 3600, baseDelaySeconds: 60, maxDelaySeconds: 3600 },
          address: { maxFailures: 2, windowSeconds: 900, baseDelaySeconds: 60, maxDelaySeconds: 900 },
        },
      },
    });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await verify(strict, 'y'.repeat(43))).status);
      assert.deepEqual(statuses, [400, 400, 429]);
    } finally {
      await strict.close();
    }
  });
});

describe('register with mail: demo mode sends the link to the outbox, pointing at the account page', () => {
  test('202, then the outbox holds /account.html?verify_token=…, and the token creates the account', async () => {
    const s = await startServer({ config: { demo: true } });
    try {
      const r = await register(s, { username: 'demo-newbie', email: 'newbie@example.com', password: STRONG });
      assert.deepEqual([r.status, r.body], [202, { ok: true }]);
      let text = '';
      for (let i = 0; i < 100 && text === ''; i++) {
        const m = (await s.app.store.listOutbox(10)).find((x) => x.to === 'newbie@example.com');
        if (m) text = m.text;
        else await new Promise((res) => setTimeout(res, 20));
      }
      const token = /verify_token=([A-Za-z0-9_-]{43})/.exec(text)?.[1];
      assert.ok(token !== undefined && text.includes(`http://auth.test/account.html?verify_token=${token}`), text);
      assert.equal((await login(s, 'demo-newbie', STRONG)).status, 401);
      assert.equal((await verify(s, token)).status, 201);
      assert.equal((await login(s, 'demo-newbie', STRONG)).status, 200);
    } finally {
      await s.close();
    }
  });
});

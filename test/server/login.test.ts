/** SECURITY 18 (same answer for every failure), 19 (throttling), 27 (hostile bodies). */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { addUser, call, post, rawRequest, startServer, type TestServer } from './helpers.js';

const INVALID = { error: 'invalid_credentials', error_description: 'Invalid username or password.' };

describe('login failures look alike (SECURITY 18)', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer();
    await addUser(s, { username: 'alice', password: 'alice password 123' });
    await addUser(s, { username: 'dora', password: 'dora password 123', disabled: true });
  });
  after(async () => {
    await s.close();
    assert.deepEqual(s.logger.errors, []);
  });

  test('18: unknown user, wrong password and disabled account -> identical 401 status, body and headers', async () => {
    const unknown = await post(s, '/api/auth/login', { username: 'nobody', password: 'whatever password' });
    const wrong = await post(s, '/api/auth/login', { username: 'alice', password: 'wrong password!!' });
    const disabled = await post(s, '/api/auth/login', { username: 'dora', password: 'dora password 123' });
    for (const r of [unknown, wrong, disabled]) {
      assert.equal(r.status, 401);
      assert.deepEqual(r.body, INVALID);
      assert.deepEqual(r.res.headers.getSetCookie(), []);
    }
    const headerNames = (r: typeof unknown) => [...r.res.headers.keys()].filter((k) => k !== 'date').sort();
    assert.deepEqual(headerNames(unknown), headerNames(wrong));
    assert.deepEqual(headerNames(unknown), headerNames(disabled));
  });

  test('18: the unknown-user path runs the password verifier exactly once (dummy hash)', async () => {
    const before = s.hasher.verifyCalls;
    const r = await post(s, '/api/auth/login', { username: 'no-such-user', password: 'some password' });
    assert.equal(r.status, 401);
    assert.equal(s.hasher.verifyCalls - before, 1);
  });

  test('18: the wrong-password and disabled paths also verify exactly once', async () => {
    let before = s.hasher.verifyCalls;
    await post(s, '/api/auth/login', { username: 'alice', password: 'wrong password!!' });
    assert.equal(s.hasher.verifyCalls - before, 1);
    before = s.hasher.verifyCalls;
    await post(s, '/api/auth/login', { username: 'dora', password: 'dora password 123' });
    assert.equal(s.hasher.verifyCalls - before, 1);
  });

  test('usernames are case-insensitive (NFKC + lower case); the display form is kept', async () => {
    const r = await post(s, '/api/auth/login', { username: 'ALICE', password: 'alice password 123' });
    assert.equal(r.status, 200);
    assert.equal(r.body.user.username, 'alice');
    const fullwidth = await post(s, '/api/auth/login', { username: 'ａｌｉｃｅ', password: 'alice password 123' });
    assert.equal(fullwidth.status, 200, 'fullwidth letters normalize (NFKC)');
  });

  test('a successful login sets last_login and counts it; failures and disabled accounts change neither', async () => {
    await addUser(s, { username: 'lena', password: 'lena password 1234' });
    await addUser(s, { username: 'dina', password: 'dina password 1234', disabled: true });
    const fresh = (await s.app.store.findUserByUsername('lena'))!;
    assert.deepEqual([fresh.lastLogin, fresh.loginsCount], [null, 0]);
    await post(s, '/api/auth/login', { username: 'lena', password: 'wrong password!!' });
    await post(s, '/api/auth/login', { username: 'dina', password: 'dina password 1234' });
    assert.deepEqual([(await s.app.store.findUserByUsername('lena'))!.loginsCount, (await s.app.store.findUserByUsername('dina'))!.loginsCount], [0, 0]);
    s.clock.advance(5);
    const results = await Promise.all([1, 2, 3].map(() => post(s, '/api/auth/login', { username: 'lena', password: 'lena password 1234' })));
    assert.deepEqual(results.map((r) => r.status), [200, 200, 200]);
    const after = (await s.app.store.findUserByUsername('lena'))!;
    assert.equal(after.loginsCount, 3);
    assert.equal(after.lastLogin, s.clock.now());
    assert.equal(after.updatedAt, fresh.updatedAt, 'a login is not a change of the account');
  });

  test('stored passwords are argon2id with m=19456, t=2, p=1', async () => {
    const u = await s.app.store.findUserByUsername('alice');
    assert.match(u?.passwordHash ?? '', /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });
});

describe('throttling per account (SECURITY 19)', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer({
      config: {
        rateLimit: {
          account: { maxFailures: 3, windowSeconds: 600, baseDelaySeconds: 1, maxDelaySeconds: 8 },
          address: { maxFailures: 1000, windowSeconds: 600, baseDelaySeconds: 1, maxDelaySeconds: 8 },
        },
      },
    });
    await addUser(s, { username: 'alice', password: 'alice password 123' });
    await addUser(s, { username: 'bob', password: 'bob password 123' });
    await addUser(s, { username: 'carol', password: 'carol password 1' });
  });
  after(async () => {
    await s.close();
    assert.deepEqual(s.logger.errors, []);
  });

  const attempt = (username: string, password: string) => post(s, '/api/auth/login', { username, password });

  test('19: after N failures -> 429 rate_limited with Retry-After, even with the right password', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await attempt('alice', 'wrong')).status, 401);
    const before = s.hasher.verifyCalls;
    const r = await attempt('alice', 'alice password 123');
    assert.equal(r.status, 429);
    assert.equal(r.body.error, 'rate_limited');
    assert.equal(typeof r.body.error_description, 'string');
    assert.equal(r.res.headers.get('retry-after'), '1');
    assert.equal(s.hasher.verifyCalls, before, 'a blocked attempt costs no hashing');
    assert.equal((await attempt('bob', 'bob password 123')).status, 200, 'other accounts are not affected');
  });

  test('19: after the backoff passes (clock), the right password works and clears the counter', async () => {
    s.clock.advance(1);
    assert.equal((await attempt('alice', 'alice password 123')).status, 200);
    // Counter cleared: two more failures do not block.
    assert.equal((await attempt('alice', 'wrong')).status, 401);
    assert.equal((await attempt('alice', 'wrong')).status, 401);
    assert.equal((await attempt('alice', 'alice password 123')).status, 200);
  });

  test('19: the backoff doubles per extra failure and is capped', async () => {
    for (let i = 0; i < 3; i++) await attempt('bob', 'wrong');
    const waits: string[] = [];
    for (let i = 0; i < 5; i++) {
      const blocked = await attempt('bob', 'wrong');
      assert.equal(blocked.status, 429);
      const wait = blocked.res.headers.get('retry-after') ?? '';
      waits.push(wait);
      s.clock.advance(Number(wait));
      assert.equal((await attempt('bob', 'wrong')).status, 401);
    }
    assert.deepEqual(waits, ['1', '2', '4', '8', '8']);
    s.clock.advance(8);
    assert.equal((await attempt('bob', 'bob password 123')).status, 200, 'no permanent lockout');
  });

  test('19: counters expire with their window (failures spread out never block)', async () => {
    assert.equal((await attempt('carol', 'wrong')).status, 401);
    assert.equal((await attempt('carol', 'wrong')).status, 401);
    s.clock.advance(601);
    assert.equal((await attempt('carol', 'wrong')).status, 401);
    assert.equal((await attempt('carol', 'wrong')).status, 401);
    assert.equal((await attempt('carol', 'carol password 1')).status, 200);
  });

  test('19: unknown accounts are throttled the same way (no existence oracle)', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await attempt('ghost', 'wrong')).status, 401);
    const r = await attempt('ghost', 'wrong');
    assert.equal(r.status, 429);
    assert.equal(r.res.headers.get('retry-after'), '1');
  });
});

describe('throttling per client address (SECURITY 19)', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer({
      config: {
        rateLimit: {
          account: { maxFailures: 1000, windowSeconds: 600, baseDelaySeconds: 1, maxDelaySeconds: 8 },
          address: { maxFailures: 5, windowSeconds: 600, baseDelaySeconds: 2, maxDelaySeconds: 8 },
        },
      },
    });
    await addUser(s, { username: 'alice', password: 'alice password 123' });
  });
  after(async () => {
    await s.close();
    assert.deepEqual(s.logger.errors, []);
  });

  test('19: failures spread over many usernames from one address -> 429 for everyone from it, later allowed', async () => {
    for (let i = 0; i < 5; i++) {
      assert.equal((await post(s, '/api/auth/login', { username: `user${i}`, password: 'guess' })).status, 401);
    }
    const r = await post(s, '/api/auth/login', { username: 'alice', password: 'alice password 123' });
    assert.equal(r.status, 429);
    assert.equal(r.body.error, 'rate_limited');
    assert.equal(r.res.headers.get('retry-after'), '2');
    s.clock.advance(2);
    assert.equal((await post(s, '/api/auth/login', { username: 'alice', password: 'alice password 123' })).status, 200);
  });
});

describe('hostile request bodies (SECURITY 27)', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer();
    await addUser(s, { username: 'alice', password: 'alice password 123' });
  });
  after(async () => {
    await s.close();
    assert.deepEqual(s.logger.errors, [], 'no 500 / unexpected error');
  });

  const stillAlive = async (): Promise<void> => {
    const r = await call(s, 'GET', '/healthz');
    assert.equal(r.status, 200);
  };

  test('27: a 1 MB username -> 413 payload_too_large, and the server still answers', async () => {
    const r = await post(s, '/api/auth/login', { username: 'a'.repeat(1024 * 1024), password: 'x' });
    assert.equal(r.status, 413);
    assert.equal(r.body.error, 'payload_too_large');
    assert.equal(typeof r.body.error_description, 'string');
    await stillAlive();
    assert.equal((await post(s, '/api/auth/login', { username: 'alice', password: 'alice password 123' })).status, 200);
  });

  test('27: a 1 MB chunked body (no Content-Length) -> 413 after 64 KiB, and the server still answers', async () => {
    const chunk = Buffer.alloc(16 * 1024, 0x61);
    const r = await rawRequest(s, {
      method: 'POST',
      path: '/api/auth/login',
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      chunks: [Buffer.from('{"username":"'), ...Array.from({ length: 64 }, () => chunk), Buffer.from('","password":"x"}')],
    });
    assert.equal(r.status, 413);
    assert.equal(JSON.parse(r.body).error, 'payload_too_large');
    assert.equal(r.headers.connection, 'close');
    await stillAlive();
  });

  test('27: a body of exactly the limit is read; one byte more is refused', async () => {
    const base = JSON.stringify({ username: 'alice', password: 'alice password 123', pad: '' });
    const fit = JSON.stringify({ username: 'alice', password: 'alice password 123', pad: 'p'.repeat(64 * 1024 - base.length) });
    assert.equal(fit.length, 64 * 1024);
    const ok = await call(s, 'POST', '/api/auth/login', { headers: { 'content-type': 'application/json' }, body: fit });
    assert.equal(ok.status, 200);
    const over = await call(s, 'POST', '/api/auth/login', { headers: { 'content-type': 'application/json' }, body: `${fit} ` });
    assert.equal(over.status, 413);
  });

  test('27: malformed JSON -> 400 invalid_json', async () => {
    for (const body of ['{"username": "alice", ', '{username: alice}', "{'a':1}", 'nul']) {
      const r = await call(s, 'POST', '/api/auth/login', { headers: { 'content-type': 'application/json' }, body });
      assert.equal(r.status, 400, body);
      assert.deepEqual(r.body, { error: 'invalid_json', error_description: 'The request body is not valid JSON.' });
    }
    await stillAlive();
  });

  test('27: wrong types -> 400 invalid_request naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ username: 123, password: 'x' }, '"username" must be a string'],
      [{ username: ['alice'], password: 'x' }, '"username" must be a string'],
      [{ username: 'alice', password: { $ne: '' } }, '"password" must be a string'],
      [{ username: 'alice', password: true }, '"password" must be a string'],
      [{ username: 'alice', password: 'x', refresh_in_body: 'maybe' }, '"refresh_in_body" must be a boolean'],
    ];
    for (const [json, message] of cases) {
      const r = await post(s, '/api/auth/login', json);
      assert.equal(r.status, 400, JSON.stringify(json));
      assert.equal(r.body.error, 'invalid_request');
      assert.ok(r.body.error_description.includes(message), r.body.error_description);
    }
  });

  test('27: missing or empty fields -> 400 invalid_request naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ password: 'x' }, 'The field "username" is required.'],
      [{ username: 'alice' }, 'The field "password" is required.'],
      [{ username: '', password: 'x' }, 'The field "username" must not be empty.'],
      [{ username: 'alice', password: '' }, 'The field "password" must not be empty.'],
      [{ username: null, password: 'x' }, 'The field "username" is required.'],
    ];
    for (const [json, message] of cases) {
      const r = await post(s, '/api/auth/login', json);
      assert.equal(r.status, 400);
      assert.deepEqual(r.body, { error: 'invalid_request', error_description: message });
    }
  });

  test('27: an empty body -> 400 invalid_request (with and without a content type)', async () => {
    const a = await call(s, 'POST', '/api/auth/login', { headers: { 'content-type': 'application/json' }, body: '' });
    assert.equal(a.status, 400);
    assert.equal(a.body.error, 'invalid_request');
    const b = await call(s, 'POST', '/api/auth/login');
    assert.equal(b.status, 400);
    assert.equal(b.body.error, 'invalid_request');
  });

  test('27: a JSON body that is not an object (array, string, number, null) -> 400', async () => {
    for (const body of ['[]', '"alice"', '42', 'null']) {
      const r = await call(s, 'POST', '/api/auth/login', { headers: { 'content-type': 'application/json' }, body });
      assert.equal(r.status, 400, body);
      assert.equal(r.body.error, 'invalid_request');
    }
  });

  test('27: __proto__ keys, invalid UTF-8, duplicate form fields and overlong fields are refused cleanly', async () => {
    const proto = await call(s, 'POST', '/api/auth/login', {
      headers: { 'content-type': 'application/json' },
      body: '{"__proto__": {"username": "alice"}, "password": "alice password 123"}',
    });
    assert.equal(proto.status, 400);
    const utf8 = await rawRequest(s, {
      method: 'POST',
      path: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    });
    assert.equal(utf8.status, 400);
    const dup = await call(s, 'POST', '/api/auth/login', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=alice&username=admin&password=x',
    });
    assert.equal(dup.status, 400);
    assert.match(dup.body.error_description, /"username" is given more than once/);
    const long = await post(s, '/api/auth/login', { username: 'a'.repeat(300), password: 'x' });
    assert.equal(long.status, 400);
    assert.match(long.body.error_description, /"username" is too long/);
    await stillAlive();
  });

  test('27: odd request targets (bad percent-encoding, double slash) -> a normal answer, never 500', async () => {
    const r = await rawRequest(s, { method: 'GET', path: '/api/auth/session?x=%zz' });
    assert.equal(r.status, 401);
    const weird = await rawRequest(s, { method: 'GET', path: '//api/auth/session' });
    assert.equal(weird.status, 404);
    await stillAlive();
  });
});

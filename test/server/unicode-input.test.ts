/**
 * Issue 6 item 16: ill-formed Unicode in request bodies is refused (400 invalid_request) instead of
 * collapsing to U+FFFD somewhere later (argon2 hashes UTF-8: a password ending in a lone "\ud800"
 * would also match one ending in "\ufffd"). JSON: string values (nested too) and keys. Form bodies:
 * percent-escapes that decode to invalid UTF-8 are refused, not replaced. Valid astral characters
 * (emoji, surrogate PAIRS in JSON escapes) keep working.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { addUser, bearer, call, login, post, startServer, type TestServer } from './helpers.js';

const BASE = 'tall lantern over quiet water ';
/** The stored password ends in U+FFFD: what "\ud800" used to collapse to. */
const STORED_FFFD = `${BASE}\ufffd`;
const EMOJI_PASSWORD = `${BASE}\u{1F600}`; // 😀, a surrogate pair in UTF-16

const formBody = (fields: Record<string, string>): string =>
  Object.entries(fields)
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
const postForm = (s: TestServer, path: string, body: string, headers: Record<string, string> = {}) =>
  call(s, 'POST', path, { body, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });

function assertIllFormed(r: { status: number; body: any }, what: string): void {
  assert.equal(r.status, 400, `${what}: ${JSON.stringify(r.body)}`);
  assert.equal(r.body.error, 'invalid_request', what);
  assert.match(r.body.error_description, /Unicode|UTF-8/, what);
}

describe('ill-formed Unicode in request bodies (issue 6 item 16)', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer({ config: { registration: 'open' } });
    await addUser(s, { username: 'fffd', password: STORED_FFFD });
    await addUser(s, { username: 'emoji', password: EMOJI_PASSWORD });
  });
  after(async () => {
    await s.close();
    assert.deepEqual(s.logger.errors, []);
  });

  test('login: a lone surrogate does not match the U+FFFD password; 400, not a sign-in', async () => {
    const r = await post(s, '/api/auth/login', { username: 'fffd', password: `${BASE}\ud800` });
    assertIllFormed(r, 'lone high surrogate');
    assert.match(r.body.error_description, /"password"/, 'names the field');
    const low = await post(s, '/api/auth/login', { username: 'fffd', password: `${BASE}\udc00` });
    assertIllFormed(low, 'lone low surrogate');
    // The real password still works.
    assert.equal((await login(s, 'fffd', STORED_FFFD)).status, 200);
  });

  test('register and password change with "\\ud800" -> 400, nothing created or changed', async () => {
    const reg = await post(s, '/api/auth/register', { username: 'surrogate', email: 'surrogate@example.com', password: `${BASE}\ud800` });
    assertIllFormed(reg, 'register');
    assert.equal(await s.app.store.findUserByUsername('surrogate'), null);

    const l = await login(s, 'emoji', EMOJI_PASSWORD);
    assert.equal(l.status, 200);
    const change = await post(s, '/api/auth/password', { current_password: EMOJI_PASSWORD, new_password: `${BASE}x\ud800` }, bearer(l.access));
    assertIllFormed(change, 'password change');
    assert.equal((await login(s, 'emoji', EMOJI_PASSWORD)).status, 200, 'the password did not change');
  });

  test('nested values and keys are checked too', async () => {
    for (const body of [
      { username: 'fffd', password: STORED_FFFD, extra: { deep: ['ok', `x\ud83d`] } },
      { username: 'fffd', password: STORED_FFFD, ['k\udfff']: 1 },
      { username: 'fffd', password: STORED_FFFD, list: [[[{ a: '\ud800' }]]] },
    ]) {
      assertIllFormed(await post(s, '/api/auth/login', body), JSON.stringify(body));
    }
  });

  test('the raw JSON escape of a lone surrogate (not only what JSON.stringify writes) -> 400', async () => {
    const r = await call(s, 'POST', '/api/auth/login', {
      headers: { 'content-type': 'application/json' },
      body: `{"username":"fffd","password":"${BASE}\\uD800"}`,
    });
    assertIllFormed(r, 'raw escape');
  });

  test('form bodies: %ED%A0%80 (an encoded surrogate) and %FF -> 400, never replaced by U+FFFD', async () => {
    for (const bad of ['%FF', '%ED%A0%80', '%EF%BF', '%C0%AF', '%F4%90%80%80']) {
      const r = await postForm(s, '/api/auth/login', formBody({ username: 'fffd', password: encodeURIComponent(BASE) + bad }));
      assertIllFormed(r, bad);
    }
    // in a key too
    assertIllFormed(await postForm(s, '/api/auth/login', `username=fffd&password=${encodeURIComponent(STORED_FFFD)}&k%FF=1`), 'key');
    // U+FFFD itself, encoded correctly, is a valid character and signs in.
    const ok = await postForm(s, '/api/auth/login', formBody({ username: 'fffd', password: encodeURIComponent(STORED_FFFD) }));
    assert.equal(ok.status, 200);
  });

  test('valid astral characters still work: emoji in JSON (raw and as an escaped pair) and in a form', async () => {
    assert.equal((await login(s, 'emoji', EMOJI_PASSWORD)).status, 200);
    const escapedPair = await call(s, 'POST', '/api/auth/login', {
      headers: { 'content-type': 'application/json' },
      body: `{"username":"emoji","password":"${BASE}\\ud83d\\ude00"}`,
    });
    assert.equal(escapedPair.status, 200);
    const form = await postForm(s, '/api/auth/login', formBody({ username: 'emoji', password: encodeURIComponent(EMOJI_PASSWORD) }));
    assert.equal(form.status, 200);
    // form decoding keeps WHATWG rules: "+" is a space, a stray "%" stays literal
    const plus = await postForm(s, '/api/auth/login', `username=emoji&password=${encodeURIComponent(EMOJI_PASSWORD).replaceAll('%20', '+')}`);
    assert.equal(plus.status, 200);
    const reg = await post(s, '/api/auth/register', { username: 'astral', email: 'astral@example.com', password: `${BASE}\u{1F984}%zz` });
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
    const formLogin = await postForm(s, '/api/auth/login', `username=astral&password=${encodeURIComponent(`${BASE}\u{1F984}`)}%zz`);
    assert.equal(formLogin.status, 200, 'a "%" not followed by two hex digits stays a literal "%"');
  });
});

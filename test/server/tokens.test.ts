/**
 * SECURITY 1-3, 5-9: hostile access tokens. Each is signed with the server's real private key (read
 * from the key file) so that only the property under test is wrong; a control test shows the same
 * recipe with nothing wrong is accepted.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { exportJWK, importJWK, SignJWT } from 'jose';
import type { KeyRing } from '../../server/keys.js';
import { TokenError, verifyAccessTokenSignature } from '../../server/tokens.js';
import {
  AUDIENCE,
  ISSUER,
  addUser,
  b64url,
  bearer,
  call,
  login,
  post,
  readKeyFile,
  refreshWithBody,
  signEs256,
  startServer,
  type TestServer,
} from './helpers.js';

describe('access token verification (SECURITY 1-3, 5-9)', () => {
  let s: TestServer;
  let privateJwk: Record<string, unknown>;
  let kid: string;
  let sub: string;
  let sid: string;
  let refresh: string;
  let goodAccess: string;

  before(async () => {
    s = await startServer();
    await addUser(s, { username: 'alice', password: 'alice password 123', roles: ['member'] });
    const l = await login(s, 'alice', 'alice password 123', true);
    assert.equal(l.status, 200);
    goodAccess = l.access;
    refresh = l.refresh;
    sub = l.body.user.id;
    const claims = JSON.parse(Buffer.from(l.access.split('.')[1] ?? '', 'base64url').toString('utf8'));
    sid = claims.sid;
    const stored = readKeyFile(s.dataDir).keys[0];
    assert.ok(stored);
    const { kid: _k, ...jwk } = stored.private_jwk as Record<string, unknown>;
    privateJwk = jwk;
    kid = stored.kid;
  });
  after(async () => {
    await s.close();
    assert.deepEqual(s.logger.errors, []);
  });

  const nowSec = (): number => Math.floor(s.clock.now() / 1000);
  const header = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ alg: 'ES256', kid, typ: 'at+jwt', ...extra });
  const claims = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    iss: ISSUER,
    aud: AUDIENCE,
    sub,
    sid,
    iat: nowSec(),
    exp: nowSec() + 300,
    jti: randomUUID(),
    username: 'alice',
    roles: ['member'],
    ...extra,
  });
  const without = (obj: Record<string, unknown>, key: string): Record<string, unknown> => {
    const copy = { ...obj };
    delete copy[key];
    return copy;
  };
  const signed = (h: Record<string, unknown> = header(), c: Record<string, unknown> = claims()): string => signEs256(h, c, privateJwk);

  /** Rejected by /verify (401 invalid_token) and by /session (401 + WWW-Authenticate). */
  async function assertRejected(token: string): Promise<void> {
    const v = await post(s, '/api/auth/verify', { token });
    assert.equal(v.status, 401);
    assert.equal(v.body.error, 'invalid_token');
    assert.equal(typeof v.body.error_description, 'string');
    const r = await call(s, 'GET', '/api/auth/session', { headers: bearer(token) });
    assert.equal(r.status, 401);
    assert.equal(r.body.error, 'invalid_token');
    assert.equal(r.res.headers.get('www-authenticate'), 'Bearer error="invalid_token"');
  }
  async function assertAccepted(token: string): Promise<void> {
    const v = await post(s, '/api/auth/verify', { token });
    assert.equal(v.status, 200, JSON.stringify(v.body));
    assert.equal((await call(s, 'GET', '/api/auth/session', { headers: bearer(token) })).status, 200);
  }

  test('control: a token built by the test recipe with nothing wrong is accepted', async () => {
    await assertAccepted(signed());
    await assertAccepted(goodAccess);
  });

  // 1
  test('1: alg "none" with an empty signature -> 401', async () => {
    await assertRejected(`${b64url({ alg: 'none', typ: 'at+jwt', kid })}.${b64url(claims())}.`);
  });
  test('1: alg "none" with a signature segment -> 401', async () => {
    const good = signed();
    const sig = good.split('.')[2];
    await assertRejected(`${b64url({ alg: 'none', typ: 'at+jwt', kid })}.${b64url(claims())}.${sig}`);
  });
  test('1: ES256 header with the signature removed (empty third segment) -> 401', async () => {
    const [h, p] = signed().split('.');
    await assertRejected(`${h}.${p}.`);
  });

  // 2
  test('2: HS256 token MACed with the server public JWK bytes -> 401', async () => {
    const jwks = await call(s, 'GET', '/.well-known/jwks.json');
    const secret = Buffer.from(JSON.stringify(jwks.body.keys[0]));
    const input = `${b64url(header({ alg: 'HS256' }))}.${b64url(claims())}`;
    await assertRejected(`${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`);
  });
  test('2: HS256 token MACed with the server public key PEM -> 401', async () => {
    const { kid: _k, d: _d, ...pub } = privateJwk as Record<string, string>;
    const pem = createPublicKey({ key: pub as any, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    const input = `${b64url(header({ alg: 'HS256' }))}.${b64url(claims())}`;
    await assertRejected(`${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`);
  });

  // 3
  test('3: one flipped signature bit -> 401', async () => {
    const [h, p, sig] = signed().split('.') as [string, string, string];
    const bytes = Buffer.from(sig, 'base64url');
    bytes[10] = (bytes[10] ?? 0) ^ 0x01;
    await assertRejected(`${h}.${p}.${bytes.toString('base64url')}`);
  });
  test('3: non-base64url characters (standard base64 "+/=") -> 401', async () => {
    const [h, p, sig] = signed().split('.') as [string, string, string];
    const std = Buffer.from(sig, 'base64url').toString('base64'); // may contain + / =
    await assertRejected(`${h}.${p}.${std}=`);
    await assertRejected(`${h}.${p}+.${sig}`);
    await assertRejected(`${h}.${p}.${sig.slice(0, -1)}*`);
    await assertRejected(`${h}.${p}.${sig.slice(0, -2)}%3D`);
  });
  test('3: four segments -> 401', async () => {
    await assertRejected(`${signed()}.AAAA`);
  });

  // 5
  test('5: jku header (key set URL in the token) -> 401', async () => {
    await assertRejected(signed(header({ jku: 'https://evil.example/jwks.json' })));
  });
  test('5: x5u header -> 401', async () => {
    await assertRejected(signed(header({ x5u: 'https://evil.example/cert.pem' })));
  });
  test('5: embedded jwk header (even the server\'s own public key) -> 401', async () => {
    const { d: _d, ...pub } = privateJwk;
    await assertRejected(signed(header({ jwk: pub })));
  });
  test('5: x5c header -> 401', async () => {
    await assertRejected(signed(header({ x5c: ['MIIB'] })));
  });
  test('5: kid "../../x" -> 401', async () => {
    await assertRejected(signed(header({ kid: '../../x' })));
  });
  test("5: kid \"' OR 1=1\" -> 401", async () => {
    await assertRejected(signed(header({ kid: "' OR 1=1" })));
  });
  test('5: malformed kids are refused without any key lookup', async () => {
    let lookups = 0;
    const real = s.app.keys;
    const counting = new Map(real.verification);
    const get = counting.get.bind(counting);
    counting.get = (k: string) => {
      lookups++;
      return get(k);
    };
    const keys: KeyRing = { ...real, verification: counting };
    const ctx = { keys, config: s.config, nowMs: s.clock.now() };
    for (const bad of ['../../x', "' OR 1=1", '', 'a'.repeat(129), 'kid with space', 42]) {
      await assert.rejects(verifyAccessTokenSignature(signed(header({ kid: bad })), ctx), TokenError);
    }
    await assert.rejects(verifyAccessTokenSignature(signed(header({ jku: 'https://evil.example' })), ctx), TokenError);
    assert.equal(lookups, 0);
    await verifyAccessTokenSignature(signed(), ctx);
    assert.equal(lookups, 1, 'a well-formed kid is looked up once, locally');
  });
  test('5: a token signed by another key that claims the server kid -> 401', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const otherJwk = privateKey.export({ format: 'jwk' });
    await assertRejected(signEs256(header(), claims(), otherJwk));
  });

  // 6
  test('6: exp in the past beyond the 60 s skew -> 401 (and within the skew -> accepted)', async () => {
    await assertRejected(signed(header(), claims({ iat: nowSec() - 400, exp: nowSec() - 61 })));
    await assertAccepted(signed(header(), claims({ iat: nowSec() - 400, exp: nowSec() - 30 })));
  });
  test('6: the real access token after its lifetime + skew (injected clock) -> 401', async () => {
    const l = await login(s, 'alice', 'alice password 123');
    s.clock.advance(300 + 61);
    try {
      await assertRejected(l.access);
    } finally {
      s.clock.advance(-(300 + 61));
    }
  });
  test('6: nbf in the future -> 401', async () => {
    await assertRejected(signed(header(), claims({ nbf: nowSec() + 120 })));
  });
  test('6: iat in the future -> 401', async () => {
    await assertRejected(signed(header(), claims({ iat: nowSec() + 120, exp: nowSec() + 400 })));
  });
  test('6: exp missing -> 401', async () => {
    await assertRejected(signed(header(), without(claims(), 'exp')));
  });
  test('6: iat, sub or sid missing -> 401', async () => {
    await assertRejected(signed(header(), without(claims(), 'iat')));
    await assertRejected(signed(header(), without(claims(), 'sub')));
    await assertRejected(signed(header(), without(claims(), 'sid')));
  });

  // 7
  test('7: iss with a trailing slash -> 401', async () => {
    await assertRejected(signed(header(), claims({ iss: `${ISSUER}/` })));
  });
  test('7: iss differing in case -> 401', async () => {
    await assertRejected(signed(header(), claims({ iss: ISSUER.toUpperCase() })));
  });
  test('7: aud missing -> 401', async () => {
    await assertRejected(signed(header(), without(claims(), 'aud')));
  });
  test('7: aud wrong -> 401', async () => {
    await assertRejected(signed(header(), claims({ aud: 'another-api' })));
  });
  test('7: aud array with an extra untrusted value -> 401', async () => {
    await assertRejected(signed(header(), claims({ aud: [AUDIENCE, 'https://evil.example'] })));
  });

  // 8
  test('8: unknown crit header -> 401', async () => {
    await assertRejected(signed(header({ crit: ['exp-ext'], 'exp-ext': true })));
  });
  test('8: a JWE-shaped 5-segment token -> 401', async () => {
    const jwe = [b64url({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid }), 'AAAA', 'AAAAAAAAAAAAAAAA', 'AAAA', 'AAAAAAAAAAAAAAAAAAAAAA'].join('.');
    await assertRejected(jwe);
  });
  test('8: a compressed token (zip header) -> 401', async () => {
    await assertRejected(signed(header({ zip: 'DEF' })));
  });

  // 9
  test('9: a refresh token used as an access token -> 401', async () => {
    await assertRejected(refresh);
  });
  test('9: a token with typ "JWT" signed by the server key -> 401', async () => {
    await assertRejected(signed(header({ typ: 'JWT' })));
  });
  test('9: a token with another typ (reset+jwt, session+jwt) or none -> 401', async () => {
    await assertRejected(signed(header({ typ: 'reset+jwt' })));
    await assertRejected(signed(header({ typ: 'session+jwt' })));
    await assertRejected(signed(without(header(), 'typ')));
  });
  test('9: an access token used as a refresh token -> 401 invalid_grant', async () => {
    const r = await refreshWithBody(s, goodAccess);
    assert.equal(r.status, 401);
    assert.equal(r.body.error, 'invalid_grant');
  });
  test('9: a jose-made at+jwt token signed by the server key but for another audience -> 401', async () => {
    const key = await importJWK(privateJwk as any, 'ES256');
    const token = await new SignJWT(claims({ aud: 'other' }))
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
      .sign(key);
    await assertRejected(token);
  });

  // store-backed checks
  test('a valid signature naming an unknown session, or another user\'s session -> 401', async () => {
    await assertRejected(signed(header(), claims({ sid: randomUUID() })));
    await assertRejected(signed(header(), claims({ sub: randomUUID() })));
  });
  test('an oversized token (> 8 KiB) -> 401 without work', async () => {
    await assertRejected(signed(header(), claims({ pad: 'x'.repeat(9000) })));
  });
  test('an ES256 token with a JWK from exportJWK of another key and alg confusion ES384 -> 401', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = await exportJWK(privateKey);
    await assertRejected(signEs256(header({ alg: 'ES384' }), claims(), jwk));
    await assertRejected(signed(header({ alg: 'ES384' })));
  });
});

// SECURITY.md items 1-9 for the browser verifier (JwtApiBackend `verify` option).
import { expect } from '@open-wc/testing';
import { CompactEncrypt, SignJWT, exportJWK, generateKeyPair } from 'jose';
import { createVerifier, readJwt } from '../../src/core/jwt.js';
import { AuthConfigError } from '../../src/core/errors.js';
import { b64u, fakeFetch, signRaw, json, makeIssuer, rawToken, rejectsWith, type Issuer } from './helpers.js';

const JWKS = 'https://issuer.test/jwks.json';
const ISS = 'https://issuer.test';
const AUD = 'auth-elements';
const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const now = Math.floor(NOW / 1000);

describe('token verification (createVerifier)', () => {
  let issuer: Issuer;
  let fetcher: ReturnType<typeof fakeFetch>;
  let verify: ReturnType<typeof createVerifier>;
  const claims = () => ({ iss: ISS, aud: AUD, sub: 'u1', iat: now - 10, exp: now + 300 });

  beforeEach(async () => {
    issuer = await makeIssuer('k1');
    fetcher = fakeFetch({ [`GET ${JWKS}`]: () => json(200, issuer.jwks) });
    verify = createVerifier({ jwksUrl: JWKS, issuer: ISS, audience: AUD, algorithms: ['ES256'], typ: 'at+jwt' }, fetcher);
  });

  it('accepts a well-formed token signed by the configured issuer', async () => {
    const payload = await verify(await issuer.sign(claims()), NOW);
    expect(payload.sub).to.equal('u1');
    expect(fetcher.calls).to.have.length(1);
  });

  it('1: refuses alg none and an empty signature', async () => {
    await rejectsWith(verify(rawToken({ alg: 'none', typ: 'at+jwt' }, claims()), NOW), 'token_invalid');
    const signed = await issuer.sign(claims());
    await rejectsWith(verify(signed.split('.').slice(0, 2).join('.') + '.', NOW), 'token_invalid');
  });

  it('2: refuses an HS256 token MACed with the public key', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(issuer.publicJwk));
    const forged = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid: 'k1', typ: 'at+jwt' }).sign(secret);
    await rejectsWith(verify(forged, NOW), 'token_invalid');
  });

  it('3: refuses a flipped signature bit, non-base64url characters and four segments', async () => {
    const token = await issuer.sign(claims());
    const [h, p, s] = token.split('.') as [string, string, string];
    const flipped = s.slice(0, 10) + (s[10] === 'A' ? 'B' : 'A') + s.slice(11);
    await rejectsWith(verify(`${h}.${p}.${flipped}`, NOW), 'token_invalid');
    await rejectsWith(verify(`${h}.${p}+/.${s}`, NOW), 'token_invalid');
    await rejectsWith(verify(`${h}.${p}.${s}.${s}`, NOW), 'token_invalid');
  });

  it('4: 100 tokens with an unknown kid cause one JWKS fetch, and are all refused', async () => {
    const stranger = await makeIssuer('unknown-kid');
    const token = await stranger.sign(claims());
    for (let i = 0; i < 100; i++) await rejectsWith(verify(token, NOW), 'token_invalid');
    expect(fetcher.calls.length).to.equal(1);
  });

  it('5: refuses jku, x5u and jwk headers and injection-like kids without any lookup', async () => {
    for (const header of [{ jku: 'https://evil.test/jwks' }, { x5u: 'https://evil.test/cert' }, { jwk: issuer.publicJwk }]) {
      await rejectsWith(verify(await issuer.sign(claims(), header), NOW), 'token_invalid');
    }
    for (const kid of ['../../x', "' OR 1=1"]) {
      await rejectsWith(verify(await issuer.sign(claims(), { kid }), NOW), 'token_invalid');
    }
    expect(fetcher.calls).to.have.length(0);
  });

  it('6: exp past beyond the skew, nbf or iat in the future, exp missing', async () => {
    await rejectsWith(verify(await issuer.sign({ ...claims(), exp: now - 61 }), NOW), 'token_expired');
    await verify(await issuer.sign({ ...claims(), exp: now - 30 }), NOW); // within the 60 s skew
    await rejectsWith(verify(await issuer.sign({ ...claims(), nbf: now + 120 }), NOW), 'token_invalid');
    await rejectsWith(verify(await issuer.sign({ ...claims(), iat: now + 120 }), NOW), 'token_invalid');
    const { exp: _exp, ...noExp } = claims();
    await rejectsWith(verify(await issuer.sign(noExp), NOW), 'token_invalid');
  });

  it('7: iss differing by a trailing slash or case; aud missing, wrong or with an extra value', async () => {
    await rejectsWith(verify(await issuer.sign({ ...claims(), iss: ISS + '/' }), NOW), 'token_invalid');
    await rejectsWith(verify(await issuer.sign({ ...claims(), iss: ISS.toUpperCase() }), NOW), 'token_invalid');
    const { aud: _aud, ...noAud } = claims();
    await rejectsWith(verify(await issuer.sign(noAud), NOW), 'token_invalid');
    await rejectsWith(verify(await issuer.sign({ ...claims(), aud: 'other' }), NOW), 'token_invalid');
    await rejectsWith(verify(await issuer.sign({ ...claims(), aud: [AUD, 'untrusted'] }), NOW), 'token_invalid');
  });

  it('8: refuses an unknown crit header, a JWE and a compressed token, without fetching keys', async () => {
    const critHeader = { alg: 'ES256', kid: 'k1', typ: 'at+jwt', crit: ['x-unknown'], 'x-unknown': true };
    const crit = await signRaw(critHeader, claims(), issuer.privateKey);
    await rejectsWith(verify(crit, NOW), 'token_invalid');
    const { publicKey } = await generateKeyPair('RSA-OAEP-256');
    const jwe = await new CompactEncrypt(new TextEncoder().encode('{}'))
      .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM' })
      .encrypt(publicKey);
    expect(jwe.split('.')).to.have.length(5);
    const before = fetcher.calls.length;
    await rejectsWith(verify(jwe, NOW), 'token_invalid');
    await rejectsWith(verify(rawToken({ alg: 'ES256', zip: 'DEF' }, claims(), b64u('sig')), NOW), 'token_invalid');
    expect(fetcher.calls.length).to.equal(before);
  });

  it('9: a token of another type (an ID token, typ JWT) is not an access token', async () => {
    await rejectsWith(verify(await issuer.sign(claims(), { typ: 'JWT' }), NOW), 'token_invalid');
    await rejectsWith(verify(await issuer.sign(claims(), { typ: 'refresh+jwt' }), NOW), 'token_invalid');
  });

  it('refuses HS* and none in the allowlist at construction, with a coded TypeError', async () => {
    const bad = () => createVerifier({ jwksUrl: JWKS, issuer: ISS, audience: AUD, algorithms: ['HS256'] }, fetcher);
    expect(bad).to.throw(AuthConfigError);
    try {
      bad();
    } catch (err) {
      expect((err as AuthConfigError).code).to.equal('invalid_option');
      expect(err).to.be.instanceOf(TypeError);
    }
  });
});

describe('readJwt (decode-only path)', () => {
  it('refuses alg none, JWE, bad segments and key-sourcing headers', async () => {
    const payload = { sub: 'x', exp: now + 10 };
    expect(() => readJwt(rawToken({ alg: 'none' }, payload))).to.throw(/Unsigned/);
    expect(() => readJwt('a.b.c.d.e')).to.throw(/three parts/);
    expect(() => readJwt('a.b')).to.throw(/three parts/);
    expect(() => readJwt(rawToken({ alg: 'ES256', jku: 'https://evil' }, payload, b64u('s')))).to.throw(/jku/);
    expect(() => readJwt(42)).to.throw(/missing/);
    const { privateKey } = await generateKeyPair('ES256');
    const ok = await new SignJWT(payload).setProtectedHeader({ alg: 'ES256' }).sign(privateKey);
    expect(readJwt(ok).sub).to.equal('x');
    expect(await exportJWK((await generateKeyPair('ES256')).publicKey)).to.have.property('kty', 'EC');
  });
});

describe('token verification: typ, token_type and the subject claim', () => {
  let issuer: Issuer;
  let fetcher: ReturnType<typeof fakeFetch>;
  const base = { jwksUrl: JWKS, issuer: ISS, audience: AUD, algorithms: ['ES256'] };
  const claims = () => ({ iss: ISS, aud: AUD, sub: 'u1', iat: now - 10, exp: now + 300 });

  beforeEach(async () => {
    issuer = await makeIssuer('k1');
    fetcher = fakeFetch({ [`GET ${JWKS}`]: () => json(200, issuer.jwks) });
  });

  it('requires typ at+jwt by default (RFC 9068), and says so', async () => {
    const verify = createVerifier(base, fetcher);
    expect((await verify(await issuer.sign(claims()), NOW)).sub).to.equal('u1');
    const err = await rejectsWith(verify(await issuer.sign(claims(), { typ: 'JWT' }), NOW), 'token_invalid');
    expect(err.description).to.contain('"typ"').and.contain('at+jwt');
    await rejectsWith(verify(await signRaw({ alg: 'ES256', kid: 'k1' }, claims(), issuer.privateKey), NOW), 'token_invalid');
  });

  it('typ: false (attribute typ="any") accepts any typ; verify.typ can name another value', async () => {
    for (const typ of [false, 'any'] as const) {
      const verify = createVerifier({ ...base, typ }, fetcher);
      await verify(await issuer.sign(claims(), { typ: 'JWT' }), NOW);
      await verify(await signRaw({ alg: 'ES256', kid: 'k1' }, claims(), issuer.privateKey), NOW);
    }
    const custom = createVerifier({ ...base, typ: 'application/custom+jwt' }, fetcher);
    await custom(await issuer.sign(claims(), { typ: 'application/custom+jwt' }), NOW);
    await rejectsWith(custom(await issuer.sign(claims()), NOW), 'token_invalid');
  });

  it('refuses a token whose token_type is present and not access, whatever the typ', async () => {
    const verify = createVerifier({ ...base, typ: false }, fetcher);
    await verify(await issuer.sign({ ...claims(), token_type: 'access' }, { typ: 'JWT' }), NOW);
    const err = await rejectsWith(verify(await issuer.sign({ ...claims(), token_type: 'refresh' }, { typ: 'JWT' }), NOW), 'token_invalid');
    expect(err.description).to.contain('token_type');
    const strict = createVerifier(base, fetcher);
    await rejectsWith(strict(await issuer.sign({ ...claims(), token_type: 'refresh' }), NOW), 'token_invalid');
  });

  it('the required subject claim is subjectClaim (default sub); a missing one is named in the description', async () => {
    const { sub: _sub, ...simpleJwt } = { ...claims(), user_id: 1, token_type: 'access' };
    const strict = createVerifier({ ...base, typ: false }, fetcher);
    const err = await rejectsWith(strict(await issuer.sign(simpleJwt, { typ: 'JWT' }), NOW), 'token_invalid');
    expect(err.description).to.equal(
      'The token has no "sub" claim (set subject-claim if your API names the user differently, e.g. user_id).',
    );
    const byUserId = createVerifier({ ...base, typ: false, subjectClaim: 'user_id' }, fetcher);
    expect((await byUserId(await issuer.sign(simpleJwt, { typ: 'JWT' }), NOW)).user_id).to.equal(1);
    const nested = createVerifier({ ...base, subjectClaim: 'data.user.id' }, fetcher);
    await nested(await issuer.sign({ ...claims(), data: { user: { id: 7 } } }), NOW);
    await rejectsWith(nested(await issuer.sign(claims()), NOW), 'token_invalid');
  });

  it('a wrong issuer or audience is named in the description', async () => {
    const verify = createVerifier(base, fetcher);
    const iss = await rejectsWith(verify(await issuer.sign({ ...claims(), iss: 'https://other.test' }), NOW), 'token_invalid');
    expect(iss.description).to.contain('"iss"');
    const aud = await rejectsWith(verify(await issuer.sign({ ...claims(), aud: 'other' }), NOW), 'token_invalid');
    expect(aud.description).to.contain('"aud"');
  });
});

// Honest errors from the core: how long to wait (Retry-After in seconds or as an HTTP date), the
// server's machine-readable reason of a refusal, and a console warning with the fix when a request
// fails because of CORS or mixed content.
import { expect, waitUntil } from '@open-wc/testing';
import { AuthClient } from '../../src/core/client.js';
import { connectionHint } from '../../src/core/connection-hint.js';
import { JwtApiBackend } from '../../src/core/jwt-api.js';
import { noTabSync } from '../../src/core/tabs.js';
import { fakeFetch, json, rejectsWith } from './helpers.js';

const PASSWORD = 'correct horse battery staple';

function client(routes: Parameters<typeof fakeFetch>[0], url = '/token') {
  const fetch = fakeFetch(routes);
  const backend = new JwtApiBackend({ url, fetch, storage: sessionStorage });
  return new AuthClient({ backend, tabs: noTabSync });
}

function captureWarnings(): { messages: string[]; restore(): void } {
  const original = console.warn;
  const messages: string[] = [];
  console.warn = (...args: unknown[]) => void messages.push(args.map(String).join(' '));
  return { messages, restore: () => (console.warn = original) };
}

describe('honest errors (core)', () => {
  it('reads Retry-After in seconds and as an HTTP date', async () => {
    const inTwoMinutes = new Date(Date.now() + 120_000).toUTCString();
    const cases: Array<[string, (n: number | undefined) => void]> = [
      ['45', (n) => expect(n).to.equal(45)],
      [inTwoMinutes, (n) => expect(n).to.be.within(100, 120)],
      ['Thu, 01 Jan 1970 00:00:00 GMT', (n) => expect(n).to.equal(undefined)], // in the past: no wait to tell
      ['soon', (n) => expect(n).to.equal(undefined)],
    ];
    for (const [header, check] of cases) {
      const c = client({ 'POST /token': () => json(429, { error: 'rate_limited' }, { 'Retry-After': header }) });
      await c.start();
      const err = await rejectsWith(c.login({ username: 'alice', password: PASSWORD }), 'rate_limited');
      check(err.retryAfter);
    }
  });

  it("keeps the server's reason of a refused password (`reason`, `min`/`max`)", async () => {
    const fetch = fakeFetch({
      'POST /api/auth/register': () =>
        json(400, { error: 'weak_password', error_description: 'Use at least 15 characters.', reason: 'too_short', min: 15 }),
    });
    const backend = new JwtApiBackend({ baseUrl: '/api/auth', fetch, storage: sessionStorage });
    const c = new AuthClient({ backend, tabs: noTabSync });
    await c.start();
    const err = await rejectsWith(c.register({ username: 'al', email: 'al@example.com', name: 'Al', password: 'short' }), 'weak_password');
    expect(err.reason).to.equal('too_short');
    expect(err.params).to.deep.equal({ min: 15 });
    expect(err.description).to.equal('Use at least 15 characters.');
  });

  it('warns with the cause and the fix when a cross-origin request fails (CORS), not when a same-origin one does', async () => {
    const warnings = captureWarnings();
    const fail = async (url: string) => {
      const c = client({ [`POST ${url}`]: () => Promise.reject(new TypeError('Failed to fetch')) }, url);
      await c.start();
      await rejectsWith(c.login({ username: 'alice', password: PASSWORD }), 'network_error');
    };
    try {
      await fail('https://api.example.test/token');
      await waitUntil(() => warnings.messages.length === 1, 'no warning');
      expect(warnings.messages[0]).to.contain('https://api.example.test').and.to.contain('CORS').and.to.contain('AUTH_CORS_ORIGINS');
      expect(warnings.messages[0]).to.contain(location.origin);
      await fail('/token'); // same origin: nothing to say
      await fail('https://api.example.test/token'); // said once already
      await fail('https://other.example.test/token'); // warned after the two above (the hint loads in order)
      await waitUntil(() => warnings.messages.length >= 2, 'no second warning');
      expect(warnings.messages).to.have.length(2);
      expect(warnings.messages[1]).to.contain('https://other.example.test');
    } finally {
      warnings.restore();
    }
  });

  it('names mixed content (an http: API from an https: page) and cross origins', () => {
    expect(connectionHint('http://api.example.test/token', 'https://app.example.test/')).to.contain('mixed content');
    expect(connectionHint('https://api.example.test/token', 'https://app.example.test/')).to.contain('CORS');
    // Loopback http: is not mixed content for the browser: only the other origin is worth saying.
    expect(connectionHint('http://127.0.0.1:8000/token', 'https://app.example.test/')).to.contain('CORS').and.not.to.contain('mixed');
    expect(connectionHint('https://app.example.test/api/token', 'https://app.example.test/login')).to.equal(null);
    expect(connectionHint('/api/token', 'https://app.example.test/login')).to.equal(null);
  });
});

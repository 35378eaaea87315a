// The demo's OpenID provider (server/demo-oidc.ts): where it listens, what happens when that port is
// taken, and the page policy that lets only /oidc.html reach it. Real provider, real sockets, loopback.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, describe, test } from 'node:test';
import { DEMO_OIDC_CLIENT_ID, demoOidcBanner, demoOidcPort, demoRedirectUris, startDemoOidc, type DemoOidc } from '../../server/demo-oidc.js';
import { HTML_CSP, htmlCsp } from '../../server/static.js';
import { startTestProvider } from '../oidc/provider.js';

const started: Array<{ close(): Promise<void> }> = [];
after(async () => {
  await Promise.all(started.map((s) => s.close()));
});

/** A socket holding a loopback port, so that nothing else can listen there. */
async function occupy(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  started.push({ close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
  return { port: (server.address() as { port: number }).port, server };
}

describe('demoOidcPort', () => {
  test('the port after the demo\'s by default; any free port when the demo\'s own was left to the system', () => {
    assert.deepEqual(demoOidcPort({}, 8787, 8787), { port: 8788, explicit: false });
    assert.deepEqual(demoOidcPort({ AUTH_DEMO_OIDC_PORT: '' }, 9000, 9000), { port: 9001, explicit: false });
    assert.deepEqual(demoOidcPort({}, 0, 41234), { port: 0, explicit: false }, 'PORT=0: 41235 is not ours to take');
    assert.deepEqual(demoOidcPort({}, 65535, 65535), { port: 0, explicit: false });
  });

  test('AUTH_DEMO_OIDC_PORT: a port, 0, or off; anything else is refused with the variable\'s name', () => {
    assert.deepEqual(demoOidcPort({ AUTH_DEMO_OIDC_PORT: '9100' }, 8787, 8787), { port: 9100, explicit: true });
    assert.deepEqual(demoOidcPort({ AUTH_DEMO_OIDC_PORT: '0' }, 8787, 8787), { port: 0, explicit: true });
    assert.equal(demoOidcPort({ AUTH_DEMO_OIDC_PORT: 'off' }, 8787, 8787), null);
    assert.equal(demoOidcPort({ AUTH_DEMO_OIDC_PORT: ' OFF ' }, 8787, 8787), null);
    for (const bad of ['65536', '-1', '80.5', 'abc', '0x50', '1e3', '123456']) {
      assert.throws(() => demoOidcPort({ AUTH_DEMO_OIDC_PORT: bad }, 8787, 8787), /AUTH_DEMO_OIDC_PORT must be a port/, bad);
    }
  });
});

describe('startDemoOidc', () => {
  test('starts on the asked port with the issuer on localhost, the demo page as redirect URI, and stops', async () => {
    const { port, server } = await occupy();
    await new Promise<void>((resolve) => server.close(() => resolve())); // free again, and known
    const oidc = (await startDemoOidc({ port, explicit: true }, 8787, () => {})) as DemoOidc;
    assert.equal(oidc.issuer, `http://localhost:${port}`);
    assert.equal(oidc.clientId, DEMO_OIDC_CLIENT_ID);
    const meta = (await (await fetch(`${oidc.issuer}/.well-known/openid-configuration`)).json()) as { issuer: string };
    assert.equal(meta.issuer, oidc.issuer);
    // The demo page is a registered redirect URI: the provider shows its login page, not an error.
    const auth = new URL(`${oidc.issuer}/auth`);
    auth.search = new URLSearchParams({
      client_id: oidc.clientId, redirect_uri: demoRedirectUris(8787)[0]!, response_type: 'code', scope: 'openid',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256', state: 's', nonce: 'n',
    }).toString();
    const res = await fetch(auth, { redirect: 'manual' });
    assert.equal(res.status, 303);
    assert.match(res.headers.get('location') ?? '', /^\/interaction\//);
    // Another page is not.
    auth.searchParams.set('redirect_uri', 'http://localhost:8787/evil.html');
    const refused = await fetch(auth, { redirect: 'manual' });
    assert.equal(refused.status, 400);
    await refused.text();
    await oidc.close();
    await assert.rejects(fetch(`${oidc.issuer}/.well-known/openid-configuration`), 'stopped');
  });

  test('the default port taken: another free port, with a note; an explicit one taken: an error', async () => {
    const { port } = await occupy();
    const notes: string[] = [];
    const oidc = (await startDemoOidc({ port, explicit: false }, 8787, (m) => notes.push(m))) as DemoOidc;
    started.push(oidc);
    assert.notEqual(new URL(oidc.issuer).port, String(port));
    assert.match(notes.join('\n'), new RegExp(`port ${port} is taken`));
    await assert.rejects(startDemoOidc({ port, explicit: true }, 8787, () => {}), /EADDRINUSE/);
  });

  test('the test provider\'s new `port` option rejects a taken port instead of crashing the process', async () => {
    const { port } = await occupy();
    await assert.rejects(startTestProvider({ redirectUris: ['http://127.0.0.1:9/cb'], port }), /EADDRINUSE/);
  });

  test('the banner prints the provider, the page and the demo user', () => {
    const lines = demoOidcBanner({ issuer: 'http://localhost:8788', clientId: 'c', username: 'alice', password: 'pw pw', close: async () => {} }, 'http://localhost:8787');
    assert.match(lines.join('\n'), /OIDC provider: http:\/\/localhost:8788 .*page: http:\/\/localhost:8787\/oidc\.html/);
    assert.match(lines.join('\n'), /alice +password: pw pw/);
  });
});

describe('htmlCsp', () => {
  test('without a policy it is the strict page policy: nothing beyond the origin, never framed', () => {
    assert.equal(htmlCsp(), HTML_CSP);
    assert.match(HTML_CSP, /connect-src 'self';/);
    assert.doesNotMatch(HTML_CSP, /frame-src/);
    assert.match(HTML_CSP, /frame-ancestors 'none'/);
  });

  test('a page with a provider may fetch from it and frame it, and be framed by its own origin only', () => {
    const csp = htmlCsp({ providerOrigins: ['http://localhost:8788'], framedBySelf: true });
    assert.match(csp, /connect-src 'self' http:\/\/localhost:8788;/);
    assert.match(csp, /frame-src 'self' http:\/\/localhost:8788;/);
    assert.match(csp, /frame-ancestors 'self';/);
    assert.match(csp, /script-src 'self';/, 'scripts stay same-origin');
    assert.doesNotMatch(csp, /\*|unsafe-eval/);
  });
});

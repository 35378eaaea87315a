// The OIDC backend's pure pieces: configuration (Streamlit spellings, refusals), the createBackend
// stand-in's synchronous fields, and the error mapping. The protocol itself is proven against a real
// provider in test/e2e/oidc.test.ts.
import { expect } from '@open-wc/testing';
import * as oauth from 'oauth4webapi';
import { createBackend } from '../../src/core/config.js';
import { AuthConfigError, AuthError } from '../../src/core/errors.js';
import { normalizeOidcOptions, OidcBackend, toOidcError } from '../../src/core/oidc.js';

const ISSUER = 'https://id.example.test';

function configError(options: Record<string, unknown>): AuthConfigError {
  try {
    new OidcBackend(options as never);
  } catch (err) {
    expect(err).to.be.instanceOf(AuthConfigError);
    return err as AuthConfigError;
  }
  throw new Error(`accepted: ${JSON.stringify(options)}`);
}

describe('OIDC configuration', () => {
  it('reads Streamlit [auth] spellings: snake_case keys and client_kwargs', () => {
    const o = normalizeOidcOptions({
      server_metadata_url: `${ISSUER}/.well-known/openid-configuration`,
      client_id: 'app',
      redirect_uri: 'https://app.test/cb',
      post_logout_redirect_uri: 'https://app.test/bye',
      client_kwargs: { scope: 'openid email', prompt: 'login', audience: 'api' },
    });
    expect(o.serverMetadataUrl).to.equal(`${ISSUER}/.well-known/openid-configuration`);
    expect(o.clientId).to.equal('app');
    expect(o.redirectUri).to.equal('https://app.test/cb');
    expect(o.postLogoutRedirectUri).to.equal('https://app.test/bye');
    expect(o.scope).to.equal('openid email');
    expect(o.authorizationParams).to.deep.equal({ prompt: 'login', audience: 'api' });
  });

  it('refuses a client or cookie secret, whatever the spelling', () => {
    for (const key of ['client_secret', 'clientSecret', 'cookie_secret']) {
      expect(configError({ issuer: ISSUER, clientId: 'app', [key]: 'x' }).message).to.match(/client secret/);
    }
  });

  it('refuses what would weaken the flow', () => {
    expect(configError({ issuer: ISSUER }).message).to.match(/clientId/);
    expect(configError({ clientId: 'app' }).message).to.match(/issuer/);
    expect(configError({ issuer: 'http://id.example.test', clientId: 'app' }).message).to.match(/https/);
    expect(configError({ issuer: ISSUER, clientId: 'app', scope: 'profile' }).message).to.match(/openid/);
    expect(configError({ issuer: ISSUER, clientId: 'app', redirectUri: 'https://elsewhere.test/cb' }).message).to.match(/origin/);
    for (const key of ['state', 'nonce', 'code_challenge', 'redirect_uri', 'response_type', 'client_id', 'scope']) {
      expect(configError({ issuer: ISSUER, clientId: 'app', authorizationParams: { [key]: 'x' } }).message).to.include(key);
    }
    expect(configError({ issuer: ISSUER, clientId: 'app', persist: 'cookie' }).message).to.match(/persist/);
    expect(configError({ issuer: ISSUER, clientId: 'app', display: 'tab' }).message).to.match(/display/);
  });

  it('allows http on loopback hosts only', () => {
    for (const issuer of ['http://localhost:8080', 'http://127.0.0.1:9000', 'http://[::1]:9000']) {
      expect(new OidcBackend({ issuer, clientId: 'app' }).providerName).to.equal(new URL(issuer).host);
    }
    expect(configError({ issuer: 'http://127.0.0.2:9000', clientId: 'app' }).message).to.match(/https/);
  });
});

describe('createBackend({ backend: "oidc" }) stand-in', () => {
  it('knows its kind at once, and its name, display and account page once its chunk has loaded', async () => {
    const loaded = async (b: Record<string, unknown>) => {
      for (let i = 0; i < 200 && b.providerName === undefined; i++) await new Promise((r) => setTimeout(r, 25));
    };
    const backend = createBackend({ backend: 'oidc', issuer: ISSUER, clientId: 'app' }) as unknown as Record<string, unknown>;
    expect(backend.kind).to.equal('oidc');
    // Nothing else is in the script-tag bundle: the chunk brings the rest (before any session is shown).
    expect(backend.providerName).to.equal(undefined);
    await loaded(backend);
    expect(backend.providerName).to.equal('id.example.test');
    expect(backend.display).to.equal('redirect'); // the test page is the top window
    expect(backend.accountUrl).to.equal(null);
    const named = createBackend({ backend: 'oidc', server_metadata_url: `${ISSUER}/.well-known/openid-configuration`, client_id: 'app', providerName: 'Example ID', display: 'popup' }) as unknown as Record<string, unknown>;
    await loaded(named);
    expect(named.providerName).to.equal('Example ID');
    expect(named.display).to.equal('popup');
  });

  it('calls straight through once loaded, and a bad option surfaces at restore', async () => {
    const backend = createBackend({ backend: 'oidc', issuer: ISSUER, clientId: 'app', scope: 'profile' });
    const restore = backend.restore;
    const error = await backend.restore({ signal: new AbortController().signal, now: () => Date.now() }).then(
      () => null,
      (err: unknown) => err,
    );
    expect(error).to.be.instanceOf(AuthError);
    expect((error as AuthError).code).to.equal('unsupported');
    expect((error as AuthError).description).to.match(/openid/);
    expect(backend.restore).to.equal(restore, 'a failed load keeps the stand-in');
  });
});

describe('discovery and the authorization request', () => {
  const ctx = () => ({ signal: new AbortController().signal, now: () => Date.now() });
  const metadata = (over: Record<string, unknown> = {}) => ({
    issuer: ISSUER,
    authorization_endpoint: `${ISSUER}/auth`,
    token_endpoint: `${ISSUER}/token`,
    jwks_uri: `${ISSUER}/jwks`,
    id_token_signing_alg_values_supported: ['ES256'],
    ...over,
  });
  function backendWith(doc: Record<string, unknown>) {
    const navigated: string[] = [];
    const fetch = (async () => new Response(JSON.stringify(doc), { headers: { 'content-type': 'application/json' } })) as typeof globalThis.fetch;
    const backend = new OidcBackend({ issuer: ISSUER, clientId: 'app', display: 'redirect', authorizationParams: { prompt: 'login' }, storageKey: 'oidc-unit', fetch, navigate: (url) => navigated.push(url) });
    return { backend, navigated };
  }
  afterEach(() => sessionStorage.removeItem('oidc-unit:oidc:pending'));

  it('builds the request: S256 challenge, a redirect state, a nonce, the scope and the extra parameters', async () => {
    const { backend, navigated } = backendWith(metadata());
    expect(await backend.login({}, ctx())).to.deep.equal({ kind: 'redirect' });
    const url = new URL(navigated[0]!);
    expect(url.origin + url.pathname).to.equal(`${ISSUER}/auth`);
    const p = url.searchParams;
    expect(p.get('response_type')).to.equal('code');
    expect(p.get('code_challenge_method')).to.equal('S256');
    expect(p.get('code_challenge')).to.match(/^[\w-]{43}$/);
    expect(p.get('state')).to.match(/^r\.[\w-]{32}$/);
    expect(p.get('nonce')).to.have.length.greaterThan(20);
    expect(p.get('scope')).to.equal('openid profile email');
    expect(p.get('prompt')).to.equal('login');
    expect(p.get('redirect_uri')).to.equal(location.origin + location.pathname);
    const pending = JSON.parse(sessionStorage.getItem('oidc-unit:oidc:pending')!);
    expect(pending.state).to.equal(p.get('state'));
    expect(JSON.stringify([...p.values()])).not.to.include(pending.verifier);
  });

  it('refuses a discovery document naming another issuer, even one only a slash apart', async () => {
    for (const issuer of [`${ISSUER}/`, 'https://evil.example.test']) {
      const { backend, navigated } = backendWith(metadata({ issuer }));
      const error = await backend.login({}, ctx()).then(() => null, (err: AuthError) => err);
      expect(error?.code).to.be.oneOf(['invalid_response', 'token_invalid']);
      expect(navigated).to.have.length(0);
    }
  });

  it('refuses plain-http endpoints from a https issuer', async () => {
    const { backend, navigated } = backendWith(metadata({ authorization_endpoint: 'http://id.example.test/auth' }));
    const error = await backend.login({}, ctx()).then(() => null, (err: AuthError) => err);
    expect(error?.code).to.equal('invalid_response');
    expect(navigated).to.have.length(0);
  });
});

describe('toOidcError', () => {
  it('keeps the provider\'s error and description as plain text', () => {
    const params = new URLSearchParams({ error: 'access_denied', error_description: '<b>no</b>', state: 's' });
    const err = toOidcError(new oauth.AuthorizationResponseError('denied', { cause: params }));
    expect(err.code).to.equal('provider_error');
    expect(err.error).to.equal('access_denied');
    expect(err.description).to.equal('<b>no</b>');
  });

  it('maps fetch failures, time-outs and cancellation to their own codes', () => {
    expect(toOidcError(new TypeError('Failed to fetch')).code).to.equal('network_error');
    expect(toOidcError(new DOMException('t', 'TimeoutError')).code).to.equal('timeout');
    expect(toOidcError(new DOMException('a', 'AbortError')).code).to.equal('aborted');
    const mismatch = new oauth.OperationProcessingError('unexpected "sub"', { code: oauth.JSON_ATTRIBUTE_COMPARISON });
    expect(toOidcError(mismatch).code).to.equal('token_invalid');
  });
});

// The OIDC backend's pure pieces: configuration (Streamlit spellings, refusals), the createBackend
// stand-in's synchronous fields, and the error mapping. The protocol itself is proven against a real
// provider in test/e2e/oidc.test.ts.
import { expect } from '@open-wc/testing';
import * as oauth from 'oauth4webapi';
import { createBackend } from '../../src/core/config.js';
import { AuthConfigError, AuthError } from '../../src/core/errors.js';
import { normalizeOidcOptions, OidcBackend, toOidcError } from '../../src/core/oidc.js';
import { MAX_ORGS, orgMapping, orgsFromClaims } from '../../src/core/org-claims.js';

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

describe('organizations from claims (orgClaims)', () => {
  const CLIENT = 'my.app'; // a client id with a dot: Keycloak's resource_access key, not a path
  const mapping = (orgClaims: unknown, more: Record<string, unknown> = {}) => orgMapping({ clientId: CLIENT, orgClaims: orgClaims as never, ...more })!;
  const read = (claims: Record<string, unknown>, orgClaims: unknown, more: Record<string, unknown> = {}) => orgsFromClaims(claims, mapping(orgClaims, more));
  const PROPELAUTH = {
    org_id_to_org_member_info: {
      'org-acme': { org_id: 'org-acme', org_name: 'Acme Corp', user_role: 'Owner', user_permissions: ['billing:write', 'reports:read'] },
      'org-globex': { org_id: 'org-globex', org_name: 'Globex', user_role: 'Member', user_permissions: ['reports:read'] },
    },
  };

  it('PropelAuth: every org of org_id_to_org_member_info with its role (lower-case) and permissions; none active', () => {
    const { orgs, org } = read(PROPELAUTH, 'propelauth');
    expect(orgs).to.deep.equal([
      { id: 'org-acme', name: 'Acme Corp', role: 'owner', permissions: ['billing:write', 'reports:read'] },
      { id: 'org-globex', name: 'Globex', role: 'member', permissions: ['reports:read'] },
    ]);
    expect(org).to.equal(null, 'two orgs and no claim naming one: the client picks');
  });

  it('Auth0: org_id and org_name are the active org; its role is the highest ordered one of the namespaced roles claim', () => {
    const claims = { org_id: 'org_acme', org_name: 'Acme Corp', 'https://app.example/roles': ['reader', 'member', 'admin'] };
    const { orgs, org } = read(claims, 'auth0', { orgRolesClaim: 'https://app.example/roles' });
    expect(orgs).to.deep.equal([{ id: 'org_acme', name: 'Acme Corp', role: 'admin' }]);
    expect(org).to.equal(orgs[0]);
    // Without org_name the id is the name; without a roles claim, no role.
    expect(read({ org_id: 'org_acme' }, 'auth0').orgs).to.deep.equal([{ id: 'org_acme', name: 'org_acme' }]);
    // Extended with a claim listing every org (an Action's): the roles claim is the active org's only.
    const listed = read({ ...claims, 'https://app.example/orgs': [{ id: 'org_acme', name: 'Acme Corp' }, { id: 'org_globex', name: 'Globex' }] },
      { preset: 'auth0', orgs: 'https://app.example/orgs' }, { orgRolesClaim: 'https://app.example/roles' });
    expect(listed.orgs).to.deep.equal([{ id: 'org_acme', name: 'Acme Corp', role: 'admin' }, { id: 'org_globex', name: 'Globex' }]);
    expect(listed.org?.id).to.equal('org_acme');
  });

  it('Keycloak: the organization claim as an array of aliases or an object; realm and this client\'s roles, the highest for every org', () => {
    const roles = { realm_access: { roles: ['offline_access', 'member'] }, resource_access: { [CLIENT]: { roles: ['admin'] }, other: { roles: ['owner'] } } };
    const array = read({ organization: ['acme', 'globex'], ...roles }, 'keycloak');
    expect(array.orgs).to.deep.equal([{ id: 'acme', name: 'acme', role: 'admin' }, { id: 'globex', name: 'globex', role: 'admin' }]);
    expect(array.org).to.equal(null);
    const object = read({ organization: { acme: { id: '42c3e46f-1', name: 'Acme Corp' } }, ...roles }, 'keycloak');
    expect(object.orgs).to.deep.equal([{ id: 'acme', name: 'Acme Corp', role: 'admin' }], 'the alias is the id: organization:<alias> selects it');
    expect(object.org?.id).to.equal('acme', 'a token naming one org (organization:<alias>) makes it the active one');
    expect(read({ organization: ['acme'], realm_access: { roles: ['offline_access'] } }, 'keycloak').orgs).to.deep.equal([{ id: 'acme', name: 'acme' }]);
    // The roles order is configurable: a custom order's highest wins.
    expect(orgsFromClaims({ organization: ['acme'], ...roles }, mapping('keycloak'), ['admin', 'member', 'owner']).orgs[0]?.role).to.equal('admin');
    expect(orgsFromClaims({ organization: ['acme'], ...roles }, mapping('keycloak'), 'member, admin owner').orgs[0]?.role).to.equal('member', 'the org-roles attribute\'s string');
    expect(orgsFromClaims({ organization: ['acme'], ...roles }, mapping('keycloak'), [7, ''] as never).orgs[0]?.role).to.equal('admin', 'nonsense: the default order');
  });

  it('ignores malformed claims without throwing: wrong types, missing names, inherited keys', () => {
    const bad: unknown[] = [null, 42, 'text', true, [], {}, { org_id_to_org_member_info: 'x' }, { org_id_to_org_member_info: [1, null] }];
    for (const claims of bad) expect(read(claims as never, 'propelauth').orgs, JSON.stringify(claims)).to.deep.equal([]);
    const { orgs } = read({
      org_id_to_org_member_info: {
        a: { org_name: 42, user_role: { evil: 1 }, user_permissions: ['ok', 7, null, 'fine'] },
        b: null,
        c: { org_name: '<img src=x onerror=alert(1)>', user_role: 'Admin', user_permissions: 'all' },
      },
    }, 'propelauth');
    expect(orgs).to.deep.equal([
      { id: 'a', name: 'a', permissions: ['ok', 'fine'] },
      { id: 'b', name: 'b' },
      { id: 'c', name: '<img src=x onerror=alert(1)>', role: 'admin' },
    ]);
    expect(read({ organization: [{ id: 5 }, '', 'acme', 'acme', { no: 'id' }] }, 'keycloak').orgs.map((o) => o.id)).to.deep.equal(['acme']);
    expect(read({ org_id: 7, org_name: 'x' }, 'auth0').orgs).to.deep.equal([]);
    expect(read({ organization: ['acme'], realm_access: 'admin', resource_access: { [CLIENT]: { roles: 'owner' } } }, 'keycloak').orgs).to.deep.equal([{ id: 'acme', name: 'acme' }]);
    // Keys are own properties only: nothing read from a prototype.
    expect(read(JSON.parse('{"__proto__": {"org_id": "evil"}}'), 'auth0').orgs).to.deep.equal([]);
    expect(read({ organization: ['acme'] }, { orgs: 'organization.constructor' }).orgs).to.deep.equal([]);
  });

  it(`keeps at most ${MAX_ORGS} orgs of a huge list`, () => {
    const many = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`org-${i}`, { org_name: `Org ${i}`, user_role: 'Member' }]));
    const { orgs } = read({ org_id_to_org_member_info: many }, 'propelauth');
    expect(orgs).to.have.length(MAX_ORGS);
    expect(orgs[0]?.id).to.equal('org-0');
  });

  it('a custom mapping (a claim\'s exact key, else a dotted path), alone or on top of a preset', () => {
    const teams = [{ key: 't1', title: 'Team 1', level: 'Admin', can: ['a:b'] }];
    const custom = { id: 'key', name: 'title', role: 'level', permissions: 'can' };
    const { orgs } = read({ 'https://x.example/teams': teams }, { orgs: 'https://x.example/teams', ...custom });
    expect(orgs).to.deep.equal([{ id: 't1', name: 'Team 1', role: 'admin', permissions: ['a:b'] }]);
    expect(read({ app: { teams } }, { orgs: 'app.teams', ...custom }).orgs).to.deep.equal(orgs);
    expect(mapping({ preset: 'keycloak', roles: 'groups' }).roles).to.deep.equal(['realm_access.roles', ['resource_access', CLIENT, 'roles'], 'groups']);
    expect(mapping('auth0', { orgRolesClaim: 'https://a/roles' })).to.include({ activeId: 'org_id', param: 'organization' });
  });

  it('refuses a malformed mapping with a clear AuthConfigError', () => {
    const refused = (orgClaims: unknown, more: Record<string, unknown> = {}) => {
      try {
        mapping(orgClaims, more);
      } catch (err) {
        expect(err).to.be.instanceOf(AuthConfigError);
        return (err as Error).message;
      }
      throw new Error(`accepted ${JSON.stringify(orgClaims)}`);
    };
    expect(refused('okta')).to.match(/propelauth, auth0, keycloak/);
    expect(refused({ preset: 'toString' })).to.match(/propelauth, auth0, keycloak/);
    expect(refused(['auth0'])).to.match(/propelauth, auth0, keycloak/);
    expect(refused({ org: 'organization' })).to.match(/unknown key `org`/);
    expect(refused({ orgs: 5 })).to.match(/`orgs` must be a non-empty string/);
    expect(refused({ orgs: '' })).to.match(/`orgs` must be a non-empty string/);
    expect(refused({ orgs: 'o', roles: ['a', 1] })).to.match(/`roles` must be a non-empty string or an array/);
    expect(refused({ name: 'title' })).to.match(/needs `orgs` or `activeId`/);
    expect(refused('auth0', { orgRolesClaim: ['x'] })).to.match(/orgRolesClaim/);
    expect(orgMapping({ clientId: CLIENT })).to.equal(null);
  });
});

describe('OIDC backend with orgClaims', () => {
  const ctx = () => ({ signal: new AbortController().signal, now: () => Date.now() });
  const doc = { issuer: ISSUER, authorization_endpoint: `${ISSUER}/auth`, token_endpoint: `${ISSUER}/token`, jwks_uri: `${ISSUER}/jwks` };
  function backendWith(options: Record<string, unknown>) {
    const navigated: string[] = [];
    const fetch = (async () => new Response(JSON.stringify(doc), { headers: { 'content-type': 'application/json' } })) as typeof globalThis.fetch;
    const backend = new OidcBackend({ issuer: ISSUER, clientId: 'app', display: 'redirect', storageKey: 'oidc-orgs', fetch, navigate: (url) => navigated.push(url), ...options });
    return { backend, navigated };
  }
  afterEach(() => sessionStorage.removeItem('oidc-orgs:oidc:pending'));

  it('has selectOrg only where the provider re-authorizes for an org (Auth0, Keycloak, a mapping with param or scope); listOrgs with any', () => {
    for (const orgClaims of ['auth0', 'keycloak', { preset: 'propelauth', param: 'org' }, { orgs: 'teams', scope: 'team' }]) {
      expect(backendWith({ orgClaims }).backend.selectOrg, JSON.stringify(orgClaims)).to.be.a('function');
    }
    for (const orgClaims of ['propelauth', { orgs: 'teams' }]) {
      const { backend } = backendWith({ orgClaims });
      expect(backend.selectOrg, JSON.stringify(orgClaims)).to.equal(undefined);
      expect('selectOrg' in backend).to.equal(false, 'absent, not undefined: the client checks for it');
      expect(backend.listOrgs).to.be.a('function');
    }
    expect(backendWith({}).backend.listOrgs).to.equal(undefined);
  });

  it('Auth0: selectOrg re-authorizes with organization=<id>', async () => {
    const { backend, navigated } = backendWith({ orgClaims: 'auth0' });
    expect(await backend.selectOrg!('org_globex', ctx())).to.deep.equal({ kind: 'redirect' });
    const p = new URL(navigated[0]!).searchParams;
    expect(p.get('organization')).to.equal('org_globex');
    expect(p.get('scope')).to.equal('openid profile email');
    await backend.login({}, ctx());
    expect(new URL(navigated[1]!).searchParams.has('organization')).to.equal(false, 'a plain login names no org');
  });

  it('Keycloak: selectOrg re-authorizes with organization:<alias> in place of organization / organization:*', async () => {
    const { backend, navigated } = backendWith({ orgClaims: 'keycloak', scope: 'openid profile organization:* organization' });
    await backend.selectOrg!('globex', ctx());
    expect(new URL(navigated[0]!).searchParams.get('scope')).to.equal('openid profile organization:globex');
  });

  it('refuses an org id that would smuggle scopes or parameters, before any request', async () => {
    const { backend, navigated } = backendWith({ orgClaims: 'keycloak' });
    for (const id of ['globex openid offline_access', '', 'a\tb']) {
      const error = await backend.selectOrg!(id, ctx()).then(() => null, (err: AuthError) => err);
      expect(error?.code, JSON.stringify(id)).to.equal('invalid_input');
    }
    expect(navigated).to.have.length(0);
  });

  it('the stand-in gets selectOrg only from a re-authorizing preset; a malformed orgClaims surfaces at restore', async () => {
    const loaded = async (b: Record<string, unknown>) => {
      for (let i = 0; i < 200 && b.providerName === undefined; i++) await new Promise((r) => setTimeout(r, 25));
    };
    const auth0 = createBackend({ backend: 'oidc', issuer: ISSUER, clientId: 'app', orgClaims: 'auth0' }) as unknown as Record<string, unknown>;
    const propel = createBackend({ backend: 'oidc', issuer: ISSUER, clientId: 'app', 'org-claims': 'propelauth' }) as unknown as Record<string, unknown>;
    await loaded(auth0);
    await loaded(propel);
    expect(auth0.selectOrg).to.be.a('function');
    expect(auth0.listOrgs).to.be.a('function');
    expect('selectOrg' in propel).to.equal(false);
    expect(propel.listOrgs).to.be.a('function');
    const bad = createBackend({ backend: 'oidc', issuer: ISSUER, clientId: 'app', orgClaims: { orgs: 'teams', rol: 'x' } });
    const error = await bad.restore(ctx()).then(() => null, (err: AuthError) => err);
    expect(error?.code).to.equal('unsupported');
    expect(error?.description).to.match(/unknown key `rol`/);
  });
});

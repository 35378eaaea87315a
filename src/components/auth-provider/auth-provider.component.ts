import { ContextProvider } from '@lit/context';
import { html, nothing, type PropertyDeclarations, type PropertyValues } from 'lit';
import {
  AuthClient,
  AuthConfigError,
  createBackend,
  displayName,
  type AuthState,
} from '../../core/index.js';
import { UNKNOWN_STATE } from '../../core/state.js';
import { AuthElement } from '../auth-element.js';
import { authClientContext } from '../context.js';
import { AuthErrorEvent } from '../events/auth-error.js';
import { AuthLoginEvent } from '../events/auth-login.js';
import { AuthLogoutEvent } from '../events/auth-logout.js';
import { AuthStateChangeEvent } from '../events/auth-state-change.js';
import { eventTarget } from '../events/origin.js';
import { languageOf, loadTranslation } from '../localize.js';
import styles from './auth-provider.styles.js';
import { warnOnce } from '../warn.js';

/**
 * Properties that are not copied as they are into the configuration: every other declared property is
 * a backend option (or the client's `name`) under its own name. `issuer` is copied: it is the OIDC
 * backend's own option (the JWT backend ignores it; its verifier gets it in `verify`), and so is
 * `oidcScope` (the `scope` attribute, read by the OIDC backend).
 */
const NOT_COPIED = ['backend', 'theme', 'jwksUrl', 'audience', 'algorithms', 'typ', 'configError'];

/** The OIDC attributes (`scope` aside: that name is taken), copied as they are (kebab-case keys). */
const OIDC_ATTRIBUTES = 'server-metadata-url client-id redirect-uri post-logout-redirect-uri display provider-name popup-timeout';

/**
 * The configuration's string attributes, in kebab-case; each is the property (and configuration key)
 * of the same name in camelCase. One list rather than a declaration each: this element is in the
 * script-tag bundle every page loads, and the list is smaller (the OIDC attributes fit because of it).
 */
const STRING_ATTRIBUTES =
  'backend base-url url method body-format token-key refresh-url refresh-key validate-url validate-token-in logout-url ' +
  'user-url subject-claim username-claim name-claim email-claim roles-claim persist jwks-url issuer audience algorithms ' +
  'typ server-metadata-url client-id redirect-uri post-logout-redirect-uri display provider-name popup-timeout name org-roles' +
  ' org-claims org-roles-claim';

/** The values of `theme`; anything else follows the page, with a console warning. */
const THEMES: readonly string[] = ['light', 'dark', 'auto'];

/** Client options that are not backend options. */
interface ClientConfig {
  name?: string;
  refreshLeeway?: number;
  /** The organization roles, highest first: an array, or a string separated by spaces or commas. */
  orgRoles?: string | string[];
}

/**
 * Creates (or receives) the one AuthClient of a page section and provides it to every auth element
 * inside it, through @lit/context.
 *
 * Three ways to configure it, simplest first:
 * 1. Attributes (the JWT API backend): `<auth-provider url="/api/token" refresh-url="/api/refresh" refresh-cookie>`,
 *    or, for the reference server, just its base path: `<auth-provider base-url="/api/auth">` (login,
 *    refresh, logout and the account URLs are derived from it, and the refresh cookie is on).
 * 2. A child `<script type="application/json">` holding the whole configuration object
 *    (`BackendConfig` plus optional `name` and `refreshLeeway`); its keys win over attributes.
 * 3. The `client` property: an `AuthClient` you built (custom fetch, response handler, user mapper).
 *    The provider then creates nothing and never disposes that client.
 *
 * The configuration is read once, when the provider connects. A bad configuration never throws:
 * it shows a message in `part="error"`, dispatches `auth-error` (operation `configure`) and warns
 * in the console.
 *
 * @summary Provides the shared AuthClient to the auth elements inside it.
 *
 * @slot - The page content that uses the client (auth-login, auth-status, auth-guard, …).
 *
 * @fires {AuthStateChangeEvent} auth-state-change - On every change of the state; `detail.state`.
 * @fires {AuthLoginEvent} auth-login - When the status becomes `authenticated` (a login, a restored session, another tab);
 *   `detail.user`. A login made with `<auth-login>` dispatches it from that element (it bubbles here).
 * @fires {AuthLogoutEvent} auth-logout - When the status goes from `authenticated` to `anonymous` (a logout, an
 *   ended session, another tab). A logout made with `<auth-logout>` dispatches it from that element.
 * @fires {AuthErrorEvent} auth-error - Configuration errors (`configure`) and session-level errors
 *   such as `session_expired` (`session`); `detail` is `{code, message, operation}`.
 *
 * @csspart error - The configuration error message (role=alert).
 * @csspart announcement - The polite live region (role=status, visually hidden) that says "Logged in
 *   as …" / "Logged out" when the user logs in or out; one per provider, whatever elements are inside.
 *
 * @cssproperty --auth-color-danger - Colour of the configuration error.
 * @cssproperty --auth-font
 * @cssproperty --auth-color-surface
 * @cssproperty --auth-radius
 * @cssproperty --auth-spacing
 * @cssproperty --auth-color-scheme - Set on the host by `theme` (`light`, `dark`, `light dark`); the
 *   elements inside take it as their `color-scheme`.
 *
 * @cssstate unknown - No client yet, or the session is being restored.
 * @cssstate anonymous - Nobody is signed in.
 * @cssstate pending - A login is in progress.
 * @cssstate authenticated - A user is signed in.
 * @cssstate error - The session could not be checked (e.g. the server is unreachable).
 *
 * @attr theme - Colour scheme of the auth elements inside: `light`, `dark`, or `auto` (the OS's
 *   preference). Unset (default): the page's own `color-scheme` (a page that declares none is light).
 *   The page's own content inside the provider is never recoloured.
 * @attr backend - Backend kind: `jwt` (default, a JSON Web Token API) or `oidc` (an OpenID Connect
 *   provider through the authorization code flow with PKCE; its code loads on demand).
 * @attr base-url - The reference server's base path (e.g. `/api/auth`): every URL not given is derived
 *   from it (`/login`, `/refresh`, `/logout`, `/register`, `/password`, `/password/forgot`,
 *   `/password/reset`, `/username/forgot`, `/details`) and `refresh-cookie` defaults to on.
 * @attr url - Token (login) URL of the JWT API. Required unless `base-url` is set.
 * @attr method - HTTP method of the login request. Default `POST`.
 * @attr body-format - `json` (default) or `form`.
 * @attr token-key - Response key (dotted path allowed) holding the access token. Default `access`.
 * @attr refresh-url - URL that renews the access token.
 * @attr refresh-key - Key (dotted path allowed) of the refresh token. Default `refresh`.
 * @attr refresh-cookie - The server keeps the refresh token in an HttpOnly cookie.
 * @attr refresh-in-memory - Never store a refresh token from the body: a reload then keeps the access
 *   token only, until its expiry. By default it is stored with the session (see `persist`).
 * @attr validate-url - URL that answers 2xx for a valid token (checked on restore).
 * @attr validate-token-in - `body` (default) or `header`.
 * @attr logout-url - URL told about the logout (SimpleJWT: the blacklist view, sent `{"refresh": …}`).
 * @attr user-url - GET with the Bearer token after login and on restore; its JSON names the user
 *   (e.g. a Django REST framework `/api/me/` view).
 * @attr subject-claim - Claim (dotted path) naming the user's id; also the claim `verify` requires.
 *   Default `sub`; SimpleJWT: `user_id`.
 * @attr username-claim - Claim or user-JSON key (dotted path) of the username.
 * @attr name-claim - Claim or user-JSON key (dotted path) of the display name.
 * @attr email-claim - Claim or user-JSON key (dotted path) of the email.
 * @attr roles-claim - Claim or user-JSON key (dotted path) of the roles array.
 * @attr cookie-lifetime - Seconds a persisted session may be restored after login. Default 900.
 * @attr persist - `auto` (default), `none`, `session` or `local`. OIDC: `none` (default: tokens in
 *   memory, a reload signs in again silently) or `session`/`local` (the refresh token is stored).
 * @attr jwks-url - Verify token signatures against this JWKS (needs `issuer` and `audience`).
 * @attr issuer - Expected `iss` when verifying. Under `backend="oidc"`: the OpenID provider's issuer
 *   (discovery at `<issuer>/.well-known/openid-configuration`; it must name itself exactly so).
 * @attr server-metadata-url - OIDC: the discovery document's URL (Streamlit's `server_metadata_url`),
 *   instead of `issuer`.
 * @attr client-id - OIDC: the public client's id (no client secret ever: PKCE).
 * @attr redirect-uri - OIDC: where the provider sends the browser back. Default: this page's origin
 *   and path. Must be on this page's origin.
 * @attr scope - OIDC: the scopes asked for. Default `openid profile email`.
 * @attr post-logout-redirect-uri - OIDC: where the provider's end-session page sends the browser
 *   back after logout. Default: none.
 * @attr display - OIDC: `auto` (default: a popup when the page is inside an iframe, else a full-page
 *   redirect), `redirect` or `popup`.
 * @attr provider-name - OIDC: the provider's name on the "Continue with …" button. Default: the
 *   issuer's host.
 * @attr popup-timeout - OIDC: seconds a popup waits for the user before giving up. Default 300.
 * @attr org-claims - OIDC: where the user's organizations are in the claims: `propelauth`, `auth0` or
 *   `keycloak` (a custom mapping goes in the JSON child's `orgClaims`). Auth0 and Keycloak re-authorize to
 *   select another organization; with PropelAuth the client selects among them.
 * @attr org-roles-claim - OIDC: the claim holding the user's roles in the token's organization (Auth0:
 *   the namespaced claim an Action sets, e.g. `https://example.com/roles`).
 * @attr audience - Expected `aud` when verifying.
 * @attr algorithms - Comma-separated allowed algorithms when verifying (never HS* or none).
 * @attr typ - Required `typ` header when verifying. Default `at+jwt`; `any` accepts any (SimpleJWT).
 * @attr name - Separates several clients on one origin (cross-tab channel and lock names).
 * @attr org-roles - Organization roles, highest first, separated by spaces or commas: a higher role
 *   includes the lower ones (`hasRole`, `<auth-guard min-role>`). Default `owner admin member`.
 */
export class AuthProvider extends AuthElement {
  static override styles = styles;

  static override properties: PropertyDeclarations = {
    theme: { reflect: true },
    ...Object.fromEntries(
      STRING_ATTRIBUTES.split(' ').map((attribute) => [attribute.replace(/-./g, (m) => m[1]!.toUpperCase()), { attribute }]),
    ),
    refreshCookie: { attribute: 'refresh-cookie', type: Boolean },
    refreshInMemory: { attribute: 'refresh-in-memory', type: Boolean },
    cookieLifetime: { attribute: 'cookie-lifetime', type: Number },
    // The OIDC `scope` attribute: the `scope` property is the elements' translation scope.
    oidcScope: { attribute: 'scope' },
    configError: { state: true },
  };

  /** `light`, `dark` or `auto`; unset follows the page's `color-scheme`. Reflected to `theme`. */
  declare theme: 'light' | 'dark' | 'auto' | undefined;
  declare backend: string;
  declare baseUrl: string | undefined;
  declare url: string | undefined;
  declare method: string | undefined;
  declare bodyFormat: string | undefined;
  declare tokenKey: string | undefined;
  declare refreshUrl: string | undefined;
  declare refreshKey: string | undefined;
  declare refreshCookie: boolean;
  declare refreshInMemory: boolean;
  declare validateUrl: string | undefined;
  declare validateTokenIn: string | undefined;
  declare logoutUrl: string | undefined;
  declare userUrl: string | undefined;
  declare subjectClaim: string | undefined;
  declare usernameClaim: string | undefined;
  declare nameClaim: string | undefined;
  declare emailClaim: string | undefined;
  declare rolesClaim: string | undefined;
  declare cookieLifetime: number | undefined;
  declare persist: string | undefined;
  declare jwksUrl: string | undefined;
  declare issuer: string | undefined;
  declare audience: string | undefined;
  declare algorithms: string | undefined;
  declare typ: string | undefined;
  /** The `scope` attribute (OIDC): `scope` itself is the elements' translation scope. */
  declare oidcScope: string | undefined;
  declare orgClaims: string | undefined;
  declare orgRolesClaim: string | undefined;
  declare name: string | undefined;
  declare orgRoles: string | undefined;
  /** The configuration error being shown, if any. */
  declare protected configError: Error | null;

  readonly #provider = new ContextProvider(this, { context: authClientContext });
  #client: AuthClient | undefined = undefined;
  /** True when this provider created the client (and so disposes it). */
  #owned = false;
  #unsubscribe: (() => void) | null = null;
  #last: AuthState = UNKNOWN_STATE;
  #buildScheduled = false;
  /** What the live region says: the last login or logout (rendered by #onState's requestUpdate). */
  #said = '';
  /**
   * Announce only a login or logout done with an element under this provider (not one learnt from
   * elsewhere): for pages where several providers share one session, e.g. one per Streamlit widget
   * frame, so that it is said once.
   */
  announceOwnOnly = false;

  constructor() {
    super();
    this.backend = 'jwt';
    this.refreshCookie = false;
    this.refreshInMemory = false;
    this.configError = null;
    // A client set on the element before its definition loaded is an own property: take it over.
    if (Object.prototype.hasOwnProperty.call(this, 'client')) {
      const value = (this as { client?: AuthClient }).client;
      delete (this as { client?: AuthClient }).client;
      this.client = value;
    }
  }

  /**
   * The shared AuthClient. Set it to use your own client (the provider then builds none); read it to
   * call `getAccessToken()`, `getResponse()` and the other client methods. Undefined until built.
   */
  get client(): AuthClient | undefined {
    return this.#client;
  }

  set client(value: AuthClient | undefined | null) {
    const next = value ?? undefined;
    if (next === this.#client) return;
    this.configError = null;
    this.#use(next, false);
  }

  /** The current state (a new object on every change). */
  get state(): AuthState {
    return this.#client?.state ?? UNKNOWN_STATE;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.#client) this.#attach();
    else this.#scheduleBuild();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    // A move (remove then insert) reconnects at once; only a provider that stays out is torn down.
    queueMicrotask(() => {
      if (!this.isConnected && this.#owned && this.#client) this.#use(undefined, false);
    });
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    this.setStatusState(this.state.status);
    if (changed.has('theme') && this.theme != null && !THEMES.includes(this.theme)) {
      warnOnce('theme', `<auth-provider theme="${this.theme}"> is not light, dark or auto: the elements follow the page's color-scheme.`);
    }
  }

  protected override render() {
    return html`${this.configError
      ? html`<div part="error" role="alert">${this.localize.term('error.config')}</div>`
      : nothing}<div part="announcement" class="visually-hidden" role="status" tabindex="-1">${this.#said}</div><slot></slot>`;
  }

  /**
   * Build after the current task: the parser may not have added the JSON script yet, and code that
   * appends the element may set `client` right after.
   */
  #scheduleBuild(): void {
    if (this.#buildScheduled) return;
    this.#buildScheduled = true;
    const run = () => {
      this.#buildScheduled = false;
      if (this.isConnected && !this.#client && !this.configError) this.#build();
    };
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', run, { once: true });
    else queueMicrotask(run);
  }

  #build(): void {
    let client: AuthClient;
    try {
      const { name, refreshLeeway, orgRoles, ...backendConfig } = this.#readConfig();
      const options: ConstructorParameters<typeof AuthClient>[0] = { backend: createBackend({ ...backendConfig, orgRoles }) }; // OIDC's claim mapping needs the order too
      if (name !== undefined) options.name = name;
      if (refreshLeeway !== undefined) options.refreshLeeway = refreshLeeway;
      if (orgRoles) options.orgRoles = typeof orgRoles == 'string' ? orgRoles.split(/[\s,]+/).filter(Boolean) : orgRoles;
      client = new AuthClient(options);
    } catch (err) {
      const error = err instanceof Error ? err : new AuthConfigError('invalid_option', String(err));
      this.configError = error;
      console.warn(`[auth-elements] auth-provider: ${error.message}`);
      this.dispatchEvent(new AuthErrorEvent(error, 'configure'));
      return;
    }
    this.#use(client, true);
  }

  /** Attributes, then the JSON script's keys on top. */
  #readConfig(): Record<string, unknown> & ClientConfig {
    const config: Record<string, unknown> = { backend: this.backend || 'jwt' };
    // Unset attributes (and false booleans) stay out, so base-url's derived defaults apply.
    for (const key of Object.keys(AuthProvider.properties)) {
      const value = NOT_COPIED.includes(key) ? undefined : (this as unknown as Record<string, unknown>)[key];
      if (value !== undefined && value !== null && value !== '' && value !== false) config[key] = value;
    }
    const { jwksUrl, issuer, audience, algorithms, typ } = this;
    // Under backend="oidc", `issuer` is the OpenID provider's (copied above), not a verifier's.
    if (config.backend != 'oidc' && (jwksUrl || issuer || audience || algorithms || typ)) {
      config.verify = {
        jwksUrl,
        issuer,
        audience,
        ...(typ ? { typ: typ !== 'any' && typ } : {}),
        ...(algorithms ? { algorithms: algorithms.split(',').map((alg) => alg.trim()).filter(Boolean) } : {}),
      };
    }
    const script = this.querySelector(':scope > script[type="application/json"]');
    if (script) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(script.textContent ?? '');
      } catch {
        throw new AuthConfigError('invalid_option', 'The <script type="application/json"> configuration is not valid JSON.');
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new AuthConfigError('invalid_option', 'The <script type="application/json"> configuration must be a JSON object.');
      }
      Object.assign(config, parsed);
    }
    if (config.name !== undefined && typeof config.name !== 'string') {
      throw new AuthConfigError('invalid_option', '`name` must be a string.');
    }
    if (config.refreshLeeway !== undefined && typeof config.refreshLeeway !== 'number') {
      throw new AuthConfigError('invalid_option', '`refreshLeeway` must be a number of seconds.');
    }
    return config as Record<string, unknown> & ClientConfig;
  }

  #use(client: AuthClient | undefined, owned: boolean): void {
    const previous = this.#client;
    const previousOwned = this.#owned;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#client = client;
    this.#owned = owned;
    this.#last = client?.state ?? UNKNOWN_STATE;
    this.#provider.setValue(client);
    if (previous && previousOwned && previous !== client) previous.dispose();
    if (client && this.isConnected) this.#attach();
    if (!client && this.isConnected) this.#scheduleBuild();
    this.requestUpdate();
  }

  #attach(): void {
    const client = this.#client;
    if (!client || this.#unsubscribe) return;
    this.#unsubscribe = client.subscribe((state) => this.#onState(state, client));
    this.#last = client.state;
    this.requestUpdate();
    // The page's language loads alongside the session restore (never awaited; never rejects), so
    // forms, which show text only once the state is known, have it at their first text whenever the
    // restore takes longer than the load (e.g. a refresh request). start() does not wait for it.
    void loadTranslation(languageOf(this));
    client.start().catch((err: unknown) => {
      // start() reports through the state; anything else is a bug we still must not throw at the page.
      this.dispatchEvent(new AuthErrorEvent(err, 'session'));
    });
  }

  #onState(state: AuthState, client: AuthClient): void {
    const previous = this.#last;
    this.#last = state;
    this.requestUpdate();
    this.dispatchEvent(new AuthStateChangeEvent(state));
    // From the element the user acted on (`<auth-login>`, `<auth-logout>`) when there is one, so it is
    // heard there too; it bubbles through this provider either way.
    const target = eventTarget(client, this);
    const say = !this.announceOwnOnly || target !== this;
    if (state.status === 'authenticated' && previous.status !== 'authenticated' && state.user) {
      // A session restored when the page loads is no change to announce.
      if (previous.status !== 'unknown' && say) this.#said = this.localize.term('signedInAs', { name: displayName(state.user) });
      target.dispatchEvent(new AuthLoginEvent(state.user));
    } else if (state.status === 'anonymous' && previous.status === 'authenticated') {
      if (say) this.#said = this.localize.term('signedOut');
      target.dispatchEvent(new AuthLogoutEvent());
    }
    // Session-level errors (restore failed, session expired). `logout_incomplete` is the logout
    // operation's own error: whoever called logout() (e.g. <auth-logout>) reports it.
    if (state.error && state.error !== previous.error && state.error.code !== 'logout_incomplete') {
      this.dispatchAuthError(state.error, 'session');
    }
  }
}

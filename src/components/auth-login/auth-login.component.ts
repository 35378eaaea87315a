import type { PropertyDeclarations } from 'lit';
import type { AuthClient, AuthStateStatus } from '../../core/index.js';
import { AuthForm, type FieldSpec, type FooterLink, type FormError, type FormValue } from '../auth-form/auth-form.js';
import type { LocalizeController } from '../localize.js';
import styles from './auth-login.styles.js';

const CREDENTIALS = ['invalid_credentials'];

/** The OIDC backend as the login sees it (issue 9's contract: `client.backend`). */
export type OidcBackend = { kind: 'oidc'; providerName?: string };

/**
 * What the provider button reads of its login (protected members, given to that one on-demand
 * module, so that the script-tag bundle carries only the hand-over).
 */
export interface LoginView {
  readonly renderRoot: ShadowRoot;
  readonly providerName: string | undefined;
  readonly auth: { readonly client: { readonly backend: OidcBackend } };
  readonly localize: LocalizeController;
  isBusy(): boolean;
  /** Submit the (empty) form: `send` then calls `client.login()` synchronously, in the click's task. */
  submit(): void;
}

/** The provider button (provider-button.ts), once an OIDC login has loaded it; shared by every login. */
let buttonModule: typeof import('./provider-button.js') | undefined;

/**
 * The username and password login form; under an OIDC backend, a "Continue with <provider>" button.
 *
 * **Why the form is in the light DOM.** Browsers' autofill and password-manager extensions do not
 * reliably see inputs inside shadow roots. So the `<form>` with its labels, inputs and submit button
 * is created by the element as a light-DOM child (`<form slot="form" part="form">`, rendered with
 * lit's `render()`), and slotted into the shadow root, which only holds the chrome: `base`, `header`,
 * `error`, `success`. The form's default styles come from one constructable stylesheet adopted once
 * into the element's root (document or enclosing shadow root), inside `@layer auth-elements` and
 * scoped under the form elements' tags (`auth-login`, `auth-register`, …), so any page rule
 * overrides them. Style the light-DOM pieces with ordinary selectors (`auth-login input`,
 * `auth-login [part~="submit-button"]`) or the custom properties below; style the shadow parts with
 * `::part()`. Do not put your own children in the element except in the `footer` slot; the element
 * owns its form. (All form elements share this design, through the `AuthForm` base class.)
 *
 * Values are read from the form (FormData) at submit time. After a login the password stays in the
 * (hidden) form for one task, so that password managers can read it to offer saving, then is emptied.
 * While the session is being restored (status `unknown`, e.g. right after a reload) the form is not
 * shown, so it never flashes; it is laid out invisibly, so nothing moves when it appears. When a user
 * is signed in the element shows nothing.
 *
 * Its strings follow the global `lang` attribute: its own, else the closest ancestor's, else the
 * document's.
 *
 * CSS properties: its own `--auth-<element>-*`, else `--auth-form-*` (every form element), else the kit
 * tokens; custom-elements.json lists them all.
 *
 * **Under an OIDC backend** (`<auth-provider backend="oidc">`, `client.backend.kind === 'oidc'`) the
 * element shows one "Continue with <provider>" button instead of the form: the name is `provider-name`,
 * else the backend's `providerName`; the page may slot a logo (`<img slot="logo" alt="">` or an inline
 * `<svg slot="logo" aria-hidden="true">`), shown in the button before the text. Its click calls
 * `client.login()` in the click's task, so a popup the backend opens there is not blocked. The
 * heading, the error (a provider's `error_description` after the message, as text), the busy state
 * (disabled, spinner) and the footer links work as for the form. The button is in the shadow root (a
 * slot only projects into a shadow tree, and no password manager needs it): style it with
 * `::part(provider-button)`. Its template and styles load on demand, the first time a login meets an
 * OIDC backend.
 *
 * @summary Login form (username and password) that password managers can fill, or a "Continue with <provider>" button (OIDC).
 *
 * @slot footer - Content under the form, e.g. links to register or reset a password.
 * @slot logo - OIDC: the provider's logo inside the button, before the text (an `<img alt="">` or an
 *   `<svg aria-hidden="true">`: the button's name is its text). Shown at 1.25em, centred on the text.
 * @slot form - Internal: the light-DOM form the element creates. Do not use.
 *
 * @fires {AuthLoginEvent} auth-login - Signed in with this form; `detail` is `{user}`. Dispatched from this element
 *   by the provider (it bubbles through the provider as for any login).
 * @fires {AuthErrorEvent} auth-error - A login failed; `detail` is `{code, message, operation: 'login'}`.
 *
 * @csspart base - The card around everything.
 * @csspart header - The title ("Login"), an `<h2>` (see `heading-level`).
 * @csspart error - The error message of no particular field (role=alert); hidden when empty.
 * @csspart success - A status message (role=status); always empty on this element.
 * @csspart placeholder - Shown while the session is being restored: the form laid out but invisible, so it keeps its size.
 * @csspart form - (light DOM, select with `auth-login [part~="form"]`) the `<form>`.
 * @csspart label - (light DOM) each `<label>`.
 * @csspart input - (light DOM) each `<input>`.
 * @csspart username-input - (light DOM) the username input.
 * @csspart password-input - (light DOM) the password input.
 * @csspart field-error - (light DOM) the message of an error that concerns a field (role=alert), after that
 * field and named by its `aria-describedby` and `aria-errormessage`; other errors show in `error`.
 * @csspart password-field - (light DOM) the box around each password input and its toggle.
 * @csspart password-toggle - (light DOM) the show-password button of each password input
 *   (`type="button"`, named "Show password", `aria-pressed`, `aria-controls` the input; back to dots before every submit).
 * @csspart spinner - (light DOM) the spinner inside the submit button while a request is pending
 *   (still under `prefers-reduced-motion: reduce`); under OIDC, in the shadow root, inside the provider
 *   button in place of the logo.
 * @csspart provider - OIDC: the box around the button, in place of the form.
 * @csspart provider-button - OIDC: the "Continue with <provider>" button (`type="button"`; disabled while pending).
 * @csspart logo - OIDC: the box of the `logo` slot inside the button (empty without a logo).
 * @csspart provider-label - OIDC: the button's text.
 * @csspart submit-button - (light DOM) the submit button.
 * @csspart footer - The links under the form ("Forgot password?", "Create an account"), shown when
 *   `forgot-href` or `register-href` is set.
 * @csspart link - Each of those links.
 *
 * @cssstate unknown - The session is being restored (no form shown).
 * @cssstate anonymous - Nobody is signed in (form shown).
 * @cssstate pending - A login is in progress.
 * @cssstate authenticated - A user is signed in (element hidden).
 * @cssstate error - The session could not be checked (form shown with the reason).
 *
 * @attr forgot-href - Address of the page with `<auth-forgot>`: a "Forgot password?" link under the form. None by default.
 * @attr register-href - Address of the page with `<auth-register>`: a "Create an account" link under the form. None by default.
 * @attr location - `main` (default) or `sidebar` (forces the compact layout). Reflected.
 * @attr heading-level - Level of the title's heading, 1 to 6. Default 2 (anything else: 2, with a warning).
 * @attr hide-heading - Hide the title visually; screen readers still read it as the form's heading.
 * @attr provider-name - OIDC: the name on the button ("Continue with <provider-name>"). Default: the
 *   backend's `providerName` (its configuration's, else the issuer's host).
 * @attr fields - JSON object overriding strings, e.g. `{"Form name":"Sign in","Login":"Go"}`, or
 *   `{"continueWith":"Sign in with {provider}"}` under OIDC.
 */
export class AuthLogin extends AuthForm {
  static override styles = styles;

  static override properties: PropertyDeclarations = {
    forgotHref: { attribute: 'forgot-href' },
    registerHref: { attribute: 'register-href' },
    providerName: { attribute: 'provider-name' },
  };

  /** The "Forgot password?" link's address (`forgot-href`); none: no link. */
  declare forgotHref: string | undefined;
  /** The "Create an account" link's address (`register-href`); none: no link. */
  declare registerHref: string | undefined;

  /** The name on the OIDC button (`provider-name`); none: the backend's `providerName`. */
  declare providerName: string | undefined;

  protected readonly operation = 'login';

  /** Whether the client's backend is an OIDC one: a button, not a password form. */
  get #oidc(): boolean {
    return this.auth.client?.backend.kind === 'oidc';
  }

  /** Under OIDC the button, once its chunk is there (until then the invisible placeholder). */
  protected override visible(status: AuthStateStatus): boolean {
    if (this.#oidc && !buttonModule) {
      void import('./provider-button.js').then((m) => ((buttonModule = m), this.requestUpdate()), () => undefined);
      return false;
    }
    return super.visible(status);
  }

  /** Under OIDC the "Continue with <provider>" button (provider-button.ts), in place of the form. */
  protected override formReplacement(): unknown {
    return this.#oidc && buttonModule?.providerButton(this as unknown as LoginView);
  }

  /** The identity provider's own words after `provider_error` (its `error_description`), as text. */
  protected override detail(error: FormError): string | undefined {
    return error.code === 'provider_error' ? error.description : super.detail(error);
  }

  protected override links(): FooterLink[] {
    return [
      [this.forgotHref, 'forgotPasswordLink'],
      [this.registerHref, 'registerLink'],
    ];
  }

  protected inputs(): FieldSpec[] {
    return this.#oidc ? [] : [
      { name: 'username', label: 'username', autocomplete: 'username', verbatim: true, errors: CREDENTIALS },
      { name: 'password', label: 'password', autocomplete: 'current-password', type: 'password', errors: CREDENTIALS },
    ];
  }

  protected send(client: AuthClient, value: FormValue, signal: AbortSignal): Promise<unknown> {
    return client.login(this.#oidc ? {} : { username: value('username'), password: value('password') }, { signal });
  }

  /** A login in progress (from any element) keeps the form busy. */
  protected override isBusy(): boolean {
    return this.busy || this.auth.state.status === 'pending';
  }

  /** The login's own error, else a session-level one (session expired, server unreachable). */
  protected override currentError(): FormError | null {
    const state = this.auth.state;
    if (this.operationError) return this.operationError;
    return (state.status === 'anonymous' || state.status === 'error') && state.error ? state.error : null;
  }
}

import { html, nothing, type PropertyDeclarations, type PropertyValues } from 'lit';
import { AuthError, type AuthClient, type AuthStateStatus } from '../../core/index.js';
import { AuthForm, type FieldSpec, type FormError, type FormValue } from '../auth-form/auth-form.js';
import { currentPassword, fillUsername, newPassword, username, reasonText, takeUrlParam } from '../auth-form/fields.js';
import { AuthPasswordChangedEvent } from '../events/auth-password-changed.js';
import { AuthPasswordResetEvent } from '../events/auth-password-reset.js';
import { StrengthMeter } from '../auth-form/strength.js';
import styles from './auth-reset-password.styles.js';

/** The query parameter of the link in the reset mail. */
const PARAM = 'reset_token';
/** The account's username next to the token in a link (optional), for password managers. */
const USER_PARAM = 'username';

/**
 * Sets a new password, in one of two modes:
 *
 * - **Change** (a user is signed in): current password, new password and its repetition; calls
 *   `changePassword` (the old Streamlit-Authenticator `reset_password` widget). Title "Change password".
 * - **Reset** (nobody signed in, or a reset token is at hand): new password and its repetition, plus a
 *   "Reset code" field when no token is known; calls `resetPassword`. Title "Reset password".
 *
 * The token comes from the `token` property/attribute, else from the page address: a
 * `?reset_token=…` parameter (the link in the forgot-password mail) is read when the element
 * connects and removed from the address bar at once with `history.replaceState`, so it neither stays
 * in the history nor leaks through `Referer`. A token wins over the signed-in mode: who follows a
 * reset link wants to reset. A token the server refuses (`reset_token_invalid`) is dropped, so the
 * "Reset code" field appears for a fresh code; a token that worked is dropped too (single use).
 *
 * The form is a light-DOM child, like `<auth-login>`'s (see there why). Values are read at submit
 * time. Two different new passwords are refused before anything is sent. The new password gets a
 * hint that follows the policy's minimum length (`password-min-length`) and a live strength
 * indicator; the server stays the authority and its reason is shown when it refuses one. A password
 * change or reset ends the user's other sessions on the server.
 *
 * Its strings follow the global `lang` attribute: its own, else the closest ancestor's, else the
 * document's.
 *
 * CSS properties: its own `--auth-<element>-*`, else `--auth-form-*` (every form element), else the kit
 * tokens; custom-elements.json lists them all.
 *
 * @summary Change password (signed in) or reset it with a code or link (signed out).
 *
 * @slot footer - Content under the form, e.g. a link to the login.
 * @slot form - Internal: the light-DOM form the element creates. Do not use.
 *
 * @fires {AuthPasswordChangedEvent} auth-password-changed - The password was changed (signed in); `detail` is `{user}`.
 * @fires {AuthPasswordResetEvent} auth-password-reset - The password was reset with a token or code; `detail` is `{}`.
 * @fires {AuthErrorEvent} auth-error - The change or reset failed; `detail` is
 *   `{code, message, operation: 'change-password' | 'reset-password'}` (codes include
 *   `invalid_credentials` for a wrong current password, `reset_token_invalid`, `weak_password`,
 *   `session_expired`, and `password_mismatch` found before sending).
 *
 * @csspart base - The card around everything.
 * @csspart header - The title ("Change password" or "Reset password"), an `<h2>` (see `heading-level`).
 * @csspart error - The error message of no particular field (role=alert); hidden when empty.
 * @csspart success - The success message (role=status); empty until the password was changed.
 * @csspart placeholder - Shown while the session is being restored: the form laid out but invisible, so it keeps its size.
 * @csspart login-link - After a reset, in place of the form: a "Log in" link to `login-href`, else a
 *   button that focuses the page's `<auth-login>` (none when there is neither).
 * @csspart form - (light DOM, select with `auth-reset-password [part~="form"]`) the `<form>`.
 * @csspart label - (light DOM) each `<label>`.
 * @csspart input - (light DOM) each `<input>`.
 * @csspart username-input - (light DOM) the account's username for password managers
 *   (autocomplete=username, read-only): shown in change mode, hidden in reset mode (only when known).
 * @csspart current-password-input - (light DOM) the current password (change mode).
 * @csspart reset-code-input - (light DOM) the reset code (reset mode without a token).
 * @csspart password-input - (light DOM) the new password input.
 * @csspart password-repeat-input - (light DOM) the repeated new password input.
 * @csspart hint - (light DOM) the password policy hint.
 * @csspart strength - (light DOM) the strength meter under the new password: a bar (`::before`) and its text, with
 *   `data-level` = `too-short`, `common` (in the server's common-password list, or the username or email), `weak`,
 *   `ok` or `strong` (see `<auth-register>`); hidden while empty.
 * @csspart strength-status - (light DOM) the meter's polite live region (role=status, visually hidden), announced
 *   once typing pauses.
 * @csspart field-error - (light DOM) the message of an error that concerns a field (role=alert), after that
 * field and named by its `aria-describedby` and `aria-errormessage`; other errors show in `error`.
 * @csspart password-field - (light DOM) the box around each password input and its toggle.
 * @csspart password-toggle - (light DOM) the show-password button of each password input
 *   (`type="button"`, named "Show password", `aria-pressed`, `aria-controls` the input; back to dots before every submit).
 * @csspart spinner - (light DOM) the spinner inside the submit button while a request is pending
 *   (still under `prefers-reduced-motion: reduce`).
 * @csspart submit-button - (light DOM) the submit button.
 *
 * @cssstate unknown - The session is being restored (no form shown).
 * @cssstate anonymous - Nobody is signed in (reset mode).
 * @cssstate pending - A login is in progress (reset mode).
 * @cssstate authenticated - A user is signed in (change mode, unless a token is set).
 * @cssstate error - The session could not be checked (reset mode).
 *
 * @attr token - The reset token (else taken from `?reset_token=` in the address). Not reflected.
 * @attr username - Reset mode: the account's username, in a hidden field for password managers (else
 *   taken from `?username=` next to `?reset_token=`, and removed from the address with it).
 * @attr login-href - Where the "Log in" link shown after a reset leads.
 * @attr password-min-length - The policy's minimum password length for the hint, the indicator and
 *   `minlength`. Default 15 (the server's default); never below 8.
 * @attr location - `main` (default) or `sidebar` (forces the compact layout). Reflected.
 * @attr heading-level - Level of the title's heading, 1 to 6. Default 2 (anything else: 2, with a warning).
 * @attr hide-heading - Hide the title visually; screen readers still read it as the form's heading.
 * @attr fields - JSON object overriding strings, e.g. `{"Reset":"Save"}` (`title`, `submit`, `success`
 *   of the current mode, `currentPassword`, `newPassword`, `passwordRepeat`, `resetCode`,
 *   `changePassword.title`, `resetPassword.title`, `error.*`, …).
 */
export class AuthResetPassword extends AuthForm {
  static override styles = styles;

  static override properties: PropertyDeclarations = {
    token: {},
    username: {},
    loginHref: { attribute: 'login-href' },
    passwordMinLength: { attribute: 'password-min-length', type: Number },
  };

  /** The reset token from the mail; set from `?reset_token=` when the element connects. */
  declare token: string | undefined;
  protected override readonly meter = new StrengthMeter(this);
  /** The account's username in reset mode (for password managers); else from `?username=` next to the token. */
  declare username: string | undefined;
  /** Where the "Log in" link after a reset leads. */
  declare loginHref: string | undefined;
  /** A reset succeeded: the success and a way to log in replace the form. */
  #resetDone = false;

  override connectedCallback(): void {
    super.connectedCallback();
    const token = takeUrlParam(PARAM);
    if (token !== null) {
      this.token ||= token;
      const name = takeUrlParam(USER_PARAM);
      if (name) this.username ||= name;
    }
  }

  /** Change mode: signed in and no token. */
  #changing(): boolean {
    return !this.token && this.auth.state.status === 'authenticated';
  }

  protected get operation() {
    return this.#changing() ? 'change-password' : 'reset-password';
  }

  protected override get scope(): string {
    return this.#changing() ? 'changePassword' : 'resetPassword';
  }

  protected override visible(status: AuthStateStatus): boolean {
    return status !== 'unknown';
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    if (changed.has('token') && this.token) this.#resetDone = false; // a new link: a new reset
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    const changing = this.#changing();
    fillUsername(this, changing ? this.auth.state.user?.username : this.username, !changing);
  }

  /**
   * After a reset the form is gone until the session or the token changes: in its place a way to log
   * in, a link to `login-href`, else a button to the page's `<auth-login>`.
   */
  protected override formReplacement(): unknown {
    if (!(this.#resetDone && this.success)) return undefined;
    const label = this.localize.term('submit');
    if (this.loginHref) return html`<a part="login-link" href=${this.loginHref}>${label}</a>`;
    const input = document.querySelector<HTMLInputElement>('auth-login input:not([hidden])');
    return input ? html`<button part="login-link" type="button" @click=${() => input.focus()}>${label}</button>` : nothing;
  }

  /** Which password rule failed, translated from the server's reason. */
  protected override detail(error: FormError): string | undefined {
    return reasonText(this.localize, error) ?? super.detail(error);
  }

  protected inputs(): FieldSpec[] {
    const fields = newPassword('newPassword');
    if (this.#changing()) return [username, currentPassword, ...fields];
    if (this.username) fields.unshift(username);
    if (this.token) return fields;
    const code: FieldSpec = {
      name: 'reset-code',
      label: 'resetCode',
      autocomplete: 'one-time-code',
      verbatim: true,
      errors: ['reset_token_invalid'],
    };
    return [code, ...fields];
  }

  protected async send(client: AuthClient, value: FormValue, signal: AbortSignal): Promise<Event> {
    const password = value('password');
    this.#resetDone = false;
    if (this.#changing()) {
      const { user } = client.state; // signed in: change mode
      await client.changePassword({ currentPassword: value('current-password'), newPassword: password }, { signal });
      return new AuthPasswordChangedEvent(user!);
    }
    try {
      await client.resetPassword({ token: this.token || value('reset-code').trim(), password }, { signal });
      this.#resetDone = true;
      this.token = undefined; // used up
      return new AuthPasswordResetEvent();
    } catch (err) {
      if (err instanceof AuthError && err.code === 'reset_token_invalid') this.token = undefined;
      throw err;
    }
  }
}

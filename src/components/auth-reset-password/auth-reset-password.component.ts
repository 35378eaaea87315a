import type { PropertyDeclarations } from 'lit';
import { AuthError, type AuthClient, type AuthStateStatus } from '../../core/index.js';
import { AuthForm, takeUrlParam, type FieldSpec, type FormValue } from '../auth-form/auth-form.js';
import { currentPassword, newPassword } from '../auth-form/fields.js';
import styles from './auth-reset-password.styles.js';

/** The query parameter of the link in the reset mail. */
const PARAM = 'reset_token';

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
 * @summary Change password (signed in) or reset it with a code or link (signed out).
 *
 * @slot footer - Content under the form, e.g. a link to the login.
 * @slot form - Internal: the light-DOM form the element creates. Do not use.
 *
 * @event auth-error - {AuthErrorEvent} The change or reset failed; `detail` is
 *   `{code, message, operation: 'change-password' | 'reset-password'}` (codes include
 *   `invalid_credentials` for a wrong current password, `reset_token_invalid`, `weak_password`,
 *   `session_expired`, and `password_mismatch` found before sending).
 *
 * @csspart base - The card around everything.
 * @csspart header - The title ("Change password" or "Reset password").
 * @csspart error - The error message of no particular field (role=alert); hidden when empty.
 * @csspart success - The success message (role=status); empty until the password was changed.
 * @csspart placeholder - Shown while the session is being restored: the form laid out but invisible, so it keeps its size.
 * @csspart form - (light DOM, select with `auth-reset-password [part~="form"]`) the `<form>`.
 * @csspart label - (light DOM) each `<label>`.
 * @csspart input - (light DOM) each `<input>`.
 * @csspart current-password-input - (light DOM) the current password (change mode).
 * @csspart reset-code-input - (light DOM) the reset code (reset mode without a token).
 * @csspart password-input - (light DOM) the new password input.
 * @csspart password-repeat-input - (light DOM) the repeated new password input.
 * @csspart hint - (light DOM) the password policy hint.
 * @csspart strength - (light DOM) the live strength indicator (aria-live=polite).
 * @csspart field-error - (light DOM) the message of an error that concerns a field (role=alert), after that
 * field and named by its `aria-describedby` and `aria-errormessage`; other errors show in `error`.
 * @csspart submit-button - (light DOM) the submit button.
 *
 * @cssproperty --auth-form-color - Text colour (all form elements). Default `--auth-color-text`.
 * @cssproperty --auth-form-muted - Hints and the strength indicator. Default `--auth-color-muted`.
 * @cssproperty --auth-form-background - Card and input background. Default `--auth-color-surface`.
 * @cssproperty --auth-form-border - Card and input border colour. Default `--auth-color-border`.
 * @cssproperty --auth-form-accent - Submit button background, success mark. Default `--auth-color-accent`.
 * @cssproperty --auth-form-on-accent - Submit button text. Default `--auth-color-on-accent`.
 * @cssproperty --auth-form-danger - Error colour. Default `--auth-color-danger`.
 * @cssproperty --auth-form-radius - Corner radius. Default `--auth-radius`.
 * @cssproperty --auth-form-spacing - Padding and gaps. Default `--auth-spacing`.
 * @cssproperty --auth-form-focus-ring - Focus outline. Default `--auth-focus-ring`.
 * @cssproperty --auth-form-max-width - Maximum width of the card. Default `26rem`.
 * @cssproperty --auth-form-placeholder-height - Minimum height kept while restoring (the invisible form already keeps its size). Default `auto`.
 * @cssproperty --auth-reset-password-color - Each `--auth-form-*` property also exists as
 *   `--auth-reset-password-*` (`-color`, `-muted`, `-accent`, …), for this element only; it wins.
 *
 * @cssstate unknown - The session is being restored (no form shown).
 * @cssstate anonymous - Nobody is signed in (reset mode).
 * @cssstate pending - A login is in progress (reset mode).
 * @cssstate authenticated - A user is signed in (change mode, unless a token is set).
 * @cssstate error - The session could not be checked (reset mode).
 *
 * @attr token - The reset token (else taken from `?reset_token=` in the address). Not reflected.
 * @attr password-min-length - The policy's minimum password length for the hint, the indicator and
 *   `minlength`. Default 15 (the server's default); never below 8.
 * @attr location - `main` (default) or `sidebar` (forces the compact layout). Reflected.
 * @attr fields - JSON object overriding strings, e.g. `{"Reset":"Save"}` (`title`, `submit`, `success`
 *   of the current mode, `currentPassword`, `newPassword`, `passwordRepeat`, `resetCode`,
 *   `changePassword.title`, `resetPassword.title`, `error.*`, …).
 * @attr lang - Language of the strings (else the closest ancestor's, else the document's).
 */
export class AuthResetPassword extends AuthForm {
  static override styles = styles;

  static override properties: PropertyDeclarations = {
    token: {},
    passwordMinLength: { attribute: 'password-min-length', type: Number },
  };

  /** The reset token from the mail; set from `?reset_token=` when the element connects. */
  declare token: string | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    const token = takeUrlParam(PARAM);
    if (token !== null) this.token ||= token;
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

  protected inputs(): FieldSpec[] {
    const fields = newPassword('newPassword');
    if (this.#changing()) return [currentPassword, ...fields];
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

  protected async send(client: AuthClient, value: FormValue, signal: AbortSignal): Promise<void> {
    const password = value('password');
    if (this.#changing()) {
      await client.changePassword({ currentPassword: value('current-password'), newPassword: password }, { signal });
      return;
    }
    try {
      await client.resetPassword({ token: this.token || value('reset-code').trim(), password }, { signal });
      this.token = undefined; // used up
    } catch (err) {
      if (err instanceof AuthError && err.code === 'reset_token_invalid') this.token = undefined;
      throw err;
    }
  }
}

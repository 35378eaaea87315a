import type { AuthClient } from '../../core/index.js';
import { AuthForm, type FieldSpec, type FormError, type FormValue } from '../auth-form/auth-form.js';
import styles from './auth-login.styles.js';

const CREDENTIALS = ['invalid_credentials'];

/**
 * The username and password login form.
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
 * Values are read from the form (FormData) at submit time. While the session is being restored
 * (status `unknown`, e.g. right after a reload) the form is not shown, so it never flashes; it is laid
 * out invisibly, so nothing moves when it appears. When a user is signed in the element shows nothing.
 *
 * @summary Login form (username and password) that password managers can fill.
 *
 * @slot footer - Content under the form, e.g. links to register or reset a password.
 * @slot form - Internal: the light-DOM form the element creates. Do not use.
 *
 * @event auth-error - {AuthErrorEvent} A login failed; `detail` is `{code, message, operation: 'login'}`.
 *
 * @csspart base - The card around everything.
 * @csspart header - The title ("Login").
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
 * @csspart submit-button - (light DOM) the submit button.
 *
 * @cssproperty --auth-login-color - Text colour. Default `--auth-form-color`, else `--auth-color-text`.
 * @cssproperty --auth-login-muted - Secondary text. Default `--auth-form-muted`, else `--auth-color-muted`.
 * @cssproperty --auth-login-background - Card and input background. Default `--auth-form-background`, else `--auth-color-surface`.
 * @cssproperty --auth-login-border - Card and input border colour. Default `--auth-form-border`, else `--auth-color-border`.
 * @cssproperty --auth-login-accent - Submit button background. Default `--auth-form-accent`, else `--auth-color-accent`.
 * @cssproperty --auth-login-on-accent - Submit button text. Default `--auth-form-on-accent`, else `--auth-color-on-accent`.
 * @cssproperty --auth-login-danger - Error colour. Default `--auth-form-danger`, else `--auth-color-danger`.
 * @cssproperty --auth-login-radius - Corner radius. Default `--auth-form-radius`, else `--auth-radius`.
 * @cssproperty --auth-login-spacing - Padding and gaps. Default `--auth-form-spacing`, else `--auth-spacing`.
 * @cssproperty --auth-login-focus-ring - Focus outline. Default `--auth-form-focus-ring`, else `--auth-focus-ring`.
 * @cssproperty --auth-login-max-width - Maximum width of the card. Default `--auth-form-max-width`, else `26rem`.
 * @cssproperty --auth-login-placeholder-height - Minimum height kept while restoring (the invisible form already keeps its size). Default `--auth-form-placeholder-height`, else `auto`.
 *
 * @cssstate unknown - The session is being restored (no form shown).
 * @cssstate anonymous - Nobody is signed in (form shown).
 * @cssstate pending - A login is in progress.
 * @cssstate authenticated - A user is signed in (element hidden).
 * @cssstate error - The session could not be checked (form shown with the reason).
 *
 * @attr location - `main` (default) or `sidebar` (forces the compact layout). Reflected.
 * @attr fields - JSON object overriding strings, e.g. `{"Form name":"Sign in","Login":"Go"}`.
 * @attr lang - Language of the strings (else the closest ancestor's, else the document's).
 */
export class AuthLogin extends AuthForm {
  static override styles = styles;

  protected readonly operation = 'login';

  protected inputs(): FieldSpec[] {
    return [
      { name: 'username', label: 'username', autocomplete: 'username', verbatim: true, errors: CREDENTIALS },
      { name: 'password', label: 'password', autocomplete: 'current-password', type: 'password', errors: CREDENTIALS },
    ];
  }

  protected send(client: AuthClient, value: FormValue, signal: AbortSignal): Promise<unknown> {
    return client.login({ username: value('username'), password: value('password') }, { signal });
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

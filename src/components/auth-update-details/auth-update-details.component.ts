import type { PropertyValues } from 'lit';
import type { AuthClient, AuthStateStatus } from '../../core/index.js';
import { AuthForm, type FieldSpec, type FormValue } from '../auth-form/auth-form.js';
import { currentPassword, email, name } from '../auth-form/fields.js';
import styles from './auth-update-details.styles.js';

/**
 * The signed-in user's name and email. The fields are filled from the session once per user (and
 * again after a successful save), never while the user is typing. Changing the email needs the
 * current password: the element sends it only when the email changed, and refuses before sending
 * when it is missing (`password_required_for_email`); the server tells the old address.
 *
 * The form is a light-DOM child, like `<auth-login>`'s (see there why). Values are read at submit
 * time. Shown only while a user is signed in; a placeholder keeps the place while the session is
 * being restored.
 *
 * @summary Update the signed-in user's name and email.
 *
 * @slot footer - Content under the form.
 * @slot form - Internal: the light-DOM form the element creates. Do not use.
 *
 * @event auth-error - {AuthErrorEvent} The update failed; `detail` is `{code, message, operation: 'update-details'}`
 *   (codes include `invalid_credentials` for a wrong current password, `email_taken`,
 *   `invalid_input`, `session_expired`, and `password_required_for_email` found before sending).
 *
 * @csspart base - The card around everything.
 * @csspart header - The title ("Update details").
 * @csspart error - The error message of no particular field (role=alert); hidden when empty.
 * @csspart success - The success message (role=status); empty until the details were saved.
 * @csspart placeholder - Shown while the session is being restored: the form laid out but invisible, so it keeps its size.
 * @csspart form - (light DOM, select with `auth-update-details [part~="form"]`) the `<form>`.
 * @csspart label - (light DOM) each `<label>`.
 * @csspart input - (light DOM) each `<input>`.
 * @csspart name-input - (light DOM) the name input.
 * @csspart email-input - (light DOM) the email input.
 * @csspart current-password-input - (light DOM) the current password input.
 * @csspart hint - (light DOM) the hint under the current password.
 * @csspart field-error - (light DOM) the message of an error that concerns a field (role=alert), after that
 * field and named by its `aria-describedby` and `aria-errormessage`; other errors show in `error`.
 * @csspart submit-button - (light DOM) the submit button.
 *
 * @cssproperty --auth-form-color - Text colour (all form elements). Default `--auth-color-text`.
 * @cssproperty --auth-form-muted - The hint. Default `--auth-color-muted`.
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
 * @cssproperty --auth-update-details-color - Each `--auth-form-*` property also exists as
 *   `--auth-update-details-*` (`-color`, `-muted`, `-accent`, …), for this element only; it wins.
 *
 * @cssstate unknown - The session is being restored (placeholder).
 * @cssstate anonymous - Nobody is signed in (element hidden).
 * @cssstate pending - A login is in progress (element hidden).
 * @cssstate authenticated - A user is signed in (form shown).
 * @cssstate error - The session could not be checked (element hidden).
 *
 * @attr location - `main` (default) or `sidebar` (forces the compact layout). Reflected.
 * @attr fields - JSON object overriding strings, e.g. `{"Form name":"Your profile","Update":"Save"}`
 *   (`title`, `submit`, `success`, `name`, `email`, `currentPassword`, `emailHint`, `error.*`, …).
 * @attr lang - Language of the strings (else the closest ancestor's, else the document's).
 */
export class AuthUpdateDetails extends AuthForm {
  static override styles = styles;

  protected readonly operation = 'update-details';

  /** The user whose details the fields were last filled with. */
  #filledFor: string | null = '';

  protected override get scope(): string {
    return 'updateDetails';
  }

  protected override visible(status: AuthStateStatus): boolean {
    return status === 'authenticated';
  }

  protected inputs(): FieldSpec[] {
    return [name, email(['email_taken']), { ...currentPassword, required: false, hint: 'emailHint' }];
  }

  protected override check(value: FormValue): string | null {
    return this.#emailChanged(value) && !value('current-password') ? 'password_required_for_email' : null;
  }

  protected async send(client: AuthClient, value: FormValue, signal: AbortSignal): Promise<void> {
    const input: { name: string; email?: string; currentPassword?: string } = { name: value('name') };
    if (this.#emailChanged(value)) {
      input.email = value('email');
      input.currentPassword = value('current-password');
    }
    await client.updateDetails(input, { signal });
    this.#filledFor = ''; // fill again from the updated session
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    // A new user (or none: signed out) gets their own values, the previous user's are gone.
    const user = this.auth.state.user;
    if ((user?.id ?? null) !== this.#filledFor) {
      this.#filledFor = user?.id ?? null;
      this.setValues({ name: user?.name, email: user?.email });
    }
  }

  #emailChanged(value: FormValue): boolean {
    return value('email').trim().toLowerCase() !== (this.auth.state.user?.email ?? '').toLowerCase();
  }
}

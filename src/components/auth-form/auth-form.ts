import { html, nothing, render, type PropertyDeclarations, type PropertyValues } from 'lit';
import { AuthError, type AuthClient, type AuthState, type AuthStateStatus } from '../../core/index.js';
import { AuthElement } from '../auth-element.js';
import { AuthController } from '../controller.js';
import type { AuthOperation } from '../events/auth-error.js';
import type { TranslationKey } from '../localize.js';
import en from '../translations/en.js';
import { adoptFormStyles } from './auth-form.form-styles.js';

/** One input of a form element. */
export interface FieldSpec {
  /** The input's `name`; also the end of its id and its own part, `<name>-input`. */
  readonly name: string;
  readonly label: TranslationKey;
  readonly autocomplete: string;
  /** Default `text`. */
  readonly type?: 'text' | 'email' | 'password';
  /** Default true. */
  readonly required?: boolean;
  /** A hint under the field, tied to it with `aria-describedby`. */
  readonly hint?: TranslationKey;
  /** Usernames, emails and codes: no automatic capitals, no spell checking. */
  readonly verbatim?: boolean;
  /** The new password: the policy hint and the live strength indicator. */
  readonly strength?: boolean;
  /**
   * Error codes that mark this field `aria-invalid` and describe it with the message (shown after the
   * last such field, which gets the focus).
   */
  readonly errors?: readonly string[];
  /**
   * A password field: the error codes that empty it (it was the problem). Default its `errors`;
   * any other failure keeps what was typed.
   */
  readonly clearOn?: readonly string[];
}

/** What a form shows in `part="error"`: an AuthError, or a check made before sending. */
export interface FormError {
  readonly code: string;
  readonly description?: string | undefined;
}

/** Read one value of the submitted form (empty string when absent). */
export type FormValue = (name: string) => string;

/** The server's policy default and the lowest minimum it accepts (SECURITY.md 20). */
const DEFAULT_MIN_LENGTH = 15;
const LOWEST_MIN_LENGTH = 8;
/** The server's maximum, in code points. */
const MAX_LENGTH = 256;

let instances = 0;

/**
 * Read a token from the page address (`?<name>=…`, the link in a mail) once, and remove it from the
 * address bar with `history.replaceState`, so it neither stays in the history nor leaks through
 * `Referer`. Null when absent.
 */
export function takeUrlParam(name: string): string | null {
  const url = new URL(location.href);
  const value = url.searchParams.get(name);
  if (value !== null) {
    url.searchParams.delete(name);
    history.replaceState(history.state, '', url);
  }
  return value;
}

/** Length as the server counts it: code points after NFC, so an emoji counts once. */
function passwordLength(value: string): number {
  return [...value.normalize('NFC')].length;
}

/**
 * What the form elements share (`<auth-login>`, `<auth-register>`, `<auth-reset-password>`,
 * `<auth-forgot>`, `<auth-update-details>`). Not registered as a tag.
 *
 * **Why the form is in the light DOM.** Browsers' autofill and password-manager extensions do not
 * reliably see inputs inside shadow roots. So the `<form>` with its labels, inputs and submit button
 * is created by the element as a light-DOM child (`<form slot="form" part="form">`, rendered with
 * lit's `render()` from the list of fields the element gives), and slotted into the shadow root,
 * which only holds the chrome: `base`, `header`, `error`, `success`. The form's default styles come
 * from one constructable stylesheet adopted once into the element's root (document or enclosing
 * shadow root), inside `@layer auth-elements` and scoped under the elements' tags, so any page rule
 * overrides them.
 *
 * A subclass gives its fields (`inputs()`), its operation (`send()`), its key prefix (`scope`) and
 * when it is shown (`visible()`). The base reads the values from the form (FormData) at submit time,
 * cancels the request when the element leaves the page, disables the form while busy, shows errors
 * (translated by code; for `weak_password` and `invalid_input` also the server's description, as
 * text: next to the field(s) it concerns, `part="field-error"`, named by their `aria-describedby` and
 * `aria-errormessage`, else in the form-level `part="error"`) and the success message, dispatches `auth-error`, and clears the password fields after a
 * success, but after a failure only those that were the problem (`clearOn`).
 */
export abstract class AuthForm extends AuthElement {
  static override properties: PropertyDeclarations = {
    location: { reflect: true },
    operationError: { state: true },
    busy: { state: true },
    success: { state: true },
  };

  /** `main` or `sidebar`. */
  declare location: 'main' | 'sidebar';
  /**
   * The password policy's minimum length, for the hint, the strength indicator and `minlength` of
   * new passwords. Default 15 (the server's default); never below 8. The server decides. Elements
   * that ask for a new password make it a reactive property with the `password-min-length` attribute.
   */
  declare passwordMinLength: number | undefined;
  /** The last error, shown until the next attempt. */
  declare protected operationError: FormError | null;
  declare protected busy: boolean;
  /** The success message being shown, or empty. */
  declare protected success: string;

  protected readonly auth = new AuthController(this, {
    onChange: (state, previous) => {
      // Signed in or out meanwhile: an old message no longer applies.
      if ((state.status === 'authenticated') !== (previous.status === 'authenticated')) {
        this.operationError = null;
        this.success = '';
      }
    },
  });

  /** The operation name in `auth-error` events. */
  protected abstract readonly operation: AuthOperation;

  readonly #id = `${this.localName}-${++instances}`;
  #form: HTMLFormElement | null = null;
  #abort: AbortController | null = null;
  /** The field names last rendered: another set gets fresh inputs, never reused ones. */
  #rendered = '';
  /** Code-point length of each new-password field, for the strength indicator. */
  #lengths: Record<string, number> = {};

  constructor() {
    super();
    this.location = 'main';
    this.operationError = null;
    this.busy = false;
    this.success = '';
  }

  /** The current state of the shared client. */
  get state(): AuthState {
    return this.auth.state;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (!this.#form) {
      const form = document.createElement('form');
      form.method = 'post';
      form.slot = 'form';
      form.setAttribute('part', 'form');
      form.addEventListener('submit', (event) => void this.#onSubmit(event));
      form.addEventListener('input', (event) => {
        const input = event.target as HTMLInputElement;
        if (input.name in this.#lengths) {
          this.#lengths[input.name] = passwordLength(input.value);
          this.requestUpdate();
        }
      });
      this.#form = form;
    }
    if (this.#form.parentNode !== this) this.append(this.#form);
    adoptFormStyles(this.getRootNode());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    // A request in flight for a form that is gone: cancel it.
    this.#abort?.abort();
    this.#abort = null;
  }

  /** The fields, in order. */
  protected abstract inputs(): FieldSpec[];

  /** Perform the operation with the submitted values. Resolves when the server accepted it. */
  protected abstract send(client: AuthClient, value: FormValue, signal: AbortSignal): Promise<unknown>;

  /** Whether the form is shown in this status (otherwise a placeholder, or nothing). */
  protected visible(status: AuthStateStatus): boolean {
    return status === 'anonymous' || status === 'pending' || status === 'error';
  }

  /** A check before sending: the code of a client-side error, or null. */
  protected check(value: FormValue): string | null {
    return this.#form?.elements.namedItem('password-repeat') && value('password') !== value('password-repeat')
      ? 'password_mismatch'
      : null;
  }

  protected isBusy(): boolean {
    return this.busy;
  }

  /** The error to show: the last operation's. */
  protected currentError(): FormError | null {
    return this.operationError;
  }

  /** Submit the form as the user would (e.g. a token from a link needs no typing). */
  protected submit(): void {
    this.#form?.requestSubmit();
  }

  /** This element's own string: `title`, `submit` or `success`, under its key prefix. */
  protected text(name: 'title' | 'submit' | 'success'): string {
    return this.localize.term((this.scope ? `${this.scope}.${name}` : name) as TranslationKey);
  }

  /** The minimum password length in force. */
  protected get minLength(): number {
    return Math.max(LOWEST_MIN_LENGTH, Math.floor(this.passwordMinLength ?? DEFAULT_MIN_LENGTH) || DEFAULT_MIN_LENGTH);
  }

  /** Set input values (prefill); fields that do not exist are skipped. */
  protected setValues(values: Readonly<Record<string, string | undefined>>): void {
    for (const [name, value] of Object.entries(values)) {
      const input = this.#form?.elements.namedItem(name);
      if (input instanceof HTMLInputElement) input.value = value ?? '';
    }
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    this.setStatusState(this.auth.state.status);
  }

  /** The current error's message ('' for none), and the fields it concerns (none: the form-level alert). */
  #errorFor(specs: FieldSpec[]): { message: string; fields: FieldSpec[] } {
    const error = this.currentError();
    if (!error) return { message: '', fields: [] };
    // On the account forms, wrong credentials can only mean the current password.
    let message = this.localize.errorMessage(error.code === 'invalid_credentials' && this.scope ? 'wrong_password' : error.code);
    // The policy and field checks say which rule failed: show it too (as text, like all strings).
    if (error.description && (error.code === 'weak_password' || error.code === 'invalid_input')) {
      message += ` ${error.description}`;
    }
    return { message, fields: specs.filter((spec) => spec.errors?.includes(error.code)) };
  }

  protected override render() {
    const error = this.#errorFor(this.inputs());
    // An error of some field is shown next to it (see #formTemplate); the others here.
    const message = error.fields.length ? '' : error.message;
    return html`
      <div part="base" aria-busy=${this.isBusy() ? 'true' : 'false'}>
        ${this.visible(this.auth.state.status) && this.localize.ready()
          ? html`
              <div part="header">${this.text('title')}</div>
              <div part="error" role="alert" ?hidden=${!message}>${message}</div>
              <div part="success" role="status">${this.success || nothing}</div>
              <slot name="form"></slot>
              <slot name="footer"></slot>
            `
          : // The real form laid out but invisible (and unreachable), so nothing moves when it shows.
            html`<div part="placeholder" aria-hidden="true">
              <div part="header">${this.text('title')}</div>
              <slot name="form"></slot>
              <slot name="footer"></slot>
            </div>`}
      </div>
    `;
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    const form = this.#form;
    if (!form) return;
    const specs = this.inputs();
    const names = specs.map((spec) => spec.name).join();
    if (names !== this.#rendered) {
      // Another set of fields (a mode changed): new inputs, so no typed value lands in another field.
      render(nothing, form);
      this.#rendered = names;
      this.#lengths = {};
      for (const spec of specs) if (spec.strength) this.#lengths[spec.name] = 0;
    }
    render(this.#formTemplate(specs), form, { host: this });
    // The form's accessible name and busy flag (the form itself is not part of the template).
    form.setAttribute('aria-label', this.text('title'));
    if (this.isBusy()) form.setAttribute('aria-busy', 'true');
    else form.removeAttribute('aria-busy');
  }

  #formTemplate(specs: FieldSpec[]) {
    const busy = this.isBusy();
    const error = this.#errorFor(specs);
    const errorId = `${this.#id}-error`;
    const t = (key: TranslationKey, values?: Record<string, string>) => this.localize.term(key, values);
    const min = String(this.minLength);
    return html`${specs.map((spec) => {
        const id = `${this.#id}-${spec.name}`;
        const fresh = spec.autocomplete === 'new-password';
        const hint = spec.strength ? t('passwordHint', { min }) : spec.hint ? t(spec.hint) : '';
        const invalid = error.fields.includes(spec);
        const described = [invalid && errorId, hint && `${id}-hint`].filter(Boolean).join(' ');
        const length = this.#lengths[spec.name] ?? 0;
        let strength = '';
        if (length) {
          strength =
            length < this.minLength
              ? t('passwordShort', { length: String(length), min })
              : t(length >= this.minLength * 1.5 || length >= 20 ? 'passwordStrong' : 'passwordOk');
        }
        return html`
          <label part="label" for=${id}>${t(spec.label)}</label>
          <input
            part="input ${spec.name}-input"
            id=${id}
            name=${spec.name}
            type=${spec.type ?? 'text'}
            autocomplete=${spec.autocomplete}
            autocapitalize=${spec.verbatim ? 'none' : nothing}
            spellcheck=${spec.verbatim ? 'false' : nothing}
            minlength=${fresh ? min : nothing}
            maxlength=${fresh ? MAX_LENGTH : nothing}
            ?required=${spec.required !== false}
            aria-describedby=${described || nothing}
            aria-invalid=${invalid ? 'true' : nothing}
            aria-errormessage=${invalid ? errorId : nothing}
            ?disabled=${busy}
          />
          ${spec === error.fields.at(-1) ? html`<div part="field-error" id=${errorId} role="alert">${error.message}</div>` : nothing}
          ${hint ? html`<div part="hint" id="${id}-hint">${hint}</div>` : nothing}
          ${spec.strength ? html`<div part="strength" aria-live="polite">${strength || nothing}</div>` : nothing}
        `;
      })}
      <button part="submit-button" type="submit" ?disabled=${busy}>
        ${busy ? t(this.scope ? 'working' : 'submitting') : this.text('submit')}
      </button>`;
  }

  async #onSubmit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = this.#form;
    if (!form || this.isBusy()) return;
    // Read before anything is disabled: disabled inputs are not in FormData.
    const data = new FormData(form);
    const value: FormValue = (name) => String(data.get(name) ?? '');
    this.operationError = null;
    this.success = '';
    const client = this.auth.client;
    if (!client) {
      this.dispatchAuthError(Object.assign(new Error('No <auth-provider> above this element.'), { code: 'no_client' }), this.operation);
      return;
    }
    const problem = this.check(value);
    if (problem) {
      const key = `error.${problem}` as keyof typeof en;
      return this.#fail({ code: problem }, Object.assign(new Error(en[key]), { code: problem }));
    }
    const abort = new AbortController();
    this.#abort?.abort();
    this.#abort = abort;
    this.busy = true;
    try {
      await this.send(client, value, abort.signal);
      this.#clearPasswords();
      if (this.scope) {
        form.reset();
        this.success = this.text('success');
      }
    } catch (err) {
      if (abort.signal.aborted) return; // cancelled because the element left the page
      const error = err instanceof AuthError ? err : new AuthError('network_error', 'Something went wrong.', { cause: err });
      this.busy = false;
      await this.#fail(error, error);
    } finally {
      if (this.#abort === abort) this.#abort = null;
      this.busy = false;
    }
  }

  /** Show and dispatch an error, clear the passwords at fault, and focus the (last) field it concerns. */
  async #fail(shown: FormError, dispatched: unknown): Promise<void> {
    this.operationError = shown;
    this.dispatchAuthError(dispatched, this.operation);
    this.#clearPasswords(shown.code);
    await this.updateComplete;
    const invalid = [...(this.#form?.querySelectorAll<HTMLInputElement>('[aria-invalid="true"]') ?? [])].pop();
    if (invalid && this.isConnected) invalid.focus();
  }

  /**
   * Empty the password fields and their strength readings: all of them, or after the error `code`
   * only those it concerns (`clearOn`, else `errors`).
   */
  #clearPasswords(code?: string): void {
    const specs = new Map(this.inputs().map((spec) => [spec.name, spec]));
    for (const input of this.#form?.querySelectorAll<HTMLInputElement>('input[type="password"]') ?? []) {
      const spec = specs.get(input.name);
      if (code !== undefined && spec && !(spec.clearOn ?? spec.errors ?? []).includes(code)) continue;
      input.value = '';
      if (input.name in this.#lengths) this.#lengths[input.name] = 0;
    }
    this.requestUpdate();
  }
}

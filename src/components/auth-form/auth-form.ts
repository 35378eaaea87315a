import { html, nothing, render, type PropertyDeclarations, type PropertyValues } from 'lit';
import { AuthError, type AuthClient, type AuthState, type AuthStateStatus } from '../../core/index.js';
import { AuthElement } from '../auth-element.js';
import { AuthController } from '../controller.js';
import type { Outcome } from '../focus.js';
import type { AuthOperation } from '../events/auth-error.js';
import { actingFor } from '../events/origin.js';
import type { TranslationKey } from '../localize.js';
import en from '../translations/en.js';
import { warnOnce } from '../warn.js';
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

/**
 * The strength meter under a new password (strength.ts): only the elements that ask for a new
 * password create one, so it and its common-password list stay out of the login's first load.
 */
export interface PasswordMeter {
  /** A field of the form was typed into. */
  typed(input: HTMLInputElement): void;
  /**
   * The policy hint (`part="hint"`, id `<id>-hint`) and the meter for the new-password `input` (null
   * before the first render); `id` is the input's id.
   */
  render(input: HTMLInputElement | null, id: string, min: number, t: Term): unknown;
}

/** A translated string, with its `{placeholders}` filled. */
export type Term = (key: TranslationKey, values?: Record<string, string>) => string;

/** A footer link: its address (none: not shown), its text, and the text before it. */
export type FooterLink = [href: string | undefined, text: TranslationKey, lead?: TranslationKey];

/** What a form shows in `part="error"`: an AuthError, or a check made before sending. */
export interface FormError {
  readonly code: string;
  readonly description?: string | undefined;
  /** Seconds to wait (`rate_limited`). */
  readonly retryAfter?: number | undefined;
  /** The server's machine-readable reason and its numbers (e.g. `too_short`, `{min: 15}`). */
  readonly reason?: string | undefined;
  readonly params?: Readonly<Record<string, number>> | undefined;
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
 * Move a lost focus after an outcome (focus.ts, on demand; without `outcome`, just load it: the
 * forms start loading it when they connect, so it is there when the outcome arrives).
 */
const focusAfter = (el: HTMLElement, outcome?: Outcome) =>
  import('../focus.js').then((m) => outcome && m.settleFocus(el, outcome), () => undefined);

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
 * (translated by code; `rate_limited` with how long to wait; then the rule that failed, translated
 * from the server's `reason`, else, in English only, the server's description of `weak_password` and
 * `invalid_input`, as text: next to the field(s) it concerns, `part="field-error"`, named by their `aria-describedby` and
 * `aria-errormessage`, else in the form-level `part="error"`) and the success message, dispatches `auth-error`, and clears the password fields after a
 * success, but after a failure only those that were the problem (`clearOn`).
 *
 * Every password field gets a show-password toggle (`part="password-toggle"`, `aria-pressed`), and is
 * set back to type=password when the submit button is clicked and again at submit, so password
 * managers see a password field. While busy the submit button shows a spinner and its busy text at
 * an unchanged width. A subclass may give footer links (`links()`) and a strength meter (`meter`).
 */
export abstract class AuthForm extends AuthElement {
  static override properties: PropertyDeclarations = {
    location: { reflect: true },
    headingLevel: { attribute: 'heading-level' },
    operationError: { state: true },
    busy: { state: true },
    success: { state: true },
  };

  /** `main` or `sidebar`. */
  declare location: 'main' | 'sidebar';
  /** The level of the title's heading, 1 to 6 (`<h2>` by default; anything else is 2, with a warning). */
  declare headingLevel: number | string | undefined;
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
  /** The strength meter of the field with `strength`, on the elements that have one. */
  protected readonly meter: PasswordMeter | null = null;

  readonly #id = `${this.localName}-${++instances}`;
  #form: HTMLFormElement | null = null;
  #abort: AbortController | null = null;
  /** The field names last rendered: another set gets fresh inputs, never reused ones. */
  #rendered = '';
  /** The password fields shown as text (their toggle pressed). */
  #revealed = new Set<string>();
  /** The title's heading, kept across renders (so a focus on it stays). */
  #heading: HTMLElement | null = null;

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
        if (this.meter) {
          this.meter.typed(event.target as HTMLInputElement);
          this.requestUpdate();
        }
      });
      this.#form = form;
    }
    if (this.#form.parentNode !== this) this.append(this.#form);
    adoptFormStyles(this.getRootNode());
    void focusAfter(this);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    // A request in flight for a form that is gone: cancel it.
    this.#abort?.abort();
    this.#abort = null;
  }

  /** The fields, in order. */
  protected abstract inputs(): FieldSpec[];

  /**
   * Perform the operation with the submitted values. Resolves when the server accepted it, with the
   * success event to dispatch from this element once the success shows (`auth-password-changed`, …),
   * if any. A session it starts dispatches `auth-login` from this element too (see events/origin.ts).
   */
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

  /**
   * What follows the error's message: which rule failed. Here the server's English description of
   * `weak_password` and `invalid_input`, in an English UI only; the account forms translate the
   * server's `reason` (fields.ts).
   */
  protected detail(error: FormError): string | undefined {
    return (error.code === 'weak_password' || error.code === 'invalid_input') && this.localize.code() === 'en' ? error.description : '';
  }

  /** The form was emptied after a success (e.g. to fill it again from the session). */
  protected formReset(): void {}

  /**
   * What replaces the form (e.g. once a reset is done: a way to log in; `<auth-login>` under OIDC: its
   * button), or nothing falsy while the form is shown.
   */
  protected formReplacement(): unknown {
    return undefined;
  }

  /** The error to show: the last operation's. */
  protected currentError(): FormError | null {
    return this.operationError;
  }

  /** Links under the form (`part="footer"`), shown when their address is set. */
  protected links(): FooterLink[] {
    return [];
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
    const t = this.localize;
    // On the account forms, wrong credentials can only mean the current password.
    let message =
      error.code === 'rate_limited' && error.retryAfter
        ? t.term('retryIn', { time: t.inTime(error.retryAfter) })
        : t.errorMessage(error.code === 'invalid_credentials' && this.scope ? 'wrong_password' : error.code);
    const detail = this.detail(error);
    if (detail) message += ` ${detail}`;
    return { message, fields: specs.filter((spec) => spec.errors?.includes(error.code)) };
  }

  protected override render() {
    const error = this.#errorFor(this.inputs());
    // An error of some field is shown next to it (see #formTemplate); the others here.
    const message = error.fields.length ? '' : error.message;
    const links = this.links().filter(([href]) => href);
    return html`
      <div part="base" aria-busy=${this.isBusy() ? 'true' : 'false'}>
        ${this.visible(this.auth.state.status) && this.localize.ready()
          ? html`
              ${this.#headingElement()}
              <div part="error" role="alert" ?hidden=${!message}>${message}</div>
              <div part="success" role="status">${this.success || nothing}</div>
              ${this.formReplacement() || html`<slot name="form"></slot>`}
              ${links.length
                ? html`<div part="footer">
                    ${links.map(
                      ([href, text, lead]) =>
                        html`<p>${lead ? `${this.localize.term(lead)} ` : ''}<a part="link" href=${href!}>${this.localize.term(text)}</a></p>`,
                    )}
                  </div>`
                : nothing}
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

  /** The title as `<h1>`…`<h6>` (`heading-level`), focusable from script (tabindex -1). */
  #headingElement(): HTMLElement {
    let level = this.headingLevel ?? 2;
    if (!/^[1-6]$/.test(String(level))) {
      warnOnce('heading-level', `heading-level="${level}" is not 1 to 6: 2 is used.`);
      level = 2;
    }
    let heading = this.#heading;
    if (heading?.localName !== `h${level}`) {
      heading = this.#heading = document.createElement(`h${level}`);
      heading.setAttribute('part', 'header');
      heading.tabIndex = -1;
    }
    heading.textContent = this.text('title');
    return heading;
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
      this.#revealed.clear();
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
    const t: Term = (key, values) => this.localize.term(key, values);
    const min = String(this.minLength);
    const labels = [this.text('submit'), t(this.scope ? 'working' : 'submitting')];
    if (busy) labels.reverse();
    return html`${specs.map((spec) => {
        const id = `${this.#id}-${spec.name}`;
        const fresh = spec.autocomplete === 'new-password';
        const hint = spec.hint ? t(spec.hint) : '';
        // The meter, when there is one, gives the new password its policy hint (its strings ship with it).
        const meter = spec.strength && this.meter;
        const invalid = error.fields.includes(spec);
        const described = [invalid && errorId, (hint || meter) && `${id}-hint`].filter(Boolean).join(' ');
        const password = spec.type === 'password';
        const revealed = this.#revealed.has(spec.name);
        const input = html`<input
          part="input ${spec.name}-input"
          id=${id}
          name=${spec.name}
          type=${revealed ? 'text' : (spec.type ?? 'text')}
          autocomplete=${spec.autocomplete}
          autocapitalize=${spec.verbatim || password ? 'none' : nothing}
          spellcheck=${spec.verbatim || password ? 'false' : nothing}
          minlength=${fresh ? min : nothing}
          maxlength=${fresh ? MAX_LENGTH : nothing}
          ?required=${spec.required !== false}
          aria-describedby=${described || nothing}
          aria-invalid=${invalid ? 'true' : nothing}
          aria-errormessage=${invalid ? errorId : nothing}
          ?disabled=${busy}
        />`;
        return html`
          <label part="label" for=${id}>${t(spec.label)}</label>
          ${password
            ? html`<div part="password-field">
                ${input}<button
                  part="password-toggle"
                  type="button"
                  aria-label=${t('showPassword')}
                  aria-pressed=${revealed}
                  aria-controls=${id}
                  ?disabled=${busy}
                  @click=${() => this.#reveal(spec.name, !revealed)}
                >
                  <svg viewBox="0 0 24 24" aria-hidden="true"><circle cx="12" cy="12" r="3"/><path d="M2 12s4-7 10-7 10 7 10 7-4 7-10 7-10-7-10-7z"/><path d="m4 4 16 16"/></svg>
                </button>
              </div>`
            : input}
          ${spec === error.fields.at(-1) ? html`<div part="field-error" id=${errorId} role="alert">${error.message}</div>` : nothing}
          ${hint ? html`<div part="hint" id="${id}-hint">${hint}</div>` : nothing}
          ${meter ? meter.render(this.#input(spec.name), id, this.minLength, t) : nothing}
        `;
      })}
      <button part="submit-button" type="submit" ?disabled=${busy} data-other=${labels[1]!} @click=${() => this.#reveal()}>
        <span>${busy ? html`<span part="spinner" aria-hidden="true"></span>` : nothing}${labels[0]}</span>
      </button>`;
  }

  #input(name: string): HTMLInputElement | null {
    const input = this.#form?.elements.namedItem(name);
    return input instanceof HTMLInputElement ? input : null;
  }

  /**
   * Show the password field `name` as text, or as dots again; no name: every field as dots (before a
   * submit, so password managers see type=password). The value and the selection stay.
   */
  #reveal(name?: string, show = false): void {
    for (const field of name ? [name] : [...this.#revealed]) {
      const input = this.#input(field);
      if (!input) continue;
      const { selectionStart, selectionEnd } = input;
      input.type = show ? 'text' : 'password';
      input.setSelectionRange(selectionStart, selectionEnd);
      if (show) this.#revealed.add(field);
      else this.#revealed.delete(field);
    }
    this.requestUpdate();
  }

  async #onSubmit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = this.#form;
    if (!form || this.isBusy()) return;
    this.#reveal();
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
      const done = await actingFor(client, this, () => this.send(client, value, abort.signal));
      if (this.scope) this.success = this.text('success');
      this.busy = false;
      // Password managers read the form as it goes away (signed in, or the success shown): empty it
      // a task later, once that is rendered (updates are microtasks).
      await new Promise((resolve) => setTimeout(resolve));
      this.#clearPasswords();
      if (this.scope) {
        form.reset();
        this.formReset();
      }
      if (done instanceof Event) this.dispatchEvent(done);
      // The pressed control was disabled meanwhile: see focus.ts for where the focus goes.
      void focusAfter(this, 'done');
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
    else void focusAfter(this, 'error');
  }

  /**
   * Empty the password fields (and so their strength readings): all of them, or after the error `code`
   * only those it concerns (`clearOn`, else `errors`).
   */
  #clearPasswords(code?: string): void {
    for (const spec of this.inputs()) {
      const input = this.#input(spec.name);
      if (!input || spec.type !== 'password' || (code !== undefined && !(spec.clearOn ?? spec.errors ?? []).includes(code))) continue;
      input.value = '';
    }
    this.requestUpdate();
  }
}

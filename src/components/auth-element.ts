import { LitElement, type PropertyDeclarations } from 'lit';
import type { AuthStateStatus } from '../core/index.js';
import { AuthErrorEvent, type AuthOperation } from './events/auth-error.js';
import { fieldsConverter, LocalizeController, type Fields } from './localize.js';
import { warnAuthError } from './warn.js';

const STATUSES: readonly AuthStateStatus[] = ['unknown', 'anonymous', 'pending', 'authenticated', 'error'];

/**
 * What every auth element shares: translated strings with `fields` overrides, the status exposed
 * as a custom state, and errors dispatched as `auth-error`. Not registered as a tag.
 */
export class AuthElement extends LitElement {
  static override properties: PropertyDeclarations = {
    fields: { converter: fieldsConverter },
  };

  /**
   * Overrides any visible string, by translation key (`title`, `username`, `password`, `submit`,
   * `logout`, `error.invalid_credentials`, …) or by Streamlit-Authenticator name (`Form name`,
   * `Username`, `Password`, `Login`, `Logout`, `Register`, `Name`, `Email`, `Repeat password`,
   * `Current password`, `New password`, `Reset`, `Submit`, `Update`). On a form element, `title`,
   * `submit` and `success` name that element's own strings. Also settable as a JSON attribute.
   */
  declare fields: Fields;

  protected readonly internals: ElementInternals;
  protected readonly localize: LocalizeController;

  constructor() {
    super();
    this.fields = {};
    this.internals = this.attachInternals();
    this.localize = new LocalizeController(this, () => this.scope);
  }

  /** Prefix of this element's own translation keys (`register` for `register.title`); none here. */
  protected get scope(): string {
    return '';
  }

  /** Set exactly one of the custom states unknown / anonymous / pending / authenticated / error. */
  protected setStatusState(status: AuthStateStatus): void {
    const states = this.internals.states;
    for (const name of STATUSES) {
      if (name === status) states.add(name);
      else states.delete(name);
    }
  }

  /** Dispatch `auth-error`; token and response problems are also explained in the console. */
  protected dispatchAuthError(error: unknown, operation: AuthOperation): void {
    warnAuthError(error);
    this.dispatchEvent(new AuthErrorEvent(error, operation));
  }
}
